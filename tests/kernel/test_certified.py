"""Certified counts on the kernel against the reference search's certified counts, and the kernel's
bounds of its float rows against the exact rows."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("flint")

from test_differential import (  # noqa: E402
    ONE_LAYER,
    STRIDE_TWO,
    TWO_CHANNELS,
    TWO_LAYER,
    _constant,
    _constant_negative,
    _dead,
    _duplicated,
    _edited,
)

from cnnregions import Architecture, Network, count_regions, he_network, iter_regions, load_network, paper_architecture  # noqa: E402,E501
from cnnregions.core.domain import Box, Plane  # noqa: E402
from cnnregions.core.problem import build_problem  # noqa: E402
from cnnregions.kernel import KernelSearch  # noqa: E402
from cnnregions.kernel.state import XS  # noqa: E402
from cnnregions.lpsearch.engine import LPEngine  # noqa: E402
from cnnregions.lpsearch.search import Search  # noqa: E402

THREE_LAYER = Architecture({"height": 1, "width": 4, "channels": 1},
                           [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1},
                            {"channels": 2, "kernel": [1, 2], "stride": 1}])
PLANE_IN = {"height": 1, "width": 1, "channels": 2}


def _certified(search):
    """Sorted patterns the search reaches, and its statistics (rejected regions subtracted)."""
    found = sorted(search.pattern.tobytes() for _ in search.dfs(search.root()))
    return found, LPEngine().stats(search)


def assert_same_certified(problem, **kernel_options):
    """Identical patterns, regions, nodes, certified flag and disagreements from both engines, certified."""
    assert problem.certify
    ref, rs = _certified(Search(problem))
    ks = KernelSearch(problem, **kernel_options)
    ker, kst = _certified(ks)
    assert ker == ref
    assert (kst.regions, kst.nodes, kst.certified, kst.disagreements) == \
        (rs.regions, rs.nodes, rs.certified, rs.disagreements)
    assert kst.certified and kst.unresolved == 0
    counted = KernelSearch(problem, **kernel_options)  # the counting path: no region buffer
    counted.count(counted.root())
    assert LPEngine().stats(counted).regions == kst.regions and counted.nodes == kst.nodes
    return kst


def _dense(weights, biases):
    layers = [{"channels": len(b), "kernel": [1, 1], "stride": 1} for b in biases]
    W = tuple(np.asarray(w, dtype=float).reshape(len(b), -1, 1, 1) for w, b in zip(weights, biases))
    return Network(Architecture(PLANE_IN, layers), W, tuple(np.asarray(b, dtype=float) for b in biases))


@pytest.mark.parametrize("name", ["example1-d1", "example1-d3", "example4-d1", "example4-d2", "example4-d4",
                                  "pitfall2d-d2"])
@pytest.mark.parametrize("seed", [0, 1])
def test_paper_nets(name, seed):
    assert_same_certified(build_problem(he_network(paper_architecture(name), seed=seed), certify=True))


def test_example4_d8_proves_most_sides_in_the_kernel():
    stats = assert_same_certified(build_problem(he_network(paper_architecture("example4-d8"), seed=0),
                                                certify=True))
    assert stats.regions == 3004 and stats.certificates > 2 * stats.exact_decisions


@pytest.mark.parametrize("arch, seed, edit", [(ONE_LAYER, 1, _duplicated), (TWO_LAYER, 2, _dead),
                                              (TWO_LAYER, 3, _constant), (TWO_LAYER, 3, _constant_negative)])
def test_degenerate_weights(arch, seed, edit):
    assert_same_certified(build_problem(_edited(arch, seed, edit), certify=True))


@pytest.mark.parametrize("seed", range(6))
def test_small_integer_weights_with_exact_ties(seed):
    rng = np.random.default_rng(seed)
    W = (rng.integers(-1, 2, size=(2, 1, 1, 2)).astype(float), rng.integers(-1, 2, size=(2, 2, 1, 2)).astype(float))
    b = (rng.integers(-1, 2, size=2).astype(float), rng.integers(-1, 2, size=2).astype(float))
    assert_same_certified(build_problem(Network(TWO_LAYER, W, b), certify=True))


def test_opposite_and_coincident_hyperplanes_in_a_deeper_layer():
    W1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])
    b1 = np.array([0.5, -0.5])
    W2 = np.array([[[[1.0, 0.0]], [[1.0, 0.0]]], [[[0.0, 2.0]], [[0.0, -1.0]]]])
    b2 = np.array([-0.2, 0.1])
    assert_same_certified(build_problem(Network(TWO_LAYER, (W1, W2), (b1, b2)), certify=True))


@pytest.mark.parametrize("eps", [1e-6, 1e-9, 1e-12])
def test_near_degenerate_duplicates(eps):
    def edit(W, b):
        W[0][2], b[0][2] = W[0][0] * (1 + eps), b[0][0] + eps
    assert_same_certified(build_problem(_edited(ONE_LAYER, 4, edit), certify=True))


@pytest.mark.parametrize("lines", [3, 5])
def test_lines_through_one_point(lines):
    """``k`` distinct lines exactly through one point cut the plane into ``2 k`` regions; the sides
    that would close a cell at the common point are empty only exactly (radius 0 there)."""
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -2.0], [3.0, 1.0]])[:lines]
    net = _dense([W], [-W @ np.array([0.25, -0.5])])  # exact: small dyadic numbers
    stats = assert_same_certified(build_problem(net, certify=True))
    assert stats.regions == 2 * lines


def test_a_tiny_triangle_below_the_tolerance_is_a_region():
    """x = 0, y = 0, x + y = 2^-40 and x = 1 (which sets the length scale near 1): 7 regions of the
    three lines, and x = 1 crosses two of them (not at a common point), adding 3: 10 when
    certified; the float count drops the triangle of inradius ~1e-13."""
    net = _dense([[[1, 0], [0, 1], [-1, -1], [-1, 0]]], [[0, 0, 2.0 ** -40, 1]])
    stats = assert_same_certified(build_problem(net, certify=True))
    assert stats.regions == 10 and stats.disagreements > 0
    assert count_regions(net).regions == 9


@pytest.mark.parametrize("arch", [TWO_CHANNELS, STRIDE_TWO, THREE_LAYER])
@pytest.mark.parametrize("seed", [0, 1])
def test_conv_nets(arch, seed):
    assert_same_certified(build_problem(he_network(arch, seed=seed), certify=True))


@pytest.mark.parametrize("half", [0.05, 0.5, 3.0])
def test_boxes(half):
    net = he_network(paper_architecture("example4-d4"), seed=2)
    assert_same_certified(build_problem(net, Box(-half, half), certify=True))


def test_planes():
    net = he_network(TWO_CHANNELS, seed=6)
    rng = np.random.default_rng(6)
    x0, x1, x2 = rng.normal(size=(3, 18))
    assert_same_certified(build_problem(net, Plane(x0, x1, x2), certify=True))
    assert_same_certified(build_problem(net, Plane(x0, x1, x2, (-1.0, 2.0, -0.5, 1.5)), certify=True))


def test_every_lp_through_highs_then_the_exact_checks():
    problem = build_problem(he_network(paper_architecture("example4-d4"), seed=9), certify=True)
    assert_same_certified(problem, highs_only=True)


def test_tasks_budgets_and_iter_regions():
    net = he_network(paper_architecture("example4-d4"), seed=0)
    ref = count_regions(net, certify=True, engine="reference")
    for budget, split in [(None, 1), (50, 4), ("auto", 16)]:
        ker = count_regions(net, certify=True, budget=budget, split=split)
        assert (ker.regions, ker.nodes, ker.certified) == (ref.regions, ref.nodes, True)
    ours = sorted(r.pattern.tobytes() for r in iter_regions(net, certify=True))
    theirs = sorted(r.pattern.tobytes() for r in iter_regions(net, certify=True, engine="reference"))
    assert ours == theirs and len(ours) == ref.regions


def test_peer_fixtures(oracles_dir):
    """The two largest peer fixtures of at most 2,000 regions: both engines certified, and the peer's count."""
    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())
    small = sorted((info["regions"], name) for name, info in manifest["networks"].items() if info["regions"] <= 2000)
    assert small
    for regions, name in small[-2:]:
        net = load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz")
        assert assert_same_certified(build_problem(net, certify=True)).regions == regions, name


