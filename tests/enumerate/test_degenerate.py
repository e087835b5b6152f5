"""Degenerate weights, checked against an independent brute-force reference."""

import numpy as np
import pytest
from region_reference import reference_patterns

from cnnregions import Architecture, Network, count_regions, he_network, iter_regions, paper_architecture

ONE_LAYER = Architecture({"height": 1, "width": 4, "channels": 1}, [{"channels": 3, "kernel": [1, 2], "stride": 1}])
TWO_LAYER = Architecture({"height": 1, "width": 4, "channels": 1},
                         [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1}])


def _check(net):
    expected = reference_patterns(net)
    found = {r.pattern.tobytes() for r in iter_regions(net)}
    assert found == expected
    assert count_regions(net, split=4).regions == len(expected)
    return len(expected)


def test_duplicated_filters():
    net = he_network(ONE_LAYER, seed=1)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][2], b[0][2] = W[0][0], b[0][0]
    _check(Network(ONE_LAYER, tuple(W), tuple(b)))


def test_dead_filter_does_not_wipe_out_the_count():
    net = he_network(TWO_LAYER, seed=2)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][1], b[0][1] = 0.0, 0.0  # identically zero: counts as inactive
    n = _check(Network(TWO_LAYER, tuple(W), tuple(b)))
    assert n > 1


@pytest.mark.parametrize("bias", [1.5, -0.5])
def test_constant_filter(bias):
    net = he_network(TWO_LAYER, seed=3)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][0], b[0][0] = 0.0, bias
    _check(Network(TWO_LAYER, tuple(W), tuple(b)))


@pytest.mark.parametrize("seed", range(6))
def test_small_integer_weights_with_exact_ties(seed):
    rng = np.random.default_rng(seed)
    W = (rng.integers(-1, 2, size=(2, 1, 1, 2)).astype(float), rng.integers(-1, 2, size=(2, 2, 1, 2)).astype(float))
    b = (rng.integers(-1, 2, size=2).astype(float), rng.integers(-1, 2, size=2).astype(float))
    _check(Network(TWO_LAYER, W, b))


def test_opposite_and_coincident_hyperplanes_in_a_deeper_layer():
    # layer 2 sees two copies of one hyperplane with opposite orientation
    W1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])
    b1 = np.array([0.5, -0.5])
    W2 = np.array([[[[1.0, 0.0]], [[1.0, 0.0]]], [[[0.0, 2.0]], [[0.0, -1.0]]]])
    b2 = np.array([-0.2, 0.1])
    _check(Network(TWO_LAYER, (W1, W2), (b1, b2)))


@pytest.mark.parametrize("d, seed", [(2, 0), (2, 1), (3, 0)])
def test_2d_filters_where_eq4_overcounts(d, seed):
    """Input 3x3x1, 2x2 filters: eq. (4) gives 256 for d=2, but the 8 normals have
    rank 7 for every theta, so at most 255 regions exist (NOTES.md).  The truth is
    the reference count, not eq. (4)."""
    net = he_network(paper_architecture(f"pitfall2d-d{d}"), seed=seed)
    if d == 2:
        assert np.linalg.matrix_rank(net.affine_maps[0][0]) == 7
        n = _check(net)
        assert n <= 255
    else:
        assert count_regions(net).regions < 4013  # eq. (4) for d = 3
