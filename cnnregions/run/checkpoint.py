"""Checkpoints: an append-only JSON-lines record of finished tasks.

The first line is a header that identifies the count (network fingerprint,
domain, tolerance, split, budget and a digest of the initial tasks); each
further line is one finished task: its piece (path of child indices from an
initial task, see :mod:`.tasks`), its statistics, its seconds (wall clock and
CPU), the nodes of its
child tasks (so that a resumed count knows the work that is left without
searching the task again) and a check digest that ties the line to the header.

A line is written with one ``write`` call as soon as the task is done and
fsync'd at least every :data:`SYNC_SECONDS` (and on close): a killed process
loses nothing that was written; a crash of the machine loses at most the last
second's tasks, which a resume searches again.  Re-running the same count with
the same file skips the recorded tasks and gives the same result.  The file is a
:class:`~cnnregions.linestore.LineStore` (the study's checkpoint is one too): locked
(``flock``) while a count uses it, so a second count on it, also through a symbolic
link, is refused.  A file written for another network or other settings, or by
another checkpoint version, is refused; a torn last line (killed while writing) is
dropped; every other line must be a valid record of this count (known piece, not
repeated, non-negative integers, finite floats, nodes that fit the network, a check
digest) or the file is refused, naming the line.

Each record says whether its task was ``certified``: a certified count
(``certify=True``) reuses certified records only and searches the others again;
its record of such a task replaces the uncertified one (and that one's child
tasks), the only case where a piece may appear twice.  A float count reuses both.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass

import numpy as np

from ..core.node import Node
from ..core.stats import Stats
from ..linestore import LineStore, StoreFile, StoreKind, peek_header, short

__all__ = ["Checkpoint", "NodeShape", "Record", "decode_node", "encode_node", "recorded_budget"]

FORMAT = "cnnregions-checkpoint"
VERSION = 2
#: At most this many seconds of finished tasks are not yet fsync'd.
SYNC_SECONDS = 1.0


@dataclass(frozen=True)
class NodeShape:
    """What a node of this count may look like (to validate recorded nodes)."""

    n_neurons: int
    dim: int
    starts: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Record:
    """A finished task as recorded: its piece, its statistics and its child tasks' nodes."""

    piece: tuple[int, ...]
    stats: Stats
    children: tuple[tuple[Node, ...], ...]


def _bad(expected: str, got: object = "something else") -> ValueError:
    """A record that fails validation: ``ValueError(expected, got)``, turned into one line by :class:`~cnnregions.linestore.LineStore`."""
    return ValueError(expected, got if isinstance(got, str) else _short(got))


def _bits(values) -> str:
    return np.packbits(np.asarray(values, dtype=bool)).tobytes().hex()