def _exact_u_map(problem, l, pattern):
    """Exact maps of layer ``l`` in search coordinates: Fraction gradients and constants."""
    P, e = problem.exact.layer_map(l, pattern)
    scale = Fraction(problem.scale)
    two = Fraction(2) ** e
    return [([Fraction(int(v)) * two * scale for v in row[:-1]], Fraction(int(row[-1])) * two) for row in P]


@pytest.mark.parametrize("arch, seed, domain", [(THREE_LAYER, 0, None), (TWO_CHANNELS, 3, None),
                                                (paper_architecture("example4-d4"), 1, Box(-0.7, 0.9))])
def test_row_bounds_hold_against_the_exact_maps(arch, seed, domain):
    """At every region, every float map the kernel holds is within its bounds of the exact map
    (``EA``, ``EC``), and every row it branches on within ``ENA``, ``ENC`` of the exact row over its
    norm; the domain's rows within ``ERB``."""
    problem = build_problem(he_network(arch, seed=seed), domain, certify=True)
    ks = KernelSearch(problem, buffer=1)  # the state stays at the region it hands out
    st, starts = ks.state, problem.starts
    for i, (_, b) in enumerate(problem.root_rows):
        assert abs(Fraction(b) - Fraction(problem.exact.root_rows[1][i]) / Fraction(problem.scale)) <= st.XF[XS.ERB, i]
    checked = 0
    for _ in ks.dfs(ks.root()):
        for l in range(len(problem.maps)):
            for i, (grad, const) in enumerate(_exact_u_map(problem, l, ks.pattern)):
                j = starts[l] + i
                assert max(abs(Fraction(v) - g) for v, g in zip(st.LA[j], grad)) <= st.XF[XS.EA, j]
                assert abs(Fraction(st.LC[j]) - const) <= st.XF[XS.EC, j]
                if st.CONST[j] or not math.isfinite(st.XF[XS.ENA, j]):
                    continue
                if l == 0:  # as .rowbounds measures it
                    norm = float(np.linalg.norm(st.LA[starts[0]:starts[1]], axis=1)[i])
                else:  # the kernel's own sum of squares
                    total = 0.0
                    for v in st.LA[j]:
                        total += v * v
                    norm = math.sqrt(total)
                N = Fraction(norm)
                assert max(abs(Fraction(v) - g / N) for v, g in zip(st.NH[j], grad)) <= st.XF[XS.ENA, j]
                assert abs(Fraction(st.CH[j]) - const / N) <= st.XF[XS.ENC, j]
                checked += 1
    assert checked > 0
