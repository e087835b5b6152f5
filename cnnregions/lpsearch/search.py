"""Depth-first search over activation patterns, neuron by neuron, layer by layer.

A node of the search tree fixes the signs of the first ``k`` neurons; its region
is the open polyhedron where those neurons have those signs.  Inside it, the
pre-activation of neuron ``k`` is affine (each layer refines the regions of the
previous ones, Definition 1), so its two children are the two sides of one
hyperplane.  Every node keeps a *witness*: a ball ``B(w, r)`` inside its region.

Deciding a child costs no LP when it can be avoided:

- a neuron that is constant on the region does not split it (:mod:`.layers`:
  cancellation, and screening when a layer is entered);
- if the hyperplane cuts the ball, both children are non-empty and each gets the
  largest ball inside its half of ``B(w, r)``, with no LP;
- otherwise the ball lies on one side, which is therefore non-empty, and only
  the other side needs a side test (:meth:`.path.Path.side`: a stored
  certificate, a remembered point, or a Chebyshev LP, :mod:`.lp`).

A child is non-empty when it contains a ball of radius above the tolerance; an
LP centre is re-checked in numpy against every constraint before it is used.
Constraints are kept only for neurons that split a region (plus the domain's).

The search is in three parts: :class:`~.layers.Layers` (each layer's maps on
the current region, and screening), :class:`~.path.Path` (the rows of the
current region and the side tests) and :class:`Search` here (the traversal:
branching, the depth-first stack, and subtrees as :class:`Node` values).

Exactness: every decision point calls the search's
:class:`~cnnregions.certify.certifier.Certifier` (``cert``) -- constant neurons at
layer entry and after box screening, sides rejected by an LP, regions emitted,
radii near the tolerance.  In certify mode it proves each decision or replaces
it by the exact answer; in float mode it re-decides cancellations exactly and
flags what came near a threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from ..certify.certifier import Certifier
from ..core.node import WORK_PER_LP, Node
from ..core.problem import SearchProblem
from .layers import Layers
from .path import Path, Row

__all__ = ["WORK_PER_LP", "Child", "Frame", "Node", "Search"]

class Child(NamedTuple):
    """A non-empty child of a node: neuron ``k``'s sign ``active``, a ball, and its
    new path row (``None`` if the neuron does not split the parent's region)."""

    active: bool
    center: np.ndarray
    radius: float
    row: Row | None


class Frame(NamedTuple):
    """An entry of the depth-first stack: the node deciding neuron ``k`` (whose
    parent decided neuron ``k - 1`` as ``active``; ``None`` at the start), its
    ball, and its path: the first ``length`` rows of the current path, then
    ``row`` if not None."""

    k: int
    center: np.ndarray
    radius: float
    length: int
    row: Row | None
    active: bool | None


#: ``on_region(pattern, witness, radius, split_neurons)``: a region completed by :meth:`Search.expand`.
RegionSink = Callable[[np.ndarray, np.ndarray, float, list], None]


class Search:
    """The search state for one process: one persistent LP, one path.

    Not thread-safe; create one per worker (they are cheap).
    """

    def __init__(self, problem: SearchProblem, *, immediate: bool = False) -> None:
        self.problem = problem
        self.tol = problem.tol
        self.n_neurons = problem.n_neurons
        self.starts = problem.starts
        self.boundaries = frozenset(problem.starts[1:-1])
        self.pattern = np.zeros(self.n_neurons, dtype=bool)
        # Exact checks at every decision point (cnnregions.certify).
        self.cert = Certifier.for_problem(problem, self.pattern, immediate=immediate)
        maxrows = len(problem.root_rows) + self.n_neurons + 1
        self.path = Path(problem.dim, problem.cap, problem.tol, maxrows, len(problem.maps), self.cert)
        self.layers = Layers(problem, self.path, self.cert)
        self.layer_of = self.layers.layer_of
        # Statistics (LPs are counted by the path).
        self.nodes = 0
        self.regions = 0
        self.min_radius = np.inf
        self.leftover: list[Node] = []  # what a budgeted dfs() left unexplored

    @property
    def lps(self) -> int:
        return self.path.lps

    @property
    def max_rejected(self) -> float:
        return self.path.max_rejected

    def work(self) -> int:
        """Work done so far in deterministic units: ``WORK_PER_LP`` per LP, 1 per node."""
        return self.path.lps * WORK_PER_LP + self.nodes

    def root(self) -> Node:
        p = self.problem
        return Node(0, np.zeros(0, dtype=bool), (), p.root_center, p.root_radius)

    # -- state ----------------------------------------------------------------------
    def restore(self, node: Node) -> None:
        """Make ``node`` the current state (pattern, layer data, path).

        The screening of neuron ``k``'s layer comes with the node, unless ``k``
        starts a layer (then the search enters, and screens, that layer itself).
        """
        k = node.k
        self.pattern[:k] = node.prefix
        current = int(self.layer_of[k]) if k < self.n_neurons else len(self.starts) - 1
        path, layers = self.path, self.layers
        path.set(0)
        for i, (a, b) in enumerate(self.problem.root_rows):
            path.set(i, Row(a, b, (-1 - i, True)))
        for l in range(1, current + 1):
            if k not in self.boundaries or l < current:
                layers.ensure(l, self.pattern)
        for j, active in node.splits:
            path.set(len(path), layers.row(j, active))
        if node.screen is not None:
            data = layers.data[current]
            data.const, data.active_const = list(node.screen[0]), list(node.screen[1])

    def _screen_of(self, k: int) -> tuple[tuple[bool, ...], tuple[bool, ...]] | None:
        """The screening a node deciding neuron ``k`` carries (none if ``k`` starts a layer)."""
        if k < self.n_neurons and k not in self.boundaries:
            data = self.layers.data[self.layer_of[k]]
            return tuple(data.const), tuple(data.active_const)
        return None

    def node_of(self, frame: Frame) -> Node:
        """The pending stack ``frame`` as a self-contained :class:`Node`.

        Its parent is on the current path, so the pattern before its neuron, the
        path rows before ``frame.length`` and its layer's screening are still its own.
        """
        k = frame.k
        splits = self.path.splits(frame.length)
        if frame.row is not None:
            splits += (frame.row.key,)
        prefix = self.pattern[:k].copy()
        prefix[k - 1] = frame.active
        return Node(k, prefix, splits, frame.center, frame.radius, self._screen_of(k))

    def split_neurons(self) -> list[int]:
        """Neurons whose hyperplanes split the current path's regions (the
        only neurons that can bound the current region with a facet, up to coincident ones)."""
        return [j for j, _ in self.path.splits()]

    # -- one branching step ---------------------------------------------------------
    def branch(self, k: int, w: np.ndarray, r: float) -> list[Child]:
        """Non-empty children of the current node (neuron ``k`` to decide, ball ``B(w, r)``).

        The caller must have the node's path and layer data current.
        """
        l = self.layer_of[k]
        i = k - self.starts[l]
        data = self.layers.data[l]
        if data.const[i]:
            return [Child(data.active_const[i], w, r, None)]
        a = data.nhat[i]
        b = data.chat[i]
        d = float(a @ w) + b
        active = d > 0
        sigma = 1.0 if active else -1.0
        ad = abs(d)
        tol = self.tol
        row_same = Row(sigma * a, sigma * b, (k, active))
        row_other = Row(-sigma * a, -sigma * b, (k, not active))
        if ad < r:  # the hyperplane cuts the ball: both sides are non-empty
            same_c, same_r = w + (sigma * (r - ad) / 2) * a, (r + ad) / 2
            other_c, other_r = w - (sigma * (r + ad) / 2) * a, (r - ad) / 2
            cut = True
        else:
            same_c, same_r = w, r
            other_c, other_r = None, 0.0
            cut = False
        side = self.path.side
        if same_r <= tol:
            same_c, same_r = side(row_same, l)
        if other_r <= tol:
            # Probe: the point at distance r beyond the hyperplane, straight across from the witness.
            other_c, t = side(row_other, l, None if cut else w - (d + sigma * r) * a)
            other_r = t if other_c is not None else 0.0
            cut = cut or t > 0
        children = []
        if same_c is not None:
            children.append(Child(active, same_c, same_r, row_same if (cut or other_c is not None) else None))
        if other_c is not None:
            children.append(Child(not active, other_c, other_r, row_other if (cut or same_c is not None) else None))
        return children

    # -- depth-first search ---------------------------------------------------------
    def _follow_constants(self, k: int, w: np.ndarray, r: float) -> tuple[int, int]:
        """Set the signs of the constant neurons from ``k`` on (entering layers as
        they start); return the first undecided neuron and the nodes passed."""
        n = self.n_neurons
        layers, pattern, starts, boundaries, layer_of = self.layers, self.pattern, self.starts, self.boundaries, self.layer_of
        passed = 0
        while k < n:
            l = layer_of[k]
            data = layers.data[l]
            i = k - starts[l]
            if not data.const[i]:
                break
            pattern[k] = data.active_const[i]
            k += 1
            passed += 1
            if k in boundaries:
                layers.enter(layer_of[k], pattern, w, r)
        return k, passed

    def dfs(self, node: Node, budget: int | None = None) -> Iterator[tuple[np.ndarray, float]]:
        """Depth-first search of ``node``'s subtree, yielding ``(witness, radius)``
        of every region (the pattern is in ``self.pattern`` at that moment).

        With a ``budget``, the search stops before a node once this search state's
        work (:meth:`work`) has reached it, and leaves the unexplored nodes, the
        shallowest first, in ``self.leftover``: the stop depends only on the
        subtree and the budget, never on time (:mod:`.tasks`).
        """
        self.leftover = []
        self.restore(node)
        n = self.n_neurons
        boundaries = self.boundaries
        pattern = self.pattern
        path = self.path
        layers = self.layers
        cert = self.cert
        stack: list[Frame] = [Frame(node.k, node.center, node.radius, len(path), None, None)]
        nodes = 0
        try:
            while stack:
                # Pending leaves are children of the current node (the top of the stack): finish them first.
                if budget is not None and stack[-1].k < n and path.lps * WORK_PER_LP + self.nodes + nodes >= budget:
                    self.leftover = [node if frame.active is None else self.node_of(frame) for frame in stack]
                    return
                k, w, r, length, row, active = stack.pop()
                path.set(length, row)
                if active is not None:
                    pattern[k - 1] = active
                nodes += 1
                if k < n and k in boundaries:
                    layers.enter(self.layer_of[k], pattern, w, r)
                # Constant neurons have one child (as branch() says): follow them without the stack.
                k, passed = self._follow_constants(k, w, r)
                nodes += passed
                if k == n:
                    if not cert.region(pattern, w):  # certify: witness checked exactly
                        continue
                    self.regions += 1
                    if r < self.min_radius:
                        self.min_radius = r
                    yield w, r
                    continue
                length = len(path)
                for child in self.branch(k, w, r):
                    stack.append(Frame(k + 1, child.center, child.radius, length, child.row, child.active))
        finally:
            self.nodes += nodes

    def count(self, node: Node, budget: int | None = None) -> int:
        """Search ``node``'s subtree as :meth:`dfs` does, without handing out regions; the regions found."""
        before = self.regions
        for _ in self.dfs(node, budget):
            pass
        return self.regions - before

    def expand(self, node: Node, on_region: RegionSink | None = None) -> list[Node]:
        """One branching step from ``node`` (for splitting the tree into subtrees).

        Leaves among the children are counted here and not returned; each is
        passed to ``on_region(pattern, witness, radius, split_neurons)`` if given.
        """
        self.restore(node)
        k = node.k
        self.nodes += 1
        if k in self.boundaries:
            self.layers.enter(self.layer_of[k], self.pattern, node.center, node.radius)
        out = []
        for child in self.branch(k, node.center, node.radius):
            splits = node.splits + ((k, child.active),) if child.row is not None else node.splits
            prefix = np.append(node.prefix, child.active)
            if k + 1 == self.n_neurons:
                self.nodes += 1
                if not self.cert.region(prefix, child.center):  # certify: witness checked
                    continue
                self.regions += 1
                self.min_radius = min(self.min_radius, child.radius)
                if on_region is not None:  # region sink
                    on_region(prefix, child.center, child.radius, [j for j, _ in splits])
                continue
            out.append(Node(k + 1, prefix, splits, child.center, child.radius, self._screen_of(k + 1)))
        return out
