"""PyTorch import: the same network (weights, forward pass, count) through from_torch, ONNX export
and .npz, and every refused layer or option named in one error line."""

import contextlib
import io
import warnings

import numpy as np
import pytest

from cnnregions import InvalidParameterError, count_regions
from cnnregions.models import DenseLayer, from_torch, load_network, load_onnx, save_network

torch = pytest.importorskip("torch")
nn = torch.nn

SHAPE = (1, 4, 4)


def issue_model(seed=0):
    """The issue's model: Conv2d(padding=1, stride=2), ReLU, Flatten, Linear, ReLU, Linear (small)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3), nn.ReLU(), nn.Linear(3, 2)).eval()


def export(model, path, *, dynamo, shape=SHAPE):
    """torch.onnx.export, quietly (the dynamo exporter prints progress)."""
    x = torch.zeros(1, *shape, dtype=next(model.parameters()).dtype)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), dynamo=dynamo)
    return path


def hidden_forward(model, x):
    """torch's own pre-activations of the hidden layers (those followed by a ReLU), float64."""
    out, t = [], torch.from_numpy(x)
    layers = list(model)
    for i, layer in enumerate(layers):
        t = layer(t)
        if i + 1 < len(layers) and isinstance(layers[i + 1], nn.ReLU):
            out.append(t.reshape(len(x), -1).detach().numpy())
    return out


# -- from_torch ---------------------------------------------------------------------------

def test_from_torch_architecture_weights_and_output_layer():
    model = issue_model()
    result = from_torch(model, SHAPE)
    net = result.network
    assert net.architecture.describe() == "4x4x1 -> 2@3x3/s2/p1 -> fc3"
    assert isinstance(net.architecture.layers[1], DenseLayer)
    assert result.output_layer == "layer '5' (Linear): dense 3 -> 2"
    assert len(result.notes) == 1 and "output layer" in result.notes[0]
    np.testing.assert_array_equal(net.weights[0], model[0].weight.detach().double().numpy())
    np.testing.assert_array_equal(net.weights[1], model[3].weight.detach().double().numpy())
    np.testing.assert_array_equal(net.biases[1], model[3].bias.detach().double().numpy())


def test_forward_pass_agrees_with_torch_float64():
    model = issue_model(1).double()
    net = from_torch(model, SHAPE).network
    x = np.random.default_rng(0).normal(size=(64, *SHAPE))
    expected = hidden_forward(model, x)
    ours = net.preactivations(x)
    assert len(ours) == len(expected) == 2
    for z, e in zip(ours, expected):
        np.testing.assert_allclose(z, e, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript-exporter", "dynamo-exporter"])
def test_same_count_through_torch_onnx_and_npz(tmp_path, dynamo):
    pytest.importorskip("onnx")
    if dynamo:
        pytest.importorskip("onnxscript")     # torch's dynamo exporter needs it; the importer does not
    model = issue_model(2)
    direct = from_torch(model, SHAPE)
    onnx_result = load_onnx(export(model, tmp_path / "model.onnx", dynamo=dynamo))
    save_network(direct.network, tmp_path / "model.npz")
    from_npz = load_network(tmp_path / "model.npz")
    # the very same float64 weights by every route
    assert onnx_result.network.fingerprint == direct.network.fingerprint == from_npz.fingerprint
    assert onnx_result.output_layer is not None and "dense 3 -> 2" in onnx_result.output_layer
    counts = {count_regions(net).regions for net in (direct.network, onnx_result.network, from_npz)}
    assert len(counts) == 1
    # and the count is not trivial: between the first layer's count and 2^neurons
    assert count_regions(from_torch(model[:2], SHAPE).network).regions < counts.pop() <= 2 ** 11


def test_conv_without_bias_nested_sequential_trailing_relu_and_same_padding():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Sequential(nn.Conv2d(2, 3, 3, padding="same", bias=False), nn.ReLU()),
                          nn.Conv2d(3, 1, 2, stride=2, padding=(1, 1)), nn.ReLU(inplace=True), nn.ReLU(),
                          nn.Flatten(), nn.Linear(9, 2), nn.ReLU()).double()
    result = from_torch(model, (2, 4, 4))
    assert result.output_layer is None and result.notes == ()
    a = result.network.architecture
    assert a.describe() == "4x4x2 -> 3@3x3/s1/p1 -> 1@2x2/s2/p1 -> fc2"
    np.testing.assert_array_equal(result.network.biases[0], np.zeros(3))
    x = np.random.default_rng(1).normal(size=(20, 2, 4, 4))
    np.testing.assert_allclose(result.network(x), model(torch.from_numpy(x)).detach().numpy(), rtol=0, atol=1e-10)


def test_mlp_with_flat_input_shape():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    result = from_torch(model, (3,))
    assert result.network.architecture.describe() == "1x1x3 -> fc4"
    assert count_regions(result.network).regions == 15          # Theorem 1: C(4,0)+...+C(4,3)


@pytest.mark.parametrize(("model", "shape", "message"), [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), SHAPE, "layer '1' (MaxPool2d)"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU()), SHAPE, "BatchNorm2d"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh()), SHAPE, "unsupported layer Tanh"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), nn.ReLU()), SHAPE, "padding_mode='zeros'"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.ReLU()), (1, 6, 6), "dilation 1"),
    (lambda: nn.Sequential(nn.Conv2d(2, 2, 3, groups=2), nn.ReLU()), (2, 4, 4), "groups=1"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, stride=(1, 2)), nn.ReLU()), SHAPE, "same stride in both directions"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=(1, 0)), nn.ReLU()), SHAPE, "equal zero padding"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 2, padding="same"), nn.ReLU()), SHAPE, "equal zero padding"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(2), nn.ReLU()), SHAPE, "start_dim=1"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Linear(2, 2), nn.ReLU()), SHAPE, "must follow a flatten"),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 4), nn.ReLU(), nn.Conv2d(1, 1, 1)), SHAPE, "must come before"),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 4), nn.Linear(4, 2), nn.ReLU()), SHAPE, "must be followed by a ReLU"),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(15, 4), nn.ReLU()), SHAPE, "16 input features"),
    (lambda: nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU()), SHAPE, "1 input channels"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 5), nn.ReLU()), SHAPE, "kernel must fit"),
    (lambda: nn.Sequential(nn.ReLU(), nn.Conv2d(1, 2, 3), nn.ReLU()), SHAPE, "Got a ReLU with no layer before it"),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 2)), SHAPE, "at least one hidden layer"),
    (lambda: nn.Conv2d(1, 2, 3), SHAPE, "torch.nn.Sequential"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), (4, 4), "'input_shape'"),
])
def test_refused(model, shape, message):
    with pytest.raises(InvalidParameterError) as info:
        from_torch(model(), shape)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_subclass_with_other_forward_is_refused():
    class Doubled(nn.Conv2d):
        def forward(self, x):
            return 2 * super().forward(x)

    with pytest.raises(InvalidParameterError, match="Doubled"):
        from_torch(nn.Sequential(Doubled(1, 2, 3), nn.ReLU()), SHAPE)
