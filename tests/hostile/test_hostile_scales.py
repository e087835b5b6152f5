"""Extreme scales are rescaled exactly, or refused; never a wrong count."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cnnregions import Architecture, InvalidParameterError, count_regions, he_network, paper_architecture, save_network
from cnnregions.cli import main
from cnnregions.core.rescale import rescale_maps


def _stats(net):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/invalid-value warnings either
        r = count_regions(net)
    return r.regions, r.lps, r.nodes


@pytest.mark.parametrize("factor", [1e300, 1e-300, 2.0 ** 900, 1e-200])
def test_layer_rescaling_changes_nothing(factor):
    # ReLU is positively homogeneous: (W1, b1) * c and W2 / c is the same network.
    net = he_network(paper_architecture("example4-d3"), seed=0)
    (W1, W2), (b1, b2) = net.weights, net.biases
    scaled = net.with_weights([W1 * factor, W2 / factor], [b1 * factor, b2])
    if np.frexp(factor)[0] == 0.5:  # a power of two: the same network bit for bit after rescaling
        assert _stats(scaled) == _stats(net)
    else:  # W1 * c / c is W1 up to rounding: the same regions, LPs may differ by rounding
        assert _stats(scaled)[0] == _stats(net)[0]


@pytest.mark.parametrize("factor", [1e300, 1e-300, 1e-310, 1e-315])
def test_one_layer_times_any_factor_keeps_example1(factor):
    # Example 1: d^3 + d^2 + d + 1 regions for every generic theta, at any positive scale
    # (1e-310 and 1e-315 are denormal: fewer significant bits, but exact values).
    net = he_network(paper_architecture("example1-d3"), seed=0)
    scaled = net.with_weights([w * factor for w in net.weights], [b * factor for b in net.biases])
    assert _stats(scaled)[0] == 3 ** 3 + 3 ** 2 + 3 + 1


@pytest.mark.parametrize("seed", range(4))
def test_random_power_of_two_neuron_scalings_give_identical_searches(seed):
    rng = np.random.default_rng(seed)
    arch = Architecture({"height": 1, "width": 5, "channels": 1},
                        [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"type": "dense", "features": 3}])
    net = he_network(arch, seed=seed)
    (W1, W2), (b1, b2) = net.weights, net.biases
    e = rng.integers(-1000, 1000, size=2)  # per filter of layer 1
    W1s, b1s = np.ldexp(W1, e[:, None, None, None]), np.ldexp(b1, e)
    cols = np.repeat(-e, 4)  # layer 1's output: 2 channels x 4 positions, channel-major
    W2s = np.ldexp(W2, cols[None, :])
    scaled = net.with_weights([W1s, W2s], [b1s, b2])
    assert _stats(scaled) == _stats(net)


def test_rescaled_rows_have_unit_magnitude():
    net = he_network(paper_architecture("example4-d3"), seed=0)
    (W1, W2), (b1, b2) = net.weights, net.biases
    maps = rescale_maps(net.with_weights([W1 * 1e300, W2 / 1e300], [b1 * 1e300, b2]).affine_maps)
    for M, c in maps:
        top = np.maximum(np.abs(M).max(axis=1), np.abs(c))
        assert np.all((top >= 0.5) & (top < 1))


def _two_layer(weights_scale, bias_scale):
    net = he_network(paper_architecture("example4-d3"), seed=0)
    (W1, W2), (b1, b2) = net.weights, net.biases
    return net.with_weights([W1 * weights_scale[0], W2 * weights_scale[1]], [b1 * bias_scale[0], b2 * bias_scale[1]])


@pytest.mark.parametrize("net", [
    _two_layer((1e-310, 1.0), (1e-310, 1.0)),        # layer 2's slopes 1e-310 times its bias: beyond float64
    _two_layer((1e-300, 1e-300), (1e-300, 1e-300)),  # every weight x 1e-300: layer 2's hyperplanes at 1e300
])
def test_what_float64_cannot_place_is_refused(net, tmp_path, capsys):
    with pytest.raises(InvalidParameterError, match="float64"):
        count_regions(net)
    save_network(net, tmp_path / "net.npz")
    assert main(["count", str(tmp_path / "net.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no count printed
    assert len(err.strip().splitlines()) == 1 and "float64" in err


def test_too_deep_to_compose_is_refused():
    arch = Architecture({"height": 1, "width": 2, "channels": 1}, [{"type": "dense", "features": 64}] * 160)
    net = he_network(arch, seed=0)
    ones = net.with_weights([np.ones_like(w) for w in net.weights], net.biases)
    with pytest.raises(InvalidParameterError, match="composed affine maps"):
        count_regions(ones)