def _unbits(text: object, length: int, what: str) -> np.ndarray:
    if not isinstance(text, str) or len(text) != 2 * ((length + 7) // 8):
        raise _bad(f"{what} of {length} bits", text)
    try:
        return np.unpackbits(np.frombuffer(bytes.fromhex(text), dtype=np.uint8))[:length].astype(bool)
    except ValueError:
        raise _bad(f"{what} in hexadecimal", text) from None


def encode_node(node: Node) -> dict:
    return {"k": node.k, "prefix": _bits(node.prefix), "splits": [[j, int(a)] for j, a in node.splits],
            "center": base64.b64encode(np.ascontiguousarray(node.center, dtype="<f8").tobytes()).decode(),
            "radius": float(node.radius),
            "screen": None if node.screen is None else [_bits(node.screen[0]), _bits(node.screen[1])]}


def _int(value: object, what: str, lo: int = 0, hi: float = math.inf) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value < hi:
        raise _bad(f"{what} an integer in [{lo}, {hi})" if hi < math.inf else f"{what} an integer >= {lo}", _short(value))
    return value


def decode_node(data: object, shape: NodeShape) -> Node:
    if not isinstance(data, dict) or set(data) != {"k", "prefix", "splits", "center", "radius", "screen"}:
        raise _bad("a node with keys k, prefix, splits, center, radius, screen", data)
    k = _int(data["k"], "a node's 'k'", 1, shape.n_neurons)
    prefix = _unbits(data["prefix"], k, "a node's 'prefix'")
    splits = data["splits"]
    if not isinstance(splits, list) or not all(isinstance(s, list) and len(s) == 2 for s in splits):
        raise _bad("a node's 'splits' as [neuron, 0 or 1] pairs", splits)
    pairs = tuple((_int(j, "a split neuron", 0, k), bool(_int(a, "a split sign", 0, 2))) for j, a in splits)
    if any(p[0] >= q[0] for p, q in itertools.pairwise(pairs)) or any(prefix[j] != a for j, a in pairs):
        raise _bad("a node's 'splits' increasing and agreeing with its prefix", splits)
    try:
        center = np.frombuffer(base64.b64decode(data["center"], validate=True), dtype="<f8").astype(np.float64)
    except (TypeError, ValueError):
        raise _bad("a node's 'center' in base64") from None
    radius = data["radius"]
    if center.shape != (shape.dim,) or not np.isfinite(center).all():
        raise _bad(f"a node's 'center' of {shape.dim} finite numbers", f"{center.size} numbers")
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not (0 < radius < math.inf):
        raise _bad("a node's 'radius' positive and finite", radius)
    screen = data["screen"]
    if screen is not None:
        layer = int(np.searchsorted(shape.starts, k, side="right")) - 1
        size = shape.starts[layer + 1] - shape.starts[layer]
        if not isinstance(screen, list) or len(screen) != 2:
            raise _bad("a node's 'screen' as two bit strings", screen)
        screen = tuple(tuple(bool(b) for b in _unbits(s, size, "a node's 'screen'")) for s in screen)
    return Node(k, prefix, pairs, center, float(radius), screen)


#: A record's exactness fields (:mod:`cnnregions.certify`): ``certified`` (true or
#: false), then counts (non-negative integers).
_EXACTNESS = ("certified", "unresolved", "certificates", "exact_decisions", "disagreements")


def _decode_record(record: object, shape: NodeShape) -> Record:
    keys = {"piece", "regions", "lps", "nodes", "min_radius", "max_rejected", "seconds", "cpu_seconds", "children",
            "check", *_EXACTNESS}
    if not isinstance(record, dict) or set(record) != keys:
        raise _bad("a record with keys " + ", ".join(sorted(keys)),
                   sorted(record) if isinstance(record, dict) else record)
    piece = record["piece"]
    if not isinstance(piece, list) or not piece:
        raise _bad("a non-empty list 'piece'", piece)
    piece = tuple(_int(i, "'piece' entries", 0) for i in piece)
    stats = {key: _int(record[key], f"'{key}'", 0) for key in ("regions", "lps", "nodes", *_EXACTNESS[1:])}
    certified = record["certified"]
    if not isinstance(certified, bool):
        raise _bad("'certified' true or false", _short(certified))
    if certified and stats["unresolved"]:
        raise _bad("'unresolved' 0 in a certified record", f"{stats['unresolved']}")
    if stats["regions"] > stats["nodes"]:
        raise _bad("'regions' at most 'nodes'", f"{stats['regions']} regions in {stats['nodes']} nodes")
    floats = {}
    for key in ("min_radius", "max_rejected", "seconds", "cpu_seconds"):
        value = record[key]
        if key == "min_radius" and value is None and stats["regions"] == 0:
            floats[key] = math.inf
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < math.inf):
            raise _bad(f"'{key}' a finite non-negative number", _short(value))
        floats[key] = float(value)
    children = record["children"]
    if not isinstance(children, list) or not all(isinstance(c, list) and c for c in children):
        raise _bad("'children' a list of non-empty lists of nodes", children)
    nodes = tuple(tuple(decode_node(n, shape) for n in child) for child in children)
    return Record(piece, Stats.from_record(stats, floats, certified), nodes)


def _line(piece: tuple[int, ...], stats: Stats, children, salt: bytes) -> dict:
    record = {"piece": list(piece), **stats.to_record()}
    if not math.isfinite(record["min_radius"]):
        record["min_radius"] = None
    record["children"] = [[encode_node(n) for n in child] for child in children]
    record["check"] = _digest(record, salt)
    return record


