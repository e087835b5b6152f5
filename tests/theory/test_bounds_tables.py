"""The paper's Tables 1 and 2, and Lemma 2 / Theorem 1, reproduced exactly."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, paper_architecture
from cnnregions.theory import (
    bounds_summary,
    eq4,
    lemma2,
    theorem1,
    theorem1_bound,
    theorem5,
    theorem5_lower,
    theorem5_upper,
    theorem5_upper_table2,
)

# Table 1 (Example 1: input 1x3x1, d1 filters 1x2, stride 1), d1 = 1..8.
TABLE1_THEOREM2 = [4, 15, 40, 85, 156, 259, 400, 585]
TABLE1_THEOREM1 = [4, 15, 42, 93, 176, 299, 470, 697]
TABLE1_LEMMA2 = [4, 16, 64, 256, 1024, 4096, 16384, 65536]

# Table 2 (Example 4: input 1x4x1, 2 filters 1x2, then d2 filters 1x2x2), d2 = 1..8.
TABLE2_UPPER = [220, 880, 3520, 13585, 46640, 138050, 356180, 819115]
TABLE2_LOWER = [32, 120, 320, 680, 1248, 2072, 3200, 4680]
# Theorem 5 (ii) as printed, by hand: R_N'' = 55 times sum_{i<=4} C(2 d2, i), e.g. d2 = 3:
# 55 * (1 + 6 + 15 + 20 + 15) = 55 * 57 = 3135; d2 = 4: 55 * (1 + 8 + 28 + 56 + 70) = 8965;
# d2 = 5: 55 * (1 + 10 + 45 + 120 + 210) = 21230.  For d2 <= 2 all 2^(2 d2) subsets count.
THEOREM5_UPPER_BY_HAND = {1: 220, 2: 880, 3: 3135, 4: 8965, 5: 21230}


@pytest.mark.parametrize("d1", range(1, 9))
def test_table1(d1):
    arch = paper_architecture(f"example1-d{d1}")
    assert eq4(arch) == TABLE1_THEOREM2[d1 - 1]
    assert theorem1_bound(arch) == TABLE1_THEOREM1[d1 - 1]
    assert lemma2(arch) == TABLE1_LEMMA2[d1 - 1]


@pytest.mark.parametrize("d2", range(1, 9))
def test_table2_rows(d2):
    arch = paper_architecture(f"example4-d{d2}")
    t5 = theorem5(arch)
    assert t5.upper_table2 == theorem5_upper_table2(arch) == TABLE2_UPPER[d2 - 1]
    assert t5.lower == theorem5_lower(arch) == TABLE2_LOWER[d2 - 1]
    # the pieces Example 4 states: R_N'' = 55, R_N' = d2^3 + d2^2 + d2 + 1, lower = 8 R_N'
    assert t5.r_n_double_prime == 55
    assert t5.r_n_prime == d2 ** 3 + d2 ** 2 + d2 + 1
    assert t5.lower == 8 * t5.r_n_prime


@pytest.mark.parametrize("d2, expected", sorted(THEOREM5_UPPER_BY_HAND.items()))
def test_theorem5_upper_as_printed_on_example4(d2, expected):
    arch = paper_architecture(f"example4-d{d2}")
    assert theorem5_upper(arch) == theorem5(arch).upper == expected


def test_theorem5_subnetworks_of_example4():
    t5 = theorem5(paper_architecture("example4-d3"))
    assert t5.n_prime.to_dict() == {"input": {"height": 1, "width": 3, "channels": 1},
                                    "layers": [{"channels": 3, "kernel": [1, 2], "stride": 1}]}
    assert t5.n_double_prime.to_dict() == {"input": {"height": 1, "width": 4, "channels": 1},
                                           "layers": [{"channels": 2, "kernel": [1, 2], "stride": 1}]}
    assert t5.lower_factors == (2 ** 3,)           # floor(d1/d0)^(n1(1) n1(2) d0) = 2^3
    assert t5.upper_factors == (2 ** 6 - 7,)       # sum_{i<=4} C(6, i) = 57
    assert t5.upper_table2_factors == (2 ** 6,)    # sum_{i<=6} C(6, i) = 64


def test_summary_keys_on_the_paper_networks():
    one = bounds_summary(paper_architecture("example1-d4"))
    assert (one["eq4"], one["theorem1"], one["lemma2"]) == (85, 93, 256)
    two = bounds_summary(paper_architecture("example4-d3"))
    assert (two["theorem5_lower"], two["theorem5_upper"], two["theorem5_upper_table2"]) == (320, 3135, 3520)
    assert two["eq4"] is None and two["theorem1"] is None
    assert "one-layer" in two["not_applicable"]["eq4"]


def test_summary_example2_on_full_size_filters():
    arch = Architecture({"height": 2, "width": 2, "channels": 1}, [{"channels": 6, "kernel": [2, 2], "stride": 1}])
    summary = bounds_summary(arch)
    # a fully-connected layer with 4 inputs and 6 neurons: sum_{k<=4} C(6, k) = 1 + 6 + 15 + 20 + 15
    assert summary["example2"] == summary["eq4"] == summary["theorem1"] == 57
    assert bounds_summary(paper_architecture("example1-d3"))["example2"] is None


def test_theorem1_values():
    assert [theorem1(3, n1) for n1 in (2, 4, 6)] == [4, 15, 42]
    assert theorem1(2, 0) == 1
    assert theorem1(10, 4) == 16  # fewer hyperplanes than dimensions: all 2^n1 patterns


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 2), st.integers(1, 2), st.integers(1, 3),
       st.integers(1, 6), st.integers(1, 2))
def test_eq4_below_theorem1_below_lemma2(height, width, f1, f2, d0, d1, stride):
    f1, f2 = min(f1, height), min(f2, width)
    arch = Architecture({"height": height, "width": width, "channels": d0},
                        [{"channels": d1, "kernel": [f1, f2], "stride": stride}])
    # eq. (4) counts neuron sets of size <= |U S| <= n0 among n1 neurons
    assert eq4(arch) <= theorem1_bound(arch) <= lemma2(arch)
    assert theorem1_bound(arch) == sum(math.comb(arch.n_neurons, i) for i in range(arch.input_dim + 1))
