"""The estimate itself: parameter checks, the budget split, the random streams,
:func:`sample_regions` and :func:`sample_patterns`."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Sequence

import numpy as np

from .._validation import check_int, field_error
from ..models.network import Network
from .dedup import PatternKeys
from .kernel import DEFAULT_MAX_MEMORY, PatternSampler, _chunk
from .results import SamplingResult, StdCount

__all__ = ["DEFAULT_STDS", "sample_patterns", "sample_regions", "split_budget"]

#: The paper's grid of standard deviations (Section 6).
DEFAULT_STDS: tuple[float, ...] = (3.0, 5.0, 7.0, 9.0, 11.0, 13.0)


# -- parameter checks ----------------------------------------------------------------------
def _check_network(network: object) -> Network:
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a Network", network)
    return network


def _check_stds(stds: object) -> tuple[float, ...]:
    expected = "a non-empty sequence of positive finite numbers"
    if isinstance(stds, np.ndarray):
        stds = stds.tolist()
    if isinstance(stds, (str, bytes)) or not isinstance(stds, Sequence) or len(stds) == 0:
        raise field_error("The 'stds'", expected, stds)
    out = []
    for value in stds:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise field_error("The 'stds'", "positive finite numbers", value)
        value = float(value)
        if not (math.isfinite(value) and value > 0):
            raise field_error("The 'stds'", "positive finite numbers", value)
        out.append(value)
    return tuple(out)


def _check_seed(seed: object) -> None:
    if isinstance(seed, (bool, np.bool_)) or not (
            seed is None or isinstance(seed, (numbers.Integral, np.random.Generator))):
        raise field_error("The 'seed'", "a non-negative integer, a numpy Generator or None", seed)
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise field_error("The 'seed'", "a non-negative integer, a numpy Generator or None", seed)


def split_budget(n_points: int, n_stds: int) -> tuple[int, ...]:
    """Points per std when ``n_points`` in total are split evenly over ``n_stds`` stds.

    The first ``n_points % n_stds`` stds get one point more; the shares sum to
    ``n_points`` and equal the number of points of each std among the first
    ``n_points`` points of the interleaved order.

    Examples
    --------
    >>> split_budget(10, 4)
    (3, 3, 2, 2)
    """
    n_points = check_int(n_points, "The 'n_points'", minimum=0)
    n_stds = check_int(n_stds, "The number of stds", minimum=1)
    q, r = divmod(n_points, n_stds)
    return tuple(q + (j < r) for j in range(n_stds))


def _streams(seed: int | np.random.Generator | None, k: int) -> tuple[list[np.random.Generator], int | None]:
    """One independent generator per std, and the root entropy when it is known."""
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(k)), None
    root = np.random.SeedSequence(None if seed is None else int(seed))
    entropy = root.entropy  # an int for an int or None seed
    return [np.random.default_rng(child) for child in root.spawn(k)], entropy if isinstance(entropy, int) else None


def _sample_keys(network, n_points, stds, seed, chunk_size, max_memory):
    """Distinct pattern keys per std; the common engine of the public functions."""
    network = _check_network(network)
    n_points = check_int(n_points, "The 'n_points'", minimum=1)
    stds = _check_stds(stds)
    _check_seed(seed)
    chunk = _chunk(network, chunk_size, max_memory)
    budgets = split_budget(n_points, len(stds))
    start = time.perf_counter()
    rngs, entropy = _streams(seed, len(stds))
    sampler = PatternSampler(network, min(chunk, max(budgets)))
    keys = PatternKeys(network.architecture.n_neurons)
    found: list[set] = []
    for std, rng, budget in zip(stds, rngs, budgets):
        seen: set = set()
        done = 0
        while done < budget:
            m = min(chunk, budget - done)
            seen.update(keys.unique(sampler.packed(rng, std, m))[0])
            done += m
        found.append(seen)
    seconds = time.perf_counter() - start
    return stds, budgets, found, keys, seconds, chunk, entropy


# -- public API --------------------------------------------------------------------------
def sample_regions(network: Network, n_points: int, *, stds: Sequence[float] = DEFAULT_STDS,
                   seed: int | np.random.Generator | None = None, chunk_size: int | None = None,
                   max_memory: int = DEFAULT_MAX_MEMORY) -> SamplingResult:
    """Estimate the number of linear regions by sampling, as in Section 6 of the paper.

    Parameters
    ----------
    network : Network
    n_points : int
        Total number of points, split evenly over ``stds`` (see :func:`split_budget`).
        The paper uses 2*10^9.
    stds : sequence of float
        Standard deviations ``v`` of the Gaussian ``N(0, v^2 I)`` the points are drawn
        from; the paper's grid ``(3, 5, 7, 9, 11, 13)`` by default.
    seed : int, numpy Generator or None
        Seed of the private random streams (one child stream per std); None draws
        fresh entropy, reported in the result.  No global state is touched.
    chunk_size : int, optional
        Points per vectorised chunk; by default ``MAX_AUTO_CHUNK``, or fewer if
        the work buffers would not fit in ``max_memory``.  It never changes the
        result.
    max_memory : int
        Bound in bytes on the work buffers of a chunk (not on the set of patterns
        found, which is kept whole).

    Returns
    -------
    SamplingResult
        ``regions_found`` is the maximum over the stds (the paper's figure);
        ``union_found`` counts the patterns of all stds together.  Both are lower
        bounds on ``R_{N,theta}``.

    Raises
    ------
    InvalidParameterError
        For a non-Network, ``n_points < 1``, an empty ``stds`` or a std that is not
        a positive finite number, a bad seed, chunk size or memory bound.

    Examples
    --------
    >>> from cnnregions.models import resolve_network
    >>> result = sample_regions(resolve_network("example1-d1"), 60_000, seed=0)
    >>> result.regions_found, result.points
    (4, 60000)
    """
    stds, budgets, found, _, seconds, chunk, entropy = _sample_keys(
        network, n_points, stds, seed, chunk_size, max_memory)
    per_std = tuple(StdCount(std, budget, len(seen)) for std, budget, seen in zip(stds, budgets, found))
    return SamplingResult(regions_found=max(s.regions_found for s in per_std),
                          union_found=len(set().union(*found)), per_std=per_std, points=sum(budgets),
                          seconds=seconds, neurons=network.architecture.n_neurons, chunk_size=chunk,
                          seed=entropy)


def sample_patterns(network: Network, n_points: int, *, stds: Sequence[float] = DEFAULT_STDS,
                    seed: int | np.random.Generator | None = None, chunk_size: int | None = None,
                    max_memory: int = DEFAULT_MAX_MEMORY) -> np.ndarray:
    """The distinct activation patterns met by :func:`sample_regions` (union over the stds).

    Same parameters and same points as :func:`sample_regions` (for the same seed).

    Returns
    -------
    ndarray of bool, shape (union_found, n_neurons)
        One row per distinct pattern, True where the neuron is active (``z > 0``),
        neurons ordered as in ``Network.activation_patterns``.  Rows are sorted by
        their packed key, so the output is deterministic.
    """
    _, _, found, keys, _, _, _ = _sample_keys(network, n_points, stds, seed, chunk_size, max_memory)
    return keys.decode(sorted(set().union(*found)))
