"""Public entry points: :func:`iter_regions` and :func:`count_regions`.

``count_regions`` splits the search tree at a frontier of subtrees (breadth
first, deterministic, independent of the number of workers), then searches the
subtrees serially or through joblib.  Each subtree is searched with a fresh
:class:`~.search.Search` (a fresh persistent LP), so its statistics do not
depend on which worker ran it: the count, the LPs and the nodes are identical
for every ``n_jobs`` and backend.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..models.network import Network
from .backends import DEFAULT_CONNECT_TIMEOUT, connect, cpu_count, run_tasks, workers_of
from .checkpoint import Checkpoint
from .domain import Domain, Plane, Segment
from .problem import DEFAULT_TOLERANCE, build_problem
from .results import Region, RegionCount, SubtreeResult
from .search import Search
from .tasks import frontier_digest, make_tasks, split_tree

__all__ = ["DEFAULT_SPLIT", "count_regions", "iter_regions"]

#: Default number of subtrees (tasks) the tree is split into for the workers:
#: many more than the cores of a workstation, few enough that splitting the
#: tree (breadth first, in the parent process) stays cheap on small trees.
DEFAULT_SPLIT = 64


def iter_regions(network: Network, *, domain: Domain | None = None,
                 tol: float = DEFAULT_TOLERANCE) -> Iterator[Region]:
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
    # -- issue 16: windowed planes and segments are split geometrically (cnnregions.geometry) --
    if isinstance(domain, Segment) or (isinstance(domain, Plane) and domain.window is not None):
        from ..geometry.count import iter_geometric

        yield from iter_geometric(network, domain)
        return
    # -- end issue 16 --
    problem = build_problem(network, domain, tol=tol)
    search = Search(problem)
    for w, r in search.dfs(search.root()):
        yield Region(search.pattern.copy(), problem.to_input(w), r * problem.scale, problem.to_domain(w))


def _check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) or not (n_jobs >= 1 or n_jobs == -1):
        raise field_error("The 'n_jobs'", "a positive integer or -1 (all cores)", n_jobs)
    return cpu_count() if n_jobs == -1 else int(n_jobs)


def count_regions(network: Network, *, n_jobs: int = 1, domain: Domain | None = None,
                  tol: float = DEFAULT_TOLERANCE, split: int = DEFAULT_SPLIT,
                  progress: bool | Callable[[int, int, int], None] = False,
                  scheduler=None, checkpoint: str | os.PathLike | None = None,
                  connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, sink=None) -> RegionCount:
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
        Worker processes (joblib, loky backend); -1 for all cores.  The result,
        including ``lps`` and ``nodes``, does not depend on it.
    domain : Domain (Box, Plane, Segment) or None
        Restrict the count to an open box, to a plane through three inputs, or to the
        segment between two inputs.  A windowed plane or a segment is counted exactly by
        the geometric engine (:mod:`cnnregions.geometry`: polygons or intervals split
        layer by layer, no LP, no tolerance); ``tol``, ``split``, ``scheduler`` and
        ``checkpoint`` are then not used (it runs on ``n_jobs`` local processes).
    tol : float
        Radius threshold relative to the network's length scale: a region is
        counted when it contains a ball of radius ``tol * scale``.
    split : int
        Number of subtrees (tasks) the tree is split into for the workers: the
        tree is expanded breadth first until a level has at least ``split``
        nodes, which are grouped into ``split`` runs of consecutive nodes.  Fewer
        when the tree is small.  Raise it for many workers (a cluster).
    progress : bool or callable
        True for a tqdm bar on stderr (shown after 2 s); or a callable
        ``progress(done_subtrees, total_subtrees, regions_so_far)``.
    scheduler : str or dask.distributed.Client, optional
        Run the subtrees on a dask cluster (joblib's dask backend) instead of
        local processes; ``n_jobs`` is then ignored.  An address is connected to
        within ``connect_timeout`` seconds.
    checkpoint : path, optional
        Append each finished subtree to this JSON-lines file and skip the
        subtrees it already holds (see :mod:`.checkpoint`).

    sink : optional
        Where every region goes as it is found (issue 13; e.g.
        :class:`cnnregions.regions.export.ParquetSink`): ``sink.start(problem, index)``
        returns a writer (``add(pattern, witness, radius, split_neurons)``,
        ``finish() -> output``) in the process that searches task ``index`` (-1 for
        the split itself), and ``sink.collect(index, output)`` receives its output
        in this process.  Not with ``checkpoint``.

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
    # -- issue 16: windowed planes and segments are split geometrically (cnnregions.geometry) --
    # (issue 13: a region sink runs on the LP search, which takes windowed planes but no segments)
    if sink is None and (isinstance(domain, Segment) or (isinstance(domain, Plane) and domain.window is not None)):
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
    start = time.perf_counter()
    problem = build_problem(network, domain, tol=tol)
    client = None
    own_client = False
    if scheduler is not None:
        client = connect(scheduler, timeout=connect_timeout)
        own_client = client is not scheduler
    top = Search(problem)
    writer = sink.start(problem, -1) if sink is not None else None  # issue 13: region sink
    frontier = split_tree(top, int(split), writer.add if writer is not None else None)
    if writer is not None:
        sink.collect(-1, writer.finish())
    tasks = make_tasks(frontier, int(split))
    store = None
    if checkpoint is not None:
        identity = {"network": network.fingerprint, "domain": None if domain is None else domain.digest(),
                    "tol": float(tol), "split": int(split), "subtrees": len(tasks), "frontier": frontier_digest(tasks)}
        store = Checkpoint.open(checkpoint, identity)
    total = _Totals(top)
    reused = dict(store.done) if store is not None else {}
    for result in reused.values():
        total.add(result)
    todo = [(i, nodes) for i, nodes in enumerate(tasks) if i not in reused]
    report = _progress_reporter(progress, len(tasks), len(reused), total.regions)
    try:
        workers = n_jobs if client is None else workers_of(client)
        for done, item in enumerate(run_tasks(problem, todo, n_jobs=n_jobs, client=client, sink=sink),
                                    start=len(reused) + 1):
            if sink is not None:  # issue 13: (result, output) from a region sink
                result, output = item
                sink.collect(result.index, output)
            else:
                result = item
            total.add(result)
            if store is not None:
                store.record(result)
            report(done, total.regions)
    finally:
        report(None, total.regions)
        if store is not None:
            store.close()
        if own_client and client is not None:
            client.close()
    scale = problem.scale
    return RegionCount(
        regions=total.regions, lps=total.lps, nodes=total.nodes, seconds=time.perf_counter() - start,
        smallest_radius=total.min_radius * scale, largest_rejected_radius=total.max_rejected * scale,
        tolerance=problem.tol * scale, scale=scale, neurons=problem.n_neurons,
        subtrees=len(tasks), n_jobs=workers, reused_subtrees=len(reused),
        backend="dask" if client is not None else ("loky" if n_jobs > 1 else "serial"))


class _Totals:
    """Running sums of subtree statistics (starting from the split's own)."""

    def __init__(self, top: Search) -> None:
        self.regions, self.lps, self.nodes = top.regions, top.lps, top.nodes
        self.min_radius, self.max_rejected = float(top.min_radius), float(top.max_rejected)

    def add(self, result: SubtreeResult) -> None:
        self.regions += result.regions
        self.lps += result.lps
        self.nodes += result.nodes
        self.min_radius = min(self.min_radius, result.min_radius)
        self.max_rejected = max(self.max_rejected, result.max_rejected)


def _progress_reporter(progress, total: int, initial: int, regions: int):
    """A ``report(done, regions)`` function; ``done=None`` closes it."""
    if callable(progress):
        def callback(done, regions_so_far):
            if done is not None:
                progress(done, total, regions_so_far)
        return callback
    if not progress:
        return lambda done, regions_so_far: None
    try:
        from tqdm import tqdm
    except ImportError:  # progress is optional: pip install cnnregions[progress]
        return lambda done, regions_so_far: None
    bar = tqdm(total=total, initial=initial, unit="subtree", delay=2.0, dynamic_ncols=True, leave=False)
    start = time.perf_counter()
    first = regions

    def report(done, regions_so_far):
        if done is None:
            bar.close()
            return
        bar.update(done - bar.n)
        rate = (regions_so_far - first) / max(time.perf_counter() - start, 1e-9)
        bar.set_postfix_str(f"regions={regions_so_far} ({rate:.0f}/s)", refresh=False)

    return report
