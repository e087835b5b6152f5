"""Output paths a hostile user gives: folders, FIFOs, devices, symlinks, missing folders, a full disk.

Every subcommand that writes a file refuses what is not a regular file (or a new path)
in one line with exit code 2 before any work, writes atomically (a failed write leaves
the old file and no temporary file), and never touches a file this run did not create.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from _run import assert_one_error_line, run_cli

from cnnregions.cli import main

NET = "example4-d3"


def _points(tmp_path: Path) -> list[str]:
    names = []
    for name, point in (("a", [0.1, 0.2, -0.3, 0.4]), ("b", [1.0, -0.5, 0.2, 0.3]), ("c", [-0.2, 1.0, 0.5, -0.4])):
        np.save(tmp_path / f"{name}.npy", np.array(point))
        names.append(str(tmp_path / f"{name}.npy"))
    return names


#: Every command that writes a file, with ``{out}`` where the output path goes; the extra it needs.
def _writers(tmp_path: Path) -> dict[str, tuple[list[str], str | None]]:
    a, b, c = _points(tmp_path)
    return {
        "graph -o": (["graph", NET, "--no-progress", "-o", "{out}"], "networkx"),
        "count --regions-out": (["count", NET, "--no-progress", "--regions-out", "{out}"], "pyarrow"),
        "count --checkpoint": (["count", NET, "--no-progress", "--checkpoint", "{out}"], None),
        "convert -o": (["convert", NET, "-o", "{out}"], None),
        "plot-slice -o": (["plot-slice", NET, "--plane", a, b, c, "-o", "{out}"], "matplotlib"),
        "plot-line -o": (["plot-line", NET, "--line", a, b, "-o", "{out}"], "matplotlib"),
        "study --best-out": (["study", "example4-d1", "--draws", "1", "--search", "0", "--best-out", "{out}"], None),
        "study --checkpoint": (["study", "example4-d1", "--draws", "1", "--search", "0", "--checkpoint", "{out}"], None),
    }


_SUFFIX = {"graph -o": ".json", "count --regions-out": ".parquet", "convert -o": ".npz", "plot-slice -o": ".png",
           "plot-line -o": ".png", "study --best-out": ".npz"}
WRITERS = list(_SUFFIX) + ["count --checkpoint", "study --checkpoint"]


def _argv(tmp_path: Path, writer: str, out: str) -> list[str]:
    argv, extra = _writers(tmp_path)[writer]
    if extra is not None:
        pytest.importorskip(extra)
    return [out if part == "{out}" else part for part in argv]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("bad", ["folder", "device", "missing-folder"])
def test_every_writer_refuses_a_bad_path_in_one_line_before_any_work(tmp_path, capsys, writer, bad):
    suffix = _SUFFIX.get(writer, "")
    target = {"folder": tmp_path / f"adir{suffix}", "device": tmp_path / f"dev{suffix}",
              "missing-folder": tmp_path / "missing" / f"out{suffix}"}[bad]
    if bad == "folder":
        target.mkdir()
    if bad == "device":  # a link to /dev/null with the suffix the command wants: the target is checked
        target.symlink_to("/dev/null")
    argv = _argv(tmp_path, writer, str(target))
    before = sorted(p.name for p in tmp_path.iterdir())
    start = time.monotonic()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert {"folder": "folder", "device": "device", "missing-folder": "existing folder"}[bad] in err, err
    assert time.monotonic() - start < 30  # refused before the count, not after it
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created (no adir.parts either)
    if bad == "folder":
        assert list(target.iterdir()) == []


@pytest.mark.parametrize("writer", ["graph -o", "count --regions-out", "plot-line -o", "study --checkpoint",
                                    "count --checkpoint", "convert -o", "study --best-out"])
def test_a_fifo_is_refused_at_once_not_blocked_on(tmp_path, writer):
    fifo = tmp_path / f"fifo{_SUFFIX.get(writer, '')}"
    os.mkfifo(fifo)
    run = run_cli(_argv(tmp_path, writer, str(fifo)), timeout=60)  # a writer blocked on the FIFO would time out
    assert_one_error_line(run, "pipe (FIFO)")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.npy", "b.npy", "c.npy", fifo.name])


def test_study_out_refuses_a_file_a_fifo_and_a_device_in_one_line(tmp_path, capsys):
    plain = tmp_path / "plain"
    plain.write_text("mine")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target, word in ((plain, "file"), (fifo, "pipe (FIFO)"), (Path("/dev/null"), "device")):
        code = main(["study", "example4-d1", "--draws", "1", "--search", "0", "--out", str(target)])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and word in err, err
    assert plain.read_text() == "mine"


def test_a_symlink_to_a_regular_file_is_written_through_and_kept(tmp_path, capsys):
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    assert main(["convert", NET, "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_bytes()[:2] == b"PK"  # the target got the network
    from cnnregions import he_network, load_network, paper_architecture

    assert load_network(link).fingerprint == he_network(paper_architecture(NET), 0).fingerprint
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    bad = tmp_path / "bad.npz"
    bad.symlink_to(fifo)
    assert main(["convert", NET, "-o", str(bad)]) == 2
    assert "pipe (FIFO)" in capsys.readouterr().err


def test_plot_line_writes_exactly_the_path_it_reports(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    a, b, _ = _points(tmp_path)
    out = tmp_path / "picture"  # no suffix: PNG, under this very name
    assert main(["plot-line", NET, "--line", a, b, "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output"] == str(out) and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "picture.png").exists()
    assert main(["plot-line", NET, "--line", a, b, "-o", str(tmp_path / "x.nosuchformat")]) == 2
    assert "image suffix" in capsys.readouterr().err


# -- a full disk: a file-size limit in a subprocess (EFBIG), and /dev/full -------------------------
FSIZE = 512  # bytes: smaller than any network, picture, graph or Parquet file written here


@pytest.mark.parametrize("writer", ["graph -o", "convert -o", "plot-slice -o", "plot-line -o",
                                    "count --regions-out", "study --best-out"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, writer):
    out = tmp_path / f"out{_SUFFIX[writer]}"
    out.write_bytes(b"the user's valid file")
    argv = _argv(tmp_path, writer, str(out))
    run = run_cli(argv, limits={"RLIMIT_FSIZE": FSIZE}, timeout=120)
    assert_one_error_line(run, "must be writable", "File too large")
    assert out.read_bytes() == b"the user's valid file"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.npy", "b.npy", "c.npy", out.name])


def test_study_out_on_a_full_disk_leaves_no_empty_files(tmp_path):
    out = tmp_path / "report"
    run = run_cli(["study", "example4-d1", "--draws", "2", "--search", "0", "--out", str(out)],
                  limits={"RLIMIT_FSIZE": 1024}, timeout=120)
    assert_one_error_line(run, "must be writable")
    assert [p for p in out.iterdir() if p.stat().st_size == 0] == []


def test_checkpoints_on_dev_full_and_a_file_size_limit_give_one_line(tmp_path, capsys):
    for argv in (["count", NET, "--no-progress"], ["study", "example4-d1", "--draws", "2", "--search", "0"]):
        assert main([*argv, "--checkpoint", "/dev/full"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "regular file" in err and "device" in err
    ckpt = tmp_path / "study.ckpt"
    limit = 700  # the header and a record or two
    run = run_cli(["study", "example4-d2", "--draws", "6", "--search", "0", "--checkpoint", str(ckpt)],
                  limits={"RLIMIT_FSIZE": limit}, timeout=120)
    assert_one_error_line(run, "must be writable", "File too large", "counts recorded before are kept")
    assert ckpt.read_bytes().endswith(b"\n")  # no partial line
    resumed = run_cli(["study", "example4-d2", "--draws", "6", "--search", "0", "--checkpoint", str(ckpt), "--json"])
    assert resumed.code == 0 and json.loads(resumed.out)["counts"]["reused_from_checkpoint"] >= 1


# -- --regions-out and its FILE.parts/ folder ------------------------------------------------------
def test_regions_out_never_deletes_a_parts_folder_it_did_not_create(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    parts = tmp_path / "r.parquet.parts"
    parts.mkdir()
    (parts / "part-0.parquet").write_text("the user's file")
    (parts / "notes.txt").write_text("mine")
    assert main(["count", NET, "--no-progress", "--regions-out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "r.parquet.parts" in err and "must not exist" in err
    assert sorted(p.name for p in parts.iterdir()) == ["notes.txt", "part-0.parquet"]
    assert (parts / "part-0.parquet").read_text() == "the user's file" and not out.exists()
    parts_file = tmp_path / "s.parquet.parts"
    parts_file.write_text("a file")
    assert main(["count", NET, "--no-progress", "--regions-out", str(tmp_path / "s.parquet")]) == 2
    assert "must not exist" in capsys.readouterr().err and parts_file.read_text() == "a file"


def test_regions_out_cleans_up_only_what_it_made(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    assert main(["count", NET, "--no-progress", "--regions-out", str(out), "--json"]) == 0
    regions = json.loads(capsys.readouterr().out)["regions"]
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == regions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.parquet"]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_input_files_that_are_not_regular_are_named_for_what_they_are(tmp_path, kind):
    special = tmp_path / "x.npy"
    if kind == "fifo":
        os.mkfifo(special)
    else:
        special.mkdir()
    for argv in (["region", NET, "--point", str(special)], ["count", str(special.with_suffix(".npz"))]):
        if argv[0] == "count":
            os.rename(special, special.with_suffix(".npz"))
        run = run_cli(argv, timeout=60)  # reading a FIFO would block: refused from its type
        assert_one_error_line(run, "must be a regular file", {"fifo": "pipe (FIFO)", "folder": "folder"}[kind])


def test_the_best_network_never_replaces_the_study_checkpoint(tmp_path, capsys):
    ckpt = tmp_path / "study.ckpt"
    link = tmp_path / "link.npz"
    link.symlink_to(ckpt)
    assert main(["study", "example4-d1", "--draws", "1", "--search", "0", "--checkpoint", str(ckpt),
                 "--best-out", str(link)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "another file than the 'checkpoint'" in err
    assert not ckpt.exists()
