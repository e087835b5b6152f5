"""A node of the search tree over activation patterns, as shipped between processes,
and the unit in which a search's work is budgeted.

Every tree engine (the LP search, a compiled kernel) cuts its tree at these nodes, so
tasks, checkpoints and backends handle them without knowing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WORK_PER_LP", "Node"]

#: Work units of one LP in a search budget (a node counts 1): an LP costs about as much as this many nodes.
WORK_PER_LP = 8


@dataclass(frozen=True, eq=False)
class Node:
    """A search-tree node that can be shipped to another process.

    ``prefix`` holds the signs of neurons ``0..k-1`` (True = active); ``splits`` the
    ``(neuron, active)`` pairs whose hyperplanes bound the region; ``center`` and
    ``radius`` a ball inside the region (search coordinates); ``screen`` the
    constant-neuron flags of neuron ``k``'s layer as screened on the way here, so
    that a subtree is searched exactly as it would be in one serial search.
    """

    k: int
    prefix: np.ndarray
    splits: tuple[tuple[int, bool], ...]
    center: np.ndarray
    radius: float
    screen: tuple[tuple[bool, ...], tuple[bool, ...]] | None = None
