"""``cnnregions study``: the JSON keys, the files of --out, and every bad input (one line, exit code 2)."""

import json

import pytest

from cnnregions import count_regions
from cnnregions.cli import main
from cnnregions.models import load_network


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keys_files_and_best_network(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "study"
    code, text, err = run(["study", "example4-d1", "--draws", "4", "--search", "8", "--json", "--out", str(out)], capsys)
    assert code == 0, err
    data = json.loads(text)
    for key in ("schema_version", "command", "draws", "mean", "min", "max", "quantiles", "best", "bounds",
                "tightness", "seconds"):
        assert key in data, key
    assert [d["seed"] for d in data["draws"]] == [0, 1, 2, 3]
    assert data["best"]["regions"] >= data["max"] and data["best"]["file"] == str(out / "best.npz")
    _, bounds_text, _ = run(["bounds", "example4-d1", "--json"], capsys)
    bounds = json.loads(bounds_text)
    assert {c["key"] for c in data["bounds"]} >= {"lemma2", "theorem5_lower", "theorem5_upper", "eq4"}
    for check in data["bounds"]:
        assert check["value"] == bounds[check["key"]], check["key"]
        assert check["verdict"]
        if check["value"] is None:
            assert check["reason"]
    lower = next(c for c in data["bounds"] if c["key"] == "theorem5_lower")
    assert lower["value"] == 32 and lower["holds"] is True  # Table 2, d2 = 1: the lower bound 32 is reached
    assert json.loads((out / "study.json").read_text())["best"] == data["best"]
    assert "| bound |" in (out / "study.md").read_text()
    assert (out / "study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert count_regions(load_network(out / "best.npz")).regions == data["best"]["regions"]


def test_human_output(capsys):
    code, text, _ = run(["study", "example4-d1", "--draws", "2", "--search", "0"], capsys)
    assert code == 0
    for word in ("draws", "best theta", "Theorem 5 lower", "tightness"):
        assert word in text


def test_bounds_that_do_not_apply_are_null_with_the_reason(tmp_path, capsys):
    arch = {"input": {"height": 1, "width": 3, "channels": 1},
            "layers": [{"channels": 2, "kernel": [1, 2], "stride": 1, "padding": 1}, {"type": "dense", "features": 2}]}
    path = tmp_path / "padded.json"
    path.write_text(json.dumps(arch))
    code, text, err = run(["study", str(path), "--draws", "2", "--search", "0", "--json"], capsys)
    assert code == 0, err
    checks = {c["key"]: c for c in json.loads(text)["bounds"]}
    # padding 1 on both axes: a 3x4 output of 2 channels (24 neurons), then 2 dense neurons
    assert checks["lemma2"]["value"] == 2 ** 26 and checks["lemma2"]["holds"] is True
    for key in ("theorem5_lower", "theorem5_upper", "eq4", "theorem1"):
        assert checks[key]["value"] is None and checks[key]["holds"] is None
        assert checks[key]["reason"]
    assert "padding" in checks["theorem5_upper"]["reason"]


@pytest.mark.parametrize("argv, words", [
    (["--draws", "0"], ["--draws", "positive integer", "Got 0"]),
    (["--search", "-3"], ["--search", "non-negative"]),
    (["--jobs", "0"], ["--jobs", "Got 0"]),
    (["--strategy", "newton"], ["--strategy", "newton"]),
])
def test_bad_arguments_give_one_line_and_exit_2(argv, words, capsys):
    code, out, err = run(["study", "example4-d1", *argv], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err


def test_unwritable_outputs_give_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for argv, word in ((["--out", str(blocker / "sub")], "'--out' directory"),
                       (["--best-out", str(tmp_path)], "'--best-out' file"),
                       (["--best-out", str(tmp_path / "missing" / "b.npz")], "'--best-out' file")):
        code, out, err = run(["study", "example4-d1", "--draws", "1", "--search", "0", *argv], capsys)
        assert code == 2 and out == "", argv
        assert len(err.strip().splitlines()) == 1 and word in err and "Traceback" not in err


def test_a_missing_architecture_file(capsys):
    code, _, err = run(["study", "no-such.json"], capsys)
    assert code == 2 and "must exist" in err and len(err.strip().splitlines()) == 1
