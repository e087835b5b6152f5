"""``count --box/--plane/--window``, ``convert`` and ``plot-slice``: outputs against the API,
and every bad input as exit 2 with one stderr line naming the problem."""

import contextlib
import io
import json
import warnings

import numpy as np
import pytest

from cnnregions import Box, Plane, count_regions
from cnnregions.cli import main
from cnnregions.models import Architecture, he_network, load_network, save_architecture, save_network

ARCH = Architecture({"height": 4, "width": 4, "channels": 2},
                    [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1}, {"type": "dense", "features": 4}])


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    """An architecture .json, its He network (seed 0) as .npz, and three inputs A, B, C as .npy."""
    save_architecture(ARCH, tmp_path / "arch.json")
    save_network(he_network(ARCH, 0), tmp_path / "net.npz")
    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", rng.normal(size=(2, 4, 4)))     # (channels, height, width)
    np.save(tmp_path / "b.npy", rng.normal(size=(1, 2, 4, 4)))  # a batch of one
    np.save(tmp_path / "c.npy", rng.normal(size=32))            # flat
    return tmp_path


def points(files):
    return [np.load(files / f"{n}.npy").ravel() for n in "abc"]


def test_count_box_json(files, capsys):
    code, out, err = run(["count", files / "net.npz", "--box", "-0.2", "0.3", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["domain"] == {"type": "box", "lo": -0.2, "hi": 0.3}
    net = load_network(files / "net.npz")
    assert payload["regions"] == count_regions(net, domain=Box(-0.2, 0.3)).regions
    assert payload["regions"] < count_regions(net).regions
    assert payload["output_layer"] is None and payload["seed"] is None


def test_count_plane_with_window_text_and_json(files, capsys):
    argv = ["count", files / "arch.json", "--plane", files / "a.npy", files / "b.npy", files / "c.npy",
            "--window", "-1", "2", "-0.5", "1.5"]
    code, out, _ = run([*argv, "--json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["domain"] == {"type": "plane", "points": [str(files / f"{n}.npy") for n in "abc"],
                                 "window": [-1.0, 2.0, -0.5, 1.5]}
    expected = count_regions(he_network(ARCH, 0), domain=Plane(*points(files), window=(-1, 2, -0.5, 1.5))).regions
    assert payload["regions"] == expected
    code, out, _ = run(argv, capsys)
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["regions"].strip() == str(expected)
    assert "plane through" in lines["domain"] and "window" in lines["domain"]


def test_count_whole_space_reports_its_domain(files, capsys):
    code, out, _ = run(["count", files / "net.npz", "--json"], capsys)
    assert code == 0 and json.loads(out)["domain"] == {"type": "space"}


def _onnx_model(path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(8, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).eval()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 2, 4, 4),), str(path), dynamo=False)
    return model


def test_onnx_count_convert_and_count_again(files, capsys):
    model = _onnx_model(files / "model.onnx")
    code, out, err = run(["count", files / "model.onnx", "--box", "-1", "1"], capsys)
    assert code == 0, err
    assert "output layer" in out and "dense 3 -> 2" in out and "He initialisation" not in out
    regions = dict(line.split(None, 1) for line in out.splitlines())["regions"].strip()
    code, out, err = run(["convert", files / "model.onnx", "-o", files / "model.npz", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["output_layer"] and payload["seed"] is None and payload["neurons"] == 8 + 3
    net = load_network(files / "model.npz")
    np.testing.assert_array_equal(net.weights[1], model[3].weight.detach().double().numpy())
    code, out, _ = run(["count", files / "model.npz", "--box", "-1", "1", "--json"], capsys)
    assert json.loads(out)["regions"] == int(regions)
    assert json.loads(out)["fingerprint"] == payload["fingerprint"]


def test_convert_json_architecture_with_seed(files, capsys):
    code, out, _ = run(["convert", files / "arch.json", "--seed", "3", "-o", files / "he.npz"], capsys)
    assert code == 0 and "written" in out
    assert load_network(files / "he.npz").fingerprint == he_network(ARCH, 3).fingerprint


def test_plot_slice_writes_a_picture(files, capsys):
    pytest.importorskip("matplotlib")
    out_png = files / "slice.png"
    code, out, err = run(["plot-slice", files / "net.npz", "--plane", files / "a.npy", files / "b.npy", files / "c.npy",
                          "--window", "-1", "2", "-1", "2", "-o", out_png, "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    net = load_network(files / "net.npz")
    assert payload["regions"] == count_regions(net, domain=Plane(*points(files), window=(-1, 2, -1, 2))).regions
    assert abs(payload["area"] - payload["window_area"]) < 1e-9 * payload["window_area"]
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- bad input: exit 2, nothing on stdout, one line on stderr naming the problem ---------------

def _write(path, data):
    path.write_bytes(data)
    return path


def _npy(path, array):
    np.save(path, array)
    return path


def _unsupported_onnx(path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "W"], ["c"]), helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.ones((2, 1, 2, 2), dtype=np.float32), "W")])
    onnx.save(helper.make_model(graph), str(path))
    return path


PLANE = ["--plane", "{t}/a.npy", "{t}/b.npy", "{t}/c.npy"]
BAD = {
    "box-reversed": (["count", "{t}/net.npz", "--box", "1", "0"], ["lo < hi"]),
    "box-inf": (["count", "{t}/net.npz", "--box", "0", "inf"], ["finite"]),
    "box-and-plane": (["count", "{t}/net.npz", "--box", "0", "1", *PLANE], ["not allowed with"]),
    "window-without-plane": (["count", "{t}/net.npz", "--window", "0", "1", "0", "1"], ["'--window'", "'--plane'"]),
    "window-reversed": (["count", "{t}/net.npz", *PLANE, "--window", "1", "0", "0", "1"], ["window", "a_lo < a_hi"]),
    "plane-missing-file": (["count", "{t}/net.npz", "--plane", "{t}/a.npy", "{t}/b.npy", "{t}/none.npy"],
                           ["none.npy", "must exist"]),
    "plane-wrong-shape": (lambda t: ["count", t / "net.npz", "--plane", t / "a.npy", t / "b.npy",
                                     _npy(t / "w.npy", np.zeros((4, 4, 2)))], ["w.npy", "(2, 4, 4)", "(4, 4, 2)"]),
    "plane-not-npy": (lambda t: ["count", t / "net.npz", "--plane", t / "a.npy", t / "b.npy",
                                 _write(t / "x.npy", b"hello")], ["x.npy", ".npy array"]),
    "plane-collinear": (lambda t: ["count", t / "net.npz", "--plane", t / "a.npy",
                                   _npy(t / "a2.npy", 2 * np.load(t / "a.npy")), _npy(t / "a3.npy", 3 * np.load(t / "a.npy"))],
                        ["collinear"]),
    "plane-nan": (lambda t: ["count", t / "net.npz", "--plane", t / "a.npy", t / "b.npy",
                             _npy(t / "n.npy", np.full((2, 4, 4), np.nan))], ["n.npy", "finite"]),
    "plot-no-plane": (["plot-slice", "{t}/net.npz", "-o", "{t}/s.png"], ["--plane"]),
    "plot-bad-suffix": (["plot-slice", "{t}/net.npz", *PLANE, "-o", "{t}/s.nosuchformat"], ["s.nosuchformat"]),
    "convert-not-npz": (["convert", "{t}/net.npz", "-o", "{t}/out.txt"], ["out.txt", ".npz"]),
    "onnx-malformed": (lambda t: ["count", _write(t / "bad.onnx", b"\x00garbage\xff" * 10)], ["bad.onnx", "ONNX model"]),
    "onnx-empty": (lambda t: ["convert", _write(t / "empty.onnx", b""), "-o", t / "o.npz"], ["empty.onnx"]),
    "onnx-missing": (["count", "{t}/absent.onnx"], ["absent.onnx", "must exist"]),
    "onnx-unsupported-op": (lambda t: ["count", _unsupported_onnx(t / "pool.onnx")], ["pool.onnx", "MaxPool"]),
}

#: Rows whose message comes from an optional package (without it, the message names the package instead).
NEEDS = {"plot-bad-suffix": "matplotlib", "onnx-malformed": "onnx", "onnx-empty": "onnx"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input(files, capsys, name):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    argv, expected = BAD[name]
    argv = argv(files) if callable(argv) else [a.format(t=files) for a in argv]
    code, out, err = run(argv, capsys)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for part in expected:
        assert part in lines[0], (part, lines[0])
