"""Architecture: Lemma 1 shapes, neuron counts, Lemma 4 parameter counts, validation, JSON."""

import dataclasses
import json

import pytest

from cnnregions import InvalidParameterError
from cnnregions.models import Architecture, ConvLayer, InputShape, paper_architecture


def arch(height, width, channels, *layers):
    return Architecture({"height": height, "width": width, "channels": channels}, list(layers))


def layer(channels=2, kernel=(1, 2), stride=1, **extra):
    return {"channels": channels, "kernel": list(kernel), "stride": stride, **extra}


# -- the paper's networks ------------------------------------------------------------

@pytest.mark.parametrize("d", [1, 2, 3, 5, 8])
def test_example1_shapes_neurons_parameters(d):
    # Example 1: input 1x3x1, d filters 1x2: output 1x2xd; 2d neurons; 2d weights + d biases.
    a = paper_architecture(f"example1-d{d}")
    assert a.shapes == ((1, 3, 1), (1, 2, d))
    assert a.input_dim == 3
    assert a.layer_sizes == (2 * d,)
    assert a.n_neurons == 2 * d
    assert a.n_parameters == 3 * d
    assert a.weight_shapes() == ((d, 1, 1, 2),)
    assert a == arch(1, 3, 1, layer(d, (1, 2), 1))


@pytest.mark.parametrize("d2", [1, 2, 4, 8])
def test_example4_shapes_neurons_parameters(d2):
    # Example 4: 1x4x1 -> 2 filters 1x2 -> 1x3x2 -> d2 filters 1x2x2 -> 1x2xd2.
    a = paper_architecture(f"example4-d{d2}")
    assert a.depth == 2
    assert a.shapes == ((1, 4, 1), (1, 3, 2), (1, 2, d2))
    assert a.layer_sizes == (6, 2 * d2)
    assert a.n_neurons == 6 + 2 * d2
    assert a.n_parameters == (2 * 2 + 2) + (d2 * (2 * 2) + d2)
    assert a.weight_shapes() == ((2, 1, 1, 2), (d2, 2, 1, 2))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_pitfall2d_shapes(d):
    # input 3x3x1, d filters 2x2: 2x2 output positions, 4 weights + 1 bias per filter.
    a = paper_architecture(f"pitfall2d-d{d}")
    assert a.shapes == ((3, 3, 1), (2, 2, d))
    assert a.n_neurons == 4 * d
    assert a.n_parameters == 5 * d


def test_paper_name_errors():
    for bad in ["example1-d0", "example9-d2", "example1", "example1-dx", "Example1-d2", ""]:
        with pytest.raises(InvalidParameterError, match="network name"):
            paper_architecture(bad)


# -- Lemma 1 with strides and padding; Lemma 4 with channels -------------------------

@pytest.mark.parametrize(("n", "f", "s", "p", "expected"), [
    (7, 3, 1, 0, 5),
    (7, 3, 2, 0, 3),   # floor(4/2) + 1
    (8, 3, 2, 0, 3),   # floor(5/2) + 1: the last input column is never seen
    (8, 3, 3, 0, 2),
    (5, 5, 4, 0, 1),   # full-size filter (Example 2)
    (5, 3, 1, 1, 5),   # "same" padding
    (5, 3, 2, 1, 3),   # floor((5 + 2 - 3)/2) + 1
    (4, 6, 1, 1, 1),   # kernel larger than the input, but it fits the padded input
])
def test_lemma1_one_direction(n, f, s, p, expected):
    wide = arch(1, n, 1, layer(1, (1, f), s, padding=p))
    tall = arch(n, 1, 1, layer(1, (f, 1), s, padding=p))
    other = 2 * p // s + 1  # the size-1 direction with a size-1 kernel, padded on both sides
    assert wide.shapes[1] == (other, expected, 1)
    assert tall.shapes[1] == (expected, other, 1)


def test_lemma1_and_lemma4_multichannel_two_layers():
    a = arch(7, 9, 3,
             layer(4, (3, 2), 2),             # (7-3)//2+1 = 3, (9-2)//2+1 = 4
             layer(6, (2, 3), 1, padding=1))  # (3+2-2)+1 = 4, (4+2-3)+1 = 4
    assert a.shapes == ((7, 9, 3), (3, 4, 4), (4, 4, 6))
    assert a.layer_sizes == (3 * 4 * 4, 4 * 4 * 6)
    assert a.n_neurons == 48 + 96
    # Lemma 4: sum_l f1 f2 d_{l-1} d_l + d_l
    assert a.n_parameters == (3 * 2 * 3 * 4 + 4) + (2 * 3 * 4 * 6 + 6)
    assert a.weight_shapes() == ((4, 3, 3, 2), (6, 4, 2, 3))
    assert a.has_padding


