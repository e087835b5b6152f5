"""Network: conv -> affine maps against torch, validation, read-only weights, He init, fingerprint."""

import dataclasses
import math
import re

import numpy as np
import pytest

from cnnregions import InvalidParameterError
from cnnregions.models import Architecture, Network, conv_matrix, he_network, paper_architecture


def arch(height, width, channels, *layers):
    return Architecture({"height": height, "width": width, "channels": channels},
                        [{"channels": d, "kernel": list(k), "stride": s, "padding": p} for d, k, s, p in layers])


def random_architecture(rng):
    """A random architecture of 1-3 layers with strides 1-3 and padding 0-1 (every kernel fits)."""
    h, w, c = (int(v) for v in rng.integers([2, 2, 1], [9, 9, 4]))
    layers = []
    hh, ww = h, w
    for _ in range(int(rng.integers(1, 4))):
        p = int(rng.integers(0, 2))
        f1 = int(rng.integers(1, min(3, hh + 2 * p) + 1))
        f2 = int(rng.integers(1, min(3, ww + 2 * p) + 1))
        s = int(rng.integers(1, 4))
        d = int(rng.integers(1, 5))
        layers.append((d, (f1, f2), s, p))
        hh = (hh + 2 * p - f1) // s + 1
        ww = (ww + 2 * p - f2) // s + 1
    return arch(h, w, c, *layers)


# -- against torch: torch.nn.functional.conv2d in float64, then ReLU --------------------

FIXED = [
    arch(7, 9, 2, (3, (3, 2), 2, 1), (2, (2, 2), 1, 0)),   # stride 2 and padding
    arch(6, 6, 1, (2, (3, 3), 3, 0), (3, (1, 1), 1, 1)),   # stride 3; padding around a 2x2 map
    arch(5, 4, 3, (4, (2, 3), 1, 0), (2, (2, 2), 2, 0), (3, (1, 1), 1, 0)),
    paper_architecture("example4-d3"),
    paper_architecture("pitfall2d-d2"),
]


def torch_preactivations(torch, network, x):
    """Pre-activations of every layer computed by torch, flattened in torch's (C, H, W) order."""
    t = torch.from_numpy(x)
    out = []
    for layer, weight, bias in zip(network.architecture.layers, network.weights, network.biases):
        z = torch.nn.functional.conv2d(t, torch.from_numpy(np.array(weight)), torch.from_numpy(np.array(bias)),
                                       stride=layer.stride, padding=layer.padding)
        out.append(z)
        t = torch.relu(z)
    return out


@pytest.mark.parametrize("case", range(len(FIXED) + 25))
def test_forward_pass_matches_torch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1000 + case)
    a = FIXED[case] if case < len(FIXED) else random_architecture(rng)
    net = he_network(a, seed=case)
    m = 40
    x = rng.normal(scale=2.0, size=(m, a.input.channels, a.input.height, a.input.width))
    expected = torch_preactivations(torch, net, x)
    ours = net.preactivations(x.reshape(m, -1))
    assert len(ours) == a.depth
    for l, (z_ours, z_torch, (h, w, d)) in enumerate(zip(ours, expected, a.shapes[1:])):
        # Lemma 1 agrees with torch's output shape, and torch's flattening is ours
        assert tuple(z_torch.shape) == (m, d, h, w), l
        np.testing.assert_allclose(z_ours, z_torch.reshape(m, -1).numpy(), rtol=1e-12, atol=1e-12)
    # the 4-D (m, C, H, W) input is accepted and means the same thing
    for z4, z2 in zip(net.preactivations(x), ours):
        np.testing.assert_array_equal(z4, z2)
    # activation patterns: every layer's (z > 0), layer after layer
    patterns = net.activation_patterns(x)
    assert patterns.dtype == bool and patterns.shape == (m, a.n_neurons)
    np.testing.assert_array_equal(patterns, np.concatenate([(z > 0).reshape(m, -1).numpy() for z in expected], axis=1))
    # __call__ is the last hidden layer's activations
    np.testing.assert_allclose(net(x), torch.relu(expected[-1]).reshape(m, -1).numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 0), (2, 1), (3, 2)])
