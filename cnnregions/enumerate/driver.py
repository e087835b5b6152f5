"""Public entry points: :func:`iter_regions` and :func:`count_regions`.

``count_regions`` splits the search tree at a frontier of subtrees (breadth
first, deterministic, independent of the number of workers) into the initial
tasks; a task that reaches its work budget stops and hands back its unexplored
nodes as child tasks, which are scheduled as they come back (:mod:`.tasks`).
Each task is searched with a fresh :class:`~.search.Search` (a fresh persistent
LP) and stops at a point that depends only on its nodes and the budget, so its
statistics do not depend on which worker ran it: the count, the LPs and the
nodes are identical for every ``n_jobs`` and backend.

For other budgets (or splits) the count and the number of nodes stay the same
(the same tree is searched); the number of LPs may differ, because the
emptiness certificates and remembered points that spare LPs are kept per task.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..models.network import Network
from .backends import DEFAULT_CONNECT_TIMEOUT, Pool, connect, cpu_count, workers_of
from .checkpoint import Checkpoint, NodeShape
from .domain import Domain, Plane, Segment
from .options import check_run_options
from .problem import DEFAULT_TOLERANCE, build_problem
from .progress import make_reporter
from .results import Region, RegionCount, SubtreeResult
from .search import Search
from .tasks import (
    DEFAULT_BUDGET,
    Task,
    TaskOptions,
    frontier_digest,
    make_tasks,
    split_tree,
    subtree_result,
)

__all__ = ["DEFAULT_BUDGET", "DEFAULT_SPLIT", "count_regions", "iter_regions"]

#: Default number of initial tasks (subtrees of a breadth-first split): enough to
#: start the workers of a workstation at once, few enough that splitting the tree
#: (in the parent process) stays cheap; the work budget does the rest.
DEFAULT_SPLIT = 16


def iter_regions(network: Network, *, domain: Domain | None = None,
                 tol: float = DEFAULT_TOLERANCE, certify: bool = False) -> Iterator[Region]:
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
        of the exact ``R_{N,theta}`` (see :func:`count_regions`).

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
    certify = _check_certify(certify)
    # -- issue 16: windowed planes and segments are split geometrically (cnnregions.geometry) --
    # (with certify=True a windowed plane goes to the certified LP search: issue 10)
    if isinstance(domain, Segment) or (isinstance(domain, Plane) and domain.window is not None and not certify):
        from ..geometry.count import iter_geometric

        yield from iter_geometric(network, domain)
        return
    # -- end issue 16 --
    problem = build_problem(network, domain, tol=tol, certify=certify)
    search = Search(problem, immediate=True)
    for w, r in search.dfs(search.root()):
        yield Region(search.pattern.copy(), problem.to_input(w), r * problem.scale, problem.to_domain(w))


def _check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) or not (n_jobs >= 1 or n_jobs == -1):
        raise field_error("The 'n_jobs'", "a positive integer or -1 (all cores)", n_jobs)
    return cpu_count() if n_jobs == -1 else int(n_jobs)


def _check_certify(certify: object) -> bool:
    if not isinstance(certify, (bool, np.bool_)):
        raise field_error("The 'certify'", "True or False", certify)
    if certify:
        from ..certify import require_flint

        require_flint()
    return bool(certify)


def count_regions(network: Network, *, n_jobs: int = 1, domain: Domain | None = None,
                  tol: float = DEFAULT_TOLERANCE, split: int = DEFAULT_SPLIT,
                  budget: int | None = DEFAULT_BUDGET,
                  progress: bool | Callable[[int, int, int], None] = False,
                  scheduler=None, checkpoint: str | os.PathLike | None = None,
                  connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, certify: bool = False,
                  sink=None) -> RegionCount:
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
        Worker processes (loky); -1 for all cores.  The result, including
        ``lps`` and ``nodes``, does not depend on it.  Capped at the number of
        initial tasks or of cores, whichever is larger, with a warning above the
        number of cores.
    domain : Domain (Box, Plane, Segment) or None
        Restrict the count to an open box, to a plane through three inputs, or to the
        segment between two inputs.  A windowed plane or a segment is counted exactly by
        the geometric engine (:mod:`cnnregions.geometry`: polygons or intervals split
        layer by layer, no LP, no tolerance); ``tol``, ``split``, ``budget``, ``scheduler`` and
        ``checkpoint`` are then not used (it runs on ``n_jobs`` local processes).
    tol : float
        Radius threshold relative to the network's length scale: a region is
        counted when it contains a ball of radius ``tol * scale``.
    split : int
        Number of initial tasks: the tree is expanded breadth first until a
        level has at least ``split`` nodes, which are grouped into ``split`` runs
        of consecutive nodes.  Fewer when the tree is small.
    budget : int or None
        Work units (8 per LP, 1 per search node) after which a task stops and
        returns its unexplored nodes as new tasks, so that no task holds a large
        share of the work, whatever the number of workers (default
        ``DEFAULT_BUDGET``, at most 200 LPs; less for the first generations of tasks).  None: no limit (the tasks are the
        initial split's subtrees).  The count and ``nodes`` do not depend on it;
        ``lps`` may (certificates are kept per task).
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
        Where every region goes as it is found (issue 13; e.g.
        :class:`cnnregions.regions.export.ParquetSink`): ``sink.start(problem, piece)``
        returns a writer (``add(pattern, witness, radius, split_neurons)``,
        ``finish() -> output``) in the process that searches the task ``piece``
        (``()`` for the split itself), and ``sink.collect(piece, output)`` receives
        its output in this process; the sink travels in :class:`~.tasks.TaskOptions`.
        Sorting the outputs by piece gives an order independent of the backend.
        Not with ``checkpoint``.

    Returns
    -------
    RegionCount

    Examples
    --------
    >>> from cnnregions import he_network, paper_architecture
    >>> count_regions(he_network(paper_architecture("example1-d3"), seed=0)).regions
    40
    """
    n_jobs = _check_jobs(n_jobs)
    check_run_options(progress=progress, checkpoint=checkpoint, connect_timeout=connect_timeout)  # issue 15
    certify = _check_certify(certify)
    # -- issue 16: windowed planes and segments are split geometrically (cnnregions.geometry) --
    # (with certify=True a windowed plane goes to the certified LP search: issue 10;
    #  issue 13: a region sink runs on the LP search, which takes windowed planes but no segments)
    if isinstance(domain, Segment) or (isinstance(domain, Plane) and domain.window is not None
                                       and not certify and sink is None):
        from ..geometry.count import count_geometric

        return count_geometric(network, domain, n_jobs=n_jobs, progress=progress)
    if sink is not None and isinstance(domain, Segment):
        raise InvalidParameterError("The 'domain' must be a Space, Box or Plane when regions are exported or "
                                    "collected. Got a Segment instead.")
    # -- end issue 16 --
    if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or split < 1:
        raise field_error("The 'split'", "a positive integer", split)
    if sink is not None and checkpoint is not None:
        raise InvalidParameterError("The 'checkpoint' must be None when regions are exported or collected. "
                                    "Got a checkpoint together with a region sink instead.")
    options = TaskOptions(budget=None if budget is None else budget, certify=certify, sink=sink)
    start = time.perf_counter()
    problem = build_problem(network, domain, tol=tol, certify=certify)
    client = None
    own_client = False
    if scheduler is not None:
        client = connect(scheduler, timeout=connect_timeout)
        own_client = client is not scheduler
    store = None
    try:
        top = Search(problem)
        writer = sink.start(problem, ()) if sink is not None else None  # issue 13: the split's regions, piece ()
        initial = make_tasks(split_tree(top, int(split), None if writer is None else writer.add), int(split))
        if writer is not None:
            sink.collect((), writer.finish())
        if checkpoint is not None:
            identity = {"network": network.fingerprint, "domain": None if domain is None else domain.digest(), "tol": float(tol),
                        "split": int(split), "budget": options.budget, "subtrees": len(initial),
                        "frontier": frontier_digest(initial)}
            shape = NodeShape(problem.n_neurons, problem.dim, tuple(int(s) for s in problem.starts))
            store = Checkpoint.open(checkpoint, identity, shape, len(initial))
        total = _Totals(top)
        own_regions = total.regions
        todo: list[Task] = []
        done = store.done if store is not None else {}
        stack = [Task((i,), tuple(nodes)) for i, nodes in reversed(list(enumerate(initial)))]
        while stack:  # what the checkpoint holds, and the tasks left (in the order a fresh run meets them)
            task = stack.pop()
            if task.piece not in done or (certify and not done[task.piece].result.certified):
                todo.append(task)  # a certified count searches uncertified records again (issue 10)
                continue
            record = done[task.piece]
            total.add(record.result)
            stack.extend(Task(task.piece + (j,), nodes) for j, nodes in reversed(list(enumerate(record.children))))
        todo.sort(key=lambda t: len(t.piece))
        reused = total.tasks
        reused_regions = total.regions - own_regions
        workers = _local_workers(n_jobs, len(todo)) if client is None else workers_of(client)
        report = make_reporter(progress, reused_tasks=reused, reused_regions=total.regions,
                               reused_nodes=total.nodes)
        queued = len(todo)
        try:
            with Pool(problem, options, n_jobs=workers if client is None else 1, client=client) as pool:
                for task in todo:
                    pool.submit(task)
                for result, children, *output in pool.results():
                    if sink is not None:  # issue 13: the task's sink output, by piece
                        sink.collect(result.piece, output[0])
                    total.add(result)
                    if store is not None:
                        store.record(result, children)
                    for j, nodes in enumerate(children):
                        pool.submit(Task(result.piece + (j,), tuple(nodes)))
                    queued += len(children) - 1
                    report.update(total.tasks, queued, total.regions, total.nodes)
        finally:
            report.close()
    finally:
        if store is not None:
            store.close()
        if own_client and client is not None:
            client.close()
    scale = problem.scale
    float_regions, missed, added = None, (), ()
    if certify and total.disagreements:
        float_regions, missed, added = _float_comparison(network, domain, tol, split, n_jobs, total.regions)
    return RegionCount(
        regions=total.regions, lps=total.lps, nodes=total.nodes, seconds=time.perf_counter() - start,
        smallest_radius=total.min_radius * scale, largest_rejected_radius=total.max_rejected * scale,
        tolerance=problem.tol * scale, scale=scale, neurons=problem.n_neurons,
        tasks=total.tasks, n_jobs=workers, reused_tasks=reused,
        backend="dask" if client is not None else ("loky" if workers > 1 else "serial"),
        max_task_seconds=total.max_seconds, sum_task_seconds=total.sum_seconds, reused_regions=reused_regions,
        certified=total.certified, unresolved=total.unresolved, certificates=total.certificates,
        exact_decisions=total.exact_decisions, float_regions=float_regions, missed=missed, added=added)


