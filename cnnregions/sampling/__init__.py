"""The paper's sampling estimator (Section 6), as a fast baseline for the exact count.

Xiong et al. (ICML 2020, Section 6) estimate the number of linear regions of a
He-initialised network by drawing random inputs from ``N(0, v^2 I)`` for every
``v`` in ``{3, 5, 7, 9, 11, 13}`` (2*10^9 points in total), counting the distinct
activation patterns met for each ``v``, and reporting the maximum over ``v``.
Sampling can only miss regions: the result is a lower bound on ``R_{N,theta}``.

How the budget is spent (a choice of this package, which the paper leaves open):

- ``n_points`` is the **total** number of points, split evenly over the standard
  deviations: the ``j``-th of ``k`` stds gets ``n_points // k`` points, plus one if
  ``j < n_points % k`` (:func:`split_budget`).
- Every std has its own random stream, child ``j`` of
  ``numpy.random.SeedSequence(seed).spawn(k)``; its points are drawn in order, so
  the chunk size never changes which points are drawn, and the points of std ``j``
  depend only on ``seed``, ``j`` and its share of the budget.
- Points are ordered by interleaving the stds (global point ``g`` is point ``g // k``
  of std ``g % k``).  The first ``P`` points of that order are exactly the points
  that ``sample_regions(network, P)`` evaluates, so :func:`points_to_coverage`
  answers "which budget would have found this many regions".

Activation patterns follow :meth:`cnnregions.models.network.Network.activation_patterns`
(``z > 0`` active, neurons layer after layer) and are packed with
``numpy.packbits``.  With at most 64 neurons a pattern's key is the packed bits read
as one unsigned integer and a chunk is deduplicated by ``numpy.sort``; with more
neurons the key is the packed bytes and a chunk is deduplicated by a 64-bit hash
whose groups are verified bit for bit (falling back to an exact sort of the
bytes on a collision), so the counts are always exact.

Memory: the work buffers are bounded by ``max_memory`` (or sized by
``chunk_size``); the set of distinct patterns found is kept whole, about 50-100
bytes per pattern, as any exact count of distinct patterns must.
"""

from .coverage import points_to_coverage
from .estimate import DEFAULT_STDS, sample_patterns, sample_regions, split_budget
from .kernel import DEFAULT_MAX_MEMORY
from .results import CoverageResult, SamplingResult, StdCount

__all__ = ["DEFAULT_MAX_MEMORY", "DEFAULT_STDS", "CoverageResult", "SamplingResult", "StdCount",
           "points_to_coverage", "sample_patterns", "sample_regions", "split_budget"]