def test_conv_matrix_matches_torch(stride, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(stride * 10 + padding)
    weight = rng.normal(size=(3, 2, 3, 2))
    bias = rng.normal(size=3)
    h_in, w_in = 7, 6
    matrix, offset = conv_matrix(weight, bias, (h_in, w_in), stride, padding)
    x = rng.normal(size=(5, 2, h_in, w_in))
    z = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias),
                                   stride=stride, padding=padding).numpy()
    assert matrix.shape == (z[0].size, 2 * h_in * w_in)
    np.testing.assert_allclose(x.reshape(5, -1) @ matrix.T + offset, z.reshape(5, -1), rtol=1e-12, atol=1e-12)
    # the rows of the matrix are torch's gradients: column j of a row is d z_row / d x_j
    xt = torch.zeros(1, 2, h_in, w_in, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, torch.from_numpy(weight), None, stride=stride, padding=padding).reshape(-1)
    row = int(rng.integers(out.numel()))
    (grad,) = torch.autograd.grad(out[row], xt)
    np.testing.assert_array_equal(matrix[row], grad.reshape(-1).numpy())


# -- flattening order, without torch ------------------------------------------------------

def test_example1_affine_map_by_hand():
    # z_j = w1 x_j + w2 x_{j+1} + b (cross-correlation, no flip), filter k's neurons first.
    a = paper_architecture("example1-d2")
    W = np.array([[[[1.0, 2.0]]], [[[3.0, -5.0]]]])
    b = np.array([0.5, -1.0])
    net = Network(a, (W,), (b,))
    (M, c), = net.affine_maps
    np.testing.assert_array_equal(M, [[1, 2, 0], [0, 1, 2], [3, -5, 0], [0, 3, -5]])
    np.testing.assert_array_equal(c, [0.5, 0.5, -1.0, -1.0])
    x = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, -1.0]])
    np.testing.assert_array_equal(net.preactivations(x)[0], [[3.5, 3.5, -3.0, -3.0], [2.5, -0.5, -6.0, 7.0]])
    np.testing.assert_array_equal(net.activation_patterns(x), [[True, True, False, False], [True, False, False, True]])


def test_flattening_is_channel_major():
    # input 2 channels x 2 x 2; a 1x1 filter that reads channel 1 only: the flattened index of
    # input (c, i, j) is (c*H + i)*W + j, so channel 1 is the second block of 4 columns.
    a = arch(2, 2, 2, (1, (1, 1), 1, 0))
    net = Network(a, (np.array([[[[0.0]], [[1.0]]]]),), (np.zeros(1),))
    (M, _), = net.affine_maps
    np.testing.assert_array_equal(M, np.hstack([np.zeros((4, 4)), np.eye(4)]))
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    np.testing.assert_array_equal(net.preactivations(x)[0], [[4.0, 5.0, 6.0, 7.0]])


def test_padded_coordinates_contribute_nothing():
    # 1x1 input, 3x3 kernel, padding 1: only the kernel's centre ever meets the input.
    a = arch(1, 1, 1, (1, (3, 3), 1, 1))
    W = np.arange(9.0).reshape(1, 1, 3, 3)
    net = Network(a, (W,), (np.array([0.25]),))
    (M, c), = net.affine_maps
    np.testing.assert_array_equal(M, [[4.0]])
    np.testing.assert_array_equal(c, [0.25])


def test_points_of_the_wrong_shape():
    net = he_network(paper_architecture("example1-d2"), 0)
    for bad in [np.zeros((5, 4)), np.zeros(4), np.zeros((2, 1, 3, 1)), np.zeros((2, 3, 1))]:
        with pytest.raises(InvalidParameterError, match="'points'"):
            net.preactivations(bad)


# -- validation -----------------------------------------------------------------------------

A4 = paper_architecture("example4-d2")   # W1 (2, 1, 1, 2), b1 (2,), W2 (2, 2, 1, 2), b2 (2,)


def good():
    net = he_network(A4, 3)
    return [np.array(w) for w in net.weights], [np.array(b) for b in net.biases]


def with_entry(name, value):
    weights, biases = good()
    (weights if name[0] == "W" else biases)[int(name[1:]) - 1] = value
    return weights, biases


