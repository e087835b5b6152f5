"""``cnnregions sample``: output forms and invalid input."""

from __future__ import annotations

import json

import pytest

from cnnregions.cli import main
from cnnregions.models import resolve_network, save_network
from cnnregions.sampling import DEFAULT_STDS, sample_regions


def exit_code(argv) -> int:
    """``main``'s exit code, whether usage errors return it or raise SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def run_json(capsys, argv):
    assert exit_code(["sample", *argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_json_has_the_counts_and_matches_the_library(capsys):
    data = run_json(capsys, ["example4-d8", "--points", "60000", "--seed", "3"])
    expected = sample_regions(resolve_network("example4-d8", 3), 60_000, seed=3)
    assert data["schema_version"] == 2 and data["command"] == "sample"
    assert data["points"] == 60_000
    assert data["regions_found"] == expected.regions_found
    assert data["union_found"] == expected.union_found
    assert [row["std"] for row in data["per_std"]] == list(DEFAULT_STDS)
    assert [row["regions_found"] for row in data["per_std"]] == [s.regions_found for s in expected.per_std]
    assert sum(row["points"] for row in data["per_std"]) == 60_000
    assert data["regions_found"] == max(row["regions_found"] for row in data["per_std"])
    assert data["points_per_second"] > 0 and data["seconds"] > 0
    assert data["points_per_second"] == pytest.approx(data["points"] / data["seconds"])
    assert data["architecture"] == resolve_network("example4-d8", 3).architecture.to_dict()
    assert data["seed"] == 3 and data["sample_seed"] == 3 and data["neurons"] == 22


def test_stds_and_sample_seed(capsys):
    data = run_json(capsys, ["example1-d3", "--points", "3001", "--std", "2", "--std", "1e3",
                             "--seed", "15", "--sample-seed", "9"])
    expected = sample_regions(resolve_network("example1-d3", 15), 3001, stds=(2.0, 1000.0), seed=9)
    assert [(row["std"], row["points"]) for row in data["per_std"]] == [(2.0, 1501), (1000.0, 1500)]
    assert [row["regions_found"] for row in data["per_std"]] == [s.regions_found for s in expected.per_std]
    assert data["seed"] == 15 and data["sample_seed"] == 9
    # several values after one flag, as the synopsis shows, give the same
    same = run_json(capsys, ["example1-d3", "--points", "3001", "--std", "2", "1e3", "--seed", "15", "--sample-seed", "9"])
    assert same["per_std"] == data["per_std"]


def test_npz_network_has_no_weight_seed(capsys, tmp_path):
    path = tmp_path / "net.npz"
    save_network(resolve_network("example1-d2", 5), path)
    data = run_json(capsys, [str(path), "--points", "300000"])
    assert data["seed"] is None
    assert data["regions_found"] == 15  # all of Table 1's d1 = 2 regions


def test_human_output(capsys):
    assert exit_code(["sample", "example1-d3", "--seed", "15", "--points", "300000"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("network        example1-d3 (1x3x1 -> 3@1x2/s1, He initialisation, seed 15)")
    assert "points         300000 (split evenly over 6 stds, sample seed 15)" in lines
    rows = [line.split() for line in lines if line.startswith("  ") and line.split()[0] != "std"]
    assert [float(r[0]) for r in rows] == list(DEFAULT_STDS)
    assert all(int(r[1]) == 50_000 for r in rows)
    assert any(line.startswith("regions found  40 (max over stds") for line in lines)
    assert any(line.startswith("time ") and line.endswith("points/s)") for line in lines)


@pytest.mark.parametrize("argv", [
    ["--points", "0"],
    ["--points", "-5"],
    ["--points", "many"],
    ["--points", "10", "--std", "-1"],
    ["--points", "10", "--std", "0"],
    ["--points", "10", "--std", "nan"],
    ["--points", "10", "--std", "inf"],
    ["--points", "10", "--std", "three"],
    ["--points", "10", "--sample-seed", "-1"],
    [],
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    assert exit_code(["sample", "example1-d2", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cnnregions sample: error: ")


def test_bad_argument_messages(capsys):
    for argv, message in [
        (["--points", "0"], "argument --points: must be a positive integer. Got 0 instead."),
        (["--points", "10", "--std", "nan"], "argument --std: must be a positive finite number. Got nan instead."),
        (["--points", "10", "--std", "-1"], "argument --std: must be a positive finite number. Got -1 instead."),
    ]:
        assert exit_code(["sample", "example1-d2", *argv]) == 2
        assert capsys.readouterr().err == f"cnnregions sample: error: {message}\n"


def test_bad_network_exits_2_with_one_line(capsys, tmp_path):
    assert exit_code(["sample", str(tmp_path / "missing.npz"), "--points", "10"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cnnregions sample: error: The file ")
