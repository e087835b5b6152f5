"""An append-only JSON-lines file with one writer: the store under every checkpoint.

The count's checkpoint (:mod:`cnnregions.run.checkpoint`) and the study's
(:mod:`cnnregions.study.ledger`) are both this file: a header line identifying
what the file is for, then one JSON record per line, appended with one ``write``
call each.  This module does what they share:

- the path must be a regular file, or not exist yet (a FIFO, device or folder is
  refused in one line before any work: a FIFO would block, ``/dev/null`` would
  lose every record);
- the file is locked (``flock``) while it is open: a second writer, also one that
  reaches the file through a symbolic link or another path, is refused;
- the header must be the one expected (format, version, then every identity
  entry); a difference is named by its first differing key, in sorted order;
- a torn last line (killed while writing) is dropped; every other line must be a
  JSON object that the caller's ``accept`` validates, or the file is refused,
  naming the line and what it must hold;
- a record that cannot be written (full disk, file-size limit) is cut back off
  the file, so it never ends in a partial line, and is reported in one line.

Record validation is the caller's: ``accept(record)`` raises
``ValueError(expected, got)`` for a bad record, turned here into
``The checkpoint 'FILE' line N must hold EXPECTED. Got GOT instead.``
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from .errors import InvalidParameterError
from .outfiles import describe_path

__all__ = ["LineStore", "StoreFile", "StoreKind", "first_difference", "peek_header", "reason", "short"]


@dataclass(frozen=True)
class StoreKind:
    """What a store is, for its messages and its header.

    Attributes
    ----------
    format, version : str, int
        The header's ``format`` and ``version`` entries.
    name : str
        How messages name the file ("checkpoint", "study checkpoint").
    owner : str
        What uses it ("count", "study"): "must belong to this count".
    sync_seconds : float
        At most this many seconds of appended records are not yet fsync'd (0: every record).
    """

    format: str
    version: int
    name: str
    owner: str
    sync_seconds: float = 0.0


def peek_header(path: str | os.PathLike, kind: StoreKind) -> dict[str, Any] | None:
    """The header of the store of ``kind`` at ``path``, read without opening or locking it; None if
    there is no such file or its first line is not a header of this kind and version (what is
    wrong with it is for :meth:`LineStore.open` to say)."""
    try:
        with open(path, "rb") as handle:
            header = json.loads(handle.readline(1 << 20))
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != kind.format or header.get("version") != kind.version:
        return None
    return header


def short(value: object, width: int = 24) -> str:
    """``value`` as JSON, cut to ``width`` characters."""
    text = json.dumps(value, sort_keys=True, default=repr)
    return text if len(text) <= width else text[:width - 3] + "..."


def first_difference(found: object, expected: object, where: str = "") -> tuple[str, object, object] | None:
    """The first key path (sorted keys, depth first) where ``found`` and ``expected`` differ, or None."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in sorted(set(found) | set(expected), key=str):
            if key not in found or key not in expected:
                return f"{where}.{key}" if where else str(key), found.get(key, "<missing>"), expected.get(key, "<missing>")
            diff = first_difference(found[key], expected[key], f"{where}.{key}" if where else str(key))
            if diff is not None:
                return diff
        return None
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        for i, (f, e) in enumerate(zip(found, expected)):
            diff = first_difference(f, e, f"{where}[{i}]")
            if diff is not None:
                return diff
        return None
    return None if found == expected else (where, found, expected)


def reason(exc: OSError) -> str:
    """An OSError as a few words: ``'No space left on device'``."""
    return f"'{exc.strerror}'" if exc.strerror else type(exc).__name__


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


