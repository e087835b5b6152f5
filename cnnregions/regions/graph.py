"""The adjacency graph of the linear regions: one node per region, one edge per
pair of regions sharing an ``(n - 1)``-dimensional facet.

Computed during the count, in the same tasks (so on the same backends): each
region, as it is found, decides its facets (:mod:`.facets`) and walks across each
facet whose hyperplane's (first) neuron is *active* on it, which yields the region
on the other side.  Every edge is found exactly once, from the side where the
first neuron that changes sign is active; no pair of regions is ever compared.

Why one walk gives one neighbour.  Let the facet lie on the hyperplane ``H`` of
neuron ``j`` of layer ``l``.  On ``H`` the output of ``j`` is zero on both sides,
so every deeper neuron has the same value at each point of ``H`` whether ``j`` is
active or not: its hyperplane is bent at ``H`` but meets ``H`` in the same place
from both sides.  None of those meets the facet's relative interior (there, only
``j``'s row is tight), so every deeper neuron keeps its sign across the facet,
except those that vanish identically on ``H`` (whose hyperplane *is* ``H``, or that
are identically zero): their sign on the far side is that of their derivative
across ``H``, recomputed layer by layer with the far side's pattern (zero
derivative: inactive, the package's convention).  The far side is thus one
pattern ``Q``; it is a node unless that region is thinner than the tolerance,
which is counted in ``edges_to_uncounted``.

A neuron of the last layer bends no hyperplane: the rows of the region other than
its own bound a convex set, which meets both sides of its hyperplane exactly when
the far side's pattern is a region too; then the two regions share a facet (whose
ball is at least the smaller of their two balls), so no LP is needed: the edge is
kept when the graph is built if the far side is a node.

Candidates.  Only neurons whose hyperplane split one of the region's ancestors
in the search (and neurons coincident with them) can carry a facet: a neuron
that never split an ancestor has one side empty there, so its hyperplane meets
the region's closure in less than ``n - 1`` dimensions (or in a sliver thinner
than the tolerance, whose far side is no region).  The domain's faces (a box's,
a window's) are facets too; they count in ``faces`` but border no region.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..core.schema import JSON_SCHEMA_VERSION
from ..models.network import Network
from ..models.patterns import format_pattern, unpack_pattern
from ..outfiles import atomic_output
from ..run.driver import count_regions
from .facets import FacetFinder, group_coincident
from .pieces import AffinePieces

__all__ = ["GraphSink", "graph_summary", "region_graph", "region_halfspaces", "write_graph"]


def _networkx():
    try:
        import networkx as nx
    except ImportError:
        raise InvalidParameterError("The region graph needs networkx. Got no networkx installed instead "
                                    "(pip install 'cnnregions[graph]').") from None
    return nx


def region_halfspaces(pieces: AffinePieces, pattern: np.ndarray, root_rows=()):
    """The region of ``pattern`` as unit rows ``A u + b > 0``, with each row's neuron.

    Returns ``(A, b, neurons, zero)``: the rows of the neurons that vary on the
    domain (oriented so that the region is on their positive side), then the
    domain's rows (neuron ``-1 - i``); ``zero`` flags the identically zero neurons.
    """
    G, h, varies, zero = pieces.full(pattern)
    idx = np.flatnonzero(varies)
    sign = np.where(pattern[idx], 1.0, -1.0)
    norms = np.linalg.norm(G[idx], axis=1)
    A = G[idx] * (sign / norms)[:, None]
    b = h[idx] * sign / norms
    if len(root_rows):
        A = np.vstack([A, np.array([a for a, _ in root_rows])])
        b = np.concatenate([b, [float(c) for _, c in root_rows]])
        idx = np.concatenate([idx, -1 - np.arange(len(root_rows))])
    return A, b, idx, zero


class _GraphWriter:
    """Worker side: the facets and far-side patterns of every region of one task."""

    def __init__(self, problem, piece: tuple[int, ...]) -> None:
        self.problem = problem
        self.pieces = AffinePieces.from_problem(problem)
        self.finder = FacetFinder(problem.tol, problem.cap)
        self.layer_of = np.repeat(np.arange(len(self.pieces.sizes)), self.pieces.sizes)
        self.nodes: list[tuple[bytes, np.ndarray, float, int, int]] = []
        self.edges: list[tuple[bytes, bytes, tuple[int, ...], bool]] = []
        self._rows: dict[object, tuple[np.ndarray, float]] = {}  # the same row objects warm-start the LP

    def add(self, pattern: np.ndarray, w: np.ndarray, r: float, split_neurons=None) -> None:
        P = np.array(pattern, dtype=bool)
        A, b, labels, zero = region_halfspaces(self.pieces, P, self.problem.root_rows)
        gram = A @ A.T
        groups = group_coincident(A, b, self.problem.tol, gram)
        splits = None if split_neurons is None else set(split_neurons)
        last = self.pieces.starts[-2]
        candidates = []
        key = np.packbits(P).tobytes()
        for c, rows in enumerate(groups):
            lab = labels[rows]
            if lab[-1] < 0:        # a face of the domain (rows are sorted: neurons first)
                candidates.append(c)
            elif P[lab[0]] and (splits is None or any(int(k) in splits for k in lab)):
                if lab[0] >= last:
                    # Last layer: no deeper neuron bends at this hyperplane, so the rows other
                    # than the group's bound one convex set meeting both sides; the facet exists
                    # iff the far side is a region (decided when the graph is built, no LP).
                    Q = P.copy()
                    Q[lab] = ~Q[lab]
                    self.edges.append((key, np.packbits(Q).tobytes(), tuple(lab.tolist()), True))
                else:
                    candidates.append(c)
        walked = domain = 0
        keys = self._keys(P, labels)
        cache = self._rows
        if len(cache) > 100_000:
            cache.clear()
        row_objects = []
        for k, name in enumerate(keys):
            row = cache.get(name)
            if row is None:
                row = cache[name] = (A[k], float(b[k]))
            row_objects.append(row)
        for facet in self.finder.find(A, b, w, groups, candidates, gram, keys, row_objects):
            if not facet.is_facet:
                continue
            lab = labels[facet.rows]
            if lab[-1] < 0:
                domain += 1
                continue
            walked += 1
            Q = self._far_side(P, lab, A[facet.rows[0]], zero)
            self.edges.append((key, np.packbits(Q).tobytes(), tuple(np.flatnonzero(P != Q).tolist()), False))
        self.nodes.append((key, self.problem.to_input(w), float(r * self.problem.scale), walked, domain))

    def _keys(self, P: np.ndarray, labels: np.ndarray) -> list:
        """Row names valid across regions: neuron, sign and the pattern of the layers before it
        (which fixes the neuron's affine function); the domain's rows by index."""
        starts = self.pieces.starts
        prefixes = [P[:starts[m]].tobytes() for m in range(len(starts) - 1)]
        layer_of = self.layer_of
        return [(k, bool(P[k]), prefixes[layer_of[k]]) if k >= 0 else (k,) for k in labels.tolist()]

    def _far_side(self, P: np.ndarray, members: np.ndarray, a: np.ndarray, zero: np.ndarray) -> np.ndarray:
        """The pattern across the facet on the hyperplane of ``members`` (normal ``a`` into ``P``'s region)."""
        layer_of = self.layer_of
        l = layer_of[members[0]]
        Q = P.copy()
        same = members[layer_of[members] == l]
        Q[same] = ~Q[same]
        start = self.pieces.starts[l + 1]
        vanish = np.zeros(len(P), dtype=bool)
        vanish[members[layer_of[members] > l]] = True
        vanish[start:] |= zero[start:]
        if not vanish.any():
            return Q
        for m in range(l + 1, len(self.pieces.sizes)):
            todo = np.flatnonzero(vanish[self.pieces.starts[m]:self.pieces.starts[m + 1]]) + self.pieces.starts[m]
            if todo.size:
                G, _, varies, _ = self.pieces.full(Q)
                Q[todo] = varies[todo] & (G[todo] @ (-a) > 0)
        return Q

    def finish(self):
        return self.nodes, self.edges, self.finder.lps


class GraphSink:
    """A region sink (see :func:`~cnnregions.count_regions`) that collects the graph."""

    def __init__(self) -> None:
        self._outputs: dict[tuple[int, ...], tuple] = {}

    def __getstate__(self) -> dict:
        # Shipped to the workers while this process collects outputs: send no outputs.
        return {}

    def __setstate__(self, state: dict) -> None:
        self._outputs = {}

    def start(self, problem, piece: tuple[int, ...]) -> _GraphWriter:
        return _GraphWriter(problem, piece)

    def collect(self, piece: tuple[int, ...], output) -> None:
        self._outputs[piece] = output

    def build(self):
        """The graph (nodes in task order: sorted by piece), and its statistics in ``G.graph``."""
        nx = _networkx()
        graph = nx.Graph()
        ids: dict[bytes, int] = {}
        faces = []
        lps = 0
        for piece in sorted(self._outputs):
            nodes, _, task_lps = self._outputs[piece]
            lps += task_lps
            for key, witness, radius, walked, domain in nodes:
                ids[key] = len(ids)
                graph.add_node(ids[key], pattern=key, witness=witness, radius=radius)
                faces.append(walked + domain)
        missing = 0
        for piece in sorted(self._outputs):
            for p, q, neurons, tentative in self._outputs[piece][1]:
                target = ids.get(q)
                if target is None:
                    missing += not tentative
                    continue
                source = ids[p]
                if tentative:
                    faces[source] += 1
                if graph.has_edge(source, target):
                    neurons = tuple(sorted(set(graph.edges[source, target]["neurons"]) | set(neurons)))
                else:
                    faces[target] += 1
                graph.add_edge(source, target, neurons=neurons)
        for node, count in enumerate(faces):
            graph.nodes[node]["faces"] = count
        graph.graph.update(edges_to_uncounted=missing, facet_lps=lps)
        self._outputs.clear()
        return graph


def region_graph(network: Network, domain=None, **count_options):
    """The adjacency graph of the linear regions of ``network`` (a ``networkx.Graph``).

    Parameters
    ----------
    network : Network
    domain : Box, Plane or None
        As for :func:`~cnnregions.count_regions`.
    **count_options
        ``n_jobs``, ``tol``, ``split``, ``scheduler``, ``progress``, ... of
        :func:`~cnnregions.count_regions` (not ``checkpoint``).

    Returns
    -------
    networkx.Graph
        Nodes ``0 .. regions - 1`` with ``pattern`` (packed bits, bytes:
        :func:`~cnnregions.models.patterns.unpack_pattern` reads it), ``witness``
        (input point), ``radius`` and ``faces`` (number of facets, the domain's
        faces included); one edge per pair of regions sharing an
        ``(n - 1)``-dimensional facet, with ``neurons`` (a tuple of the neurons
        whose sign differs between the two).  ``G.graph`` holds the count
        (``RegionCount``), ``n_neurons``, ``layer_sizes``, ``edges_to_uncounted``
        (walks that ended in a region thinner than the tolerance) and ``facet_lps``.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    sink = GraphSink()
    result = count_regions(network, domain=domain, sink=sink, **count_options)
    graph = sink.build()
    graph.graph["count"] = result
    graph.graph["n_neurons"] = network.architecture.n_neurons
    graph.graph["layer_sizes"] = [int(s) for s in network.architecture.layer_sizes]
    return graph


def graph_summary(graph) -> dict:
    """``regions`` (the graph's nodes), ``edges``, ``mean_degree``, ``faces_per_region`` (mean, min, max)
    and the walk's figures."""
    n = graph.number_of_nodes()
    faces = np.array([d["faces"] for _, d in graph.nodes(data=True)], dtype=float)
    return {"regions": n, "edges": graph.number_of_edges(),
            "mean_degree": 2 * graph.number_of_edges() / n if n else 0.0,
            "faces_per_region": {"mean": float(faces.mean()) if n else 0.0, "min": int(faces.min()) if n else 0,
                                 "max": int(faces.max()) if n else 0},
            "edges_to_uncounted": int(graph.graph.get("edges_to_uncounted", 0)),
            "facet_lps": int(graph.graph.get("facet_lps", 0))}


def _pattern_text(key: bytes, sizes: list[int]) -> str:
    return format_pattern(unpack_pattern(key, sum(sizes)), sizes)


def write_graph(graph, path: str | os.PathLike, extra: dict | None = None) -> None:
    """Write the graph as GraphML (``.graphml``) or JSON (``.json``).

    Patterns are written as text (:func:`~cnnregions.models.patterns.format_pattern`:
    0/1 per neuron, 1 = active, layers joined by ``|``); an edge's neurons are a list
    of neuron indices in JSON and, as GraphML holds no lists, a comma-separated string
    in GraphML (as are witnesses).
    """
    nx = _networkx()
    path = Path(path)
    sizes = [int(s) for s in graph.graph.get("layer_sizes", ())]
    if not sizes:  # a graph built elsewhere: one layer of the neurons it names
        sizes = [int(graph.graph.get("n_neurons", 0))
                 or max((8 * len(d["pattern"]) for _, d in graph.nodes(data=True)), default=0)]
    suffix = path.suffix.lower()
    if suffix not in (".graphml", ".json"):
        raise InvalidParameterError(f"The output file must end in .graphml or .json. Got '{path.name}' instead.")
    if suffix == ".json":
        payload = {"schema_version": JSON_SCHEMA_VERSION, **(extra or {}), **graph_summary(graph)}
        payload["nodes"] = [{"id": v, "pattern": _pattern_text(d["pattern"], sizes), "witness": d["witness"].tolist(),
                             "radius": d["radius"], "faces": d["faces"]} for v, d in graph.nodes(data=True)]
        payload["edges"] = [{"source": u, "target": v, "neurons": list(d["neurons"])} for u, v, d in graph.edges(data=True)]
        with atomic_output(path, f"The output '{path}'") as tmp:
            tmp.write_text(json.dumps(payload) + "\n")
        return
    out = nx.Graph()
    for v, d in graph.nodes(data=True):
        out.add_node(v, pattern=_pattern_text(d["pattern"], sizes), witness=",".join(repr(float(x)) for x in d["witness"]),
                     radius=float(d["radius"]), faces=int(d["faces"]))
    for u, v, d in graph.edges(data=True):
        out.add_edge(u, v, neurons=",".join(str(k) for k in d["neurons"]))
    with atomic_output(path, f"The output '{path}'") as tmp:
        nx.write_graphml(out, tmp)
