"""ONNX import of hand-built graphs (no torch needed): Gemm options, MatMul+Add, Reshape, checked
against onnx's reference evaluator; refused operators and graphs, malformed files, external data."""

import numpy as np
import pytest

from cnnregions import InvalidParameterError
from cnnregions.models import load_onnx, resolve_network

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def build(nodes, inits, in_shape, out_name, path, *, inputs=None):
    graph = helper.make_graph(
        nodes, "g", inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), name) for name, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return path, model


def test_gemm_options_matmul_add_and_reshape_against_the_onnx_reference(tmp_path):
    from onnx.reference import ReferenceEvaluator  # the test runs the model; the importer never does

    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.normal(size=s).astype(np.float32)  # noqa: E731
    inits = {"W": f32(2, 1, 2, 2), "B": f32(2), "shape": np.array([-1, 18]), "G": f32(18, 5), "C": f32(1, 5),
             "M": f32(5, 3), "A": f32(3), "zero": np.array(0.0, dtype=np.float32)}
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], strides=[1, 1], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r1"]),
             helper.make_node("Reshape", ["r1", "shape"], ["f"]),
             helper.make_node("Gemm", ["f", "G", "C"], ["g"], alpha=0.5, beta=2.0, transB=0),
             helper.make_node("Relu", ["g"], ["r2"]),
             helper.make_node("MatMul", ["r2", "M"], ["m"]),
             helper.make_node("Add", ["A", "m"], ["a"]),
             helper.make_node("Relu", ["a"], ["r3"])]
    path, model = build(nodes, inits, [1, 1, 2, 2], "r3", tmp_path / "hand.onnx")
    result = load_onnx(path)
    net = result.network
    assert net.architecture.describe() == "2x2x1 -> 2@2x2/s1/p1 -> fc5 -> fc3"
    assert result.output_layer is None
    evaluator = ReferenceEvaluator(model)
    x = rng.normal(size=(1, 1, 2, 2)).astype(np.float32)
    names = ["c", "g", "a"]
    for z, name in zip(net.preactivations(x.astype(np.float64)), names):
        (expected,) = ReferenceEvaluator(helper.make_model(
            helper.make_graph(model.graph.node, "g", model.graph.input,
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, None)], model.graph.initializer),
            opset_imports=[helper.make_opsetid("", 17)])).run(None, {"x": x})
        np.testing.assert_allclose(z, expected.reshape(1, -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(net(x.astype(np.float64)), evaluator.run(None, {"x": x})[0], rtol=1e-5, atol=1e-5)


def _bad(tmp_path, nodes, inits=None, in_shape=(1, 1, 3, 3), out="y", **kw):
    return build(nodes, inits or {}, list(in_shape), out, tmp_path / "bad.onnx", **kw)[0]


W33 = {"W": np.ones((1, 1, 2, 2), dtype=np.float32)}


@pytest.mark.parametrize(("make", "message"), [
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2])], W33),
     "unsupported operator MaxPool"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Sigmoid", ["c"], ["y"])], W33),
     "Sigmoid"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"], pads=[1, 0, 1, 0]), helper.make_node("Relu", ["c"], ["y"])], W33),
     "equal zero padding"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"], dilations=[2, 2]), helper.make_node("Relu", ["c"], ["y"])], W33),
     "dilations 1"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"], auto_pad="SAME_UPPER"), helper.make_node("Relu", ["c"], ["y"])], W33),
     "auto_pad"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Relu", ["c"], ["r"]),
                        helper.make_node("Add", ["r", "r"], ["y"])], W33), "plain chain"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Relu", ["c"], ["y"]),
                        helper.make_node("Relu", ["c"], ["z"])], W33), "plain chain"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Relu", ["c"], ["y"]),
                        helper.make_node("Custom", ["y"], ["z"], domain="com.example")], W33, out="z"), "com.example::Custom"),
    (lambda t: _bad(t, [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Relu", ["c"], ["r"]),
                        helper.make_node("Reshape", ["r", "s"], ["y"])], {**W33, "s": np.array([1, 2, 2])}),
     "flatten to (batch, features)"),
    (lambda t: _bad(t, [helper.make_node("Relu", ["x"], ["y"])], in_shape=("N", 1, 3, 3)), "no layer before it"),
    (lambda t: _bad(t, [helper.make_node("Relu", ["x"], ["y"])], in_shape=(1, "H", 3, 3)), "known sizes"),
    (lambda t: _bad(t, [], out="x"), "empty graph"),
])
def test_refused_onnx_graphs(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InvalidParameterError) as info:
        load_onnx(path)
    text = str(info.value)
    assert message in text and str(path) in text and "\n" not in text


@pytest.mark.parametrize("content", [b"", b"not an onnx file at all \xff\xfe", b"\x08\x07\x12\x03abc\x3a\xff\xff\xff"],
                         ids=["empty", "text", "truncated-protobuf"])
def test_malformed_onnx_files(tmp_path, content):
    path = tmp_path / "broken.onnx"
    path.write_bytes(content)
    with pytest.raises(InvalidParameterError) as info:
        resolve_network(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def _small_model(path):
    """Conv -> Relu -> Flatten -> Gemm -> Relu, built by hand and saved with inline weights."""
    rng = np.random.default_rng(0)
    inits = {"W": rng.normal(size=(2, 1, 2, 2)).astype(np.float32), "G": rng.normal(size=(3, 8)).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Flatten", ["r"], ["f"]), helper.make_node("Gemm", ["f", "G"], ["g"], transB=1),
             helper.make_node("Relu", ["g"], ["y"])]
    return build(nodes, inits, [1, 1, 3, 3], "y", path)


def test_external_data_beside_the_model_is_read(tmp_path):
    path, model = _small_model(tmp_path / "inline.onnx")
    inline = load_onnx(path).network
    onnx.save_model(model, str(tmp_path / "ext.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.onnx.data", size_threshold=0)
    assert (tmp_path / "ext.onnx.data").is_file()
    assert load_onnx(tmp_path / "ext.onnx").network.fingerprint == inline.fingerprint


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/hostname", "missing.bin"])
def test_external_data_outside_the_model_folder_is_refused(tmp_path, location):
    _, proto = _small_model(tmp_path / "m.onnx")
    (tmp_path / "secret.bin").write_bytes(bytes(64))
    tensor = proto.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "32")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.onnx").write_bytes(proto.SerializeToString())   # onnx.save refuses to write such paths
    with pytest.raises(InvalidParameterError, match="must be a file beside the model"):
        load_onnx(tmp_path / "sub" / "m.onnx")
