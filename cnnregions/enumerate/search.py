"""Depth-first search over activation patterns, neuron by neuron, layer by layer.

A node of the search tree fixes the signs of the first ``k`` neurons; its region
is the open polyhedron where those neurons have those signs.  Inside it, the
pre-activation of neuron ``k`` is affine (each layer refines the regions of the
previous ones, Definition 1), so its two children are the two sides of one
hyperplane.  Every node keeps a *witness*: a ball ``B(w, r)`` inside its region.

Deciding a child costs no LP when it can be avoided:

- a neuron that is constant on the region does not split it; if it is
  identically zero there, it counts as *inactive* (the strict-sign definition
  would otherwise leave no region at all behind a dead or pruned filter);
- if the hyperplane cuts the ball, both children are non-empty and each gets the
  largest ball inside its half of ``B(w, r)``, with no LP;
- otherwise the ball lies on one side, which is therefore non-empty, and only
  the other side needs a Chebyshev LP (:mod:`.lp`).

A child is non-empty when it contains a ball of radius above the tolerance; an
LP centre is re-checked in numpy against every constraint before it is used.
Constraints are kept only for neurons that split a region (plus the domain's).

Three further devices avoid most of the remaining LPs:

- *screening*: on entering a layer, each of its neurons is tested once against
  the region; one whose hyperplane misses it is constant on the whole subtree (in
  a bounded domain, a box around the region screens most of them first, :mod:`.screening`);
- *emptiness certificates*: an LP that finds a side empty returns dual
  multipliers; the rows with non-zero multipliers alone leave no room, so the
  same side is empty in every later region whose constraints include those rows
  (rows are keyed by ``(neuron, sign)``), and no LP is solved there;
- *remembered points*: the centre of an LP that found a side non-empty is kept,
  and a later region that contains it (checked in numpy) needs no LP either.

Certificates and points are kept per layer and forgotten when the layer's affine maps change.

Exactness (issue 10): every decision point calls ``self.cert``, a
:class:`~cnnregions.certify.certifier.Certifier` — constant neurons at layer entry
and after box screening, sides rejected by an LP, regions emitted, radii near the
tolerance.  In certify mode it proves each decision or replaces it by the exact
answer; in float mode it re-decides cancellations exactly and flags what came near
a threshold.  The hooks are marked "issue 10" below.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..certify.certifier import Certifier
from ..errors import SolverError
from .lp import ChebyshevLP, LPStatus
from .problem import CANCELLATION, SearchProblem
from .screening import mark_missing_box

__all__ = ["WORK_PER_LP", "Node", "Search"]

#: Work units of one LP in a search budget (a node counts 1): an LP costs about as much as this many nodes.
WORK_PER_LP = 8

#: Emptiness certificates and interior points kept per (neuron, sign); oldest dropped.
_MAX_REMEMBERED = 8


def _remember(memory: dict, key: object, item: object) -> None:
    known = memory.setdefault(key, [])
    known.append(item)
    if len(known) > _MAX_REMEMBERED:
        del known[0]


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


class Search:
    """The search state for one process: one persistent LP, one path.

    Not thread-safe; create one per worker (they are cheap).
    """

    def __init__(self, problem: SearchProblem, *, immediate: bool = False) -> None:
        self.problem = problem
        self.tol = problem.tol
        n = problem.n_neurons
        self.n_neurons = n
        self.starts = problem.starts
        self.layer_of = np.repeat(np.arange(len(problem.maps)), np.diff(problem.starts))
        self.boundaries = frozenset(problem.starts[1:-1])
        self.pattern = np.zeros(n, dtype=bool)
        self.lp = ChebyshevLP(problem.dim, problem.cap)
        # Exact checks at every decision point (cnnregions.certify, issue 10).
        self.cert = Certifier(problem, self.pattern, exact=problem.certify, immediate=immediate)
        # Statistics.
        self.lps = 0
        self.nodes = 0
        self.regions = 0
        self.min_radius = np.inf
        self.max_rejected = 0.0
        # Per-layer data on the current path: raw affine maps and normalised rows.
        depth = len(problem.maps)
        self._raw: list = [None] * depth
        self._data: list = [None] * depth
        self._path: list = []
        self._keys: set = set()
        self._certs: list[dict] = [{} for _ in range(depth)]
        self._points: list[dict] = [{} for _ in range(depth)]
        self.leftover: list[Node] = []  # what a budgeted dfs() left unexplored
        self._entry: list[bytes | None] = [None] * depth
        maxrows = len(problem.root_rows) + n + 1
        self._path_a = np.zeros((maxrows, problem.dim))
        self._path_b = np.zeros(maxrows)
        self._abs_maps = [None] + [np.abs(M) for M, _ in problem.maps[1:]]
        M, c = problem.maps[0]
        self._set_layer(0, M, c, np.linalg.norm(M, axis=1), np.abs(c))
        if problem.root_box is not None:
            # A bounded domain: first-layer neurons whose hyperplane misses it are constant everywhere.
            nhat, chat, const, active_const = self._data[0]
            before = list(const)
            mark_missing_box(nhat, chat, const, active_const, range(len(const)), *problem.root_box)
            # certify: prove each flag exactly on the domain's box (issue 10)
            self.cert.box_screened(0, [i for i, c in enumerate(const) if c and not before[i]], const, active_const)

    # -- layers ---------------------------------------------------------------------
    def _set_layer(self, l: int, A: np.ndarray, c: np.ndarray, noise_a: np.ndarray, noise_c: np.ndarray) -> None:
        norms = np.linalg.norm(A, axis=1)
        const = norms <= CANCELLATION * noise_a
        safe = np.where(const, 1.0, norms)
        nhat = A / safe[:, None]
        chat = c / safe
        active_const = c > CANCELLATION * noise_c
        const_list, active_list = const.tolist(), active_const.tolist()
        if any(const_list) or self.cert.exact:
            # cancellation: decide constant neurons on their exact maps (issue 10)
            nhat, chat = nhat.copy(), chat.copy()
            self.cert.constant_neurons(l, nhat, chat, const_list, active_list)
        self.cert.coefficients(nhat, const_list)
        self._raw[l] = (A, c)
        self._data[l] = (nhat, chat, const_list, active_list)
        self._certs[l] = {}
        self._points[l] = {}

    def _enter_layer(self, l: int, w: np.ndarray | None = None, r: float = 0.0) -> None:
        """Layer ``l``'s pre-activations as affine maps of ``u`` on the current region.

        With a ball ``B(w, r)`` of the current region, also *screen* the layer: a
        neuron whose hyperplane misses the region (one LP, unless it cuts the
        ball) keeps one sign on the whole subtree and is marked constant, which
        saves an LP at every node of the subtree that would decide it.
        """
        prev_a, prev_c = self._raw[l - 1]
        act = self.pattern[self.starts[l - 1]:self.starts[l]].astype(np.float64)
        M, b = self.problem.maps[l]
        absM = self._abs_maps[l]
        # Inactive neurons output 0: multiply by the 0/1 pattern rather than gather columns of M.
        Da, Dc = prev_a * act[:, None], prev_c * act
        self._set_layer(l, M @ Da, M @ Dc + b, absM @ (np.linalg.norm(prev_a, axis=1) * act), absM @ np.abs(Dc) + np.abs(b))
        self._entry[l] = self.pattern[:self.starts[l]].tobytes()
        if w is not None:
            self._screen(l, w, r)

    def _screen(self, l: int, w: np.ndarray, r: float) -> None:
        nhat, chat, const, active_const = self._data[l]
        dist = nhat @ w + chat
        if self.problem.root_box is not None and not self.cert.exact:  # certify: LPs decide (issue 10)
            # Bounded regions: 2 dim LPs for the region's bounding box can spare
            # one LP per neuron whose hyperplane misses that box.
            todo = [i for i in range(len(const)) if not const[i] and abs(dist[i]) >= r]
            if len(todo) > 2 * self.problem.dim:
                mark_missing_box(nhat, chat, const, active_const, todo, *self.lp.bounding_box(self._path))
                self.lps += 2 * self.problem.dim
        for i in range(len(const)):
            if const[i] or abs(dist[i]) < r:
                continue
            _, t = self._lp_side(self._row(self.starts[l] + i, not dist[i] > 0))
            if t <= 0:
                const[i] = True
                active_const[i] = bool(dist[i] > 0)

    def _row(self, j: int, active: bool) -> tuple[np.ndarray, float, tuple[int, bool]]:
        """Constraint ``(a, b, key)`` "neuron ``j`` is active/inactive", ``key = (j, active)``."""
        l = self.layer_of[j]
        i = j - self.starts[l]
        nhat, chat = self._data[l][0], self._data[l][1]
        if active:
            return nhat[i].copy(), float(chat[i]), (j, True)
        return -nhat[i], -float(chat[i]), (j, False)

    # -- path -----------------------------------------------------------------------
    def _truncate(self, length: int) -> None:
        path = self._path
        if len(path) > length:
            keys = self._keys
            for row in path[length:]:
                keys.discard(row[2])
            del path[length:]

    def _push(self, row: tuple[np.ndarray, float, object]) -> None:
        p = len(self._path)
        self._path.append(row)
        self._keys.add(row[2])
        self._path_a[p] = row[0]
        self._path_b[p] = row[1]

    def restore(self, node: Node) -> None:
        """Make ``node`` the current state (pattern, layer data, path).

        The screening of neuron ``k``'s layer comes with the node, unless ``k``
        starts a layer (then the search enters, and screens, that layer itself).
        """
        k = node.k
        self.pattern[:k] = node.prefix
        current = int(self.layer_of[k]) if k < self.n_neurons else len(self.starts) - 1
        self._truncate(0)
        for i, (a, b) in enumerate(self.problem.root_rows):
            self._push((a, b, (-1 - i, True)))
        for l in range(1, current + 1):
            if k not in self.boundaries or l < current:
                # Layer l depends on the signs of the neurons before it only; keep
                # its data (and its certificates) if those are unchanged.
                signs = self.pattern[:self.starts[l]].tobytes()
                if self._entry[l] != signs:
                    self._enter_layer(l)
        for j, active in node.splits:
            self._push(self._row(j, active))
        if node.screen is not None:
            data = self._data[current]
            self._data[current] = (data[0], data[1], list(node.screen[0]), list(node.screen[1]))

    # -- one branching step ---------------------------------------------------------
    def _lp_side(self, row: tuple[np.ndarray, float, tuple[int, bool]]) -> tuple[np.ndarray | None, float]:
        """Chebyshev ball of the current region intersected with ``row``'s side.

        Returns ``(center, radius)``, or ``(None, radius)`` if the side holds no
        ball above the tolerance (``radius <= 0``: empty).
        """
        key = row[2]
        layer = self.layer_of[key[0]] if key[0] >= 0 else None
        p = len(self._path)
        if layer is not None:
            known = self._certs[layer].get(key)
            if known:
                keys = self._keys
                for support in known:
                    if support <= keys:
                        return None, -np.inf
            seen = self._points[layer].get(key)
            if seen:
                for center, radius in seen:
                    slack = float(np.min(self._path_a[:p] @ center + self._path_b[:p])) if p else np.inf
                    if min(slack, radius) > self.tol:
                        return center, min(slack, radius)
        self._push(row)
        result = self.lp.solve(self._path)
        self.lps += 1
        t, center, duals = result.radius, result.center, result.duals
        if result.status is not LPStatus.OPTIMAL:
            if not self.cert.exact:
                self._truncate(p)
                raise SolverError(f"HiGHS returned {result.status.value} on a Chebyshev LP with {p + 1} rows")
            t, center, duals = float("nan"), None, None  # certify: the exact solver decides (issue 10)
        if t > self.tol and center is not None:
            slack = float(np.min(self._path_a[:p + 1] @ center + self._path_b[:p + 1]))
            t = min(t, slack)
        if t > self.tol:
            if layer is not None:
                _remember(self._points[layer], key, (center, t))
        elif self.cert.exact:
            return self._certified_side(p, key, layer, duals, center, t)
        elif t <= 0 and layer is not None and duals is not None:
            used = np.flatnonzero(duals[:p])
            _remember(self._certs[layer], key, frozenset(self._path[i][2] for i in used))
        self._truncate(p)
        if t > self.tol:
            return center, t
        self.cert.radius(t)  # float mode: flag radii near the tolerance
        if t > self.max_rejected:
            self.max_rejected = t
        return None, t

    def _certified_side(self, p: int, key: tuple[int, bool], layer, duals, center, t: float):
        """Certify mode (issue 10): prove the side the LP rejected empty, or take the exact answer.

        A proof (a checked Motzkin certificate) is remembered like the float
        search's dual supports; a side found non-empty comes back with a point inside.
        """
        empty, support, found, radius = self.cert.side_empty([r[2] for r in self._path], duals, center, t)
        self._truncate(p)
        if not empty:
            return found, radius
        if layer is not None and support is not None:
            _remember(self._certs[layer], key, support - {key})
        if t > self.max_rejected:
            self.max_rejected = t
        return None, 0.0 if np.isnan(t) else min(t, 0.0)

    def branch(self, k: int, w: np.ndarray, r: float) -> list[tuple[bool, np.ndarray, float, tuple | None]]:
        """Children of the current node (neuron ``k`` to decide, ball ``B(w, r)``).

        Returns ``(active, center, radius, row)`` per non-empty child, where ``row``
        is the child's new constraint, or ``None`` if the neuron does not split
        the region.  The caller must have the node's path and layer data current.
        """
        l = self.layer_of[k]
        i = k - self.starts[l]
        nhat, chat, const, active_const = self._data[l]
        if const[i]:
            return [(active_const[i], w, r, None)]
        a = nhat[i]
        b = chat[i]
        d = float(a @ w) + b
        active = d > 0
        sigma = 1.0 if active else -1.0
        ad = abs(d)
        tol = self.tol
        row_same = (sigma * a, sigma * b, (k, active))
        row_other = (-sigma * a, -sigma * b, (k, not active))
        if ad < r:  # the hyperplane cuts the ball: both sides are non-empty
            same_c, same_r = w + (sigma * (r - ad) / 2) * a, (r + ad) / 2
            other_c, other_r = w - (sigma * (r + ad) / 2) * a, (r - ad) / 2
            cut = True
        else:
            same_c, same_r = w, r
            other_c, other_r = None, 0.0
            cut = False
        if same_r <= tol:
            same_c, same_r = self._lp_side(row_same)
        if other_r <= tol:
            other_c, t = self._lp_side(row_other)
            other_r = t if other_c is not None else 0.0
            cut = cut or t > 0
        children = []
        if same_c is not None:
            children.append((active, same_c, same_r, row_same if (cut or other_c is not None) else None))
        if other_c is not None:
            children.append((not active, other_c, other_r, row_other if (cut or same_c is not None) else None))
        return children

    # -- depth-first search ---------------------------------------------------------
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
        layer_of = self.layer_of
        pattern = self.pattern
        path = self._path
        keys = self._keys
        path_a, path_b = self._path_a, self._path_b
        branch = self.branch
        starts = self.starts
        data = self._data
        stack: list[tuple[int, np.ndarray, float, int, tuple | None, bool | None]] = [
            (node.k, node.center, node.radius, len(path), None, None)]
        nodes = 0
        n_root = len(self.problem.root_rows)
        try:
            while stack:
                # Pending leaves are children of the current node (the top of the stack): finish them first.
                if budget is not None and stack[-1][0] < n and self.lps * WORK_PER_LP + self.nodes + nodes >= budget:
                    self.leftover = [node if entry[5] is None else self._stack_node(entry, n_root) for entry in stack]
                    return
                k, w, r, plen, row, active = stack.pop()
                if len(path) > plen:
                    for dropped in path[plen:]:
                        keys.discard(dropped[2])
                    del path[plen:]
                if row is not None:
                    path.append(row)
                    keys.add(row[2])
                    path_a[plen] = row[0]
                    path_b[plen] = row[1]
                if active is not None:
                    pattern[k - 1] = active
                nodes += 1
                if k < n and k in boundaries:
                    self._enter_layer(layer_of[k], w, r)
                # Constant neurons have one child (as branch() says): follow them without the stack.
                while k < n:
                    l = layer_of[k]
                    const, active_const = data[l][2], data[l][3]
                    i = k - starts[l]
                    if not const[i]:
                        break
                    pattern[k] = active_const[i]
                    k += 1
                    nodes += 1
                    if k in boundaries:
                        self._enter_layer(layer_of[k], w, r)
                if k == n:
                    if not self.cert.region(pattern, w):  # certify: witness checked exactly
                        continue
                    self.regions += 1
                    if r < self.min_radius:
                        self.min_radius = r
                    yield w, r
                    continue
                plen = len(path)
                for child_active, cw, cr, crow in branch(k, w, r):
                    stack.append((k + 1, cw, cr, plen, crow, child_active))
        finally:
            self.nodes += nodes

    def work(self) -> int:
        """Work done so far in deterministic units: ``WORK_PER_LP`` per LP, 1 per node."""
        return self.lps * WORK_PER_LP + self.nodes

    def _stack_node(self, entry: tuple, n_root: int) -> Node:
        """The pending DFS stack ``entry`` as a self-contained :class:`Node`.

        Its parent is on the current path, so the pattern before its neuron, the
        path rows before ``plen`` and its layer's screening are still its own.
        """
        k, w, r, plen, row, active = entry
        splits = tuple(kept[2] for kept in self._path[n_root:plen])
        if row is not None:
            splits += (row[2],)
        prefix = self.pattern[:k].copy()
        prefix[k - 1] = active
        screen = None
        if k < self.n_neurons and k not in self.boundaries:
            data = self._data[self.layer_of[k]]
            screen = (tuple(data[2]), tuple(data[3]))
        return Node(k, prefix, splits, w, r, screen)

    def expand(self, node: Node, on_region=None) -> list[Node]:
        """One branching step from ``node`` (for splitting the tree into subtrees).

        Leaves among the children are counted here and not returned; each is
        passed to ``on_region(pattern, witness, radius, split_neurons)`` if given.
        """
        self.restore(node)
        k = node.k
        self.nodes += 1
        if k in self.boundaries:
            self._enter_layer(self.layer_of[k], node.center, node.radius)
        out = []
        for active, w, r, row in self.branch(k, node.center, node.radius):
            splits = node.splits + ((k, active),) if row is not None else node.splits
            if k + 1 == self.n_neurons:
                self.nodes += 1
                if not self.cert.region(np.append(node.prefix, active), w):  # certify: witness checked
                    continue
                self.regions += 1
                self.min_radius = min(self.min_radius, r)
                if on_region is not None:  # issue 13: region sink
                    on_region(np.append(node.prefix, active), w, r, [j for j, _ in splits])
                continue
            screen = None
            if k + 1 not in self.boundaries:
                data = self._data[self.layer_of[k]]
                screen = (tuple(data[2]), tuple(data[3]))
            out.append(Node(k + 1, np.append(node.prefix, active), splits, w, r, screen))
        return out

    def split_neurons(self) -> list[int]:
        """Neurons whose hyperplanes split the current path's regions (issue 13: the
        only neurons that can bound the current region with a facet, up to coincident ones)."""
        return [key[0] for _, _, key in self._path if key[0] >= 0]

    def root(self) -> Node:
        p = self.problem
        return Node(0, np.zeros(0, dtype=bool), (), p.root_center, p.root_radius)
