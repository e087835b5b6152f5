"""Checkpoints: an append-only JSON-lines record of finished subtrees.

The first line is a header that identifies the count (network fingerprint,
domain, tolerance, split and a digest of the subtrees themselves); each further
line is one finished subtree's statistics, flushed and fsync'd as soon as the
subtree is done.  Re-running the same count with the same file skips the
recorded subtrees and gives the same final result.  A file written for another
network or other settings is refused; a torn last line (the process was killed
while writing it) is dropped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

from .._validation import InvalidParameterError
from .results import SubtreeResult

__all__ = ["Checkpoint"]

FORMAT = "cnnregions-checkpoint"
VERSION = 1


class Checkpoint:
    """An open checkpoint file; use :meth:`open` and close it (or use ``with``).

    Attributes
    ----------
    done : dict of int to SubtreeResult
        Subtrees already recorded (by task index).
    """

    def __init__(self, path: Path, handle: BinaryIO, done: dict[int, SubtreeResult]) -> None:
        self.path = path
        self._handle = handle
        self.done = done

    @classmethod
    def open(cls, path: str | os.PathLike, identity: dict) -> Checkpoint:
        """Open ``path`` for the count described by ``identity``, creating it if needed."""
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, **identity}
        done: dict[int, SubtreeResult] = {}
        good_bytes = 0
        if path.exists() and path.stat().st_size > 0:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise InvalidParameterError(f"The checkpoint '{path}' must be readable. Got {exc} instead.") from None
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
            for key, value in header.items():
                if found.get(key) != value:
                    raise InvalidParameterError(
                        f"The checkpoint '{path}' must belong to this count. Got a checkpoint with a different "
                        f"'{key}' ({_short(found.get(key))} instead of {_short(value)}).")
            good_bytes = len(complete[0]) + 1
            for number, line in enumerate(complete[1:], start=2):
                try:
                    record = json.loads(line)
                    result = SubtreeResult(**{k: record[k] for k in SubtreeResult.__dataclass_fields__ if k in record})
                except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                    if number == len(complete):  # a damaged last complete line: treat as torn
                        break
                    raise InvalidParameterError(
                        f"The checkpoint '{path}' must hold one JSON record per line. Got a damaged line {number} instead.") from None
                _keep(done, result)
                good_bytes += len(line) + 1
            handle: BinaryIO = open(path, "r+b")  # noqa: SIM115 (kept open while the run records)
            handle.truncate(good_bytes)
            handle.seek(good_bytes)
        else:
            try:
                handle = open(path, "wb")  # noqa: SIM115 (kept open while the run records)
            except OSError as exc:
                raise InvalidParameterError(f"The checkpoint '{path}' must be writable. Got {exc} instead.") from None
            handle.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            _sync(handle)
        return cls(path, handle, done)

    def record(self, result: SubtreeResult) -> None:
        """Append one finished subtree, durably (flush + fsync)."""
        self._handle.write(json.dumps(result.to_dict(), sort_keys=True).encode() + b"\n")
        _sync(self._handle)
        _keep(self.done, result)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _keep(done: dict[int, SubtreeResult], result: SubtreeResult) -> None:
    """Record ``result`` unless a record of its subtree is already there; a certified
    record replaces an uncertified one (a certified run re-searches those)."""
    known = done.get(result.index)
    if known is None or (result.certified and not known.certified):
        done[result.index] = result


def _sync(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."
