"""Dense (fully-connected) layers after the convolutions, and padding, all the way through:
Architecture, JSON, .npz, the forward pass against torch, He initialisation, counts."""

import json
import math

import numpy as np
import pytest

from cnnregions import InvalidParameterError, count_regions
from cnnregions.models import (
    Architecture,
    ConvLayer,
    DenseLayer,
    Network,
    he_network,
    load_network,
    paper_architecture,
    save_network,
)

INPUT = {"height": 5, "width": 5, "channels": 2}
CONV = {"channels": 3, "kernel": [3, 3], "stride": 2, "padding": 1}     # 5x5 -> 3x3, 27 neurons
MIXED = Architecture(INPUT, [CONV, {"type": "dense", "features": 7}, {"type": "dense", "features": 4}])


def test_shapes_neurons_parameters_weight_shapes():
    a = MIXED
    assert a.shapes == ((5, 5, 2), (3, 3, 3), (1, 1, 7), (1, 1, 4))
    assert a.layer_sizes == (27, 7, 4)
    assert a.n_neurons == 38
    # torch.nn.Conv2d(2, 3, 3) + Linear(27, 7) + Linear(7, 4)
    assert a.n_parameters == (3 * 2 * 9 + 3) + (7 * 27 + 7) + (4 * 7 + 4)
    assert a.weight_shapes() == ((3, 2, 3, 3), (7, 27), (4, 7))
    assert isinstance(a.layers[1], DenseLayer) and a.layers[1].features == 7 and a.layers[1].channels == 7
    assert a.describe() == "5x5x2 -> 3@3x3/s2/p1 -> fc7 -> fc4"


def test_parameters_match_torch():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.Flatten(),
                                torch.nn.Linear(27, 7), torch.nn.Linear(7, 4))
    assert MIXED.n_parameters == sum(p.numel() for p in model.parameters())
    assert MIXED.weight_shapes() == tuple(tuple(p.shape) for p in model.parameters() if p.dim() > 1)


def test_paper_setting_flag():
    assert paper_architecture("example4-d2").is_paper_setting
    assert not MIXED.is_paper_setting and MIXED.has_dense and MIXED.has_padding
    no_pad = Architecture(INPUT, [{"channels": 3, "kernel": [3, 3]}, {"type": "dense", "features": 2}])
    assert not no_pad.is_paper_setting and no_pad.has_dense and not no_pad.has_padding
    padded = Architecture(INPUT, [CONV])
    assert not padded.is_paper_setting and padded.has_padding and not padded.has_dense


def test_dense_only_network():
    a = Architecture({"height": 1, "width": 1, "channels": 3}, [{"type": "dense", "features": 4}])
    assert a.shapes == ((1, 1, 3), (1, 1, 4)) and a.weight_shapes() == ((4, 3),)
    # Theorem 1 (general position): sum_{i<=3} C(4, i) = 15 regions for 4 hyperplanes in R^3
    assert count_regions(he_network(a, 2)).regions == 15


def test_json_round_trip_and_formats():
    d = MIXED.to_dict()
    assert d["layers"][0] == CONV                        # no "type" key on convolutions: old readers still work
    assert d["layers"][1] == {"type": "dense", "features": 7}
    assert Architecture.from_json(json.dumps(d)) == MIXED
    explicit = {"input": INPUT, "layers": [{"type": "conv", **CONV}, {"type": "dense", "features": 7},
                                           {"type": "dense", "features": 4}]}
    assert Architecture.from_dict(explicit) == MIXED
    assert Architecture(INPUT, [ConvLayer(3, (3, 3), 2, 1), DenseLayer(7), DenseLayer(4)]) == MIXED


