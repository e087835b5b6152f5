"""The adjacency graph against closed forms and an independent all-pairs LP check."""

from math import comb

import numpy as np
import pytest
from scipy.optimize import linprog

from cnnregions import (
    Architecture,
    Box,
    InvalidParameterError,
    Network,
    count_regions,
    he_network,
    load_network,
    paper_architecture,
)
from cnnregions.regions import graph_summary, region_graph

nx = pytest.importorskip("networkx")


def dense(n0, widths, seed):
    arch = Architecture({"height": 1, "width": 1, "channels": n0},
                        [{"channels": w, "kernel": [1, 1], "stride": 1} for w in widths])
    return he_network(arch, seed)


def edge_set(graph):
    key = {v: d["pattern"] for v, d in graph.nodes(data=True)}
    return {frozenset((key[u], key[v])) for u, v in graph.edges()}


@pytest.mark.parametrize("n0,n1,seed", [(1, 4, 0), (2, 5, 0), (2, 9, 3), (3, 6, 1), (4, 8, 2), (5, 7, 4)])
def test_one_generic_layer_closed_forms(n0, n1, seed):
    """A generic arrangement of n1 hyperplanes in R^n0: sum_{k<=n0} C(n1, k) regions, and each
    hyperplane carries an (n0-1)-dimensional arrangement of the other n1-1, so
    n1 * sum_{k<=n0-1} C(n1-1, k) adjacent pairs."""
    graph = region_graph(dense(n0, [n1], seed))
    assert graph.number_of_nodes() == sum(comb(n1, k) for k in range(n0 + 1))
    assert graph.number_of_edges() == n1 * sum(comb(n1 - 1, k) for k in range(n0))
    assert nx.is_connected(graph)
    # No domain: every facet lies on a neuron's hyperplane and borders exactly one region.
    assert all(d["faces"] == graph.degree(v) for v, d in graph.nodes(data=True))
    for _, _, d in graph.edges(data=True):
        assert len(d["neurons"]) == 1


@pytest.mark.parametrize("name", ["example1-d3", "example4-d3", "pitfall2d-d2"])
def test_graph_nodes_equal_count_connected_and_labelled(name):
    net = he_network(paper_architecture(name), seed=0)
    graph = region_graph(net)
    assert graph.number_of_nodes() == count_regions(net).regions == graph.graph["count"].regions
    assert nx.is_connected(graph)
    n = net.architecture.n_neurons
    patterns = {v: np.unpackbits(np.frombuffer(d["pattern"], np.uint8))[:n].astype(bool)
                for v, d in graph.nodes(data=True)}
    assert len({p.tobytes() for p in patterns.values()}) == graph.number_of_nodes()
    for u, v, d in graph.edges(data=True):
        assert d["neurons"] == tuple(np.flatnonzero(patterns[u] != patterns[v]).tolist())
    # Every witness reproduces its node's pattern in a forward pass.
    witnesses = np.array([d["witness"] for _, d in graph.nodes(data=True)])
    assert np.array_equal(net.activation_patterns(witnesses), np.array([patterns[v] for v in graph.nodes]))
    summary = graph_summary(graph)
    assert summary["mean_degree"] == pytest.approx(2 * graph.number_of_edges() / graph.number_of_nodes())
    assert summary["faces_per_region"]["min"] <= summary["faces_per_region"]["mean"] <= summary["faces_per_region"]["max"]


def _pieces(net, pattern):
    """Independent composition: (G, h) of every neuron under ``pattern`` (input coordinates)."""
    dim = net.architecture.input_dim
    A, c = np.eye(dim), np.zeros(dim)
    G, h, offset = [], [], 0
    for M, b in net.affine_maps:
        A, c = M @ A, M @ c + b
        G.append(A)
        h.append(c)
        act = pattern[offset:offset + M.shape[0]].astype(float)
        offset += M.shape[0]
        A, c = A * act[:, None], c * act
    return np.vstack(G), np.concatenate(h)


