"""The kernel against the reference search: identical regions and node counts on every kind of net."""

import json

import numpy as np
import pytest
from differential import assert_same_tree, budgeted_totals, patterns, region_radius
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, Network, he_network, load_network, paper_architecture
from cnnregions.core.domain import Box, Plane
from cnnregions.core.problem import build_problem
from cnnregions.errors import SolverError
from cnnregions.kernel import KernelSearch
from cnnregions.lpsearch.search import Search

ONE_LAYER = Architecture({"height": 1, "width": 4, "channels": 1}, [{"channels": 3, "kernel": [1, 2], "stride": 1}])
TWO_LAYER = Architecture({"height": 1, "width": 4, "channels": 1},
                         [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1}])
TWO_CHANNELS = Architecture({"height": 3, "width": 3, "channels": 2},
                            [{"channels": 3, "kernel": [2, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1}])
STRIDE_TWO = Architecture({"height": 1, "width": 7, "channels": 2},
                          [{"channels": 3, "kernel": [1, 3], "stride": 2}, {"channels": 2, "kernel": [1, 2], "stride": 1}])


def _edited(arch, seed, edit):
    net = he_network(arch, seed=seed)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    edit(W, b)
    return Network(arch, tuple(W), tuple(b))


@pytest.mark.parametrize("name", ["example1-d1", "example1-d3", "example4-d1", "example4-d2", "example4-d4",
                                  "pitfall2d-d2"])
@pytest.mark.parametrize("seed", [0, 1])
def test_paper_nets(name, seed):
    assert_same_tree(build_problem(he_network(paper_architecture(name), seed=seed)))


def test_example4_d8_with_fallback_count():
    ks = assert_same_tree(build_problem(he_network(paper_architecture("example4-d8"), seed=3)))
    assert ks.kernel_lps > 0


def _duplicated(W, b):
    W[0][2], b[0][2] = W[0][0], b[0][0]


def _dead(W, b):
    W[0][1], b[0][1] = 0.0, 0.0


def _constant(W, b):
    W[0][0], b[0][0] = 0.0, 1.5


def _constant_negative(W, b):
    W[0][0], b[0][0] = 0.0, -0.5


@pytest.mark.parametrize("arch, seed, edit", [(ONE_LAYER, 1, _duplicated), (TWO_LAYER, 2, _dead),
                                              (TWO_LAYER, 3, _constant), (TWO_LAYER, 3, _constant_negative)])
def test_degenerate_weights(arch, seed, edit):
    assert_same_tree(build_problem(_edited(arch, seed, edit)))


@pytest.mark.parametrize("seed", range(6))
def test_small_integer_weights_with_exact_ties(seed):
    rng = np.random.default_rng(seed)
    W = (rng.integers(-1, 2, size=(2, 1, 1, 2)).astype(float), rng.integers(-1, 2, size=(2, 2, 1, 2)).astype(float))
    b = (rng.integers(-1, 2, size=2).astype(float), rng.integers(-1, 2, size=2).astype(float))
    assert_same_tree(build_problem(Network(TWO_LAYER, W, b)))


def test_opposite_and_coincident_hyperplanes_in_a_deeper_layer():
    W1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])
    b1 = np.array([0.5, -0.5])
    W2 = np.array([[[[1.0, 0.0]], [[1.0, 0.0]]], [[[0.0, 2.0]], [[0.0, -1.0]]]])
    b2 = np.array([-0.2, 0.1])
    assert_same_tree(build_problem(Network(TWO_LAYER, (W1, W2), (b1, b2))))


@pytest.mark.parametrize("eps", [1e-6, 1e-9, 1e-12])
def test_near_degenerate_duplicates(eps):
    def edit(W, b):
        W[0][2], b[0][2] = W[0][0] * (1 + eps), b[0][0] + eps
    assert_same_tree(build_problem(_edited(ONE_LAYER, 4, edit)))


@pytest.mark.parametrize("arch", [TWO_CHANNELS, STRIDE_TWO])
@pytest.mark.parametrize("seed", [0, 1])
def test_conv_nets_with_two_channels(arch, seed):
    assert_same_tree(build_problem(he_network(arch, seed=seed)))


@pytest.mark.parametrize("half", [0.05, 0.5, 3.0])
def test_boxes(half):
    net = he_network(paper_architecture("example4-d4"), seed=2)
    assert_same_tree(build_problem(net, Box(-half, half)))


def test_box_around_a_point():
    net = he_network(TWO_CHANNELS, seed=5)
    lo = np.linspace(-0.3, 0.1, 18)
    assert_same_tree(build_problem(net, Box(lo, lo + 0.4)))


def test_plane_without_window():
    net = he_network(TWO_CHANNELS, seed=6)
    rng = np.random.default_rng(6)
    x0, x1, x2 = rng.normal(size=(3, 18))
    assert_same_tree(build_problem(net, Plane(x0, x1, x2)))


def test_plane_with_window():
    net = he_network(paper_architecture("example4-d4"), seed=7)
    rng = np.random.default_rng(7)
    x0, x1, x2 = rng.normal(size=(3, 4))
    assert_same_tree(build_problem(net, Plane(x0, x1, x2, (-1.0, 2.0, -0.5, 1.5))))


@pytest.mark.parametrize("tol", [1e-4, 1e-9])
def test_other_tolerances(tol):
    net = he_network(paper_architecture("example4-d4"), seed=8)
    assert_same_tree(build_problem(net, tol=tol))


