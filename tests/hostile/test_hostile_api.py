"""The Python API with wrong types and values, options that cannot apply, and messages that
must say what is wrong: an :class:`InvalidParameterError` in the project's format
("The 'x' must be ... Got ... instead."), never a bare ValueError/TypeError."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cnnregions import (
    InvalidParameterError,
    Plane,
    Segment,
    count_regions,
    he_network,
    iter_regions,
    load_network,
    paper_architecture,
    resolve,
)
from cnnregions.cli import main
from cnnregions.models.io import load_architecture, save_network
from cnnregions.models.resolve import resolve_architecture
from cnnregions.study import run_study

ARCH = paper_architecture("example4-d1")


def _project_format(exc: BaseException, field: str) -> None:
    text = str(exc)
    assert isinstance(exc, InvalidParameterError)
    assert text.startswith(f"The '{field}' must be ") and ". Got " in text and text.endswith(" instead."), text
    assert "\n" not in text


@pytest.mark.parametrize("n_jobs", ["abc", 0, None, -5, 1.5, True])
def test_run_study_n_jobs(n_jobs):
    with pytest.raises(InvalidParameterError) as info:
        run_study(ARCH, draws=1, search=0, n_jobs=n_jobs)
    _project_format(info.value, "n_jobs")
    assert "a positive integer or -1" in str(info.value)


@pytest.mark.parametrize("tol", ["x", 0, -1e-7, 1.0, math.nan, math.inf, None, True])
def test_run_study_tol(tol):
    with pytest.raises(InvalidParameterError) as info:
        run_study(ARCH, draws=1, search=0, tol=tol)
    _project_format(info.value, "tol")


@pytest.mark.parametrize("field", ["checkpoint", "best_out"])
def test_run_study_paths(field):
    with pytest.raises(InvalidParameterError) as info:
        run_study(ARCH, draws=1, search=0, **{field: 123})
    _project_format(info.value, field)


@pytest.mark.parametrize("function, field", [(load_network, "path"), (load_architecture, "path"),
                                             (resolve, "spec"), (resolve_architecture, "spec")])
@pytest.mark.parametrize("value", [123, None, 1.5, ["a.npz"]])
def test_loaders_refuse_non_paths(function, field, value):
    with pytest.raises(InvalidParameterError) as info:
        function(value)
    _project_format(info.value, field)


def test_save_network_refuses_a_non_path():
    with pytest.raises(InvalidParameterError) as info:
        save_network(he_network(ARCH, 0), 123)
    _project_format(info.value, "path")


def test_a_bad_domain_lists_every_domain_type():
    with pytest.raises(InvalidParameterError) as info:
        count_regions(he_network(ARCH, 0), domain="box")
    _project_format(info.value, "domain")
    for name in ("Space", "Box", "Plane", "Segment"):
        assert name in str(info.value)


# -- options the geometric engine cannot honour: refused, never ignored ---------------------------
def _points(tmp_path):
    names = []
    for i, point in enumerate(([0.1, 0.2, -0.3, 0.4], [1.0, -0.5, 0.2, 0.3], [-0.2, 1.0, 0.5, -0.4])):
        np.save(tmp_path / f"p{i}.npy", np.array(point))
        names.append(str(tmp_path / f"p{i}.npy"))
    return names


@pytest.mark.parametrize("domain, option, word", [
    ("line", ["--certify"], "'--certify' must come without '--line'"),
    ("line", ["--checkpoint", "{ckpt}"], "'--checkpoint' must come without '--line' or '--window'"),
    ("window", ["--checkpoint", "{ckpt}"], "'--checkpoint' must come without '--line' or '--window'"),
])
def test_geometric_domains_refuse_options_they_would_ignore(tmp_path, capsys, domain, option, word):
    a, b, c = _points(tmp_path)
    where = ["--line", a, b] if domain == "line" else ["--plane", a, b, c, "--window", "0", "1", "0", "1"]
    option = [str(tmp_path / "c.ckpt") if part == "{ckpt}" else part for part in option]
    assert main(["count", "example4-d3", "--no-progress", *where, *option]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and word in err
    assert not (tmp_path / "c.ckpt").exists()


def test_certify_on_a_windowed_plane_is_honoured(tmp_path, capsys):
    """--certify on a windowed plane runs the certified LP search (and says so): not ignored."""
    pytest.importorskip("flint")
    a, b, c = _points(tmp_path)
    where = ["--plane", a, b, c, "--window", "0", "1", "0", "1", "--json"]
    assert main(["count", "example4-d3", *where]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["count", "example4-d3", *where, "--certify"]) == 0
    certified = json.loads(capsys.readouterr().out)
    assert certified["certified"] is True and certified["regions"] == plain["regions"]


def test_the_api_refuses_them_too(tmp_path):
    network = he_network(paper_architecture("example4-d3"), 0)
    rng = np.random.default_rng(0)
    segment = Segment(rng.normal(size=4), rng.normal(size=4))
    plane = Plane(*(rng.normal(size=4) for _ in range(3)), window=(0, 1, 0, 1))
    for domain in (segment, plane):
        with pytest.raises(InvalidParameterError) as info:
            count_regions(network, domain=domain, checkpoint=tmp_path / "c.ckpt")
        _project_format(info.value, "checkpoint")
    with pytest.raises(InvalidParameterError) as info:
        count_regions(network, domain=segment, certify=True)
    _project_format(info.value, "certify")
    with pytest.raises(InvalidParameterError) as info:
        next(iter_regions(network, domain=segment, certify=True))
    _project_format(info.value, "certify")
    assert not (tmp_path / "c.ckpt").exists()


# -- messages ----------------------------------------------------------------------------------
def test_a_short_npy_says_so_in_whole_words(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.arange(4.0))
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(data[:-9])
    assert main(["region", "example4-d3", "--point", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.endswith("instead.")
    assert "data ends early" in err and "Expected (4,) = 4 elements, could only read 2 elements" in err
    assert "(file see" not in err
