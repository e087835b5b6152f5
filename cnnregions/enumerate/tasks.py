"""The units of parallel work: the tree split into subtrees, and the function
that searches one of them.

The split is breadth first and deterministic (it does not depend on the number
of workers); each task is a run of consecutive frontier nodes searched with a
fresh :class:`~.search.Search`, so its statistics do not depend on where it runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import numpy as np

from .problem import SearchProblem
from .results import SubtreeResult
from .search import Node, Search

__all__ = ["frontier_digest", "make_tasks", "search_subtree", "split_tree", "subtree_result"]


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


def search_subtree(problem: SearchProblem, index: int, nodes: Sequence[Node]) -> SubtreeResult:
    """Search one task (consecutive frontier nodes) with a fresh search state.

    The nodes share one persistent LP and their emptiness certificates; a fresh
    state per task makes the statistics independent of the worker that runs it.
    """
    start = time.perf_counter()
    search = Search(problem)
    for node in nodes:
        for _ in search.dfs(node):
            pass
    return subtree_result(search, index, time.perf_counter() - start)


def subtree_result(search: Search, index: int, seconds: float) -> SubtreeResult:
    """A finished search's statistics (its pending exact checks done first)."""
    cert = search.cert
    cert.flush()
    return SubtreeResult(index, search.regions - cert.rejected, search.lps, search.nodes, float(search.min_radius),
                         float(search.max_rejected), seconds, certified=cert.exact and cert.unresolved == 0,
                         unresolved=cert.unresolved, certificates=cert.certificates,
                         exact_decisions=cert.exact_decisions, disagreements=cert.disagreements)


def make_tasks(frontier: list[Node], n_tasks: int) -> list[list[Node]]:
    """Group the frontier into ``n_tasks`` runs of consecutive nodes (siblings
    share ancestors, hence layer data and certificates)."""
    n_tasks = max(1, min(n_tasks, len(frontier)))
    bounds = np.linspace(0, len(frontier), n_tasks + 1).round().astype(int)
    return [frontier[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def frontier_digest(tasks: Sequence[Sequence[Node]]) -> str:
    """SHA-256 of the tasks' nodes (identifies a split for checkpoints)."""
    digest = hashlib.sha256()
    for i, nodes in enumerate(tasks):
        digest.update(f"task {i}:".encode())
        for node in nodes:
            digest.update(f"{node.k}:{np.packbits(node.prefix).tobytes().hex()}:{node.splits}".encode())
    return digest.hexdigest()
