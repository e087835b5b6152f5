"""Counting a search tree on a backend: the tree engines' side of the run machinery.

:meth:`TreeRun.tree` splits the tree at a frontier of subtrees (breadth first,
deterministic, independent of the number of workers) into the initial tasks; a task that
reaches its work budget stops and hands back its unexplored nodes as child tasks, which are
scheduled as they come back (:mod:`.tasks`).  Each task is searched with a fresh search state
of the engine and stops at a point that depends only on its nodes and the budget, so its
statistics do not depend on which worker ran it: the count, the LPs and the nodes are
identical for every ``n_jobs`` and backend.  Tasks recorded in a checkpoint are taken from
it instead of being searched.  The statistics are :class:`~cnnregions.core.stats.Stats`
values, summed as the tasks come back.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

from ..core.domain import Domain
from ..core.engine import TreeEngine
from ..core.problem import SearchProblem
from ..core.results import Counted
from ..core.stats import Stats
from ..models.network import Network
from .backends import Pool, connect, cpu_count, workers_of
from .checkpoint import Checkpoint, NodeShape, recorded_budget
from .progress import make_reporter
from .settings import RunSettings
from .tasks import Task, cut_for, frontier_digest, make_tasks, split_tree

__all__ = ["TreeRun"]


@dataclass(frozen=True, eq=False)
class TreeRun:
    """One count's settings, offered to the engine (the :class:`~cnnregions.core.engine.Runner`)."""

    network: Network
    domain: Domain | None
    settings: RunSettings

    @property
    def n_jobs(self) -> int:
        return self.settings.n_jobs

    @property
    def progress(self):
        return self.settings.progress

    @property
    def tol(self) -> float:
        return self.settings.tol

    @property
    def certify(self) -> bool:
        return self.settings.certify

    def tree(self, engine: TreeEngine, problem: SearchProblem) -> Counted:
        """Count ``problem`` with ``engine``: split, checkpoint, tasks on the backend, sum."""
        settings = self.settings
        client = None if settings.scheduler is None else connect(settings.scheduler, timeout=settings.connect_timeout)
        try:
            if settings.auto_budget:
                workers = settings.n_jobs if client is None else workers_of(client)
                recorded = recorded_budget(settings.checkpoint) if settings.checkpoint is not None else (False, None)
                settings = settings.for_problem(engine, problem, workers, recorded)
            return TreeRun(self.network, self.domain, settings)._count(engine, problem, client)
        finally:
            if client is not None and client is not settings.scheduler:
                client.close()

    def _count(self, engine: TreeEngine, problem: SearchProblem, client) -> Counted:
        """:meth:`tree` with the budget decided and the cluster (if any) connected."""
        settings = self.settings
        store = None
        try:
            own, initial = self._split(engine, problem)
            if settings.checkpoint is not None:
                store = Checkpoint.open(settings.checkpoint, self._identity(initial), NodeShape(
                    problem.n_neurons, problem.dim, tuple(int(s) for s in problem.starts)), len(initial))
            reused, todo = _replay(initial, store.done if store is not None else {}, settings.certify)
            workers = _local_workers(settings.n_jobs, len(todo)) if client is None else workers_of(client)
            total = self._run(engine, problem, todo, own + reused, store, workers, client)
        finally:
            if store is not None:
                store.close()
        backend = "dask" if client is not None else ("loky" if workers > 1 else "serial")
        return Counted(total, scale=problem.scale, tolerance=problem.tol * problem.scale, neurons=problem.n_neurons,
                       n_jobs=workers, backend=backend, reused=reused)

    def _split(self, engine: TreeEngine, problem: SearchProblem) -> tuple[Stats, list[list]]:
        """The initial tasks' nodes, and the statistics of the split that found them.

        With a sink, the regions the split completes go to it as piece ``()``."""
        sink, split = self.settings.sink, self.settings.split
        top = engine.searcher(problem)
        writer = sink.start(problem, ()) if sink is not None else None
        initial = make_tasks(split_tree(top, split, None if writer is None else writer.add), split)
        if writer is not None:
            sink.collect((), writer.finish())
        return engine.stats(top), initial

    def _identity(self, initial: list[list]) -> dict:
        """What a checkpoint of this count must match."""
        domain = self.domain
        return {"network": self.network.fingerprint, "domain": None if domain is None else domain.digest(),
                "tol": float(self.settings.tol), "split": self.settings.split, "budget": self.settings.tasks.budget,
                "subtrees": len(initial), "frontier": frontier_digest(initial)}

    def _run(self, engine: TreeEngine, problem: SearchProblem, todo: list[Task], total: Stats,
             store, workers: int, client) -> Stats:
        """Search the tasks left (and their children as they come back); the sum of everything."""
        settings, sink = self.settings, self.settings.sink
        # Every task is searched by this engine, and cut as finely as the workers need.
        options = cut_for(dataclasses.replace(settings.tasks, engine=engine), workers)
        report = make_reporter(settings.progress, total)
        queued = len(todo)
        try:
            with Pool(problem, options, n_jobs=workers if client is None else 1, client=client) as pool:
                for task in todo:
                    pool.submit(task)
                for result in pool.results():
                    if sink is not None:
                        sink.collect(result.piece, result.output)
                    total += result.stats
                    if store is not None:
                        store.record(result.piece, result.stats, result.children)
                    for j, nodes in enumerate(result.children):
                        pool.submit(Task(result.piece + (j,), tuple(nodes)))
                    queued += len(result.children) - 1
                    report.update(total, queued)
        finally:
            report.close()
        return total


def _replay(initial: list[list], done: dict, certify: bool) -> tuple[Stats, list[Task]]:
    """The statistics a checkpoint holds, and the tasks left (shallowest first, in the order a fresh
    run meets them).  A certified count searches the uncertified records again."""
    reused = Stats()
    todo: list[Task] = []
    stack = [Task((i,), tuple(nodes)) for i, nodes in reversed(list(enumerate(initial)))]
    while stack:
        task = stack.pop()
        record = done.get(task.piece)
        if record is None or (certify and not record.stats.certified):
            todo.append(task)
            continue
        reused += record.stats
        stack.extend(Task(task.piece + (j,), nodes) for j, nodes in reversed(list(enumerate(record.children))))
    todo.sort(key=lambda t: len(t.piece))
    return reused, todo


def _local_workers(n_jobs: int, tasks: int) -> int:
    """``n_jobs`` capped at the tasks ready to run (or the cores, if more); a warning above the cores."""
    cores = cpu_count()
    if n_jobs > cores:
        warnings.warn(f"n_jobs={n_jobs} is more than the {cores} cores of this machine: the workers will "
                      f"share them (at most {max(1, min(n_jobs, max(tasks, cores)))} are started).",
                      RuntimeWarning, stacklevel=5)
    return max(1, min(n_jobs, max(tasks, cores)))

