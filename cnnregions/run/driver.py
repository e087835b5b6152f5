"""Public entry points: :func:`iter_regions` and :func:`count_regions`.

Both read the same way: check the options, let :func:`~.engines.engine_for` choose the
engine of the domain, and ask that engine (:class:`~cnnregions.core.engine.Engine`) for the
regions or for the count.  A tree engine (the LP search) counts through
:class:`~.tree.TreeRun`: the tree is cut into tasks that run on a backend (this process, local
processes, a dask cluster), with checkpoints, and their statistics are summed.

For other budgets (or splits) the count and the number of nodes stay the same
(the same tree is searched); the number of LPs may differ, because the
emptiness certificates and remembered points that spare LPs are kept per task.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from .._validation import InvalidParameterError
from ..core.domain import Domain
from ..core.problem import DEFAULT_TOLERANCE
from ..core.results import Region, RegionCount
from ..models.network import Network
from .backends import DEFAULT_CONNECT_TIMEOUT
from .engines import DEFAULT_ENGINE, engine_for
from .settings import AUTO, RunSettings, check_certify
from .tasks import DEFAULT_BUDGET
from .tree import TreeRun

__all__ = ["DEFAULT_BUDGET", "DEFAULT_SPLIT", "count_regions", "iter_regions"]

#: Default number of initial tasks (subtrees of a breadth-first split): enough to
#: start the workers of a workstation at once, few enough that splitting the tree
#: (in the parent process) stays cheap; the work budget does the rest.
DEFAULT_SPLIT = 16


def iter_regions(network: Network, *, domain: Domain | None = None,
                 tol: float = DEFAULT_TOLERANCE, certify: bool = False,
                 engine: str = DEFAULT_ENGINE) -> Iterator[Region]:
    """Generate every linear region of ``network``, one at a time.

    A region (Definition 1 of Xiong et al., 2020) is a non-empty open set
    ``{x : z(x) P(z) > 0 for every hidden neuron z}`` for an activation pattern ``P``.
    The search is depth first and holds one path, so memory does not grow with
    the number of regions.

    Parameters
    ----------
    network : Network
    domain : Domain (Box, Plane, Segment) or None
        Count in all of the input space (None), in an open box, or on a plane.  A
        windowed plane or a segment is split exactly by :mod:`cnnregions.geometry`
        (no LP, no tolerance; ``tol`` is not used).
    tol : float
        A region is counted when it contains a ball of radius ``tol`` times the
        network's length scale (see :class:`RegionCount`).
    certify : bool
        Yield only regions proven non-empty in exact arithmetic, and every region
        of the exact ``R_{N,theta}`` (see :func:`count_regions`).  Refused on a segment,
        whose intervals are exact already.
    engine : {"kernel", "reference"}
        The tree engine (see :func:`count_regions`).

    Yields
    ------
    Region
        Activation pattern, witness point and inscribed radius of each region.

    Examples
    --------
    >>> from cnnregions import he_network, paper_architecture
    >>> net = he_network(paper_architecture("example1-d2"), seed=0)
    >>> sum(1 for _ in iter_regions(net))  # d^3 + d^2 + d + 1 (Example 1)
    15
    """
    certify = check_certify(certify)
    chosen = engine_for(domain, certify=certify, engine=engine)
    refusal = chosen.refusal(certify=certify)
    if refusal is not None:
        raise InvalidParameterError(refusal)
    for batch in chosen.region_batches(network, domain, tol=tol, certify=certify):
        yield from batch


def count_regions(network: Network, *, n_jobs: int = 1, domain: Domain | None = None,  # noqa: PLR0913  public API, keyword-only
                  tol: float = DEFAULT_TOLERANCE, split: int = DEFAULT_SPLIT,
                  budget: int | str | None = AUTO,
                  progress: bool | Callable[[int, int, int], None] = False,
                  scheduler=None, checkpoint: str | os.PathLike | None = None,
                  connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, certify: bool = False,
                  sink=None, engine: str = DEFAULT_ENGINE) -> RegionCount:
    """Count the linear regions ``R_{N,theta}`` of ``network`` exactly.

    Depth-first search over activation patterns, layer by layer and neuron by
    neuron, keeping only non-empty branches; each emptiness test is a HiGHS
    linear program (Definition 1 of Xiong et al., ICML 2020: every hidden
    neuron's strict sign counts, over the whole, unbounded input space unless a
    ``domain`` is given).

    Parameters
    ----------
    network : Network
    n_jobs : int
        Worker processes (loky); -1 for all cores.  The regions and ``nodes`` do not
        depend on it; with an explicit ``budget`` neither do ``lps``.  Capped at the number of
        initial tasks or of cores, whichever is larger, with a warning above the
        number of cores.
    domain : Domain (Box, Plane, Segment) or None
        Restrict the count to an open box, to a plane through three inputs, or to the
        segment between two inputs.  A windowed plane or a segment is counted exactly by
        the geometric engine (:mod:`cnnregions.geometry`: polygons or intervals split
        layer by layer, no LP, no tolerance); ``tol``, ``split``, ``budget`` and ``scheduler``
        are then not used (it runs on ``n_jobs`` local processes), and a ``checkpoint`` (one
        pass, nothing to resume) or ``certify`` on a segment (exact already) is refused.
    tol : float
        Radius threshold relative to the network's length scale: a region is
        counted when it contains a ball of radius ``tol * scale``.
    split : int
        Number of initial tasks: the tree is expanded breadth first until a
        level has at least ``split`` nodes, which are grouped into ``split`` runs
        of consecutive nodes.  Fewer when the tree is small.
    budget : int, None or "auto"
        Work units (8 per LP, 1 per search node) after which a task stops and
        returns its unexplored nodes as new tasks, so that no task holds a large
        share of the work, whatever the number of workers (less for the first
        generations of tasks).  None: no limit (the tasks are the initial split's
        subtrees).  ``"auto"`` (the default): no limit for a serial count without a
        checkpoint or scheduler, else the engine's own (``DEFAULT_BUDGET``, at most 200
        LPs, for the reference search; :data:`~cnnregions.kernel.KERNEL_BUDGET` for the
        kernel).  The count and ``nodes`` do not depend on it; ``lps`` may (certificates
        are kept per task), so ``lps`` may differ between a serial and a parallel count.
    progress : bool or callable
        True for progress on stderr (a tqdm bar on a terminal, shown after 2 s;
        a plain line every 10 s otherwise); or a callable
        ``progress(done_tasks, known_tasks, regions_so_far)``.
    scheduler : str or dask.distributed.Client, optional
        Run the tasks on a dask cluster instead of local processes; ``n_jobs``
        is then ignored.  An address is connected to within ``connect_timeout``
        seconds.
    checkpoint : path, optional
        Append each finished task to this JSON-lines file and skip the tasks it
        already holds (see :mod:`.checkpoint`).  A certified count reuses only
        tasks that were certified.
    certify : bool
        Prove the count (needs python-flint, the ``certify`` extra): every region's
        witness is checked strictly inside it in exact arithmetic, every side
        declared empty gets an exact Motzkin certificate, every neuron declared
        constant an exact proof, and what floats cannot decide is decided by an
        exact rational LP.  The result is the exact ``R_{N,theta}`` of the float64
        weights (identically zero neurons inactive), with no tolerance.  When
        exact decisions overturned float ones, the float count and the patterns
        it missed or added are reported beside it.

    sink : optional
        Where every region goes as it is found (e.g.
        :class:`cnnregions.regions.export.ParquetSink`): ``sink.start(problem, piece)``
        returns a writer (``add(pattern, witness, radius, split_neurons)``,
        ``finish() -> output``) in the process that searches the task ``piece``
        (``()`` for the split itself), and ``sink.collect(piece, output)`` receives
        its output in this process; the sink travels in :class:`~.tasks.TaskOptions`.
        Sorting the outputs by piece gives an order independent of the backend.
        Not with ``checkpoint``.

    engine : {"kernel", "reference"}
        The tree engine for all of the input space, a box, or a plane without a window
        (windowed planes and segments are split geometrically whichever is named):
        ``"kernel"`` (default), the compiled search (:mod:`cnnregions.kernel`), which
        decides in compiled code every side it can prove and hands the others to HiGHS;
        ``"reference"``, the LP search of :mod:`cnnregions.lpsearch`, every side a HiGHS
        LP unless spared.  Both give the same regions and ``nodes``; ``lps`` differ.  The
        kernel serves float-mode problems of at most
        :data:`~cnnregions.kernel.KERNEL_MAX_DIM` dimensions; a certified count or a wider
        problem is searched by the reference engine.

    Returns
    -------
    RegionCount

    Examples
    --------
    >>> from cnnregions import he_network, paper_architecture
    >>> count_regions(he_network(paper_architecture("example1-d3"), seed=0)).regions
    40
    """
    start = time.perf_counter()
    settings = RunSettings.checked(n_jobs=n_jobs, tol=tol, split=split, budget=budget, progress=progress,
                                   scheduler=scheduler, checkpoint=checkpoint, connect_timeout=connect_timeout,
                                   certify=certify, sink=sink)
    chosen = engine_for(domain, certify=settings.certify, sink=sink, engine=engine)
    refusal = chosen.refusal(sink, checkpoint=settings.checkpoint is not None, certify=settings.certify)
    if refusal is not None:
        raise InvalidParameterError(refusal)
    counted = chosen.count(network, domain, TreeRun(network, domain, settings))
    if settings.certify and counted.stats.disagreements:
        compared = _float_comparison(network, domain, tol, settings.split, settings.n_jobs, counted.stats.regions)
        return RegionCount.of(counted, time.perf_counter() - start, *compared)
    return RegionCount.of(counted, time.perf_counter() - start)


#: Patterns listed side by side (certified vs float) only for counts up to this size.
_COMPARE_PATTERNS_UP_TO = 100_000
_LISTED = 20


def _float_comparison(network, domain, tol, split, n_jobs, regions):
    """The float count beside a certified one that overturned float decisions,
    with (up to 20 of) the patterns the float search missed and added."""
    if regions > _COMPARE_PATTERNS_UP_TO:
        return count_regions(network, n_jobs=n_jobs, domain=domain, tol=tol, split=split).regions, (), ()

    from ..models.patterns import format_pattern

    sizes = network.architecture.layer_sizes

    def patterns(certify):
        return {format_pattern(r.pattern, sizes) for r in iter_regions(network, domain=domain, tol=tol, certify=certify)}

    floats, exact = patterns(False), patterns(True)
    return len(floats), tuple(sorted(exact - floats)[:_LISTED]), tuple(sorted(floats - exact)[:_LISTED])