def _digest(record: dict, salt: bytes) -> str:
    """Ties a record to its header and content (catches edits and corruption, not a determined forger)."""
    body = json.dumps({k: v for k, v in record.items() if k != "check"}, sort_keys=True)
    return hashlib.sha256(salt + body.encode()).hexdigest()[:16]


#: The count checkpoint as a :class:`~cnnregions.linestore.LineStore`.
KIND = StoreKind(FORMAT, VERSION, "checkpoint", "count", SYNC_SECONDS)


class Checkpoint(StoreFile):
    """An open, locked checkpoint file; use :meth:`open` and close it (or use ``with``).

    Attributes
    ----------
    done : dict of tuple to Record
        Tasks recorded by earlier runs, by piece (read when the file was opened); a
        certified record replaces an uncertified one of the same piece.
    recorded : int
        Tasks in the file now.
    """

    def __init__(self, store: LineStore, salt: bytes, done: dict[tuple[int, ...], Record]) -> None:
        super().__init__(store, salt)
        self.done = done
        self.recorded = len(done)

    @classmethod
    def open(cls, path: str | os.PathLike, identity: dict, shape: NodeShape, initial: int) -> Checkpoint:
        """Open ``path`` for the count described by ``identity`` (``initial`` tasks), creating it if needed."""
        salt = json.dumps({"format": FORMAT, "version": VERSION, **identity}, sort_keys=True).encode()
        done: dict[tuple[int, ...], Record] = {}
        store = LineStore.open(path, KIND, identity, lambda record: _accept(record, done, salt, shape, initial))
        return cls(store, salt, done)

    def record(self, piece: tuple[int, ...], stats: Stats, children) -> None:
        """Append one finished task (one write; fsync'd within ``SYNC_SECONDS``)."""
        self._store.append(_line(piece, stats, children, self._salt),
                           kept=f"the {self.recorded} tasks recorded before are kept")
        self.recorded += 1  # not kept in memory: a resume reads them back



def recorded_budget(path: str | os.PathLike) -> tuple[bool, int | None]:
    """``(True, budget)`` if ``path`` is a checkpoint whose header records a valid ``budget`` (an
    integer >= 1, or None: no budget), else ``(False, None)``.

    A resumed count with the default budget takes the recorded one, so that it may run with
    another number of workers than the count that wrote the file.  Anything else about the file
    (another count, a bad line) is left to :meth:`Checkpoint.open` to report.
    """
    header = peek_header(path, KIND)
    if header is None or "budget" not in header:
        return False, None
    budget = header["budget"]
    if budget is None or (type(budget) is int and budget >= 1):
        return True, budget
    return False, None


def _accept(record: dict, done: dict[tuple[int, ...], Record], salt: bytes, shape: NodeShape, initial: int) -> None:
    """Validate one record line against the records before it and add it to ``done``."""
    entry = _decode_record(record, shape)
    piece = entry.piece
    if record["check"] != _digest(record, salt):
        raise _bad("a 'check' digest that matches the line", "a line edited after it was written")
    known = done.get(piece)
    if known is not None:
        # A certified count searches again a task recorded uncertified: its certified
        # record replaces the earlier one, whose child tasks are forgotten.
        if not (entry.stats.certified and not known.stats.certified):
            raise _bad("a task recorded once", f"piece {list(piece)} again (only a certified record "
                                               "may replace an uncertified one)")
        for other in [p for p in done if len(p) > len(piece) and p[:len(piece)] == piece]:
            del done[other]
    if len(piece) == 1 and piece[0] >= initial:
        raise _bad(f"one of the {initial} initial tasks", f"piece {list(piece)}")
    parent = done.get(piece[:-1])
    if len(piece) > 1 and (parent is None or piece[-1] >= len(parent.children)):
        raise _bad("a child of a task recorded on an earlier line", f"piece {list(piece)}")
    done[piece] = entry


def _short(value: object) -> str:
    return short(value)
