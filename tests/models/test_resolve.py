"""One resolver for NET: every kind of argument, where its weights came from, the same in every subcommand."""

import json

import numpy as np
import pytest

from cnnregions import InvalidParameterError, ResolvedNetwork, he_network, paper_architecture, resolve
from cnnregions.cli import main
from cnnregions.models import resolve_architecture, save_architecture, save_network
from cnnregions.models.resolve import net_kind

EX4 = paper_architecture("example4-d3")


@pytest.fixture
def files(tmp_path):
    save_architecture(EX4, tmp_path / "arch.json")
    save_network(he_network(EX4, 11), tmp_path / "net.npz")
    return tmp_path


def test_each_kind_of_net_says_where_its_weights_came_from(files):
    by_name = resolve("example4-d3", seed=4)
    assert (by_name.weights, by_name.seed, by_name.output_layer) == ("he", 4, None)
    assert by_name.network.fingerprint == he_network(EX4, 4).fingerprint
    assert by_name.provenance == "He initialisation, seed 4"
    by_json = resolve(files / "arch.json", seed=4)
    assert (by_json.weights, by_json.seed) == ("he", 4)
    assert by_json.network.fingerprint == by_name.network.fingerprint
    by_file = resolve(files / "net.npz", seed=4)        # the seed does not apply to weights read from a file
    assert (by_file.weights, by_file.seed) == ("file", None)
    assert by_file.network.fingerprint == he_network(EX4, 11).fingerprint
    assert "seed" not in by_file.describe() and "He" not in by_file.describe()
    assert [net_kind(s) for s in ("example1-d2", files / "arch.json", files / "net.npz")] == ["paper", "json", "npz"]


def test_architecture_alone_draws_no_weights(files):
    assert resolve_architecture("example4-d3") == EX4
    assert resolve_architecture(files / "arch.json") == EX4
    assert resolve_architecture(files / "net.npz") == EX4


@pytest.mark.parametrize("spec, expected", [
    ("absent.npz", "must exist"), ("absent.onnx", "must exist"), ("absent.json", "must exist"),
    ("absent.pt", "must exist"), ("example9-d2", "example1-dK"), ("example4-d0", "K >= 1"),
])
def test_bad_specs_are_one_line(tmp_path, monkeypatch, spec, expected):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidParameterError, match=expected) as info:
        resolve(spec)
    assert "\n" not in str(info.value)


def test_an_existing_file_of_another_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "weights.pt").write_bytes(b"\0")
    with pytest.raises(InvalidParameterError, match="Got a file with suffix '.pt'"):
        resolve("weights.pt")


def test_missing_onnx_file_is_named_without_the_onnx_package(tmp_path):
    # existence is checked before onnx is imported: the message is the same in a base install
    with pytest.raises(InvalidParameterError, match="must exist"):
        resolve(tmp_path / "absent.onnx")


def _json(argv, capsys):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("argv", [["count"], ["sample", "--points", "200"], ["compare", "--points", "200"]])
def test_every_subcommand_reports_the_resolver_s_description(files, capsys, argv):
    for net, weights, seed in (("example4-d3", "he", 5), (str(files / "net.npz"), "file", None)):
        data = _json([argv[0], net, "--seed", "5", "--json", *argv[1:]], capsys)
        assert (data["network"], data["weights"], data["seed"], data["output_layer"]) == (net, weights, seed, None)
        assert data["fingerprint"] == resolve(net, 5).network.fingerprint
        main([argv[0], net, "--seed", "5", *argv[1:]])
        first = capsys.readouterr().out.splitlines()[0]
        assert first.startswith("network") and (("He initialisation, seed 5" in first) == (weights == "he"))


def test_imported_onnx_is_not_reported_as_he_initialised(tmp_path, capsys):
    # The weights come from the file: the summary must say so, not "He initialisation, seed 0".
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    inits = {"W": np.array([[[[1.0, -1.0]]], [[[0.5, 2.0]]]], dtype=np.float32), "B": np.array([0.1, -0.2], np.float32),
             "shape": np.array([-1, 4]), "G": np.ones((1, 4), np.float32), "C": np.zeros(1, np.float32)}
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"]), helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["f"]), helper.make_node("Gemm", ["f", "G", "C"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    model = resolve(path, seed=3)
    assert isinstance(model, ResolvedNetwork)
    assert (model.weights, model.seed) == ("import", None) and "Gemm" in model.output_layer
    for argv in (["sample", str(path), "--points", "100"], ["count", str(path)]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "He initialisation" not in out and "seed" not in out.splitlines()[0]
        assert "output layer dropped" in out.splitlines()[0] and out.splitlines()[1].startswith("output layer")
        data = _json([*argv, "--json"], capsys)
        assert (data["weights"], data["seed"]) == ("import", None) and "Gemm" in data["output_layer"]
