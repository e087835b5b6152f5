"""Unit tests of the exact machinery: every checker accepts a right answer and rejects a wrong one."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, Network, he_network, paper_architecture
from cnnregions.certify import (
    ExactNetwork,
    certificate_on_support,
    check_certificate,
    check_point,
    check_witnesses,
    decide_strict,
    region_rows,
)
from cnnregions.certify.dyadic import as_ints

# x > 0, y > 0, eps - x - y > 0: non-empty (a triangle) for eps > 0, empty for eps <= 0.
TRIANGLE = [[1, 0, 0], [0, 1, 0], [-1, -1, 1]]
CONCURRENT = [[1, 0, 0], [0, 1, 0], [-1, -1, 0]]


def test_dyadic_conversion_is_exact():
    values = np.array([0.1, -3.0, 2.0**-1074, 1e300, 0.0, -2.5e-17])
    ints, exp = as_ints(values)
    assert [Fraction(int(i)) * Fraction(2) ** exp for i in ints] == [Fraction(v) for v in values]


def test_certificate_checker_accepts_a_right_one_and_rejects_wrong_ones():
    assert check_certificate(CONCURRENT, [1, 1, 1])
    assert not check_certificate(CONCURRENT, [1, 1, 2])       # sum y a != 0
    assert not check_certificate(CONCURRENT, [-1, -1, -1])    # negative multipliers
    assert not check_certificate(CONCURRENT, [0, 0, 0])       # y = 0
    assert not check_certificate(TRIANGLE, [1, 1, 1])         # sum y b = 1 > 0: the triangle is not empty
    assert not check_certificate(CONCURRENT, [1, 1])          # wrong length


def test_certificate_from_support_and_its_refusals():
    assert check_certificate(CONCURRENT, certificate_on_support(CONCURRENT))
    assert certificate_on_support(TRIANGLE) is None           # the null-space vector fails the b-condition
    assert certificate_on_support([[1, 0, 0], [0, 1, 0]]) is None  # no null space: no certificate
    # a 2-dimensional null space is not guessed: the caller decides exactly
    assert certificate_on_support([[1, 0], [-1, 0], [1, 0], [-1, 0]]) is None


def test_point_checker():
    third = Fraction(1, 3) * Fraction(1, 2**40)
    eps = [[1, 0, 0], [0, 1, 0], [-(2**40), -(2**40), 1]]      # x + y < 2^-40
    assert check_point(eps, (third, third))
    assert not check_point(eps, (Fraction(1, 2**40), third))  # outside
    assert not check_point(TRIANGLE, (0, Fraction(1, 2)))     # on a boundary: not strictly inside


def test_exact_simplex_decides_and_its_answers_check():
    d = decide_strict(TRIANGLE)
    assert d.nonempty and check_point(TRIANGLE, d.point)
    d = decide_strict(CONCURRENT)
    assert not d.nonempty and check_certificate(CONCURRENT, d.certificate)
    tiny = [[1, 0, 0], [0, 1, 0], [-(2**80), -(2**80), 1]]
    d = decide_strict(tiny)
    assert d.nonempty and check_point(tiny, d.point)
    assert decide_strict([[0, 0, 1]]).nonempty and not decide_strict([[0, 0, 0]]).nonempty
    assert decide_strict([[1, 0, 0, 0], [0, 1, 0, 0]]).nonempty  # fewer rows than dimensions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 3), min_size=3, max_size=3), min_size=1, max_size=7))
def test_exact_simplex_agrees_with_brute_force_on_small_systems(rows):
    """Against a grid of rational points: a found point is a proof, and an empty
    verdict must leave every grid point outside."""
    d = decide_strict(rows)
    if d.nonempty:
        assert check_point(rows, d.point)
    else:
        assert check_certificate(rows, d.certificate)
        grid = [Fraction(i, 4) for i in range(-40, 41)]
        assert not any(check_point(rows, (x, y)) for x in grid[::3] for y in grid[::3])


def test_exact_maps_match_fractions_and_witnesses_are_checked():
    net = he_network(paper_architecture("example4-d3"), seed=0)
    exact = ExactNetwork(net.affine_maps)
    rng = np.random.default_rng(0)
    points = rng.standard_normal((20, 4))
    patterns = np.concatenate([z > 0 for z in net.preactivations(points)], axis=1)
    assert check_witnesses(exact, patterns, points).all()
    flipped = patterns.copy()
    flipped[:, 7] = ~flipped[:, 7]                            # a wrong pattern must be rejected
    assert not check_witnesses(exact, flipped, points).any()
    # the composed map of layer 2 under a pattern, against Fraction arithmetic
    P, e = exact.layer_map(1, patterns[0])
    x = [Fraction(v) for v in points[0]]
    z = [sum(Fraction(w) * xi for w, xi in zip(row, x)) + Fraction(b) for row, b in zip(*net.affine_maps[0])]
    a = [zi if p else 0 for zi, p in zip(z, patterns[0][:6])]
    M, c = net.affine_maps[1]
    z2 = [sum(Fraction(w) * ai for w, ai in zip(row, a)) + Fraction(b) for row, b in zip(M, c)]
    mapped = [(sum(int(p) * xi for p, xi in zip(row[:-1], x)) + int(row[-1])) * Fraction(2) ** e for row in P]
    assert mapped == z2


def test_identically_zero_neuron_is_inactive_and_region_rows():
    arch = Architecture({"height": 1, "width": 1, "channels": 2},
                        [{"channels": 2, "kernel": [1, 1], "stride": 1}])
    W = np.array([[1.0, 0.0], [0.0, 0.0]]).reshape(2, 2, 1, 1)
    exact = ExactNetwork(Network(arch, (W,), (np.zeros(2),)).affine_maps)
    points = np.array([[1.0, 0.0], [1.0, 0.0]])
    ok = check_witnesses(exact, np.array([[True, False], [True, True]]), points)
    assert ok.tolist() == [True, False]                       # dead neuron: inactive, never active
    assert region_rows(exact, np.array([True, True])) is None
    assert region_rows(exact, np.array([True, False])) == [[1, 0, 0]]


def test_checkers_reject_a_point_on_a_hyperplane():
    arch = Architecture({"height": 1, "width": 1, "channels": 2}, [{"channels": 1, "kernel": [1, 1], "stride": 1}])
    exact = ExactNetwork(Network(arch, (np.array([1.0, 1.0]).reshape(1, 2, 1, 1),), (np.zeros(1),)).affine_maps)
    on_plane = np.array([[0.1, -0.1]])                        # exactly on x + y = 0 (float -0.1 is exact negation)
    assert not check_witnesses(exact, np.array([[False]]), on_plane).any()
    assert not check_witnesses(exact, np.array([[True]]), on_plane).any()


@pytest.mark.parametrize("rows", [TRIANGLE, CONCURRENT])
def test_wrong_simplex_style_answers_are_rejected(rows):
    d = decide_strict(rows)
    if d.nonempty:
        shifted = tuple(v + 10 for v in d.point)
        assert not check_point(rows, shifted)
    else:
        assert not check_certificate(rows, tuple(v + (i == 0) for i, v in enumerate(d.certificate)))
