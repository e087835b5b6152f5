"""``cnnregions bounds``: table, JSON, exact big integers, errors."""

import json
import sys

import pytest

from cnnregions import he_network, paper_architecture, save_network
from cnnregions.cli import main

KEYS = {"neurons", "parameters", "lemma2", "theorem1", "eq4", "theorem5_lower", "theorem5_upper",
        "theorem5_upper_table2", "architecture"}


def run_json(capsys, *args):
    assert main(["bounds", *args, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.loads(out)
    finally:
        sys.set_int_max_str_digits(old)


def test_json_example4_reproduces_table2(capsys):
    data = run_json(capsys, "example4-d3")
    assert set(data) >= KEYS
    assert data["command"] == "bounds" and data["schema_version"] == 2
    assert data["architecture"] == paper_architecture("example4-d3").to_dict()
    assert (data["neurons"], data["parameters"], data["lemma2"]) == (12, 21, 4096)
    assert (data["theorem5_lower"], data["theorem5_upper"], data["theorem5_upper_table2"]) == (320, 3135, 3520)
    assert data["theorem1"] is None and data["eq4"] is None
    assert "one-layer" in data["not_applicable"]["eq4"]


def test_json_example1_reproduces_table1(capsys):
    data = run_json(capsys, "example1-d8")
    assert (data["eq4"], data["theorem1"], data["lemma2"]) == (585, 697, 65536)
    assert data["theorem5_lower"] == data["theorem5_upper"] == 585


def test_table_says_which_upper_bound_is_which(capsys):
    assert main(["bounds", "example4-d8"]) == 0
    out = capsys.readouterr().out
    assert "819115" in out and "4680" in out and "138435" in out
    line_printed = next(line for line in out.splitlines() if line.startswith("Theorem 5 upper "))
    line_table2 = next(line for line in out.splitlines() if line.startswith("Theorem 5 upper, Table 2"))
    assert "138435" in line_printed and "as printed" in line_printed
    assert "819115" in line_table2


def test_architecture_json_and_network_npz(tmp_path, capsys):
    arch = paper_architecture("pitfall2d-d3")
    path = tmp_path / "arch.json"
    path.write_text(arch.to_json())
    data = run_json(capsys, str(path))
    assert data["eq4"] == 4013
    assert any("exceed the true maximum" in note for note in data["notes"])
    npz = tmp_path / "net.npz"
    save_network(he_network(paper_architecture("example1-d3"), seed=1), npz)
    assert run_json(capsys, str(npz))["eq4"] == 40


def test_huge_values_are_exact_integers(tmp_path, capsys):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"input": {"height": 1, "width": 60, "channels": 8},
                                "layers": [{"channels": 256, "kernel": [1, 3], "stride": 1}]}))
    data = run_json(capsys, str(path))
    assert data["lemma2"] == 2 ** (58 * 256)  # far beyond Python's default 4300-digit str limit
    assert isinstance(data["eq4"], int) and data["eq4"] <= data["theorem1"] <= data["lemma2"]
    assert main(["bounds", str(path)]) == 0
    assert "digits" in capsys.readouterr().out


def test_state_budget_leaves_eq4_out(capsys):
    data = run_json(capsys, "pitfall2d-d3", "--max-states", "1")
    assert data["eq4"] is None and "max_states=1" in data["not_applicable"]["eq4"]
    assert data["lemma2"] == 2 ** 12


@pytest.mark.parametrize("args, message", [
    (["no-such-file.json"], "must exist"),
    (["example9-d3"], "network name must be one of"),
    (["example1-d0"], "network name must be one of"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    assert main(["bounds", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cnnregions bounds: error:") and message in err


def test_invalid_architecture_file(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input": {"height": 1, "width": 3, "channels": 1},
                                "layers": [{"channels": 2, "kernel": [1, 2], "stride": 0}]}))
    assert main(["bounds", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "The 'stride' of layer 1 must be a positive integer. Got 0 instead." in err


def test_bad_option_is_a_usage_error(capsys):
    try:
        code = main(["bounds", "example1-d2", "--max-states", "-1"])
    except SystemExit as exc:  # argparse's own exit, if main lets it through
        code = exc.code
    assert code == 2
    assert capsys.readouterr().err.count("\n") == 1
