"""Theorem 4 (composition), Theorem 5 (bounds for L layers) and Example 5 (fully connected)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, InvalidParameterError, he_network, paper_architecture
from cnnregions.theory import (
    bounds_summary,
    eq4,
    example5,
    fully_connected_architecture,
    theorem1,
    theorem4_architecture,
    theorem4_kernel,
    theorem4_network,
    theorem4_weights,
    theorem5,
    theorem5_lower,
    theorem5_n_double_prime,
    theorem5_n_prime,
    theorem5_upper,
    theorem5_upper_table2,
)


@st.composite
def two_layer(draw):
    s1, s2 = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    f1 = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    f2 = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    extra = (draw(st.integers(0, 4)), draw(st.integers(0, 4)))
    # big enough for both layers: n1 >= f2, i.e. n0 >= f1 + (f2 - 1) s1
    h = f1[0] + (f2[0] - 1) * s1 + extra[0]
    w = f1[1] + (f2[1] - 1) * s1 + extra[1]
    return Architecture({"height": h, "width": w, "channels": draw(st.integers(1, 3))},
                        [{"channels": draw(st.integers(1, 3)), "kernel": list(f1), "stride": s1},
                         {"channels": draw(st.integers(1, 3)), "kernel": list(f2), "stride": s2}])


@settings(max_examples=60, deadline=None)
@given(two_layer(), st.integers(0, 2 ** 32 - 1))
def test_theorem4_composition_equals_the_two_linear_layers(arch, seed):
    net = he_network(arch, seed=seed)
    composed = theorem4_network(net)
    (m1, c1), (m2, c2) = net.affine_maps
    (m, c), = composed.affine_maps
    np.testing.assert_allclose(m, m2 @ m1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c, m2 @ c1 + c2, rtol=1e-10, atol=1e-12)
    assert composed.architecture.shapes[1] == arch.shapes[2]
    # and on points, through the network's own forward pass
    x = np.random.default_rng(seed).normal(size=(5, arch.input_dim))
    linear = (x @ m1.T + c1) @ m2.T + c2
    np.testing.assert_allclose(composed.preactivations(x)[0], linear, rtol=1e-9, atol=1e-10)


def test_theorem4_sizes():
    # the paper's special case: a 1x1 stride-1 first layer keeps the second layer's filter and stride
    assert theorem4_kernel((1, 1), 1, (3, 5), 2) == ((3, 5), 2)
    assert theorem4_kernel((2, 3), 2, (3, 2), 3) == ((2 + 2 * 2, 3 + 1 * 2), 6)
    arch = theorem4_architecture(paper_architecture("example4-d5"))
    assert arch.to_dict()["layers"] == [{"channels": 5, "kernel": [1, 3], "stride": 1}]


def test_theorem4_weights_by_hand():
    # 1-D, one channel: conv with [1, 2] then [3, 4] is conv with [3, 10, 8] (stride 1)
    w1 = np.array([1.0, 2.0]).reshape(1, 1, 1, 2)
    w2 = np.array([3.0, 4.0]).reshape(1, 1, 1, 2)
    w, b = theorem4_weights(w1, [0.5], 1, w2, [1.0])
    np.testing.assert_array_equal(w.ravel(), [3.0, 10.0, 8.0])
    np.testing.assert_array_equal(b, [1.0 + 0.5 * 7.0])
    # stride 2 in the first layer spreads the second filter: [3, 0, 4] * [1, 2] = [3, 6, 4, 8]
    w, _ = theorem4_weights(w1, [0.0], 2, w2, [0.0])
    np.testing.assert_array_equal(w.ravel(), [3.0, 6.0, 4.0, 8.0])


def test_theorem4_refuses_one_layer():
    with pytest.raises(InvalidParameterError, match="at most 0"):
        theorem4_architecture(paper_architecture("example1-d2"))


# -- Theorem 5 -------------------------------------------------------------------------

def test_theorem5_subnetworks_follow_the_definition():
    arch = Architecture({"height": 6, "width": 7, "channels": 2},
                        [{"channels": 3, "kernel": [2, 3], "stride": 1},
                         {"channels": 4, "kernel": [1, 2], "stride": 2},
                         {"channels": 5, "kernel": [2, 1], "stride": 1}])
    # N': input n_{L-1}(1) x n_{L-1}(2) x d0, d_L filters f_L x d0, stride s_L
    assert arch.shapes[1:] == ((5, 5, 3), (3, 2, 4), (2, 2, 5))
    assert theorem5_n_prime(arch).to_dict() == {"input": {"height": 3, "width": 2, "channels": 2},
                                                "layers": [{"channels": 5, "kernel": [2, 1], "stride": 1}]}
    # N'': the first layer alone
    assert theorem5_n_double_prime(arch).to_dict() == {"input": {"height": 6, "width": 7, "channels": 2},
                                                       "layers": [{"channels": 3, "kernel": [2, 3], "stride": 1}]}
    t5 = theorem5(arch)
    d0 = 2
    assert t5.lower == eq4(theorem5_n_prime(arch)) * (3 // d0) ** (5 * 5 * d0) * (4 // d0) ** (3 * 2 * d0)
    r_pp = eq4(theorem5_n_double_prime(arch))
    assert t5.upper == r_pp * theorem1(6 * 7 * 2, 3 * 2 * 4) * theorem1(6 * 7 * 2, 2 * 2 * 5)
    assert t5.upper_table2 == r_pp * theorem1(5 * 5 * 3, 3 * 2 * 4) * theorem1(3 * 2 * 4, 2 * 2 * 5)


def test_theorem5_lower_needs_d_l_at_least_d0():
    arch = Architecture({"height": 1, "width": 5, "channels": 3},
                        [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 4, "kernel": [1, 2], "stride": 1}])
    with pytest.raises(InvalidParameterError, match="assumes d_l >= d0 = 3 for every layer. Got d_1 = 2"):
        theorem5_lower(arch)
    t5 = theorem5(arch)
    assert t5.lower is None and t5.r_n_prime is None and "d_1 = 2" in t5.lower_reason
    assert t5.upper == theorem5_upper(arch) > 0
    summary = bounds_summary(arch)
    assert summary["theorem5_lower"] is None and "d0 = 3" in summary["not_applicable"]["theorem5_lower"]
    assert summary["theorem5_upper"] == t5.upper


def test_fully_connected_layers_are_outside_the_paper_setting():
    try:
        arch = Architecture({"height": 3, "width": 3, "channels": 1},
                            [{"channels": 2, "kernel": [2, 2], "stride": 1}, {"type": "dense", "features": 3}])
    except InvalidParameterError:
        pytest.skip("this version of Architecture has no dense layers")
    with pytest.raises(InvalidParameterError, match="Got a fully-connected layer 2 instead"):
        theorem5(arch)
    summary = bounds_summary(arch)
    assert summary["lemma2"] == 2 ** 11
    assert summary["theorem5_upper"] is None and "fully-connected" in summary["not_applicable"]["theorem5_upper"]


def test_theorem5_on_one_layer_is_eq4():
    arch = paper_architecture("example1-d6")
    t5 = theorem5(arch)
    assert t5.lower == t5.upper == t5.upper_table2 == eq4(arch) == 259


def test_theorem5_refuses_padding():
    arch = Architecture({"height": 3, "width": 3, "channels": 1},
                        [{"channels": 2, "kernel": [2, 2], "stride": 1, "padding": 1}])
    for f in (theorem5, theorem5_upper, theorem5_upper_table2, theorem5_lower):
        with pytest.raises(InvalidParameterError, match="without padding"):
            f(arch)
    summary = bounds_summary(arch)
    assert summary["lemma2"] == 2 ** 32 and summary["theorem1"] == theorem1(9, 32)  # 4x4x2 neurons
    assert summary["eq4"] is None and summary["theorem5_upper"] is None


# -- Example 5 --------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_example5_falls_out_of_theorem5(d0, widths):
    widths = [max(w, d0) for w in widths]  # Theorem 5's assumption d_l >= d0
    t5 = theorem5(fully_connected_architecture(d0, widths))
    # eq. (10), written out here independently of the package
    lower = math.prod((d // d0) ** d0 for d in widths[:-1]) * sum(math.comb(widths[-1], k) for k in range(d0 + 1))
    upper = math.prod(sum(math.comb(d, i) for i in range(d0 + 1)) for d in widths)
    assert (t5.lower, t5.upper) == (lower, upper)
    assert (example5(d0, widths).lower, example5(d0, widths).upper) == (lower, upper)
    assert t5.lower <= t5.upper <= t5.upper_table2


def test_example5_without_the_assumption():
    assert example5(3, [2, 5]).lower is None
    assert example5(3, [2, 5]).upper == 4 * (1 + 5 + 10 + 10)