def poisoned(name, value):
    weights, biases = good()
    arr = (weights if name[0] == "W" else biases)[int(name[1:]) - 1]
    arr.flat[arr.size // 2] = value
    return weights, biases


@pytest.mark.parametrize(("weights_biases", "field", "found"), [
    (with_entry("W2", np.zeros((3, 2, 1, 2))), "'W2'", "(3, 2, 1, 2)"),
    (with_entry("W2", np.zeros((2, 2, 2, 1))), "'W2'", "(2, 2, 2, 1)"),     # kernel transposed
    (with_entry("W1", np.zeros((2, 1, 2))), "'W1'", "(2, 1, 2)"),
    (with_entry("b2", np.zeros((2, 1))), "'b2'", "(2, 1)"),
    (with_entry("b1", np.float64(0.0)), "'b1'", "()"),
    (poisoned("W2", np.nan), "'W2'", "nan"),
    (poisoned("W1", np.inf), "'W1'", "inf"),
    (poisoned("W2", -np.inf), "'W2'", "-inf"),
    (poisoned("b2", np.nan), "'b2'", "nan"),
    (poisoned("b1", np.inf), "'b1'", "inf"),
    (with_entry("W2", np.zeros((2, 2, 1, 2), dtype=object)), "'W2'", "object"),
    (with_entry("W1", np.array([[[[object(), object()]]]] * 2)), "'W1'", "object"),
    (with_entry("W1", np.zeros((2, 1, 1, 2), dtype=complex)), "'W1'", "complex"),
    (with_entry("W1", np.zeros((2, 1, 1, 2), dtype=bool)), "'W1'", "bool"),
    (with_entry("W1", "weights"), "'W1'", "<U7"),
    (with_entry("W1", [[[[1.0, 2.0]]], [[[3.0]]]]), "'W1'", "ragged"),
])
def test_invalid_weights(weights_biases, field, found):
    weights, biases = weights_biases
    with pytest.raises(InvalidParameterError) as info:
        Network(A4, tuple(weights), tuple(biases))
    assert field in str(info.value)
    assert found in str(info.value)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_wrong_number_of_layers(n):
    weights, biases = good()
    weights = (weights * 2)[:n]
    with pytest.raises(InvalidParameterError, match=rf"'weights' must be a list of 2 arrays.*Got {n} instead"):
        Network(A4, tuple(weights), tuple(biases))
    with pytest.raises(InvalidParameterError, match=rf"'biases' must be a list of 2 arrays.*Got {n} instead"):
        Network(A4, tuple(good()[0]), tuple((biases * 2)[:n]))


def test_weights_not_a_sequence_and_architecture_not_an_architecture():
    weights, biases = good()
    with pytest.raises(InvalidParameterError, match="'weights'"):
        Network(A4, np.zeros(2), tuple(biases))
    with pytest.raises(InvalidParameterError, match="'weights'"):
        Network(A4, None, tuple(biases))
    with pytest.raises(InvalidParameterError, match="'architecture'"):
        Network(A4.to_dict(), tuple(weights), tuple(biases))


def test_integer_and_float32_weights_become_float64():
    weights, biases = good()
    net = Network(A4, (np.ones((2, 1, 1, 2), dtype=np.int32), weights[1].astype(np.float32)), tuple(biases))
    assert all(w.dtype == np.float64 for w in net.weights + net.biases)
    np.testing.assert_array_equal(net.weights[0], 1.0)
    np.testing.assert_array_equal(net.weights[1], weights[1].astype(np.float32).astype(np.float64))


# -- read-only copies -------------------------------------------------------------------------

def test_weights_are_read_only_copies():
    weights, biases = good()
    net = Network(A4, tuple(weights), tuple(biases))
    before = net.fingerprint
    kept = [w.copy() for w in weights] + [b.copy() for b in biases]
    z_before = net.preactivations(np.ones((1, 4)))[1].copy()
    for arr in weights + biases:      # the caller changes its arrays afterwards
        arr *= -7.0
        arr += 1.0
    for ours, original in zip(net.weights + net.biases, kept):
        np.testing.assert_array_equal(ours, original)
    np.testing.assert_array_equal(net.preactivations(np.ones((1, 4)))[1], z_before)
    for arr in net.weights + net.biases:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[...] = 0.0
    for M, c in net.affine_maps:
        assert not M.flags.writeable and not c.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.weights = ()
    assert isinstance(net.weights, tuple) and isinstance(net.biases, tuple)
    assert Network(A4, tuple(weights), tuple(biases)).fingerprint != before  # the new values do count


def test_a_float64_input_array_is_copied_not_viewed():
    weights, biases = good()
    net = Network(A4, tuple(weights), tuple(biases))
    assert not any(np.shares_memory(a, b) for a, b in zip(net.weights + net.biases, weights + biases))


# -- He initialisation ------------------------------------------------------------------------

def test_he_is_reproducible_and_seeds_differ():
    a = paper_architecture("example4-d5")
    n1, n2, n3 = he_network(a, 7), he_network(a, 7), he_network(a, 8)
    for x, y in zip(n1.weights + n1.biases, n2.weights + n2.biases):
        np.testing.assert_array_equal(x, y)
    assert n1.fingerprint == n2.fingerprint
    assert all(not np.array_equal(x, y) for x, y in zip(n1.weights + n1.biases, n3.weights + n3.biases))
    assert n1.fingerprint != n3.fingerprint
    # a Generator is accepted and consumed like the seed it was made from
    assert he_network(a, np.random.default_rng(7)).fingerprint == n1.fingerprint


def test_he_standard_deviation():
    # layer 1: fan_in = 3*3*8 = 72 (36,000 weights, 500 biases);
    # layer 2: fan_in = 1*1*500 = 500 (200,000 weights, 400 biases).
    a = Architecture({"height": 3, "width": 3, "channels": 8},
                     [{"channels": 500, "kernel": [3, 3]}, {"channels": 400, "kernel": [1, 1]}])
    net = he_network(a, 0)
    for weight, bias, fan_in in zip(net.weights, net.biases, (72, 500), strict=True):
        std = math.sqrt(2.0 / fan_in)
        assert abs(weight.std() / std - 1) < 0.05
        assert abs(weight.mean()) < 0.06 * std
        # biases are drawn from the same N(0, 2/fan_in) (the paper initialises biases too);
        # with 400-500 draws the sample std is within 15% (> 4 standard errors) of it
        assert abs(bias.std() / std - 1) < 0.15
        assert abs(bias.mean()) < 0.25 * std
        assert np.all(bias != 0)


def test_he_does_not_touch_the_global_rng():
    np.random.seed(12345)
    state = np.random.get_state()
    he_network(paper_architecture("example4-d8"), 1)
    he_network(paper_architecture("example4-d8"), None)
    after = np.random.get_state()
    assert state[0] == after[0] and state[2:] == after[2:]
    np.testing.assert_array_equal(state[1], after[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, [1]])
def test_he_bad_seed(seed):
    with pytest.raises(InvalidParameterError, match="'seed'"):
        he_network(paper_architecture("example1-d2"), seed)


def test_he_bad_architecture():
    with pytest.raises(InvalidParameterError, match="'architecture'"):
        he_network({"input": {"height": 1, "width": 3, "channels": 1}, "layers": []}, 0)


# -- fingerprint -------------------------------------------------------------------------------

def test_fingerprint_changes_with_one_weight():
    net = he_network(paper_architecture("example4-d3"), 0)
    weights = [np.array(w) for w in net.weights]
    biases = [np.array(b) for b in net.biases]
    assert net.with_weights(weights, biases).fingerprint == net.fingerprint
    weights[1][2, 1, 0, 1] = np.nextafter(weights[1][2, 1, 0, 1], np.inf)   # one ulp
    assert net.with_weights(weights, biases).fingerprint != net.fingerprint
    weights = [np.array(w) for w in net.weights]
    biases[0][0] = -biases[0][0]
    assert net.with_weights(weights, biases).fingerprint != net.fingerprint


def test_fingerprint_includes_the_architecture():
    # the same weight arrays on a wider input are another network
    w, b = np.array([[[[1.0, -1.0]]]]), np.array([0.5])
    narrow = Network(arch(1, 3, 1, (1, (1, 2), 1, 0)), (w,), (b,))
    wide = Network(arch(1, 4, 1, (1, (1, 2), 1, 0)), (w,), (b,))
    strided = Network(arch(1, 4, 1, (1, (1, 2), 2, 0)), (w,), (b,))
    assert len({narrow.fingerprint, wide.fingerprint, strided.fingerprint}) == 3
    assert re.fullmatch("[0-9a-f]{64}", narrow.fingerprint)  # a SHA-256 hex digest
