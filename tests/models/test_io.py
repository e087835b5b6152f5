"""File formats: the .npz network format of shared/oracles/README.md and architecture JSON."""

import json
import zipfile

import numpy as np
import pytest
from conftest import assert_one_line, npz_entries, with_value

from cnnregions import InvalidParameterError
from cnnregions.models import (
    Architecture,
    he_network,
    load_architecture,
    load_network,
    paper_architecture,
    resolve_network,
    save_architecture,
    save_network,
)

A4 = paper_architecture("example4-d3")


# -- round trips -------------------------------------------------------------------------------

@pytest.mark.parametrize("a", [
    A4,
    paper_architecture("pitfall2d-d2"),
    Architecture({"height": 5, "width": 6, "channels": 2},
                 [{"channels": 3, "kernel": [3, 2], "stride": 2, "padding": 1}, {"channels": 2, "kernel": [2, 2]}]),
], ids=["example4", "pitfall2d", "stride-padding"])
def test_npz_round_trip(tmp_path, a):
    net = he_network(a, 11)
    path = tmp_path / "net.npz"
    save_network(net, path)
    again = load_network(path)
    assert again.architecture == a
    for x, y in zip(net.weights + net.biases, again.weights + again.biases):
        assert y.dtype == np.float64
        assert x.tobytes() == y.tobytes()          # bit for bit
    assert again.fingerprint == net.fingerprint
    x = np.random.default_rng(0).normal(size=(20, a.input_dim))
    np.testing.assert_array_equal(again.activation_patterns(x), net.activation_patterns(x))


def test_saved_file_is_the_exchange_format(tmp_path):
    # What another tool sees: plain numpy, no pickle, the entries of shared/oracles/README.md.
    net = he_network(A4, 0)
    path = tmp_path / "net.npz"
    save_network(net, path)
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == ["W1", "W2", "architecture", "b1", "b2"]
        assert z["architecture"].shape == () and z["architecture"].dtype.kind == "U"
        assert json.loads(str(z["architecture"])) == {
            "input": {"height": 1, "width": 4, "channels": 1},
            "layers": [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 3, "kernel": [1, 2], "stride": 1}]}
        assert z["W1"].shape == (2, 1, 1, 2) and z["W2"].shape == (3, 2, 1, 2) and z["b2"].shape == (3,)
        assert all(z[k].dtype == np.float64 for k in ("W1", "b1", "W2", "b2"))
        np.testing.assert_array_equal(z["W2"], net.weights[1])


def test_file_written_by_plain_numpy_is_read(tmp_path):
    # the other direction: a file made with np.savez alone (float32 and a bytes architecture)
    rng = np.random.default_rng(5)
    path = tmp_path / "peer.npz"
    np.savez(path, architecture=np.array(A4.to_json().encode()),
             W1=rng.normal(size=(2, 1, 1, 2)), b1=rng.normal(size=2),
             W2=rng.normal(size=(3, 2, 1, 2)).astype(np.float32), b2=np.arange(3))
    net = load_network(path)
    assert net.architecture == A4
    assert net.weights[1].dtype == np.float64
    np.testing.assert_array_equal(net.biases[1], [0.0, 1.0, 2.0])


def test_architecture_json_round_trip(tmp_path):
    a = Architecture({"height": 5, "width": 6, "channels": 2},
                     [{"channels": 3, "kernel": [3, 2], "stride": 2, "padding": 1}, {"channels": 2, "kernel": [2, 2]}])
    path = tmp_path / "arch.json"
    save_architecture(a, path)
    assert load_architecture(path) == a
    assert json.loads(path.read_text()) == a.to_dict()


# -- the peer fixtures ------------------------------------------------------------------------

def test_every_relucent_fixture_loads(oracles_dir):
    folder = oracles_dir / "relucent-fixtures"
    manifest = json.loads((folder / "manifest.json").read_text())["networks"]
    files = sorted(folder.glob("*.npz"))
    assert sorted(p.stem for p in files) == sorted(manifest)
    for path in files:
        net = load_network(path)
        info = manifest[path.stem]
        assert net.architecture == Architecture.from_dict(info["architecture"]), path.name
        arch = net.architecture
        # fully-connected nets: 1x1 inputs and filters, every neuron in its own layer
        assert arch.input.height == arch.input.width == 1
        assert all(layer.kernel == (1, 1) for layer in arch.layers)
        assert arch.layer_sizes == tuple(layer.channels for layer in arch.layers)
        # Lemma 2: the manifest's count cannot exceed 2^neurons; and is at least 1
        assert 1 <= info["regions"] <= 2 ** arch.n_neurons, path.name
        # the weights are those in the file, bit for bit
        with np.load(path, allow_pickle=False) as z:
            for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
                assert w.tobytes() == np.asarray(z[f"W{l}"], dtype=np.float64).tobytes()
                assert b.tobytes() == np.asarray(z[f"b{l}"], dtype=np.float64).tobytes()
        # and the forward pass of a fully-connected net is plain matrix algebra
        x = np.random.default_rng(0).normal(size=(8, arch.input_dim))
        h = x
        for z, w, b in zip(net.preactivations(x), net.weights, net.biases):
            expected = h @ w[:, :, 0, 0].T + b
            np.testing.assert_allclose(z, expected, rtol=1e-12, atol=1e-12)
            h = np.maximum(expected, 0)


