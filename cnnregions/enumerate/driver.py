"""Public entry points: :func:`iter_regions` and :func:`count_regions`.

``count_regions`` splits the search tree at a frontier of subtrees (breadth
first, deterministic, independent of the number of workers), then searches the
subtrees serially or through joblib.  Each subtree is searched with a fresh
:class:`~.search.Search` (a fresh persistent LP), so its statistics do not
depend on which worker ran it: the count, the LPs and the nodes are identical
for every ``n_jobs`` and backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .._validation import field_error
from ..models.network import Network
from .domain import Box, Plane
from .problem import DEFAULT_TOLERANCE, SearchProblem, build_problem
from .results import Region, RegionCount, SubtreeResult
from .search import Node, Search

__all__ = ["DEFAULT_SPLIT", "count_regions", "iter_regions", "search_subtree", "split_tree"]

#: Default number of subtrees (tasks) the tree is split into for the workers:
#: many more than the cores of a workstation, few enough that splitting the
#: tree (breadth first, in the parent process) stays cheap on small trees.
DEFAULT_SPLIT = 64


def iter_regions(network: Network, *, domain: Box | Plane | None = None,
                 tol: float = DEFAULT_TOLERANCE) -> Iterator[Region]:
    """Generate every linear region of ``network``, one at a time.

    A region (Definition 1 of Xiong et al., 2020) is a non-empty open set
    ``{x : z(x) P(z) > 0 for every hidden neuron z}`` for an activation pattern ``P``.
    The search is depth first and holds one path, so memory does not grow with
    the number of regions.

    Parameters
    ----------
    network : Network
    domain : Box, Plane or None
        Count in all of the input space (None), in an open box, or on a plane.
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
    problem = build_problem(network, domain, tol=tol)
    search = Search(problem)
    for w, r in search.dfs(search.root()):
        yield Region(search.pattern.copy(), problem.to_input(w), r * problem.scale, problem.to_domain(w))


def split_tree(search: Search, target: int) -> list[Node]:
    """Expand the tree breadth first until at least ``target`` open nodes remain.

    Regions completed during the expansion are counted in ``search``.
    """
    level = [search.root()]
    while level and len(level) < target:
        nxt: list[Node] = []
        for node in level:
            nxt.extend(search.expand(node))
        level = nxt
    return level


def search_subtree(problem: SearchProblem, index: int, nodes: list[Node]) -> SubtreeResult:
    """Search one task (consecutive frontier nodes) with a fresh search state.

    The nodes share one persistent LP and their emptiness certificates; a fresh
    state per task makes the statistics independent of the worker that runs it.
    """
    start = time.perf_counter()
    search = Search(problem)
    for node in nodes:
        for _ in search.dfs(node):
            pass
    return SubtreeResult(index, search.regions, search.lps, search.nodes, float(search.min_radius),
                         float(search.max_rejected), time.perf_counter() - start)


def make_tasks(frontier: list[Node], n_tasks: int) -> list[list[Node]]:
    """Group the frontier into ``n_tasks`` runs of consecutive nodes (siblings
    share ancestors, hence layer data and certificates)."""
    n_tasks = max(1, min(n_tasks, len(frontier)))
    bounds = np.linspace(0, len(frontier), n_tasks + 1).round().astype(int)
    return [frontier[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) or not (n_jobs >= 1 or n_jobs == -1):
        raise field_error("The 'n_jobs'", "a positive integer or -1 (all cores)", n_jobs)
    if n_jobs == -1:
        import os
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return int(n_jobs)


def _run_subtrees(problem: SearchProblem, tasks: list[list[Node]], n_jobs: int) -> Iterable[SubtreeResult]:
    items = list(enumerate(tasks))
    if n_jobs == 1:
        return (search_subtree(problem, i, nodes) for i, nodes in items)
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered", batch_size="auto")
    return parallel(delayed(search_subtree)(problem, i, nodes) for i, nodes in items)


def count_regions(network: Network, *, n_jobs: int = 1, domain: Box | Plane | None = None,
                  tol: float = DEFAULT_TOLERANCE, split: int = DEFAULT_SPLIT,
                  progress: bool | Callable[[int, int, int], None] = False) -> RegionCount:
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
    domain : Box, Plane or None
        Restrict the count to an open box or to a plane through three inputs.
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
    if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or split < 1:
        raise field_error("The 'split'", "a positive integer", split)
    start = time.perf_counter()
    problem = build_problem(network, domain, tol=tol)
    top = Search(problem)
    frontier = split_tree(top, int(split))
    tasks = make_tasks(frontier, int(split))
    regions, lps, nodes = top.regions, top.lps, top.nodes
    min_radius, max_rejected = float(top.min_radius), top.max_rejected
    report = _progress_reporter(progress, len(tasks), regions)
    try:
        for done, result in enumerate(_run_subtrees(problem, tasks, n_jobs), start=1):
            regions += result.regions
            lps += result.lps
            nodes += result.nodes
            min_radius = min(min_radius, result.min_radius)
            max_rejected = max(max_rejected, result.max_rejected)
            report(done, regions)
    finally:
        report(None, regions)
    scale = problem.scale
    return RegionCount(
        regions=regions, lps=lps, nodes=nodes, seconds=time.perf_counter() - start,
        smallest_radius=min_radius * scale, largest_rejected_radius=max_rejected * scale,
        tolerance=problem.tol * scale, scale=scale, neurons=problem.n_neurons,
        subtrees=len(tasks), n_jobs=n_jobs)


def _progress_reporter(progress, total: int, regions: int):
    """A ``report(done, regions)`` function; ``done=None`` closes it."""
    if callable(progress):
        def report(done, regions_so_far):
            if done is not None:
                progress(done, total, regions_so_far)
        return report
    if not progress:
        return lambda done, regions_so_far: None
    try:
        from tqdm import tqdm
    except ImportError:  # progress is optional: pip install cnnregions[progress]
        return lambda done, regions_so_far: None
    bar = tqdm(total=total, unit="subtree", delay=2.0, dynamic_ncols=True, leave=False)

    def report(done, regions_so_far):
        if done is None:
            bar.close()
            return
        bar.update(done - bar.n)
        bar.set_postfix(regions=regions_so_far, refresh=False)

    return report