def test_lemma4_matches_torch_parameter_count():
    torch = pytest.importorskip("torch")
    a = arch(6, 6, 2, layer(5, (3, 3), 1), layer(3, (2, 1), 2), layer(4, (1, 2), 1))
    convs = []
    prev = a.input.channels
    for lay in a.layers:
        convs.append(torch.nn.Conv2d(prev, lay.channels, lay.kernel, stride=lay.stride))
        prev = lay.channels
    assert a.n_parameters == sum(p.numel() for c in convs for p in c.parameters())
    # and Lemma 1 against torch's own output shape
    x = torch.zeros(1, a.input.channels, a.input.height, a.input.width)
    for conv, (h, w, d) in zip(convs, a.shapes[1:]):
        x = conv(x)
        assert tuple(x.shape[1:]) == (d, h, w)


def test_fully_connected_special_case():
    # Example 5: a fully-connected layer is a 1x1 convolution on a 1x1 spatial input.
    a = arch(1, 1, 5, layer(7, (1, 1)), layer(3, (1, 1)))
    assert a.shapes == ((1, 1, 5), (1, 1, 7), (1, 1, 3))
    assert a.n_neurons == 10
    assert a.n_parameters == (5 * 7 + 7) + (7 * 3 + 3)


def test_stride_defaults_to_one_and_padding_to_zero():
    a = arch(1, 3, 1, {"channels": 2, "kernel": [1, 2]})
    assert a.layers[0].stride == 1 and a.layers[0].padding == 0
    assert not a.has_padding


# -- immutability, equality ------------------------------------------------------------

