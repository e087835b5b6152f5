"""Eq. (4) (Theorem 2): the fast algorithms against a brute force over K_N and closed forms."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, InvalidParameterError, he_network, paper_architecture
from cnnregions.theory import (
    eq4,
    eq4_bruteforce,
    eq4_polynomial,
    example1,
    example2,
    example3,
    hall_weighted_count,
    incidence,
    path_count,
    theorem1,
    theorem3_exponent,
)
from cnnregions.theory.fields import _raster_incidence, axis_classes

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_layer(height, width, d0, d1, kernel, stride):
    return Architecture({"height": height, "width": width, "channels": d0},
                        [{"channels": d1, "kernel": list(kernel), "stride": stride}])


@st.composite
def small_layers(draw, two_d: bool):
    """One-layer CNNs small enough for the brute force: few positions, small |S|."""
    stride = draw(st.sampled_from([1, 1, 1, 2, 3]))  # overlapping filters are the interesting case
    if two_d:
        n1, n2 = draw(st.sampled_from([(2, 2), (2, 3), (3, 2), (2, 1), (1, 2)]))
        kernel = draw(st.sampled_from([(2, 2), (2, 1), (1, 2), (3, 1), (1, 3), (2, 3)]))
    else:
        n1, n2 = 1, draw(st.integers(1, 5))
        kernel = (1, draw(st.integers(1, 4)))
    size_cap = 6 if n1 * n2 <= 4 else 3
    d0 = draw(st.integers(1, max(1, size_cap // (kernel[0] * kernel[1]))))
    if kernel[0] * kernel[1] * d0 > size_cap:
        kernel, d0 = (1, 1), draw(st.integers(1, 2))
    d1 = draw(st.integers(1, 7))
    height = (n1 - 1) * stride + kernel[0] + draw(st.integers(0, stride - 1))
    width = (n2 - 1) * stride + kernel[1] + draw(st.integers(0, stride - 1))
    return one_layer(height, width, d0, d1, kernel, stride)


@FAST
@given(small_layers(two_d=False))
def test_eq4_equals_bruteforce_1d(arch):
    assert eq4(arch) == eq4_bruteforce(arch)


@FAST
@given(small_layers(two_d=True))
def test_eq4_equals_bruteforce_2d(arch):
    assert eq4(arch) == eq4_bruteforce(arch)


@FAST
@given(small_layers(two_d=True))
def test_frontier_program_equals_bruteforce_on_every_layer(arch):
    # The frontier program on its own (eq4 uses closed forms where filters do not overlap).
    inc = incidence(arch)
    f1, f2 = arch.layers[0].kernel
    d0, d1 = arch.input.channels, arch.layers[0].channels
    weights = [math.comb(d1, t) for t in range(min(d1, f1 * f2 * d0) + 1)]
    assert hall_weighted_count(inc.fields, inc.capacities, weights) == eq4_bruteforce(arch)


@st.composite
def bipartite(draw):
    """Any bipartite structure: positions seeing random sets of atoms of random capacities."""
    n_atoms = draw(st.integers(1, 5))
    capacities = draw(st.lists(st.integers(1, 3), min_size=n_atoms, max_size=n_atoms))
    fields = draw(st.lists(st.integers(1, 2 ** n_atoms - 1), min_size=1, max_size=4))
    weights = draw(st.lists(st.integers(1, 9), min_size=1, max_size=5))
    return fields, capacities, weights


def hall_bruteforce(fields, capacities, weights):
    n = len(fields)
    union_caps = {}
    for mask in range(1, 1 << n):
        union = 0
        for k in range(n):
            if mask >> k & 1:
                union |= fields[k]
        union_caps[mask] = sum(c for a, c in enumerate(capacities) if union >> a & 1)
    total = 0
    for t in np.ndindex(*([len(weights)] * n)):
        if all(sum(t[k] for k in range(n) if mask >> k & 1) <= cap for mask, cap in union_caps.items()):
            total += math.prod(weights[x] for x in t)
    return total


@settings(max_examples=80, deadline=None)
@given(bipartite())
def test_frontier_program_on_arbitrary_bipartite_structures(case):
    fields, capacities, weights = case
    assert hall_weighted_count(fields, capacities, weights) == hall_bruteforce(fields, capacities, weights)


@pytest.mark.parametrize("n, kernel, stride, d0, d1", [
    (5, (2, 2), 1, 1, 4), (4, (2, 2), 1, 2, 5), (5, (3, 3), 1, 1, 9), (7, (3, 3), 2, 1, 9), (5, (2, 3), 1, 1, 6),
])
def test_frontier_program_does_not_depend_on_the_processing_order(n, kernel, stride, d0, d1):
    arch = one_layer(n, n + 1, d0, d1, kernel, stride)
    (_, _, _), (n1, n2, _) = arch.shapes
    rows, cols = axis_classes(n1, kernel[0], stride), axis_classes(n2, kernel[1], stride)
    weights = [math.comb(d1, t) for t in range(min(d1, kernel[0] * kernel[1] * d0) + 1)]
    by_rows = _raster_incidence(rows, cols, n1, n2, d0, False)
    by_cols = _raster_incidence(cols, rows, n2, n1, d0, True)
    a = hall_weighted_count(by_rows.fields, by_rows.capacities, weights)
    b = hall_weighted_count(by_cols.fields, by_cols.capacities, weights)
    assert a == b == eq4(arch)


@FAST
@given(st.integers(1, 12), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(1, 30))
def test_path_program_big_integers_equal_residues(n, capacity, kernel, stride, d1):
    exact = path_count(n, capacity, kernel, stride, d1, method="exact")
    assert path_count(n, capacity, kernel, stride, d1, method="modular") == exact


@FAST
@given(st.integers(1, 9), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 8))
def test_path_program_equals_frontier_program(n, d0, kernel, stride, d1):
    arch = one_layer(1, (n - 1) * stride + kernel, d0, d1, (1, kernel), stride)
    inc = incidence(arch)
    weights = [math.comb(d1, t) for t in range(min(d1, kernel * d0) + 1)]
    assert path_count(n, d0, kernel, stride, d1) == hall_weighted_count(inc.fields, inc.capacities, weights)


def test_big_1d_layer_modular_equals_big_integers():
    assert path_count(40, 16, 3, 1, 200, method="modular") == path_count(40, 16, 3, 1, 200, method="exact")


# -- closed forms ----------------------------------------------------------------------

@pytest.mark.parametrize("d1", range(1, 31))
def test_example1_closed_form(d1):
    assert eq4(paper_architecture(f"example1-d{d1}")) == example1(d1) == d1 ** 3 + d1 ** 2 + d1 + 1


@FAST
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 12), st.integers(1, 3))
def test_example2_full_size_filters_give_theorem1(height, width, d0, d1, stride):
    arch = one_layer(height, width, d0, d1, (height, width), stride)
    expected = sum(math.comb(d1, k) for k in range(height * width * d0 + 1))
    assert eq4(arch) == example2(arch) == theorem1(height * width * d0, d1) == expected


@FAST
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 6))
def test_example3_pointwise_filters(height, width, d0, d1):
    arch = one_layer(height, width, d0, d1, (1, 1), 1)
    expected = sum(math.comb(d1, t) for t in range(d0 + 1)) ** (height * width)
    inc = incidence(arch)
    weights = [math.comb(d1, t) for t in range(min(d1, d0) + 1)]
    assert eq4(arch) == example3(arch) == expected == hall_weighted_count(inc.fields, inc.capacities, weights)


def test_examples_refuse_other_filters():
    with pytest.raises(InvalidParameterError, match="Example 3 applies to 1x1 filters"):
        example3(paper_architecture("example1-d2"))
    with pytest.raises(InvalidParameterError, match="Example 2 applies to filters of the input's full size"):
        example2(paper_architecture("example1-d2"))


# -- Theorem 3 -----------------------------------------------------------------------------

def test_example1_polynomial():
    assert eq4_polynomial(paper_architecture("example1-d5")) == (1, 1, 1, 1)


@pytest.mark.parametrize("arch", [
    one_layer(1, 4, 1, 1, (1, 2), 1), one_layer(1, 5, 2, 1, (1, 3), 2), one_layer(3, 3, 1, 1, (2, 2), 1),
    one_layer(2, 3, 1, 1, (2, 2), 1), one_layer(4, 4, 1, 1, (2, 2), 2), one_layer(5, 1, 1, 1, (2, 1), 3),
])
def test_theorem3_degree_is_the_number_of_used_inputs(arch):
    poly = eq4_polynomial(arch)
    assert len(poly) - 1 == theorem3_exponent(arch)
    assert poly[-1] > 0 and poly[0] == 1  # d1 = 0: one region


@pytest.mark.parametrize("height, width, d0", [(1, 2, 1), (2, 2, 1), (1, 2, 2), (1, 1, 3)])
def test_theorem3_leading_coefficient_of_example3(height, width, d0):
    # eq. (6): R_N = (d1^d0 / d0!)^(n1 n1) + lower order terms
    poly = eq4_polynomial(one_layer(height, width, d0, 1, (1, 1), 1))
    assert len(poly) - 1 == height * width * d0
    assert poly[-1] == Fraction(1, math.factorial(d0)) ** (height * width)


def test_theorem3_exponent_counts_only_seen_inputs():
    # stride 3 > filter 2 skips the middle column: 2 + 2 of 5 columns are seen
    assert theorem3_exponent(one_layer(1, 5, 2, 4, (1, 2), 3)) == 8
    assert theorem3_exponent(one_layer(3, 3, 1, 4, (2, 2), 1)) == 9


# -- the two-dimensional pitfall (NOTES.md) -----------------------------------------------------

def test_pitfall_eq4_exceeds_what_any_theta_reaches():
    arch = paper_architecture("pitfall2d-d2")
    assert eq4(arch) == eq4_bruteforce(arch) == 256
    assert eq4(paper_architecture("pitfall2d-d3")) == 4013
    # 2-D convolution commutes, so the 8 normals satisfy a linear relation for every theta:
    for seed in range(5):
        normals = he_network(arch, seed=seed).affine_maps[0][0]
        assert normals.shape == (8, 9)
        assert np.linalg.matrix_rank(normals) == 7
    # rank 7: at most sum_{i<=7} C(8, i) = 255 regions for every theta, below eq. (4)
    assert sum(math.comb(8, i) for i in range(8)) == 255


def test_eq4_refuses_what_it_does_not_cover():
    with pytest.raises(InvalidParameterError, match="one-layer networks only. Got 2 hidden layers"):
        eq4(paper_architecture("example4-d2"))
    padded = Architecture({"height": 1, "width": 3, "channels": 1},
                          [{"channels": 2, "kernel": [1, 2], "stride": 1, "padding": 1}])
    with pytest.raises(InvalidParameterError, match="without padding"):
        eq4(padded)
    with pytest.raises(InvalidParameterError, match="brute force"):
        eq4_bruteforce(one_layer(1, 12, 3, 2, (1, 2), 1))
