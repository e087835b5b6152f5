"""Resource bombs in input files: refused from headers, in bounded memory, in one line."""

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest
from conftest import assert_one_line, npz_entries

from cnnregions import Architecture, InvalidParameterError, he_network, load_network, paper_architecture
from cnnregions.cli import main
from cnnregions.models import load_architecture
from cnnregions.models.files import MAX_FILE_BYTES, MAX_JSON_BYTES, MAX_PARAMETERS

EX4 = paper_architecture("example4-d8")


def npy_bytes(array=None, *, header_shape=None, dtype="<f8", data=b""):
    """A .npy file: ``array`` saved by numpy, or a bare header declaring ``header_shape`` followed by ``data``."""
    buf = io.BytesIO()
    if array is not None:
        np.save(buf, array)
        return buf.getvalue()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": header_shape})
    return buf.getvalue() + data


def write_zip(path, members, *, compression=zipfile.ZIP_STORED):
    """A zip of ``{name: bytes or callable(file)}`` (a callable streams a member too large to hold)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, content in members.items():
            if callable(content):
                with zf.open(name, "w", force_zip64=True) as fh:
                    content(fh)
            else:
                zf.writestr(name, content)
    return path


def members_of(network, **replaced):
    out = {f"{key}.npy": npy_bytes(value) for key, value in npz_entries(network).items()}
    out.update(replaced)
    return out


def cli_error(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_declared_728_tib_shape_is_refused_from_the_header(tmp_path, capsys):
    # W1's header declares (10^5, 10^5, 100, 100) float64 = 728 TiB; only 64 bytes follow it
    path = write_zip(tmp_path / "huge.npz", members_of(
        he_network(EX4, 0), **{"W1.npy": npy_bytes(header_shape=(10**5, 10**5, 100, 100), data=b"\0" * 64)}))
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), path, "'W1'", "(2, 1, 1, 2)", "(100000, 100000, 100, 100)")
    line = cli_error(["count", str(path)], capsys)
    assert "'W1' must have shape (2, 1, 1, 2)" in line


def test_deflate_bomb_is_refused_before_decompressing(tmp_path):
    # 256 MiB of zeros in W1, deflated to ~250 kB: refused from its header, the data never inflated
    n = 2**25

    def zeros(fh):
        fh.write(npy_bytes(header_shape=(n,)))
        chunk = bytes(1 << 22)
        for _ in range(8 * n // len(chunk)):
            fh.write(chunk)

    path = write_zip(tmp_path / "bomb.npz", members_of(he_network(EX4, 0), **{"W1.npy": zeros}),
                     compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(InvalidParameterError, match=r"'W1' must have shape \(2, 1, 1, 2\)"):
            load_network(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"{peak / 2**20:.1f} MiB allocated while refusing a 256 MiB bomb"


def test_member_shorter_than_its_header_is_truncated(tmp_path):
    # the right shape and dtype, but half the data: refused, not padded or read past
    good = npy_bytes(np.ones((8, 2, 1, 2)))
    path = write_zip(tmp_path / "short.npz", members_of(he_network(EX4, 0), **{"W2.npy": good[:-64]}))
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), path, "'W2'", "complete")


def test_weight_header_of_another_dtype_is_refused_before_reading(tmp_path):
    path = write_zip(tmp_path / "dtype.npz", members_of(
        he_network(EX4, 0), **{"W1.npy": npy_bytes(header_shape=(2, 1, 1, 2), dtype="<c16", data=bytes(64))}))
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), path, "'W1'", "real numbers", "complex128")


def test_architecture_entry_of_more_than_a_mebibyte_is_refused(tmp_path):
    text = EX4.to_json() + " " * MAX_JSON_BYTES
    path = write_zip(tmp_path / "long.npz", members_of(he_network(EX4, 0), **{"architecture.npy": npy_bytes(np.array(text))}))
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), path, "'architecture'", f"{MAX_JSON_BYTES:,} characters", f"{len(text):,}")


def test_architecture_with_more_parameters_than_fit_is_refused_before_reading_weights(tmp_path):
    # 1 input, 2^28 + 1 dense neurons: 2 (2^28 + 1) parameters, above MAX_PARAMETERS = 2^28
    arch = Architecture({"height": 1, "width": 1, "channels": 1}, [{"type": "dense", "features": MAX_PARAMETERS // 2 + 1}])
    assert arch.n_parameters > MAX_PARAMETERS
    members = {"architecture.npy": npy_bytes(np.array(arch.to_json())),
               "W1.npy": npy_bytes(header_shape=(MAX_PARAMETERS // 2 + 1, 1)),
               "b1.npy": npy_bytes(header_shape=(MAX_PARAMETERS // 2 + 1,))}
    path = write_zip(tmp_path / "big.npz", members)
    with pytest.raises(InvalidParameterError) as info:
        load_network(path)
    assert_one_line(str(info.value), path, f"at most {MAX_PARAMETERS:,} parameters", f"{arch.n_parameters:,}")
    with pytest.raises(InvalidParameterError, match="parameters"):  # nor drawn from a seed
        he_network(arch, 0)


def test_files_above_the_size_caps_are_refused_unread(tmp_path, capsys):
    sparse = tmp_path / "sparse.npz"
    with open(sparse, "wb") as fh:     # a sparse file: no disk used, nothing to read
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InvalidParameterError) as info:
        load_network(sparse)
    assert_one_line(str(info.value), sparse, "at most 2 GiB", f"{MAX_FILE_BYTES + 1:,} bytes")
    big_json = tmp_path / "big.json"
    big_json.write_text(EX4.to_json() + " " * MAX_JSON_BYTES)
    with pytest.raises(InvalidParameterError) as info:
        load_architecture(big_json)
    assert_one_line(str(info.value), big_json, "at most 1 MiB")
    assert "at most 1 MiB" in cli_error(["bounds", str(big_json)], capsys)


@pytest.mark.parametrize("command", ["count", "bounds"])
def test_json_nested_100000_deep_is_one_line(tmp_path, capsys, command):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    line = cli_error([command, str(path)], capsys)
    assert "deep.json" in line and "nesting too deep" in line


@pytest.mark.parametrize("command", ["count", "bounds"])
@pytest.mark.parametrize("height, expected", [("1" + "0" * 26, "at most 2,147,483,647"),
                                               ("1" * 5001, "a number of 5001 digits")], ids=["1e26", "5001-digits"])
def test_huge_numbers_in_json_are_one_line(tmp_path, capsys, command, height, expected):
    path = tmp_path / "huge.json"
    path.write_text('{"input": {"height": ' + height + ', "width": 4, "channels": 1}, '
                    '"layers": [{"channels": 2, "kernel": [1, 2], "stride": 1}]}')
    line = cli_error([command, str(path)], capsys)
    assert "huge.json" in line and expected in line
    if height.startswith("10"):
        assert "The input 'height'" in line


def test_a_huge_integer_in_an_error_message_is_described_not_printed():
    with pytest.raises(InvalidParameterError) as info:
        Architecture({"height": 10**5000, "width": 4, "channels": 1}, [{"channels": 2, "kernel": [1, 2]}])
    assert_one_line(str(info.value), "The input 'height'", "an integer of about 5001 digits")


def test_plane_point_with_a_huge_declared_shape_is_refused_from_its_header(tmp_path, capsys):
    net = tmp_path / "net.npz"
    np.savez(net, **npz_entries(he_network(EX4, 0)))
    points = []
    for name in "abc":
        points.append(tmp_path / f"{name}.npy")
        np.save(points[-1], np.random.default_rng(len(points)).standard_normal(4))
    points[1].write_bytes(npy_bytes(header_shape=(10**12,), data=bytes(64)))
    line = cli_error(["count", str(net), "--plane", *map(str, points)], capsys)
    assert "b.npy" in line and "(1000000000000,)" in line and "(1, 1, 4)" in line


def test_a_valid_network_still_loads_and_counts_the_same(tmp_path):
    # the header-first reader changes nothing for a good file (Example 4's d2 = 8 network)
    net = he_network(EX4, 0)
    path = write_zip(tmp_path / "good.npz", members_of(net), compression=zipfile.ZIP_DEFLATED)
    loaded = load_network(path)
    assert loaded.fingerprint == net.fingerprint
    assert json.loads(loaded.architecture.to_json()) == EX4.to_dict()