def test_frozen():
    a = paper_architecture("example4-d3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.layers = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.input = InputShape(1, 5, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.layers[0].stride = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.input.width = 9
    assert isinstance(a.layers, tuple)
    assert isinstance(a.layers[0].kernel, tuple)
    # still the same value after all those attempts
    assert a.shapes == ((1, 4, 1), (1, 3, 2), (1, 2, 3))


def test_equality_and_hash():
    a = arch(2, 3, 1, layer(2, (1, 2)), layer(3, (2, 1)))
    b = Architecture(InputShape(2, 3, 1), [ConvLayer(2, (1, 2)), ConvLayer(3, [2, 1], 1, 0)])
    assert a == b and hash(a) == hash(b)
    assert a != arch(2, 3, 1, layer(2, (1, 2)), layer(3, (2, 1), padding=1))
    assert a != arch(2, 4, 1, layer(2, (1, 2)), layer(3, (2, 1)))


def test_layer_objects_are_renumbered_for_messages():
    ok = ConvLayer(1, (1, 1))
    bad = {"channels": 1, "kernel": [1, 1], "stride": 0}
    with pytest.raises(InvalidParameterError, match="'stride' of layer 3"):
        arch(2, 2, 1, ok, ok, bad)


# -- JSON ---------------------------------------------------------------------------------

def test_to_dict_is_the_exchange_format():
    a = paper_architecture("example1-d2")
    assert a.to_dict() == {"input": {"height": 1, "width": 3, "channels": 1},
                           "layers": [{"channels": 2, "kernel": [1, 2], "stride": 1}]}
    assert json.loads(a.to_json()) == a.to_dict()


@pytest.mark.parametrize("a", [
    paper_architecture("example1-d3"),
    paper_architecture("example4-d8"),
    arch(7, 9, 3, layer(4, (3, 2), 2), layer(6, (2, 3), 1, padding=1)),
    arch(1, 1, 4, layer(10, (1, 1)), layer(1, (1, 1))),
], ids=["example1", "example4", "stride-padding", "fully-connected"])
def test_json_round_trip(a):
    again = Architecture.from_json(a.to_json())
    assert again == a
    assert again.shapes == a.shapes
    assert again.n_parameters == a.n_parameters
    assert Architecture.from_dict(json.loads(a.to_json(indent=2))) == a


def test_padding_only_written_when_used():
    plain = arch(3, 3, 1, layer(1, (2, 2)))
    padded = arch(3, 3, 1, layer(1, (2, 2), padding=2))
    assert "padding" not in plain.to_json()
    assert padded.to_dict()["layers"][0]["padding"] == 2
    assert Architecture.from_json(padded.to_json()).shapes == ((3, 3, 1), (6, 6, 1))


# -- validation: every invalid field is refused, naming the field ---------------------

I = {"height": 1, "width": 3, "channels": 1}


@pytest.mark.parametrize(("input_", "layers", "field"), [
    # stride
    (I, [layer(stride=0)], "'stride' of layer 1"),
    (I, [layer(stride=-2)], "'stride' of layer 1"),
    (I, [layer(stride=1.5)], "'stride' of layer 1"),
    (I, [layer(stride=None)], "'stride' of layer 1"),
    (I, [layer(1, (1, 1)), layer(stride=0)], "'stride' of layer 2"),
    # channels: negative, zero, non-integers
    (I, [layer(channels=-1)], "'channels' of layer 1"),
    (I, [layer(channels=0)], "'channels' of layer 1"),
    (I, [layer(channels=2.5)], "'channels' of layer 1"),
    (I, [layer(channels=2.0)], "'channels' of layer 1"),
    (I, [layer(channels="3")], "'channels' of layer 1"),
    (I, [layer(channels=True)], "'channels' of layer 1"),
    (I, [layer(channels=float("nan"))], "'channels' of layer 1"),
    # kernel
    (I, [layer(kernel=(1, 4))], "'kernel' of layer 1"),            # wider than the input
    (I, [layer(kernel=(2, 1))], "'kernel' of layer 1"),            # taller than the input
    (I, [layer(kernel=(1, 2)), layer(kernel=(1, 3))], "'kernel' of layer 2"),  # 1x2 input to layer 2
    (I, [layer(kernel=(1, 2, 1))], "'kernel' of layer 1"),         # three entries
    (I, [layer(kernel=(2,))], "'kernel' of layer 1"),
    (I, [{"channels": 1, "kernel": 2}], "'kernel' of layer 1"),
    (I, [{"channels": 1, "kernel": "12"}], "'kernel' of layer 1"),
    (I, [layer(kernel=(0, 1))], "'kernel' of layer 1"),
    (I, [layer(kernel=(1, 2.5))], "'kernel' of layer 1"),
    (I, [layer(kernel=(1, "2"))], "'kernel' of layer 1"),
    (I, [layer(kernel=(True, 1))], "'kernel' of layer 1"),
    # padding
    (I, [layer(padding=-1)], "'padding' of layer 1"),
    (I, [layer(padding=0.5)], "'padding' of layer 1"),
    # input sizes
    ({"height": 0, "width": 3, "channels": 1}, [layer()], "input 'height'"),
    ({"height": 1, "width": -3, "channels": 1}, [layer()], "input 'width'"),
    ({"height": 1, "width": 3, "channels": 2.5}, [layer()], "input 'channels'"),
    ({"height": "1", "width": 3, "channels": 1}, [layer()], "input 'height'"),
    ({"height": 1, "width": True, "channels": 1}, [layer()], "input 'width'"),
    # missing keys
    ({"height": 1, "width": 3}, [layer()], "input 'channels'"),
    (I, [{"kernel": [1, 2]}], "'channels' of layer 1"),
    (I, [{"channels": 2}], "'kernel' of layer 1"),
    # unknown keys
    (I, [layer(stirde=1)], "stirde"),
    ({"height": 1, "width": 3, "channels": 1, "depth": 2}, [layer()], "depth"),
    # layers: empty or not a list of objects
    (I, [], "'layers'"),
    (I, {"channels": 2}, "'layers'"),
    (I, "layer", "'layers'"),
    (I, None, "'layers'"),
    (I, [3], "Layer 1"),
    (I, [layer(), "conv"], "Layer 2"),
    # input not an object
    ([1, 3, 1], [layer()], "'input'"),
    (None, [layer()], "'input'"),
])
def test_invalid_fields(input_, layers, field):
    with pytest.raises(InvalidParameterError) as info:
        Architecture(input_, layers)
    message = str(info.value)
    assert field in message
    assert "\n" not in message


def test_error_message_format():
    # the package's one format: field, what was expected, what was found
    with pytest.raises(InvalidParameterError) as info:
        arch(1, 4, 1, layer(2, (1, 2)), layer(3, (1, 2), 0))
    assert str(info.value) == "The 'stride' of layer 2 must be a positive integer. Got 0 instead."
    with pytest.raises(InvalidParameterError) as info:
        arch(1, 3, 1, layer(2, (1, 4)))
    assert "width 3" in str(info.value) and "[1, 4]" in str(info.value)


def test_invalid_parameter_error_is_value_and_type_error():
    with pytest.raises(ValueError):
        arch(1, 3, 1, layer(stride=0))
    with pytest.raises(TypeError):
        arch(1, 3, 1, layer(channels="3"))


@pytest.mark.parametrize(("text", "field"), [
    ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": [', "valid JSON"),
    ("", "valid JSON"),
    ("[]", "architecture"),
    ("null", "architecture"),
    ('"example1-d2"', "architecture"),
    ('{"layers": [{"channels": 1, "kernel": [1, 1]}]}', "'input'"),
    ('{"input": {"height": 1, "width": 3, "channels": 1}}', "'layers'"),
    ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": [{"channels": 1, "kernel": [1, 2]}],'
     ' "stride": 2}', "stride"),
    ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": [{"channels": 1e400, "kernel": [1, 2]}]}',
     "'channels' of layer 1"),
    ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": []}', "'layers'"),
])
def test_invalid_json(text, field):
    with pytest.raises(InvalidParameterError) as info:
        Architecture.from_json(text)
    assert field in str(info.value)