def _shared_facet_radius(net, P, Q):
    """max t: a point where the neurons that differ are 0 (their hyperplanes must coincide) and
    every other row of both regions has slack >= t (scipy's linprog over all pairs: the brute
    force the graph avoids)."""
    rows, rhs, eq, eq_rhs = [], [], [], []
    diff = np.flatnonzero(P != Q)
    for pattern in (P, Q):
        G, h = _pieces(net, pattern)
        for k in range(len(pattern)):
            norm = np.linalg.norm(G[k])
            if norm < 1e-12:
                continue
            if k in diff:
                eq.append(np.r_[G[k] / norm, 0.0])
                eq_rhs.append(-h[k] / norm)
                continue
            s = 1.0 if pattern[k] else -1.0
            rows.append(np.r_[-s * G[k] / norm, 1.0])
            rhs.append(s * h[k] / norm)
    dim = net.architecture.input_dim
    if np.linalg.matrix_rank(np.array(eq), tol=1e-9) > 1:
        return -np.inf     # the neurons that differ vanish together on less than a hyperplane
    res = linprog(np.r_[np.zeros(dim), -1.0], A_ub=np.array(rows), b_ub=np.array(rhs),
                  A_eq=np.array(eq), b_eq=np.array(eq_rhs), bounds=[(None, None)] * dim + [(None, 10.0)],
                  method="highs")
    return -res.fun if res.status == 0 else -np.inf


@pytest.mark.parametrize("net_id", ["dense-2-5-4", "dense-2-4-3-3", "dense-3-4-4",
                                    pytest.param("example4-d2", marks=pytest.mark.slow)])
def test_deep_graph_equals_all_pairs_brute_force(net_id, oracles_dir=None):
    if net_id.startswith("dense"):
        n0, *widths = (int(v) for v in net_id.split("-")[1:])
        net = dense(n0, widths, seed=sum(widths))
    else:
        net = he_network(paper_architecture(net_id), seed=1)
    graph = region_graph(net)
    n = net.architecture.n_neurons
    patterns = [np.unpackbits(np.frombuffer(d["pattern"], np.uint8))[:n].astype(bool) for _, d in graph.nodes(data=True)]
    expected, ambiguous = set(), []
    for i in range(len(patterns)):
        for j in range(i + 1, len(patterns)):
            t = _shared_facet_radius(net, patterns[i], patterns[j])
            if t > 1e-6:
                expected.add(frozenset((i, j)))
            elif t > 1e-10:
                ambiguous.append((i, j, t))
    assert not ambiguous
    assert {frozenset(e) for e in graph.edges()} == expected
    assert nx.is_connected(graph)


def test_peer_fixture_graph(oracles_dir):
    """A 2-layer peer fixture: nodes equal the other tool's count; the graph is connected."""
    net = load_network(oracles_dir / "relucent-fixtures" / "ckpt0_d2_w8_nh1.npz")
    graph = region_graph(net)
    assert graph.number_of_nodes() == 49
    assert nx.is_connected(graph)
    assert graph.graph["edges_to_uncounted"] == 0


def test_parallel_graph_equals_serial_and_box_domain():
    net = he_network(paper_architecture("example4-d3"), seed=2)
    serial = region_graph(net, split=16)
    parallel = region_graph(net, n_jobs=2, split=16)
    assert edge_set(serial) == edge_set(parallel)
    assert [d["pattern"] for _, d in serial.nodes(data=True)] == [d["pattern"] for _, d in parallel.nodes(data=True)]
    box = Box(-0.5, 0.5)
    boxed = region_graph(net, domain=box)
    assert boxed.number_of_nodes() == count_regions(net, domain=box).regions
    assert nx.is_connected(boxed)
    # In a box every region has at least one box face beside its neighbours... or is cut by none:
    assert all(d["faces"] >= boxed.degree(v) for v, d in boxed.nodes(data=True))


