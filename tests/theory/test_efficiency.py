"""Theorem 6 and Section 5: regions per parameter, with the paper's own expressions."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnregions import InvalidParameterError
from cnnregions.theory import (
    cnn_vs_fully_connected,
    deep_vs_shallow,
    section52_ratio_rate,
    theorem6_deep_rate,
    theorem6_shallow_rate,
)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 6), st.integers(1, 4))
def test_deep_vs_shallow_section51_closed_forms(n, d0, extra, depth):
    d = d0 + extra
    cmp = deep_vs_shallow(n, d0, d, depth)
    # Lemma 4 with 1x1 filters
    assert cmp.deep_parameters == d0 * d + d + (depth - 1) * (d * d + d)
    assert cmp.shallow_parameters == (d0 + 1) * depth * d * d
    # Theorem 5's lower bound: R_N' by eq. (6) (Example 3) times floor(d/d0)^(n^2 d0) per earlier layer
    example3 = sum(math.comb(d, t) for t in range(d0 + 1)) ** (n * n)
    assert cmp.deep_lower == example3 * (d // d0) ** (n * n * d0 * (depth - 1))
    # N2's maximum by Example 3 with depth d^2 filters
    assert cmp.shallow_max == sum(math.comb(depth * d * d, t) for t in range(d0 + 1)) ** (n * n)
    # Section 5.1's rates
    assert cmp.deep_rate == Fraction(1, depth) * Fraction(d, d0) ** (d0 * (depth - 1) * n * n - 2)
    assert cmp.shallow_rate == (depth * d * d) ** (d0 * n * n - 1)
    assert cmp.deep_wins == (Fraction(cmp.deep_lower, cmp.deep_parameters)
                             > Fraction(cmp.shallow_max, cmp.shallow_parameters))


def test_deep_wins_when_deep_and_wide_enough():
    assert deep_vs_shallow(3, 1, 4, 3).deep_wins
    # 1x1x2 input, one layer: N1 has 2 filters (4 regions, 6 parameters), N2 has 4 (11 regions, 12)
    small = deep_vs_shallow(1, 2, 2, 1)
    assert (small.deep_lower, small.deep_parameters, small.shallow_max, small.shallow_parameters) == (4, 6, 11, 12)
    assert not small.deep_wins


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 6), st.integers(1, 3))
def test_cnn_vs_fully_connected_section52(n, d0, extra, depth):
    d = d0 + extra
    cmp = cnn_vs_fully_connected(n, d0, d, depth)
    m = n * n * d0
    assert cmp.fc_parameters == m * d + d + (depth - 1) * (d * d + d)
    # eq. (10)'s upper bound for N3 and Theorem 5's lower bound for N1
    assert cmp.fc_upper == sum(math.comb(d, i) for i in range(m + 1)) ** depth
    example3 = sum(math.comb(d, t) for t in range(d0 + 1)) ** (n * n)
    assert cmp.cnn_lower == example3 * (d // d0) ** (n * n * d0 * (depth - 1))
    assert cmp.ratio_lower == Fraction(cmp.cnn_lower, cmp.fc_upper)
    assert cmp.paper_rate == Fraction(math.factorial(m) ** depth, d0 ** (depth * m))


def test_section52_rate_is_eq11_before_stirling():
    n, d0, depth = 3, 2, 2
    m = n * n * d0
    stirling = (math.sqrt(2 * math.pi * m) * (n * n / math.e) ** m) ** depth
    assert float(section52_ratio_rate(n, d0, depth)) == pytest.approx(stirling, rel=0.02)


def test_theorem6_rates_need_equal_widths():
    from cnnregions import Architecture
    arch = Architecture({"height": 2, "width": 2, "channels": 1},
                        [{"channels": 3, "kernel": [1, 1], "stride": 1}, {"channels": 4, "kernel": [1, 1], "stride": 1}])
    with pytest.raises(InvalidParameterError, match="one common number of filters"):
        theorem6_deep_rate(arch)
    with pytest.raises(InvalidParameterError, match="one-layer networks only"):
        theorem6_shallow_rate(arch)


def test_sizes_are_checked():
    with pytest.raises(InvalidParameterError, match="at least d0 = 3"):
        deep_vs_shallow(2, 3, 2, 2)
    with pytest.raises(InvalidParameterError, match="'n' must exceed"):
        cnn_vs_fully_connected(2, 1, 2, 3, kernel=2)
