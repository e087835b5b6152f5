"""Command-line and API parameter errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnregions import InvalidParameterError, __version__, count_regions, he_network, paper_architecture
from cnnregions._validation import field_error
from cnnregions.cli import main


def test_box_and_window_accept_negative_scientific_notation(capsys):
    assert main(["count", "example4-d3", "--box", "-5e-1", "5e-1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["domain"] == {"type": "box", "lo": -0.5, "hi": 0.5}
    assert main(["count", "example4-d3", "--box", "-0.5", "0.5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] == out["regions"]


def test_window_accepts_negative_scientific_notation(tmp_path, capsys):
    for name, point in (("a", [0.0, 0, 0, 0]), ("b", [1.0, 0, 0, 0]), ("c", [0.0, 1, 0, 0])):
        np.save(tmp_path / f"{name}.npy", np.array(point))
    args = ["count", "example4-d3", "--plane", *(str(tmp_path / f"{n}.npy") for n in "abc"), "--json", "--window"]
    assert main([*args, "-1e-1", "1.1e0", "-1E-1", "1e0"]) == 0
    assert json.loads(capsys.readouterr().out)["domain"]["window"] == [-0.1, 1.1, -0.1, 1.0]


@pytest.mark.parametrize("text, value", [("1e6", 10 ** 6), ("2e3", 2000), ("1000", 1000)])
def test_points_accepts_scientific_notation(text, value):
    from cnnregions.cli._common import count_type
    assert count_type(text) == value


def test_points_refuses_fractions(capsys):
    assert main(["sample", "example1-d2", "--points", "1.5e0"]) == 2
    err = capsys.readouterr().err
    assert "--points" in err and "1.5e0" in err
    assert "2e9" in _help(["sample", "--help"], capsys)


def _help(argv, capsys) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_bare_command_prints_usage(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: cnnregions") and "count" in err and "bounds" in err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cnnregions {__version__}"


def test_count_help_lists_onnx(capsys):
    assert ".onnx" in _help(["count", "--help"], capsys)


@pytest.mark.parametrize("jobs", ["-2", "0", "x"])
def test_jobs_message(jobs, capsys):
    assert main(["count", "example1-d2", "--jobs", jobs]) == 2
    err = capsys.readouterr().err
    assert "a positive integer or -1" in err and "non-negative" not in err


def test_messages_show_numpy_scalars_as_numbers():
    message = str(field_error("The 'tol'", "a number in (0, 1)", np.float64(1.0)))
    assert message == "The 'tol' must be a number in (0, 1). Got 1.0 instead."
    with pytest.raises(InvalidParameterError) as info:
        count_regions(he_network(paper_architecture("example1-d2")), tol=np.float64(1.0))
    assert "np.float64" not in str(info.value)


@pytest.mark.parametrize("kwargs, field", [
    ({"checkpoint": 123}, "'checkpoint'"), ({"checkpoint": ""}, "'checkpoint'"),
    ({"progress": "yes"}, "'progress'"), ({"progress": 1}, "'progress'"),
    ({"connect_timeout": 0}, "'connect_timeout'"), ({"connect_timeout": float("inf")}, "'connect_timeout'"),
    ({"connect_timeout": "10"}, "'connect_timeout'"),
])
def test_api_parameter_errors(kwargs, field):
    net = he_network(paper_architecture("example1-d2"), seed=0)
    with pytest.raises(InvalidParameterError) as info:
        count_regions(net, **kwargs)
    message = str(info.value)
    assert message.startswith(f"The {field} must be ") and " Got " in message and message.endswith(" instead.")
