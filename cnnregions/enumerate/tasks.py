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
from typing import Any

import numpy as np

from .problem import SearchProblem
from .results import SubtreeResult
from .search import Node, Search

__all__ = ["frontier_digest", "make_tasks", "search_subtree", "split_tree"]


def split_tree(search: Search, target: int, on_region=None) -> list[Node]:
    """Expand the tree breadth first until at least ``target`` open nodes remain.

    Regions completed during the expansion are counted in ``search`` (and passed
    to ``on_region``, see :meth:`Search.expand`).
    """
    level = [search.root()]
    while level and len(level) < target:
        nxt: list[Node] = []
        for node in level:
            nxt.extend(search.expand(node, on_region))
        level = nxt
    return level


def search_subtree(problem: SearchProblem, index: int, nodes: Sequence[Node], sink: Any = None) -> Any:
    """Search one task (consecutive frontier nodes) with a fresh search state.

    The nodes share one persistent LP and their emptiness certificates; a fresh
    state per task makes the statistics independent of the worker that runs it.

    With a region ``sink`` (issue 13: export, adjacency graph), every region found
    is handed to ``sink.start(problem, index)``'s writer as it is found, and the
    result is ``(SubtreeResult, writer.finish())``.
    """
    start = time.perf_counter()
    search = Search(problem)
    writer = sink.start(problem, index) if sink is not None else None
    for node in nodes:
        if writer is None:
            for _ in search.dfs(node):
                pass
        else:
            for w, r in search.dfs(node):
                writer.add(search.pattern, w, r, search.split_neurons())
    result = SubtreeResult(index, search.regions, search.lps, search.nodes, float(search.min_radius),
                           float(search.max_rejected), time.perf_counter() - start)
    return result if writer is None else (result, writer.finish())


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