def test_every_lp_through_highs_gives_the_same_tree():
    problem = build_problem(he_network(paper_architecture("example4-d4"), seed=9))
    ks = assert_same_tree(problem, highs_only=True)
    assert ks.highs_lps > 0 and ks.kernel_lps == 0


def test_small_buffer_and_split_neurons():
    problem = build_problem(he_network(TWO_CHANNELS, seed=1))
    ref = Search(problem)
    expected = sorted((ref.pattern.tobytes(), tuple(ref.split_neurons())) for _ in ref.dfs(ref.root()))
    ks = KernelSearch(problem, buffer=3)
    found = sorted((ks.pattern.tobytes(), tuple(ks.split_neurons())) for _ in ks.dfs(ks.root()))
    assert found == expected


@pytest.mark.parametrize("budget", [1, 40, 400])
def test_budgeted_searches_resume_to_the_same_totals(budget):
    problem = build_problem(he_network(paper_architecture("example4-d4"), seed=10))
    ref, rs = patterns(Search(problem))
    assert budgeted_totals(problem, budget) == (len(ref), rs.nodes)


def test_budgeted_conv_net():
    problem = build_problem(he_network(STRIDE_TWO, seed=3))
    ref, rs = patterns(Search(problem))
    assert budgeted_totals(problem, 64, split=8) == (len(ref), rs.nodes)


def test_peer_fixtures(oracles_dir):
    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())
    small = sorted((info["regions"], name) for name, info in manifest["networks"].items() if info["regions"] <= 2000)
    assert small
    for expected, name in small:
        problem = build_problem(load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz"))
        ks = assert_same_tree(problem)
        assert ks.regions == expected, name


def _disputed_regions_are_reference_errors(net, problem):
    """Compare the engines; where they disagree, an independent LP on each disputed pattern's
    full set of rows (``region_reference``) must side with the kernel."""
    try:
        ref, rs = patterns(Search(problem))
    except SolverError:
        assume(False)  # the reference cannot search this net (HiGHS fails): nothing to compare
    ker, ks = patterns(KernelSearch(problem))
    if ker == ref:
        assert ks.nodes == rs.nodes
        return
    thin = problem.tol * problem.scale  # the tolerance in input units, where region_radius measures
    for pattern in set(ker) - set(ref):
        assert (region_radius(net, np.frombuffer(pattern, dtype=bool)) or 0.0) > thin
    for pattern in set(ref) - set(ker):
        assert (region_radius(net, np.frombuffer(pattern, dtype=bool)) or 0.0) <= thin


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(3, 6), c1=st.integers(1, 3), c2=st.integers(1, 3),
       k1=st.integers(1, 3), stride=st.integers(1, 2))
def test_random_conv_nets(seed, width, c1, c2, k1, stride):
    k1 = min(k1, width)
    w1 = (width - k1) // stride + 1
    layers = [{"channels": c1, "kernel": [1, k1], "stride": stride}]
    if w1 >= 2:
        layers.append({"channels": c2, "kernel": [1, 2], "stride": 1})
    arch = Architecture({"height": 1, "width": width, "channels": 1}, layers)
    net = he_network(arch, seed=seed)
    _disputed_regions_are_reference_errors(net, build_problem(net))


@pytest.mark.parametrize("c1, k1, expected", [(1, 1, 486), (3, 2, 18587)])
def test_where_the_reference_search_errs_the_kernel_agrees_with_an_independent_lp(c1, k1, expected):
    """Nets where the reference search (a warm-started persistent HiGHS model) loses regions
    (480 of 486: it reports ``t = -0.116`` for sides whose radius is the cap) or counts an empty
    one (18,588: a pattern whose region has Chebyshev radius -0.147 by scipy's ``linprog``)."""
    arch = Architecture({"height": 1, "width": 6, "channels": 1},
                        [{"channels": c1, "kernel": [1, k1], "stride": 1}, {"channels": 1, "kernel": [1, 2], "stride": 1}])
    net = he_network(arch, seed=951)
    problem = build_problem(net)
    _disputed_regions_are_reference_errors(net, problem)
    ks = KernelSearch(problem)
    assert ks.count(ks.root()) == expected


def test_high_dimensions_are_refused():
    from cnnregions.kernel import KERNEL_MAX_DIM
    arch = Architecture({"height": 1, "width": KERNEL_MAX_DIM + 1, "channels": 1},
                        [{"channels": 1, "kernel": [1, 2], "stride": 1}])
    with pytest.raises(ValueError, match="at most"):
        KernelSearch(build_problem(he_network(arch, seed=0)))


def test_budgeted_generator_leaves_the_same_nodes_as_count():
    problem = build_problem(he_network(paper_architecture("example4-d3"), seed=14))
    a, b = KernelSearch(problem), KernelSearch(problem)
    yielded = sum(1 for _ in a.dfs(a.root(), 50))
    assert yielded == b.count(b.root(), 50) == a.regions
    assert [(n.k, n.prefix.tobytes(), n.splits) for n in a.leftover] == \
        [(n.k, n.prefix.tobytes(), n.splits) for n in b.leftover]
    assert a.leftover


@pytest.mark.slow
def test_peer_fixtures_up_to_15000_regions(oracles_dir):
    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())
    for name, info in sorted(manifest["networks"].items()):
        if 2000 < info["regions"] <= 15_000:
            ks = assert_same_tree(build_problem(load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz")))
            assert ks.regions == info["regions"], name