def test_coincident_neurons_change_sign_together():
    """Two neurons with the same hyperplane (one the negative of the other, and a scaled copy):
    a line arrangement in R^2 with 3 distinct lines in general position -> 7 regions, 12 pairs."""
    W = np.array([[1.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [3.0, 0.0]]).reshape(5, 2, 1, 1)
    b = np.array([0.5, -1.0, -0.3, -1.0, 1.5])   # neurons 0, 1, 4: the line x = -0.5
    arch = Architecture({"height": 1, "width": 1, "channels": 2}, [{"channels": 5, "kernel": [1, 1], "stride": 1}])
    graph = region_graph(Network(arch, [W], [b]))
    assert graph.number_of_nodes() == 7
    assert graph.number_of_edges() == 3 * 3   # each of the 3 lines is cut into 3 pieces by the other 2
    labels = sorted(d["neurons"] for _, _, d in graph.edges(data=True))
    assert labels.count((0, 1, 4)) == 3


def test_bad_network():
    with pytest.raises(InvalidParameterError, match="'network'"):
        region_graph("example1-d2")


def _degenerate_networks():
    one = Architecture({"height": 1, "width": 4, "channels": 1}, [{"channels": 3, "kernel": [1, 2], "stride": 1}])
    two = Architecture({"height": 1, "width": 4, "channels": 1},
                       [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1}])
    nets = []
    net = he_network(one, seed=1)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][2], b[0][2] = W[0][0], b[0][0]                     # duplicated filter
    nets.append(("duplicated", Network(one, tuple(W), tuple(b))))
    net = he_network(two, seed=2)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][1], b[0][1] = 0.0, 0.0                             # dead filter
    nets.append(("dead", Network(two, tuple(W), tuple(b))))
    for seed in range(4):                                   # small integers: exact ties
        rng = np.random.default_rng(seed)
        W = (rng.integers(-1, 2, size=(2, 1, 1, 2)).astype(float), rng.integers(-1, 2, size=(2, 2, 1, 2)).astype(float))
        b = (rng.integers(-1, 2, size=2).astype(float), rng.integers(-1, 2, size=2).astype(float))
        nets.append((f"ties{seed}", Network(two, W, b)))   # seeds 0, 2, 3: slow (all-pairs LPs)
    W1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])      # opposite, coincident hyperplanes feeding layer 2
    W2 = np.array([[[[1.0, 0.0]], [[1.0, 0.0]]], [[[0.0, 2.0]], [[0.0, -1.0]]]])
    nets.append(("opposite", Network(two, (W1, W2), (np.array([0.5, -0.5]), np.array([-0.2, 0.1])))))
    return nets


@pytest.mark.parametrize("name,net", [pytest.param(n, net, id=n, marks=[pytest.mark.slow] if n in ("ties0", "ties2", "ties3")
                                                   else []) for n, net in _degenerate_networks()])
def test_degenerate_weights_against_brute_force(name, net):
    """Coincident, dead and tied neurons: nodes equal the count, edges equal the all-pairs check,
    and the graph is connected."""
    graph = region_graph(net)
    assert graph.number_of_nodes() == count_regions(net).regions
    n = net.architecture.n_neurons
    patterns = [np.unpackbits(np.frombuffer(d["pattern"], np.uint8))[:n].astype(bool) for _, d in graph.nodes(data=True)]
    expected = {frozenset((i, j)) for i in range(len(patterns)) for j in range(i + 1, len(patterns))
                if _shared_facet_radius(net, patterns[i], patterns[j]) > 1e-6}
    assert {frozenset(e) for e in graph.edges()} == expected
    assert nx.is_connected(graph)


def test_graph_does_not_depend_on_the_work_budget():
    """Small budgets (tasks stop and hand back child pieces): the same regions and facets."""
    net = he_network(paper_architecture("example4-d3"), seed=2)
    whole = region_graph(net, split=1, budget=None)
    pieces = region_graph(net, split=4, budget=40)
    assert pieces.graph["count"].tasks > 4
    assert whole.number_of_nodes() == pieces.number_of_nodes() == count_regions(net).regions
    assert edge_set(whole) == edge_set(pieces)
