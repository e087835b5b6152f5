"""The count checkpoint's fields forged one by one (digest recomputed, as a forger who read the
code would), a second writer through a symbolic link, and a header of another count.

Each forged field is refused naming its line; none reaches the count.  (The first forgeries,
regions/lps/piece/seconds, are in ``tests/enumerate/test_checkpoint.py``.)
"""

from __future__ import annotations

import json

import pytest

from cnnregions import InvalidParameterError, count_regions, he_network, paper_architecture
from cnnregions.run.checkpoint import _digest


def _run(path, **kw):
    return count_regions(he_network(paper_architecture("example4-d4"), seed=1), checkpoint=path, split=4,
                         budget=50, **kw)


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[str]:
    path = tmp_path_factory.mktemp("ckpt") / "run.jsonl"
    _run(path)
    return path.read_text().splitlines()


def _node(record: dict) -> dict | None:
    for child in record["children"]:
        for node in child:
            return node
    return None


def _first_with_children(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines[1:], start=2) if _node(json.loads(line)) is not None)


def _forged(lines: list[str], number: int, change) -> str:
    forged = list(lines)
    record = json.loads(forged[number - 1])
    change(record)
    record["check"] = _digest(record, forged[0].encode())
    forged[number - 1] = json.dumps(record, sort_keys=True).replace('"__inf__"', "1e999")
    return "\n".join(forged) + "\n"


RECORD_FORGERIES = [
    (lambda r: r.update(certified="yes"), "'certified' true or false"),
    (lambda r: r.update(certified=True, unresolved=3), "'unresolved' 0 in a certified record"),
    (lambda r: r.update(min_radius="__inf__"), "'min_radius' a finite non-negative number"),
    (lambda r: r.update(cpu_seconds=-1), "'cpu_seconds' a finite non-negative number"),
    (lambda r: r.update(nodes=2 ** 70 + 0.5), "'nodes' an integer >= 0"),
    (lambda r: r.update(extra=1), "a record with keys"),
    (lambda r: r.update(children="none"), "'children' a list of non-empty lists of nodes"),
]
NODE_FORGERIES = [
    (lambda n: n.update(k=10 ** 9), "a node's 'k' an integer in"),
    (lambda n: n.update(center="@@@"), "a node's 'center' in base64"),
    (lambda n: n.update(center="AAAAAAAAAAA="), "a node's 'center' of 4 finite numbers. Got 1 numbers"),
    (lambda n: n.update(radius=-1.0), "a node's 'radius' positive and finite"),
    (lambda n: n.update(radius="__inf__"), "a node's 'radius' positive and finite"),
    (lambda n: n.update(prefix="zz"), "a node's 'prefix'"),
    (lambda n: n.update(splits=[[0, 2]]), "a split sign an integer in"),
    (lambda n: n.update(screen=["00"]), "a node's 'screen' as two bit strings"),
]


@pytest.mark.parametrize("change, message", RECORD_FORGERIES)
def test_a_forged_record_field_is_refused_naming_the_line(tmp_path, lines, change, message):
    path = tmp_path / "run.jsonl"
    path.write_text(_forged(lines, 2, change) + lines[2] + "\n")  # a good line after: not a torn last line
    before = path.read_bytes()
    with pytest.raises(InvalidParameterError, match="line 2 must hold " + ".*" + message):
        _run(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("change, message", NODE_FORGERIES)
def test_a_forged_node_field_is_refused_naming_the_line(tmp_path, lines, change, message):
    number = _first_with_children(lines)
    path = tmp_path / "run.jsonl"
    path.write_text(_forged(lines, number, lambda r: change(_node(r))))
    with pytest.raises(InvalidParameterError, match=f"line {number} must hold " + ".*" + message):
        _run(path)


def test_a_non_object_line_and_a_foreign_header_are_refused(tmp_path, lines):
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join([lines[0], "[1, 2, 3]", *lines[1:]]) + "\n")
    with pytest.raises(InvalidParameterError, match="line 2 must hold a JSON object"):
        _run(path)
    header = json.loads(lines[0])
    header["tol"] = 0.5
    path.write_text("\n".join([json.dumps(header, sort_keys=True), *lines[1:]]) + "\n")
    with pytest.raises(InvalidParameterError, match=r"different 'tol' \(0.5 instead of 1e-07\)"):
        _run(path)


def test_a_second_count_through_a_symlink_is_refused(tmp_path, lines):
    from cnnregions.linestore import LineStore
    from cnnregions.run.checkpoint import KIND

    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(lines) + "\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(path)
    header = json.loads(lines[0])
    identity = {k: v for k, v in header.items() if k not in ("format", "version")}
    with LineStore.open(path, KIND, identity, lambda record: None), \
            pytest.raises(InvalidParameterError, match="must not be in use by another count"):
        _run(link)
    assert _run(link).reused_tasks > 0  # released: the link resumes the same file
