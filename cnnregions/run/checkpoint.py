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
the same file skips the recorded tasks and gives the same result.  The file is
locked (``flock``) while a count uses it: a second count on it is refused.  A
file written for another network or other settings, or by another checkpoint
version, is refused; a torn last line (killed while writing) is dropped; every
other line must be a valid record of this count (known piece, not repeated,
non-negative integers, finite floats, nodes that fit the network) or the file
is refused, naming the line.

Each record says whether its task was ``certified``: a certified count
(``certify=True``) reuses certified records only and searches the others again;
its record of such a task replaces the uncertified one (and that one's child
tasks), the only case where a piece may appear twice.  A float count reuses both.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import math
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from ..core.node import Node
from ..core.stats import Stats
from ..errors import InvalidParameterError

__all__ = ["Checkpoint", "NodeShape", "Record", "decode_node", "encode_node"]

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
    """A record that fails validation: ``ValueError(expected, got)``, caught in :func:`_parse`."""
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


def _line(piece: tuple[int, ...], stats: Stats, children, salt: bytes) -> bytes:
    record = {"piece": list(piece), **stats.to_record()}
    if not math.isfinite(record["min_radius"]):
        record["min_radius"] = None
    record["children"] = [[encode_node(n) for n in child] for child in children]
    record["check"] = _digest(record, salt)
    return json.dumps(record, sort_keys=True).encode() + b"\n"


def _digest(record: dict, salt: bytes) -> str:
    """Ties a record to its header and content (catches edits and corruption, not a determined forger)."""
    body = json.dumps({k: v for k, v in record.items() if k != "check"}, sort_keys=True)
    return hashlib.sha256(salt + body.encode()).hexdigest()[:16]


class Checkpoint:
    """An open, locked checkpoint file; use :meth:`open` and close it (or use ``with``).

    Attributes
    ----------
    done : dict of tuple to Record
        Tasks recorded by earlier runs, by piece (read when the file was opened); a
        certified record replaces an uncertified one of the same piece.
    recorded : int
        Tasks in the file now.
    """

    def __init__(self, path: Path, fd: int, salt: bytes, done: dict[tuple[int, ...], Record], size: int) -> None:
        self.path = path
        self._fd = fd
        self._salt = salt
        self.done = done
        self._size = size
        self._synced = time.monotonic()
        self.recorded = len(done)

    @classmethod
    def open(cls, path: str | os.PathLike, identity: dict, shape: NodeShape, initial: int) -> Checkpoint:
        """Open ``path`` for the count described by ``identity`` (``initial`` tasks), creating it if needed."""
        path = Path(path)
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                raise InvalidParameterError(
                    f"The checkpoint '{path}' must be a regular file. Got a device, folder or pipe instead.")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            _lock(fd, path)
            header = {"format": FORMAT, "version": VERSION, **identity}
            salt = json.dumps(header, sort_keys=True).encode()
            raw = _read_all(fd)
            if raw:
                done, size = _parse(path, raw, header, salt, shape, initial)
                os.ftruncate(fd, size)  # drop a torn last line
            else:
                done, size = {}, 0
                _write_all(fd, salt + b"\n")
                size = len(salt) + 1
                os.fsync(fd)
            os.lseek(fd, size, os.SEEK_SET)
        except OSError as exc:
            os.close(fd)
            raise _unwritable(path, exc) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, salt, done, size)

    def record(self, piece: tuple[int, ...], stats: Stats, children) -> None:
        """Append one finished task (one write; fsync'd within ``SYNC_SECONDS``)."""
        line = _line(piece, stats, children, self._salt)
        try:
            _write_all(self._fd, line)
            if time.monotonic() - self._synced >= SYNC_SECONDS:
                os.fsync(self._fd)
                self._synced = time.monotonic()
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no partial line behind
                os.ftruncate(self._fd, self._size)
            raise InvalidParameterError(
                f"The checkpoint '{self.path}' must be writable. Got {_reason(exc)} instead; the "
                f"{self.recorded} tasks recorded before are kept: free space and run again to resume.") from None
        self._size += len(line)
        self.recorded += 1  # not kept in memory: a resume reads them back

    def close(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.fsync(self._fd)
        os.close(self._fd)  # also releases the lock
        self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _lock(fd: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # no flock on this platform: no protection against a second writer
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise InvalidParameterError(
            f"The checkpoint '{path}' must not be in use by another count. Got a file locked by another "
            "running count instead (wait for it to finish, or use another file).") from None


def _read_all(fd: int) -> bytes:
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _parse(path: Path, raw: bytes, header: dict, salt: bytes, shape: NodeShape, initial: int):  # noqa: C901  one check per refusal, in file order
    lines = raw.split(b"\n")
    complete = lines[:-1]  # the part after the last newline is a torn write (or empty)
    if not complete:
        raise InvalidParameterError(
            f"The checkpoint '{path}' must start with a cnnregions checkpoint header. Got a torn or empty first line instead.")
    try:
        found = json.loads(complete[0])
    except (json.JSONDecodeError, UnicodeDecodeError):
        found = None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise InvalidParameterError(
            f"The checkpoint '{path}' must be a cnnregions checkpoint. Got a file that is not one instead.")
    if found.get("version") != VERSION:
        raise InvalidParameterError(
            f"The checkpoint '{path}' must be a version {VERSION} checkpoint. Got version "
            f"{_short(found.get('version'))} instead (written by an older cnnregions: finish it with that "
            "version, or start a new file).")
    for key, value in header.items():
        if found.get(key) != value:
            raise InvalidParameterError(
                f"The checkpoint '{path}' must belong to this count. Got a checkpoint with a different "
                f"'{key}' ({_short(found.get(key))} instead of {_short(value)}).")
    size = len(complete[0]) + 1
    done: dict[tuple[int, ...], Record] = {}
    for number, line in enumerate(complete[1:], start=2):
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if number == len(complete):  # a damaged last line: a torn write
                break
            raise InvalidParameterError(
                f"The checkpoint '{path}' must hold one JSON record per line. Got a damaged line {number} instead.") from None
        try:
            entry = _decode_record(record, shape)
            piece = entry.piece
            if record["check"] != _digest(record, salt):
                raise _bad("a 'check' digest that matches the line", "a line edited after it was written")
            known = done.get(piece)
            if known is not None:
                # A certified count searches again a task recorded uncertified: its
                # certified record replaces the earlier one, whose child tasks are forgotten.
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
        except ValueError as bad:
            expected, got = (bad.args + ("something else",))[:2] if len(bad.args) != 1 else (bad.args[0], "something else")
            raise InvalidParameterError(
                f"The checkpoint '{path}' line {number} must hold {expected}. Got {got} instead.") from None
        done[piece] = entry
        size += len(line) + 1
    return done, size


def _unwritable(path: Path, exc: OSError) -> InvalidParameterError:
    return InvalidParameterError(f"The checkpoint '{path}' must be readable and writable. Got {_reason(exc)} instead.")


def _reason(exc: OSError) -> str:
    return f"'{exc.strerror}'" if exc.strerror else type(exc).__name__


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."
