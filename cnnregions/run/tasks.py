"""The units of parallel work: the tree split into subtrees, and the function
that searches one of them within a work budget.

The first tasks come from a breadth-first split of the tree (deterministic, in
the parent process).  A task searches its nodes depth first with a fresh search
state of its engine (:class:`~cnnregions.lpsearch.search.Search` for the LP search)
until its work (``WORK_PER_LP`` units per LP, one per node) reaches the budget;
it then stops and returns its unexplored nodes, grouped into child tasks that
the driver schedules as they come back.  A task
is named by its *piece*: the path of child indices from an initial task, e.g.
``(3, 0, 2)`` is the third child of the first child of initial task 3.  Where a
task stops depends only on its nodes and the budget, never on time or on the
worker, so the pieces, their statistics and the totals are the same on every
backend and number of workers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import field_error
from ..core.engine import Searcher, TreeEngine
from ..core.node import Node
from ..core.problem import SearchProblem
from ..core.stats import Stats
from ..lpsearch.engine import DEFAULT_BUDGET, LPEngine
from .lifeline import exit_with_parent

__all__ = ["COARSE_CUT", "DEFAULT_BUDGET", "FEW_WORKERS", "Task", "TaskOptions", "TaskResult", "WarmSearch", "budget_for",
           "cut_for", "deepen", "frontier_digest", "group_leftover", "make_tasks", "run_task", "split_tree"]


@dataclass(frozen=True)
class TaskOptions:
    """Settings sent with every task (one record, so that new settings do not
    change the task function's signature).

    Attributes
    ----------
    budget : int or None
        Work units after which a task stops and returns its unexplored nodes;
        None searches every task to the end.  Tasks of the first ``ramp``
        generations get 16x and 4x less (:meth:`budget_of`).
    deepen : int
        Expansions of the shallowest unexplored nodes when a task stops
        (:func:`deepen`), so that a large subtree spreads in few generations.
    singles : int
        How many of those nodes become tasks of their own (:func:`group_leftover`).
    ramp : int
        Generations of tasks with a reduced budget.
    certify : bool
        Prove every decision (:mod:`cnnregions.certify`): each task's search runs on
        the problem with ``certify=True``.
    sink : optional
        A region sink (see :func:`~.driver.count_regions`); each task hands its
        regions to ``sink.start(problem, piece)``'s writer and returns the writer's
        output in :attr:`TaskResult.output`.  None: no regions are kept.
    engine : TreeEngine
        The tree engine whose search state (:meth:`~cnnregions.core.engine.TreeEngine.searcher`)
        searches each task.

    With the defaults (the kernel's budget, the cut for many workers), the tasks of a fully
    connected 5-18-18-18 net (1.95 million regions, 69 s of kernel work on a quiet machine)
    replayed on 128 simulated workers (``bench/bench_cluster.py --simulate 128``) reach 94%
    efficiency; on a 5-14-14-14 net (17 s of work, 0.14 s per worker) 77%, the first and last
    generations of tasks being most of the time there.
    """

    budget: int | None = DEFAULT_BUDGET
    deepen: int = 8
    singles: int = 8
    ramp: int = 2
    certify: bool = False
    sink: Any = None
    engine: TreeEngine = LPEngine()

    def budget_of(self, piece: tuple[int, ...]) -> int | None:
        """The budget of a task: 4x smaller per generation below ``ramp``, so that the first tasks
        hand work back soon and every worker has a task early."""
        if self.budget is None:
            return None
        return max(1, self.budget >> (2 * max(0, self.ramp - (len(piece) - 1))))

    def __post_init__(self) -> None:
        b = self.budget
        if b is not None and (isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)) or b < 1):
            raise field_error("The 'budget'", "a positive integer or None", b)
        for name in ("deepen", "singles", "ramp"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
                raise field_error(f"The '{name}'", "a non-negative integer", value)
        if not isinstance(self.certify, (bool, np.bool_)):
            raise field_error("The 'certify'", "True or False", self.certify)


@dataclass(frozen=True, eq=False)
class Task:
    """One unit of work: ``nodes`` searched one after the other; ``piece`` names it."""

    piece: tuple[int, ...]
    nodes: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class TaskResult:
    """What a finished task hands back: its piece, its statistics, the nodes of its child
    tasks (none when it finished its subtree) and, with a region sink, the sink writer's output."""

    piece: tuple[int, ...]
    stats: Stats
    children: list[list[Node]]
    output: Any = None


def split_tree(search: Searcher, target: int, on_region=None) -> list[Node]:
    """Expand the tree breadth first until at least ``target`` open nodes remain.

    Regions completed during the expansion are counted in ``search`` (and passed
    to ``on_region``, see :meth:`~cnnregions.lpsearch.search.Search.expand`).
    """
    level = [search.root()]
    while level and len(level) < target:
        nxt: list[Node] = []
        for node in level:
            nxt.extend(search.expand(node, on_region))
        level = nxt
    return level


class WarmSearch:
    """The search state one process (or thread) keeps across the tasks it runs.

    For each task it hands out a state as fresh as a new one (:meth:`TreeEngine.renew
    <cnnregions.core.engine.TreeEngine.renew>`), so that the statistics of a task do not
    depend on the tasks its worker ran before; what is kept is the construction (for the
    kernel: the first layer, the arrays, the compiled entries bound to them).  A state is
    reused for the same problem object and engine only.
    """

    def __init__(self) -> None:
        self._problem: SearchProblem | None = None
        self._engine = ""
        self._searcher: Searcher | None = None

    def searcher(self, engine: TreeEngine, problem: SearchProblem) -> Searcher:
        """A fresh search state of ``engine`` for ``problem``: the kept one renewed, or a new one."""
        if self._searcher is not None and problem is self._problem and engine.name == self._engine:
            self._searcher = engine.renew(self._searcher)
        else:
            self._problem, self._engine, self._searcher = problem, engine.name, engine.searcher(problem)
        return self._searcher


def run_task(problem: SearchProblem, task: Task, options: TaskOptions, warm: WarmSearch | None = None) -> TaskResult:
    """Search one task with a fresh search state of ``options.engine``, within ``options.budget``.

    The nodes of a task share one search state (for the LP search: one persistent
    LP and its emptiness certificates); a fresh state per task makes the statistics
    independent of the worker that runs it.  With ``warm`` (a worker's
    :class:`WarmSearch`), that state is the worker's kept one, renewed.

    With a region sink in ``options`` (export, adjacency graph), every region the
    task completes (in its search and in :func:`deepen`) goes to
    ``options.sink.start(problem, task.piece)``'s writer, whose ``finish()`` output
    is the result's ``output``.
    """
    exit_with_parent()  # a worker does not outlive a killed parent
    start, cpu = time.perf_counter(), time.process_time()
    if problem.certify != options.certify:  # the task's setting decides
        problem = dataclasses.replace(problem, certify=options.certify)
    engine = options.engine
    search = engine.searcher(problem) if warm is None else warm.searcher(engine, problem)
    budget = options.budget_of(task.piece)
    writer = options.sink.start(problem, task.piece) if options.sink is not None else None
    leftover: list[Node] = []
    for i, node in enumerate(task.nodes):
        if budget is not None and search.work() >= budget:
            leftover = list(task.nodes[i:])
            break
        if writer is None:
            search.count(node, budget)
        else:  # every region to the sink, with the neurons that split its path
            for w, r in search.dfs(node, budget):
                writer.add(search.pattern, w, r, search.split_neurons())
        if search.leftover:
            leftover = list(task.nodes[i + 1:]) + search.leftover
            break
    if leftover:
        leftover = deepen(search, leftover, options.deepen, None if writer is None else writer.add)
    stats = engine.stats(search).as_task(time.perf_counter() - start, time.process_time() - cpu)
    return TaskResult(task.piece, stats, group_leftover(leftover, options.singles),
                      None if writer is None else writer.finish())


def deepen(search: Searcher, nodes: list[Node], expansions: int, on_region=None) -> list[Node]:
    """Expand the shallowest unexplored nodes ``expansions`` times (breadth first).

    The shallowest nodes hold most of the work left; splitting them here lets
    a large subtree spread over many workers in few generations of tasks.
    Returns the nodes sorted by depth (shallowest first; ties in DFS order).
    Regions completed here go to ``on_region`` (see :meth:`~cnnregions.lpsearch.search.Search.expand`).
    """
    heap = [(node.k, i, node) for i, node in enumerate(nodes)]
    heapq.heapify(heap)
    seq = len(nodes)
    for _ in range(expansions):
        if not heap:
            break
        _, _, node = heapq.heappop(heap)
        for child in search.expand(node, on_region):
            heapq.heappush(heap, (child.k, seq, child))
            seq += 1
    return [node for _, _, node in sorted(heap)]


#: Up to this many workers a stopped task is cut coarsely: few, large child tasks are
#: enough to keep that many workers busy, and each round trip to a worker costs about as much
#: as a few hundred regions of the compiled kernel's work.
FEW_WORKERS = 8
#: The coarse cut (``deepen``, ``singles``, ``ramp``): two expansions, two single-node children,
#: no reduced first generations.  On ``ckpt5490_d4_w10_nh3`` (the kernel and its own budget, two
#: local jobs): 96 tasks and 1.7-1.9x one job, against 565 tasks and 1.03x with the cluster's cut.
COARSE_CUT = (2, 2, 0)


def cut_for(options: TaskOptions, workers: int) -> TaskOptions:
    """``options`` with the cut of a stopped task suited to ``workers`` (local processes or a
    cluster's workers alike, so that every backend with as many workers gives the same LPs): the
    coarse cut for at most :data:`FEW_WORKERS`, the given one (fine, for hundreds of workers)
    above.  The regions and nodes do not depend on it; the LPs may."""
    if workers > FEW_WORKERS:
        return options
    deepen, singles, ramp = COARSE_CUT
    return dataclasses.replace(options, deepen=deepen, singles=singles, ramp=ramp)


def budget_for(budget: int, workers: int) -> int:
    """The work budget of a task for ``workers``, from the engine's ``budget`` (sized for many
    workers): ``2 * FEW_WORKERS // workers`` times larger for fewer than ``2 *`` :data:`FEW_WORKERS`.

    Every task costs a round trip through the parent: on a busy 2-core machine about a
    millisecond of the workers' time (the parent's half millisecond of work per result, which
    preempts the worker that sent it, and the task's own set-up).  Few workers need few tasks
    to stay busy, so for them a task's work is made large against that: 16 times the kernel's
    budget for one worker (a checkpointed serial count), 8 times for two, 4 for four.  Measured
    on a quiet 2-core machine, two local jobs against one (``bench/bench_jobs.py``, medians of 30):
    ``ckpt5490_d4_w10_nh3`` 21 tasks and 1.84x with 4 times the budget, 16 tasks and 1.88x with
    8 times; ``ckpt5795_d4_w10_nh4`` 77 tasks and 1.82x, 38 tasks and 1.91x.
    """
    return budget * max(1, 2 * FEW_WORKERS // max(1, workers))


def group_leftover(nodes: Sequence[Node], singles: int) -> list[list[Node]]:
    """Group a stopped task's unexplored nodes (shallowest first) into child tasks.

    The first ``singles`` nodes (the shallowest: most of the work left) go
    alone; the deeper ones are small and travel together in groups of 2, 4, 8, ...
    """
    groups: list[list[Node]] = [[node] for node in nodes[:singles]]
    i, size = singles, 2
    while i < len(nodes):
        groups.append(list(nodes[i:i + size]))
        i += size
        size *= 2
    return groups


def make_tasks(frontier: list[Node], n_tasks: int) -> list[list[Node]]:
    """Group the frontier into ``n_tasks`` runs of consecutive nodes (siblings
    share ancestors, hence layer data and certificates)."""
    n_tasks = max(1, min(n_tasks, len(frontier)))
    bounds = np.linspace(0, len(frontier), n_tasks + 1).round().astype(int)
    return [frontier[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def frontier_digest(tasks: Sequence[Sequence[Node]]) -> str:
    """SHA-256 of the tasks' nodes (identifies a split for checkpoints)."""
    digest = hashlib.sha256()
    for i, nodes in enumerate(tasks):
        digest.update(f"task {i}:".encode())
        for node in nodes:
            splits = tuple((int(j), bool(active)) for j, active in node.splits)  # the same text whatever the engine
            digest.update(f"{node.k}:{np.packbits(node.prefix).tobytes().hex()}:{splits}".encode())
    return digest.hexdigest()