# -- bad .npz files ------------------------------------------------------------------------

_PICKLE_RAN = []


def _record_unpickling(marker):
    """Called only if someone unpickles a ``Tripwire``."""
    _PICKLE_RAN.append(marker)
    return marker


class Tripwire:
    def __reduce__(self):
        return (_record_unpickling, ("unpickled",))


def _entries(**overrides):
    return npz_entries(he_network(A4, 0), **overrides)


def _poisoned(value):
    return with_value(he_network(A4, 0).weights[1], (1, 0, 0, 1), value)


def _object_array():
    arr = np.empty((3, 2, 1, 2), dtype=object)
    arr[...] = 0.0
    arr[0, 0, 0, 0] = Tripwire()
    return arr


BAD_NPZ = {
    # name: (entries, what the message must name)
    "no-architecture": (_entries(architecture=None), "'architecture' is missing"),
    "architecture-int": (_entries(architecture=np.array(3)), "'architecture'"),
    "architecture-1d": (_entries(architecture=np.array([A4.to_json()])), "'architecture'"),
    "architecture-float-array": (_entries(architecture=np.zeros((2, 2))), "'architecture'"),
    "malformed-json": (_entries(architecture=np.array('{"input": {"height": 1,')), "valid JSON"),
    "json-not-an-object": (_entries(architecture=np.array("[1, 2]")), "architecture"),
    "not-utf8": (_entries(architecture=np.array(b"\xff\xfe{}")), "'architecture'"),
    "stride-0": (_entries(architecture=np.array(A4.to_json().replace('"stride": 1}]', '"stride": 0}]'))),
                 "'stride' of layer 2"),
    "kernel-too-large": (_entries(architecture=np.array(A4.to_json().replace("[1, 2]", "[1, 5]", 1))),
                         "'kernel' of layer 1"),
    "missing-W2": (_entries(W2=None), "'W2' is missing"),
    "missing-b1": (_entries(b1=None), "'b1' is missing"),
    "wrong-shape": (_entries(W2=np.zeros((3, 2, 2, 1))), "'W2' must have shape (3, 2, 1, 2)"),
    "bias-shape": (_entries(b2=np.zeros(4)), "'b2' must have shape (3,)"),
    "nan": (_entries(W2=_poisoned(np.nan)), "'W2' must be finite"),
    "inf": (_entries(W2=_poisoned(np.inf)), "'W2' must be finite"),
    "neg-inf-bias": (_entries(b1=np.array([0.0, -np.inf])), "'b1' must be finite"),
    "string-weights": (_entries(W1=np.array(["a", "b"])), "'W1'"),
    "complex-weights": (_entries(W1=np.zeros((2, 1, 1, 2), dtype=complex)), "'W1'"),
    "extra-entry": (_entries(W3=np.zeros((1, 3, 1, 2))), "'W3'"),
    "extra-entry-name": (_entries(notes=np.array("hello")), "'notes'"),
    "pickled-object-weights": (_entries(W2=_object_array()), "'W2'"),
    "pickled-object-architecture": (_entries(architecture=np.array([Tripwire()], dtype=object)), "'architecture'"),
}


@pytest.mark.parametrize("name", sorted(BAD_NPZ))
def test_bad_npz(tmp_path, name):
    entries, expected = BAD_NPZ[name]
    path = tmp_path / f"{name}.npz"
    np.savez(path, **entries)
    _PICKLE_RAN.clear()
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), expected, path)
    assert _PICKLE_RAN == []       # nothing in the file was executed


def test_tripwire_is_live(tmp_path):
    # the pickled-object cases above mean something: loading them WITH pickling runs the payload
    path = tmp_path / "object.npz"
    np.savez(path, W2=_object_array())
    _PICKLE_RAN.clear()
    with np.load(path, allow_pickle=True) as z:
        z["W2"]
    assert _PICKLE_RAN == ["unpickled"]
    _PICKLE_RAN.clear()