class LineStore:
    """An open, locked JSON-lines file; use :meth:`open`, then :meth:`close` (or ``with``)."""

    def __init__(self, path: Path, fd: int, kind: StoreKind, size: int) -> None:
        self.path = path
        self.kind = kind
        self._fd = fd
        self._size = size
        self._synced = time.monotonic()
        self.appended = 0

    @classmethod
    def open(cls, path: str | os.PathLike, kind: StoreKind, identity: dict[str, Any],
             accept: Callable[[dict], None], *, mismatch: Callable[[str, object, object], str] | None = None
             ) -> LineStore:
        """Open (or create) ``path``, lock it, check its header and feed every record to ``accept``.

        Parameters
        ----------
        path : path
        kind : StoreKind
        identity : dict
            Header entries besides ``format`` and ``version``; the file's must be equal.
        accept : callable
            ``accept(record)`` for each complete record line in order; raises
            ``ValueError(expected, got)`` to refuse the file at that line.
        mismatch : callable, optional
            ``mismatch(key, found, expected)`` gives the text after "Got" for a header of
            another identity (default: the first differing entry, both values shown).
        """
        path = Path(path)
        label = f"The {kind.name} '{path}'"
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                raise InvalidParameterError(f"{label} must be a regular file. Got a {describe_path(path)} instead.")
            # non-blocking, then checked on the open file: a FIFO put there since the check cannot block
            fd = os.open(path.resolve(), os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o644)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise InvalidParameterError(f"{label} must be a regular file. Got a {describe_path(path)} instead.")
            os.set_blocking(fd, True)
        except OSError as exc:
            raise InvalidParameterError(f"{label} must be readable and writable. Got {reason(exc)} instead.") from None
        try:
            _lock(fd, label, kind.owner)
            header = {"format": kind.format, "version": kind.version, **identity}
            raw = _read_all(fd)
            if raw:
                size = _replay(label, raw, header, kind, accept, mismatch)
                os.ftruncate(fd, size)  # drop a torn last line
            else:
                line = json.dumps(header, sort_keys=True).encode() + b"\n"
                _write_all(fd, line)
                size = len(line)
                os.fsync(fd)
            os.lseek(fd, size, os.SEEK_SET)
        except OSError as exc:
            os.close(fd)
            raise InvalidParameterError(f"{label} must be readable and writable. Got {reason(exc)} instead.") from None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, kind, size)

    def append(self, record: dict, *, kept: str = "") -> None:
        """Append one record (one ``write``; fsync'd within ``kind.sync_seconds``).

        On failure nothing of the record is left in the file and one line is raised;
        ``kept`` says what the file still holds (e.g. "the 12 tasks recorded before are kept").
        """
        line = json.dumps(record, sort_keys=True).encode() + b"\n"
        try:
            _write_all(self._fd, line)
            if time.monotonic() - self._synced >= self.kind.sync_seconds:
                os.fsync(self._fd)
                self._synced = time.monotonic()
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no partial line behind
                os.ftruncate(self._fd, self._size)
                os.lseek(self._fd, self._size, os.SEEK_SET)
            tail = f"; {kept}: free space and run again to resume" if kept else ""
            raise InvalidParameterError(
                f"The {self.kind.name} '{self.path}' must be writable. Got {reason(exc)} instead{tail}.") from None
        self._size += len(line)
        self.appended += 1

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


def _lock(fd: int, label: str, owner: str) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock on this platform: no protection against a second writer
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise InvalidParameterError(
            f"{label} must not be in use by another {owner}. Got a file locked by another running {owner} "
            "instead (wait for it to finish, or use another file).") from None


def _replay(label: str, raw: bytes, header: dict, kind: StoreKind, accept, mismatch) -> int:
    """Check the header, feed the records to ``accept``; return the size of the good part."""
    lines = raw.split(b"\n")
    complete = lines[:-1]  # the part after the last newline is a torn write (or empty)
    noun = "cnnregions " + kind.name
    if not complete:
        raise InvalidParameterError(
            f"{label} must start with a {noun} header. Got a torn or empty first line instead.")
    try:
        found = json.loads(complete[0])
    except (json.JSONDecodeError, UnicodeDecodeError):
        found = None
    if not isinstance(found, dict) or found.get("format") != kind.format:
        raise InvalidParameterError(f"{label} must be a {noun}. Got a file that is not one instead.")
    if found.get("version") != kind.version:
        raise InvalidParameterError(
            f"{label} must be a version {kind.version} {kind.name}. Got version {short(found.get('version'))} "
            "instead (written by another cnnregions version: finish it with that version, or start a new file).")
    for key, value in header.items():
        if found.get(key) != value:
            if mismatch is not None:
                got = mismatch(key, found.get(key), value)
            else:
                diff = first_difference(found.get(key), value, key) or (key, found.get(key), value)
                where = "" if diff[0] == key else f"first at '{diff[0]}': "
                got = f"{where}{short(diff[1], 40)} instead of {short(diff[2], 40)}"
            raise InvalidParameterError(
                f"{label} must belong to this {kind.owner}. Got a {kind.name} with a different '{key}' ({got}).")
    size = len(complete[0]) + 1
    for number, line in enumerate(complete[1:], start=2):
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if number == len(complete):  # a damaged last line: a torn write
                break
            raise InvalidParameterError(
                f"{label} must hold one JSON record per line. Got a damaged line {number} instead.") from None
        try:
            if not isinstance(record, dict):
                raise ValueError("a JSON object", short(record))
            accept(record)
        except (ValueError, TypeError, OverflowError) as bad:
            if isinstance(bad, InvalidParameterError):
                raise
            args = bad.args
            expected, got = (args[0], args[1]) if len(args) >= 2 else (args[0] if args else "a valid record",
                                                                       "something else")
            raise InvalidParameterError(f"{label} line {number} must hold {expected}. Got {got} instead.") from None
        size += len(line) + 1
    return size


class StoreFile:
    """What a checkpoint and a study ledger share: an open :class:`LineStore` whose records are
    signed with ``salt``; closed by :meth:`close` or by leaving a ``with`` block."""

    def __init__(self, store: LineStore, salt: bytes) -> None:
        self.path = store.path
        self._store = store
        self._salt = salt

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
