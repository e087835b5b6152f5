"""The random dives of Knuth's estimate (:mod:`.estimate`), on the tree the exact count walks.

The top of the tree is expanded exactly (:class:`Top`), then each :class:`Dive` goes from
one of its open nodes to a leaf, choosing a non-empty child uniformly at random at each
node.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .._validation import field_error
from ..core.domain import Domain
from ..core.engine import Searcher
from ..core.problem import DEFAULT_TOLERANCE, build_problem
from ..models.network import Network
from .engines import tree_engine
from .tasks import split_tree

__all__ = ["Dive", "Top", "dives", "generator"]


@dataclass(frozen=True)
class Top:
    """The top of the tree, expanded exactly: its leaves and nodes, and the open nodes left."""

    leaves: int
    nodes: int
    strata: int
    seconds: float


@dataclass(frozen=True)
class Dive:
    """One finished dive from stratum ``stratum``: leaf and node weights, nodes expanded, seconds."""

    stratum: int
    leaves: int
    nodes: int
    expanded: int
    seconds: float


def _one_dive(search: Searcher, node, rng: np.random.Generator, deadline: float | None) -> tuple[int, int, int] | None:
    """One random dive from ``node``: ``(leaf weight, node weight, nodes expanded)``, None if cut by the deadline."""
    weight, nodes, expanded = 1, 1, 0
    while True:
        before = search.regions
        children = search.expand(node)
        expanded += 1
        leaves = search.regions - before
        if leaves:  # every child is a leaf (they all sit at the last neuron)
            return weight * leaves, nodes + weight * leaves, expanded
        if not children:  # pragma: no cover - every non-empty region has a non-empty child
            return 0, nodes, expanded
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        weight *= len(children)
        nodes += weight
        node = children[int(rng.integers(len(children)))]


def dives(network: Network, *, domain: Domain | None = None, tol: float = DEFAULT_TOLERANCE,
          strata: int = 16, seed: int | np.random.Generator | None = None,
          deadline: float | None = None) -> Iterator[Top | Dive]:
    """Dives, stratified: first a :class:`Top`, then :class:`Dive` records until the deadline.

    The top of the tree is first expanded exactly, breadth first, until ``strata``
    open nodes remain (as :func:`~.tasks.split_tree` splits it for the workers).
    Then dives start from the open nodes, in rounds that visit every open node
    once in a random order: the subtree of each gets its own unbiased estimate,
    and their sum has a far smaller variance than dives from the root; a round cut
    short is a uniformly random subset of the strata.  Built on the search's own
    :meth:`~cnnregions.lpsearch.search.Search.root` and
    :meth:`~cnnregions.lpsearch.search.Search.expand`, so the dives see exactly the tree the exact count walks.  ``deadline`` (a
    ``time.perf_counter()`` value) is looked at between two steps of a dive.
    """
    rng = generator(seed)
    search = tree_engine().searcher(build_problem(network, domain, tol=tol))
    start = time.perf_counter()
    frontier = split_tree(search, strata)
    yield Top(search.regions, search.nodes, len(frontier), time.perf_counter() - start)
    while frontier:
        for i in rng.permutation(len(frontier)):
            start = time.perf_counter()
            dive = _one_dive(search, frontier[i], rng, deadline)
            if dive is None:
                return
            yield Dive(int(i), *dive, time.perf_counter() - start)


def generator(seed: object) -> np.random.Generator:
    """The dives' private random generator for ``seed`` (checked: a non-negative integer,
    a numpy Generator, used as is, or None)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise field_error("The 'seed'", "a non-negative integer, a numpy Generator or None", seed)
    return np.random.default_rng(seed)
