"""The engine seam: what :func:`~cnnregions.count_regions` and :func:`~cnnregions.iter_regions`
ask of an engine, whatever it is.

An engine (the LP search, the geometric engine, a compiled kernel) finds the regions of one
kind of domain.  :func:`cnnregions.run.engines.engine_for` picks the engine of a domain, in one
place; the public entry points then only talk to the :class:`Engine` protocol:

- ``refusal(sink, checkpoint=, certify=)``: why this engine cannot count with these options
  (hand its regions to ``sink``, resume from a checkpoint, certify), in one line (None: it can);
- ``region_batches(...)``: the regions, in batches (``iter_regions``);
- ``count(network, domain, run)``: the count, as :class:`~.stats.Stats` with their context.

A *tree* engine (the LP search, a compiled kernel) cuts its search tree into tasks of
:class:`~.node.Node` values that the run machinery spreads over processes or a cluster and
records in checkpoints; it does so by calling ``run.tree(self, problem)``, and the run
machinery then asks it for a per-process search state, :meth:`TreeEngine.searcher` (a
:class:`Searcher`), and for that state's statistics, :meth:`TreeEngine.stats`.  An engine that
splits its domain otherwise (the geometric engine) counts by itself, on ``run.n_jobs`` local
processes.  This is cvxpy's ``Solver`` interface in small: each engine knows what it can do,
and the caller is the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from .domain import Domain
from .node import Node
from .problem import SearchProblem
from .results import Counted, Region
from .stats import Stats

__all__ = ["Counted", "Engine", "Runner", "Searcher", "TreeEngine"]


class Searcher(Protocol):
    """The search state of a tree engine in one process (:class:`cnnregions.lpsearch.search.Search`).

    It holds one path of the tree at a time; its statistics grow as it searches.  Plain
    attributes or read-only properties both satisfy the members below: ``pattern`` (the
    current region's pattern while ``dfs`` yields it), ``leftover`` (the nodes a budgeted
    ``dfs`` left), the counts so far, and ``cert`` (its :class:`~cnnregions.certify.Certifier`).
    """

    @property
    def pattern(self) -> np.ndarray: ...

    @property
    def leftover(self) -> list[Node]: ...

    @property
    def regions(self) -> int: ...

    @property
    def nodes(self) -> int: ...

    @property
    def min_radius(self) -> float: ...

    @property
    def cert(self) -> Any: ...

    @property
    def lps(self) -> int: ...

    @property
    def max_rejected(self) -> float: ...

    @property
    def problem(self) -> SearchProblem: ...

    def root(self) -> Node: ...

    def expand(self, node: Node, on_region: Callable | None = None) -> list[Node]: ...

    def dfs(self, node: Node, budget: int | None = None) -> Iterator[tuple[np.ndarray, float]]: ...

    def count(self, node: Node, budget: int | None = None) -> int:
        """Search ``node``'s subtree as :meth:`dfs` does, without handing out regions; the regions found."""
        ...

    def work(self) -> int: ...

    def split_neurons(self) -> list[int]: ...


class Runner(Protocol):
    """What the run machinery offers an engine's :meth:`Engine.count`: the count's settings
    (``n_jobs`` local processes, ``progress`` as for ``count_regions``, the tolerance, certify)
    and the tree driver."""

    @property
    def n_jobs(self) -> int: ...

    @property
    def progress(self) -> Any: ...

    @property
    def tol(self) -> float: ...

    @property
    def certify(self) -> bool: ...

    def tree(self, engine: TreeEngine, problem: SearchProblem) -> Counted:
        """Count ``problem`` with ``engine``'s searchers: split, tasks on the backend, checkpoint, sum."""
        ...


class Engine(Protocol):
    """One way of finding the regions of a domain."""

    name: str

    def refusal(self, sink: object = None, *, checkpoint: bool = False, certify: bool = False) -> str | None:
        """Why this engine cannot count with these options, in one line; None if it can.

        ``sink``: a region sink (export, graph) or None; ``checkpoint``: a checkpoint is
        given; ``certify``: the count is to be proven.  An option an engine cannot honour
        is refused here, before any work, never silently ignored.
        """
        ...

    def region_batches(self, network: Any, domain: Domain | None, *, tol: float,
                       certify: bool) -> Iterator[list[Region]]:
        """Every region of ``network`` on ``domain``, in batches."""
        ...

    def count(self, network: Any, domain: Domain | None, run: Runner) -> Counted:
        """Count the regions; a tree engine compiles its problem and returns ``run.tree(self, problem)``."""
        ...


class TreeEngine(Engine, Protocol):
    """An engine whose work is a search tree cut into tasks of nodes."""

    def searcher(self, problem: SearchProblem, *, immediate: bool = False) -> Searcher:
        """A fresh search state for ``problem`` (one per process and task)."""
        ...

    def renew(self, searcher: Searcher) -> Searcher:
        """A search state for ``searcher``'s problem, the same in every answer and statistic as a
        fresh one from :meth:`searcher`; an engine that can reuse ``searcher``'s memory does (the
        compiled kernel restores its arrays in place), so that a process keeps one warm state
        across the tasks it runs (:class:`~cnnregions.run.tasks.WarmSearch`)."""
        ...

    def stats(self, searcher: Searcher) -> Stats:
        """The statistics of what ``searcher`` has searched (its pending exact checks done first)."""
        ...
