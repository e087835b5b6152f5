"""``cnnregions count``: output, Table 1 through the CLI, and every bad input (one line, exit code 2)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import with_value, write_npz

from cnnregions.cli import main
from cnnregions.models import he_network, paper_architecture, save_architecture, save_network


def run(argv, capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_count_example1_d2(capsys):
    code, out, err = run(["count", "example1-d2"], capsys)
    assert code == 0
    lines = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    assert lines["regions"].strip() == "15"          # Table 1, d1 = 2
    assert lines["neurons"].strip() == "4"
    assert "Traceback" not in err


def test_count_json(capsys):
    code, out, err = run(["count", "example1-d2", "--json"], capsys)
    assert code == 0
    assert err == ""                                   # no progress bar under --json
    payload = json.loads(out)                          # exactly one JSON object: loads() refuses trailing data
    assert isinstance(payload, dict)
    for key in ("regions", "lps", "nodes", "seconds", "neurons", "smallest_radius", "architecture", "schema_version"):
        assert key in payload, key
    assert payload["regions"] == 15
    assert payload["neurons"] == 4
    assert payload["architecture"] == paper_architecture("example1-d2").to_dict()
    assert isinstance(payload["schema_version"], int)
    assert payload["nodes"] >= payload["regions"]      # every region is a leaf of the search tree
    assert 0 <= payload["lps"] <= 2 * payload["nodes"]
    assert payload["seconds"] >= 0
    assert payload["smallest_radius"] > 0
    assert payload["seed"] == 0
    assert payload["fingerprint"] == he_network(paper_architecture("example1-d2"), 0).fingerprint


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_table1_through_the_cli(capsys, k, seed):
    # Example 1 / Table 1: R = d^3 + d^2 + d + 1 (4, 15, 40, 85) for He-initialised weights.
    code, out, _ = run(["count", f"example1-d{k}", "--seed", str(seed), "--json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["regions"] == k ** 3 + k ** 2 + k + 1
    assert payload["neurons"] == 2 * k
    assert payload["seed"] == seed


def test_json_npz_and_name_agree(tmp_path, capsys):
    # NET as an architecture .json, a network .npz and a paper name: the same network, the same count.
    arch = paper_architecture("example4-d2")
    json_path = tmp_path / "arch.json"
    save_architecture(arch, json_path)
    npz_path = tmp_path / "net.npz"
    net = he_network(arch, 3)
    save_network(net, npz_path)
    results = []
    for argv in (["example4-d2", "--seed", "3"], [str(json_path), "--seed", "3"], [str(npz_path)]):
        code, out, _ = run(["count", *argv, "--json"], capsys)
        assert code == 0
        results.append(json.loads(out))
    assert {r["fingerprint"] for r in results} == {net.fingerprint}
    assert len({r["regions"] for r in results}) == 1
    assert results[2]["seed"] is None                  # weights came from the file
    # Theorem 5's upper bound for Example 4 (55 * sum_{i<=4} C(4, i) = 880 for d2 = 2) holds
    assert 1 <= results[0]["regions"] <= 880


# -- bad input: exit code 2, one line on stderr naming the problem, nothing on stdout -------------

EX4 = paper_architecture("example4-d2")


def _write_json(path, text):
    path.write_text(text)
    return path


def _layer_json(**fields):
    layer = {"channels": 2, "kernel": [1, 2], "stride": 1, **fields}
    return json.dumps({"input": {"height": 1, "width": 3, "channels": 1}, "layers": [layer]})


def _npz(path, **overrides):
    return write_npz(path, he_network(EX4, 0), **overrides)


def _poisoned(value):
    return with_value(he_network(EX4, 0).weights[1], (0, 1, 0, 0), value)


def _object_array():
    arr = np.empty((2, 2, 1, 2), dtype=object)
    arr[...] = 1.0
    return arr


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


# name -> (function tmp_path -> argv after "count", substrings the one error line must contain)
BAD = {
    "missing-npz": (lambda t: [str(t / "absent.npz")], ["absent.npz", "must exist"]),
    "missing-json": (lambda t: [str(t / "absent.json")], ["absent.json", "must exist"]),
    "malformed-json": (lambda t: [str(_write_json(t / "bad.json", '{"input": {"height": 1,'))],
                       ["bad.json", "valid JSON"]),
    "json-not-object": (lambda t: [str(_write_json(t / "list.json", "[1, 2, 3]"))], ["list.json", "architecture"]),
    "malformed-npz": (lambda t: [str(_write_bytes(t / "text.npz", b"this is not a zip archive"))],
                      ["text.npz", ".npz archive"]),
    "truncated-npz": (lambda t: [str(_write_bytes(t / "trunc.npz", b"PK\x03\x04\x14\x00"))], ["trunc.npz"]),
    "kernel-too-large": (lambda t: [str(_write_json(t / "k.json", _layer_json(kernel=[1, 4])))],
                         ["'kernel' of layer 1", "[1, 4]"]),
    "kernel-three-entries": (lambda t: [str(_write_json(t / "k3.json", _layer_json(kernel=[1, 2, 1])))],
                             ["'kernel' of layer 1"]),
    "stride-0": (lambda t: [str(_write_json(t / "s.json", _layer_json(stride=0)))],
                 ["'stride' of layer 1", "Got 0"]),
    "negative-channels": (lambda t: [str(_write_json(t / "c.json", _layer_json(channels=-2)))],
                          ["'channels' of layer 1", "Got -2"]),
    "float-channels": (lambda t: [str(_write_json(t / "f.json", _layer_json(channels=2.5)))],
                       ["'channels' of layer 1", "Got 2.5"]),
    "string-channels": (lambda t: [str(_write_json(t / "str.json", _layer_json(channels="2")))],
                        ["'channels' of layer 1", "'2'"]),
    "negative-input-width": (lambda t: [str(_write_json(t / "w.json", _layer_json().replace('"width": 3', '"width": -3')))],
                             ["input 'width'", "-3"]),
    "npz-stride-0": (lambda t: [str(_npz(t / "s0.npz", architecture=np.array(EX4.to_json().replace('"stride": 1}]', '"stride": 0}]'))))],
                     ["s0.npz", "'stride' of layer 2"]),
    "npz-no-architecture": (lambda t: [str(_npz(t / "noarch.npz", architecture=None))], ["noarch.npz", "'architecture'"]),
    "npz-missing-W2": (lambda t: [str(_npz(t / "now2.npz", W2=None))], ["now2.npz", "'W2'"]),
    "wrong-shape": (lambda t: [str(_npz(t / "shape.npz", W2=np.zeros((2, 2, 2, 1))))],
                    ["shape.npz", "'W2'", "(2, 2, 1, 2)", "(2, 2, 2, 1)"]),
    "bias-wrong-shape": (lambda t: [str(_npz(t / "bshape.npz", b1=np.zeros(3)))], ["bshape.npz", "'b1'"]),
    "nan-weight": (lambda t: [str(_npz(t / "nan.npz", W2=_poisoned(np.nan)))], ["nan.npz", "'W2'", "finite", "nan"]),
    "inf-weight": (lambda t: [str(_npz(t / "inf.npz", W2=_poisoned(np.inf)))], ["inf.npz", "'W2'", "finite", "inf"]),
    "nan-bias": (lambda t: [str(_npz(t / "nanb.npz", b2=np.array([0.0, np.nan])))], ["nanb.npz", "'b2'", "finite"]),
    "pickled-object-array": (lambda t: [str(_npz(t / "obj.npz", W2=_object_array()))], ["obj.npz", "'W2'", "pickled"]),
    "extra-entry": (lambda t: [str(_npz(t / "extra.npz", W3=np.zeros(2)))], ["extra.npz", "'W3'"]),
    "unknown-paper-name": (lambda t: ["example9-d3"], ["example9-d3", "network name"]),
    "paper-name-d0": (lambda t: ["example1-d0"], ["example1-d0"]),
    "jobs-0": (lambda t: ["example1-d2", "--jobs", "0"], ["--jobs", "0"]),
    "jobs-not-int": (lambda t: ["example1-d2", "--jobs", "two"], ["--jobs", "two"]),
    "seed-negative": (lambda t: ["example1-d2", "--seed", "-1"], ["--seed", "-1"]),
    "seed-float": (lambda t: ["example1-d2", "--seed", "1.5"], ["--seed", "1.5"]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input(tmp_path, capsys, name):
    make_argv, expected = BAD[name]
    code, out, err = run(["count", *make_argv(tmp_path)], capsys)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), err
    assert "Traceback" not in err
    for part in expected:
        assert part in lines[0], (part, lines[0])


def test_usage_errors_are_returned_not_raised(capsys):
    assert main(["count", "example1-d2", "--jobs", "0"]) == 2


# -- a real process ---------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "cnnregions", "count", *args],
                          capture_output=True, text=True, timeout=120)


def test_subprocess_json_and_bad_input(tmp_path):
    good = _cli("example4-d2", "--json")
    assert good.returncode == 0, good.stderr
    payload = json.loads(good.stdout)                  # stdout is the JSON object and nothing else
    assert payload["neurons"] == 6 + 2 * 2
    assert payload["regions"] >= 1
    for stream in (good.stdout, good.stderr):
        assert "HiGHS" not in stream and "Running" not in stream and "Traceback" not in stream
    assert good.stderr == ""

    bad_npz = _npz(tmp_path / "obj.npz", W2=_object_array())
    bad = _cli(str(bad_npz))
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1 and "'W2'" in bad.stderr


def test_resumed_count_says_resumed_not_zero_rate(tmp_path, capsys):
    ckpt = str(tmp_path / "count.ckpt")
    code, first, _ = run(["count", "example1-d3", "--checkpoint", ckpt, "--no-progress"], capsys)
    assert code == 0 and "regions/s in this run" in first
    code, again, _ = run(["count", "example1-d3", "--checkpoint", ckpt, "--no-progress"], capsys)
    line = next(text for text in again.splitlines() if text.startswith("time"))
    assert code == 0 and "resumed: all" in line and "regions/s" not in line
    assert "regions        40" in again  # d^3 + d^2 + d + 1 (Example 1), from the checkpoint alone



def test_the_first_count_after_installing_says_what_compiling_took(monkeypatch, capsys):
    """The first count compiles the kernel (about a minute): its time line says so and leaves
    the compile out of the rate; a count that loaded the kernel says nothing of it."""
    from types import SimpleNamespace

    from cnnregions.cli.count import _time_line
    from cnnregions.kernel import entries

    code, out, _ = run(["count", "example1-d3", "--no-progress"], capsys)
    line = next(text for text in out.splitlines() if text.startswith("time"))
    assert code == 0 and "compiling" not in line and "regions/s in this run" in line
    first = SimpleNamespace(seconds=60.0, regions=3004, reused_regions=0, tasks=16, reused_tasks=0,
                            regions_per_second=3004 / 60.0)
    monkeypatch.setattr(entries, "_built", [56.0])
    assert _time_line(first, "1 job") == ("60.000 s, of which 56.0 s compiling the search kernel (once after installing; "
                                          "later runs load it) (751 regions/s searching, 1 job)")
    monkeypatch.setattr(entries, "_built", [0.2])  # a quick load is not worth a mention
    assert _time_line(first, "1 job") == "60.000 s (50 regions/s in this run, 1 job)"
