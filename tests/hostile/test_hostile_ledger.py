"""The study checkpoint (ledger) under hostile edits and a second writer.

It shares the count checkpoint's store (:mod:`cnnregions.linestore`): one writer (the
resolved file is locked, so a symbolic link gets no second writer), every record
validated and tied to the header by a digest, a torn last line dropped, and a header
of another study refused naming the first entry that differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _run import assert_one_error_line, run_cli

from cnnregions import InvalidParameterError, paper_architecture
from cnnregions.cli import main
from cnnregions.study import run_study
from cnnregions.study.ledger import FORMAT, VERSION, Ledger, _digest

ARCH = "example4-d1"
SETTINGS = {"draws": 3, "search": 0}


def _identity(arch: str = ARCH, tol: float = 1e-7) -> dict:
    return {"architecture": paper_architecture(arch).to_dict(), "tol": tol}


@pytest.fixture(scope="module")
def ledger_lines(tmp_path_factory) -> list[bytes]:
    """A study checkpoint of three draws, as lines (header first)."""
    path = tmp_path_factory.mktemp("ledger") / "study.ckpt"
    run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)
    return path.read_bytes().splitlines()


def _salt() -> bytes:
    return json.dumps({"format": FORMAT, "version": VERSION, **_identity()}, sort_keys=True).encode()


def _forge(lines: list[bytes], number: int, digest: bool, **changes) -> list[bytes]:
    """The lines with record ``number`` (1-based file line) changed; ``digest``: recompute its check."""
    record = json.loads(lines[number - 1])
    record.update(changes)
    if digest:
        record["check"] = _digest(record, _salt())
    text = json.dumps(record, sort_keys=True).replace('"__inf__"', "1e999")
    return [*lines[:number - 1], text.encode(), *lines[number:]]


def _write(path: Path, lines: list[bytes], tail: bytes = b"\n") -> Path:
    path.write_bytes(b"\n".join(lines) + tail)
    return path


@pytest.mark.parametrize("field, value, expected", [
    ("regions", -5, "'regions' a positive integer"),
    ("regions", 0, "'regions' a positive integer"),
    ("regions", "__inf__", "'regions' a positive integer"),
    ("regions", 2.5, "'regions' a positive integer"),
    ("regions", True, "'regions' a positive integer"),
    ("key", "other:1", "a 'key' draw:SEED or search:K"),
    ("key", 7, "a 'key' draw:SEED or search:K"),
    ("fingerprint", "xyz", "a 'fingerprint' of 64 hexadecimal digits"),
    ("seconds", -1.0, "'seconds' a finite non-negative number"),
    ("seconds", "__inf__", "'seconds' a finite non-negative number"),
])
def test_a_forged_field_is_refused_naming_the_line(tmp_path, ledger_lines, field, value, expected):
    path = _write(tmp_path / "study.ckpt", _forge(ledger_lines, 3, True, **{field: value}))
    with pytest.raises(InvalidParameterError, match=f"line 3 must hold {expected}"):
        run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)


def test_an_edited_line_without_its_digest_is_refused(tmp_path, ledger_lines, capsys):
    path = _write(tmp_path / "study.ckpt", _forge(ledger_lines, 2, False, regions=99))
    assert main(["study", ARCH, "--draws", "3", "--search", "0", "--checkpoint", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "line 2 must hold a 'check' digest" in err


def test_missing_and_extra_keys_and_non_objects_are_refused(tmp_path, ledger_lines):
    record = json.loads(ledger_lines[1])
    del record["seconds"]
    for bad, expected in ((json.dumps(record), "a record with keys"), ("[1, 2]", "a JSON object"),
                          ('{"key": "draw:0"}', "a record with keys")):
        path = _write(tmp_path / "study.ckpt", [ledger_lines[0], bad.encode(), *ledger_lines[2:]])
        with pytest.raises(InvalidParameterError, match=f"line 2 must hold {expected}"):
            run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)


def test_an_inflated_best_count_names_its_record_not_a_bug(tmp_path, ledger_lines):
    """A forger who recomputes the digest: the best network is recounted from its file, and the
    record that gave the wrong count is named."""
    record = json.loads(ledger_lines[1])
    path = _write(tmp_path / "study.ckpt", _forge(ledger_lines, 2, True, regions=10 ** 6))
    with pytest.raises(InvalidParameterError, match=f"record '{record['key']}' must hold the count of its network"):
        run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)


def test_a_torn_last_line_is_dropped_and_a_damaged_middle_line_refused(tmp_path, ledger_lines):
    path = _write(tmp_path / "study.ckpt", [*ledger_lines[:-1], ledger_lines[-1][:15]], tail=b"")
    resumed = run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)
    assert (resumed.reused, resumed.counted) == (len(ledger_lines) - 2, 1)
    assert path.read_bytes().count(b"\n") == len(ledger_lines)  # the torn part was replaced by a whole line
    path = _write(tmp_path / "damaged.ckpt", [ledger_lines[0], ledger_lines[1][:15], *ledger_lines[2:]])
    with pytest.raises(InvalidParameterError, match="damaged line 2"):
        run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)


def test_a_second_study_on_the_same_ledger_is_refused_also_through_a_symlink(tmp_path):
    path = tmp_path / "study.ckpt"
    link = tmp_path / "link.ckpt"
    link.symlink_to(path)
    with Ledger.open(path, _identity()):  # the first study, still running
        for other in (path, link):
            with pytest.raises(InvalidParameterError, match="must not be in use by another study"):
                run_study(paper_architecture(ARCH), checkpoint=other, **SETTINGS)
        run = run_cli(["study", ARCH, "--draws", "1", "--search", "0", "--checkpoint", str(link)], timeout=120)
        assert_one_error_line(run, "must not be in use by another study")
    done = run_study(paper_architecture(ARCH), checkpoint=link, **SETTINGS)  # the lock is gone with the first
    assert done.counted == 3 and path.read_bytes().count(b"\n") == 4


def test_another_architecture_shows_the_first_differing_key(tmp_path, ledger_lines, capsys):
    path = _write(tmp_path / "study.ckpt", ledger_lines)
    assert main(["study", "example4-d2", "--draws", "1", "--search", "0", "--checkpoint", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "must belong to this study" in err
    # example4-d1 and example4-d2 differ in the channels of layer 2, first in sorted key order
    assert "first at 'architecture.layers[1].channels': 1 instead of 2" in err, err


def test_a_version_1_ledger_is_refused_with_its_version(tmp_path, ledger_lines):
    header = json.loads(ledger_lines[0])
    header["version"] = 1
    path = _write(tmp_path / "study.ckpt", [json.dumps(header).encode(), *ledger_lines[1:]])
    with pytest.raises(InvalidParameterError, match="must be a version 2 study checkpoint. Got version 1"):
        run_study(paper_architecture(ARCH), checkpoint=path, **SETTINGS)