@pytest.mark.parametrize(("layers", "message"), [
    ([{"type": "dense", "features": 3}, CONV], "Layer 2 must be a dense layer"),
    ([CONV, {"type": "dense"}], "'features' of layer 2 is missing"),
    ([CONV, {"type": "dense", "features": 0}], "'features' of layer 2 must be a positive integer. Got 0"),
    ([CONV, {"type": "dense", "features": 2.0}], "'features' of layer 2"),
    ([CONV, {"type": "dense", "features": 3, "kernel": [1, 1]}], "'kernel'"),
    ([CONV, {"type": "pool", "features": 3}], "'type' of layer 2 must be 'conv' or 'dense'. Got 'pool'"),
    ([{"type": "conv", "channels": 2}], "'kernel' of layer 1 is missing"),
])
def test_invalid_layers(layers, message):
    with pytest.raises(InvalidParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Architecture(INPUT, layers)


def test_network_validates_dense_weights():
    net = he_network(MIXED, 0)
    weights = list(net.weights)
    weights[1] = np.zeros((7, 26))
    with pytest.raises(InvalidParameterError, match=r"'W2' must have shape \(7, 27\). Got shape \(7, 26\)"):
        Network(MIXED, tuple(weights), net.biases)
    weights[1] = np.zeros((7, 27, 1, 1))                   # a 1x1-conv layout is not a dense weight
    with pytest.raises(InvalidParameterError, match="'W2'"):
        Network(MIXED, tuple(weights), net.biases)


def test_he_fan_in_of_dense_layers():
    a = Architecture({"height": 4, "width": 4, "channels": 2},
                     [{"channels": 8, "kernel": [1, 1]}, {"type": "dense", "features": 300}])
    net = he_network(a, 0)
    fan_in = 4 * 4 * 8                                      # the flattened previous layer
    assert net.weights[1].shape == (300, fan_in)
    assert abs(net.weights[1].std() / math.sqrt(2 / fan_in) - 1) < 0.05


def test_forward_pass_matches_torch_float64():
    torch = pytest.importorskip("torch")
    net = he_network(MIXED, 3)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(27, 7), torch.nn.ReLU(), torch.nn.Linear(7, 4), torch.nn.ReLU()).double()
    with torch.no_grad():
        for module, w, b in zip([model[0], model[3], model[5]], net.weights, net.biases):
            module.weight.copy_(torch.from_numpy(np.array(w)))
            module.bias.copy_(torch.from_numpy(np.array(b)))
        x = np.random.default_rng(0).normal(size=(50, 2, 5, 5))
        t = torch.from_numpy(x)
        expected = [model[:1](t).reshape(50, -1), model[:4](t), model[:6](t)]
        z = net.preactivations(x)
        for ours, theirs in zip(z, expected):
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(net(x), model(t).numpy(), rtol=0, atol=1e-10)


def test_npz_round_trip_with_dense_layers(tmp_path):
    net = he_network(MIXED, 5)
    path = tmp_path / "mixed.npz"
    save_network(net, path)
    with np.load(path, allow_pickle=False) as z:
        assert z["W2"].shape == (7, 27) and z["W3"].shape == (4, 7)
        assert json.loads(str(z["architecture"]))["layers"][2] == {"type": "dense", "features": 4}
    again = load_network(path)
    assert again.architecture == MIXED and again.fingerprint == net.fingerprint


def test_old_npz_files_still_load(tmp_path, oracles_dir):
    # the relucent fixtures were written before dense layers existed (fully-connected = 1x1 convolutions)
    path = oracles_dir / "relucent-fixtures" / "ckpt0_d2_w8_nh1.npz"
    net = load_network(path)
    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())["networks"]
    assert all(isinstance(layer, ConvLayer) for layer in net.architecture.layers)
    assert count_regions(net).regions == manifest[path.stem]["regions"]
    # and the same net written with dense layers counts the same
    arch = Architecture({"height": 1, "width": 1, "channels": net.architecture.input.channels},
                        [{"type": "dense", "features": layer.channels} for layer in net.architecture.layers])
    dense = Network(arch, tuple(w[:, :, 0, 0] for w in net.weights), net.biases)
    x = np.random.default_rng(1).normal(size=(30, arch.input_dim))
    np.testing.assert_array_equal(dense.activation_patterns(x), net.activation_patterns(x))
    assert count_regions(dense).regions == manifest[path.stem]["regions"]