def test_missing_file(tmp_path):
    path = tmp_path / "absent.npz"
    with pytest.raises(InvalidParameterError, match="must exist") as info:
        load_network(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"hello, not a zip", b"PK\x03\x04truncated", b"\x93NUMPY garbage"],
                         ids=["empty", "text", "zip-header-only", "npy-header-only"])
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidParameterError, match=".npz archive") as info:
        load_network(path)
    assert str(path) in str(info.value)


def test_truncated_archive(tmp_path):
    good = tmp_path / "good.npz"
    save_network(he_network(A4, 0), good)
    data = good.read_bytes()
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert str(path) in str(info.value)


def test_single_npy_array(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(InvalidParameterError, match="single .npy array") as info:
        load_network(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("member", [b"not an npy file", b"\x93NUMPY\x01\x00garbage"], ids=["raw-bytes", "bad-header"])
def test_corrupt_member(tmp_path, member):
    # a zip whose member is not a valid .npy (numpy hands back raw bytes, or fails on the header)
    path = tmp_path / "member.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("architecture.npy", member)
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    message = str(info.value)
    assert str(path) in message and "'architecture'" in message
    assert "pickled" not in message


def test_directory_instead_of_file(tmp_path):
    path = tmp_path / "dir.npz"
    path.mkdir()
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert str(path) in str(info.value)


# -- bad architecture JSON files ----------------------------------------------------------------

BAD_JSON = {
    "malformed": ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": [', "valid JSON"),
    "empty": ("", "valid JSON"),
    "list": ("[]", "architecture"),
    "no-layers": ('{"input": {"height": 1, "width": 3, "channels": 1}}', "'layers'"),
    "layers-object": ('{"input": {"height": 1, "width": 3, "channels": 1}, "layers": {"channels": 1}}', "'layers'"),
    "channels-string": ('{"input": {"height": 1, "width": 3, "channels": 1}, '
                        '"layers": [{"channels": "2", "kernel": [1, 2], "stride": 1}]}', "'channels' of layer 1"),
    "channels-float": ('{"input": {"height": 1, "width": 3, "channels": 1}, '
                       '"layers": [{"channels": 2.5, "kernel": [1, 2], "stride": 1}]}', "'channels' of layer 1"),
    "channels-bool": ('{"input": {"height": 1, "width": 3, "channels": 1}, '
                      '"layers": [{"channels": true, "kernel": [1, 2], "stride": 1}]}', "'channels' of layer 1"),
    "height-negative": ('{"input": {"height": -1, "width": 3, "channels": 1}, '
                        '"layers": [{"channels": 2, "kernel": [1, 2], "stride": 1}]}', "input 'height'"),
    "kernel-null": ('{"input": {"height": 1, "width": 3, "channels": 1}, '
                    '"layers": [{"channels": 2, "kernel": null, "stride": 1}]}', "'kernel' of layer 1"),
    "stride-0": ('{"input": {"height": 1, "width": 3, "channels": 1}, '
                 '"layers": [{"channels": 2, "kernel": [1, 2], "stride": 0}]}', "'stride' of layer 1"),
}


@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_bad_architecture_json(tmp_path, name):
    text, expected = BAD_JSON[name]
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    with pytest.raises(InvalidParameterError) as info:
        load_architecture(path)
    assert_one_line(str(info.value), expected, path)


def test_architecture_json_not_utf8_and_missing(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"input": "\xe9"}')
    with pytest.raises(InvalidParameterError, match="UTF-8") as info:
        load_architecture(path)
    assert str(path) in str(info.value)
    missing = tmp_path / "missing.json"
    with pytest.raises(InvalidParameterError, match="must exist") as info:
        load_architecture(missing)
    assert str(info.value).count(str(missing)) == 1


# -- resolve_network: the CLI's NET argument ----------------------------------------------------

def test_resolve_network(tmp_path):
    # a paper name and its architecture file give the same He weights for the same seed
    by_name = resolve_network("example4-d3", seed=4)
    json_path = tmp_path / "a.json"
    save_architecture(A4, json_path)
    by_file = resolve_network(json_path, seed=4)
    assert by_name.fingerprint == by_file.fingerprint == he_network(A4, 4).fingerprint
    assert resolve_network("example4-d3", seed=5).fingerprint != by_name.fingerprint
    # an .npz is loaded as is, whatever the seed
    npz = tmp_path / "n.npz"
    save_network(by_name, npz)
    assert resolve_network(npz, seed=99).fingerprint == by_name.fingerprint


@pytest.mark.parametrize("spec", ["example7-d2", "example1-d0", "no-such-net", "missing.npz", "missing.json",
                                  "missing.txt"])
def test_resolve_network_errors(spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidParameterError) as info:
        resolve_network(spec)
    assert spec in str(info.value)