def _local_workers(n_jobs: int, tasks: int) -> int:
    """``n_jobs`` capped at the tasks ready to run (or the cores, if more); a warning above the cores."""
    cores = cpu_count()
    if n_jobs > cores:
        warnings.warn(f"n_jobs={n_jobs} is more than the {cores} cores of this machine: the workers will "
                      f"share them (at most {max(1, min(n_jobs, max(tasks, cores)))} are started).",
                      RuntimeWarning, stacklevel=3)
    return max(1, min(n_jobs, max(tasks, cores)))


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


class _Totals:
    """Running sums of task statistics (starting from the split's own)."""

    def __init__(self, top: Search) -> None:
        own = subtree_result(top, (), 0.0)
        self.regions, self.lps, self.nodes = own.regions, own.lps, own.nodes
        self.min_radius, self.max_rejected = float(top.min_radius), float(top.max_rejected)
        self.tasks, self.max_seconds, self.sum_seconds = 0, 0.0, 0.0
        self.certified, self.unresolved, self.certificates = own.certified, own.unresolved, own.certificates
        self.exact_decisions, self.disagreements = own.exact_decisions, own.disagreements

    def add(self, result: SubtreeResult) -> None:
        self.certified = self.certified and result.certified
        self.unresolved += result.unresolved
        self.certificates += result.certificates
        self.exact_decisions += result.exact_decisions
        self.disagreements += result.disagreements
        self.regions += result.regions
        self.lps += result.lps
        self.nodes += result.nodes
        self.min_radius = min(self.min_radius, result.min_radius)
        self.max_rejected = max(self.max_rejected, result.max_rejected)
        self.tasks += 1
        self.max_seconds = max(self.max_seconds, result.seconds)
        self.sum_seconds += result.seconds
