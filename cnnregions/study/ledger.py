"""The study checkpoint: an append-only JSON-lines record of every finished count.

The first line is a header identifying what is counted (the architecture and
the tolerance); each further line is one finished count: its key (``draw:SEED``
or ``search:K``), the fingerprint of the network counted and the exact number of
regions, flushed and fsync'd as soon as the count is done.  A killed study run
again with the same file reuses every recorded count; the search strategies are
deterministic given the counts, so the resumed study proposes the same
candidates and ends with the same result.  A record is reused only for the very
network it was made for (same key and fingerprint), so a study with more draws
or another strategy reuses the draws it shares and counts the rest.  A file of
another architecture or tolerance is refused; a torn last line (killed while
writing) is dropped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

from ..errors import InvalidParameterError

__all__ = ["Ledger"]

FORMAT = "cnnregions-study-checkpoint"
VERSION = 1


class Ledger:
    """An open study checkpoint; use :meth:`open`, then :meth:`close` (or ``with``)."""

    def __init__(self, path: Path, handle: BinaryIO, done: dict[str, dict]) -> None:
        self.path = path
        self._handle = handle
        self.done = done

    @classmethod
    def open(cls, path: str | os.PathLike, identity: dict) -> Ledger:
        """Open ``path`` for the study described by ``identity``, creating it if needed."""
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, **identity}
        done: dict[str, dict] = {}
        if path.exists() and path.stat().st_size > 0:
            try:
                lines = path.read_bytes().split(b"\n")[:-1]  # after the last newline: a torn write
            except OSError as exc:
                raise InvalidParameterError(f"The checkpoint '{path}' must be readable. Got {exc} instead.") from None
            try:
                found = json.loads(lines[0]) if lines else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                found = None
            if not isinstance(found, dict) or found.get("format") != FORMAT:
                raise InvalidParameterError(
                    f"The checkpoint '{path}' must be a cnnregions study checkpoint. Got a file that is not one instead.")
            for key, value in header.items():
                if found.get(key) != value:
                    raise InvalidParameterError(
                        f"The checkpoint '{path}' must belong to this study. Got a checkpoint with a different "
                        f"'{key}' ({json.dumps(found.get(key))[:40]} instead of {json.dumps(value)[:40]}).")
            good = len(lines[0]) + 1
            for number, line in enumerate(lines[1:], start=2):
                try:
                    record = json.loads(line)
                    key, regions = str(record["key"]), int(record["regions"])
                    done[key] = {"fingerprint": str(record["fingerprint"]), "regions": regions,
                                 "seconds": float(record.get("seconds", 0.0))}
                except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
                    if number == len(lines):  # a damaged last line: treat as torn
                        break
                    raise InvalidParameterError(
                        f"The checkpoint '{path}' must hold one JSON record per line. Got a damaged line {number} instead.") from None
                good += len(line) + 1
            handle: BinaryIO = open(path, "r+b")  # noqa: SIM115 (kept open while the study records)
            handle.truncate(good)
            handle.seek(good)
        else:
            try:
                handle = open(path, "wb")  # noqa: SIM115 (kept open while the study records)
            except OSError as exc:
                raise InvalidParameterError(f"The checkpoint '{path}' must be writable. Got {exc} instead.") from None
            handle.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            _sync(handle)
        return cls(path, handle, done)

    def lookup(self, key: str, fingerprint: str) -> dict | None:
        """The recorded count of ``key`` if it was made for the network ``fingerprint``, else None."""
        record = self.done.get(key)
        return record if record is not None and record["fingerprint"] == fingerprint else None

    def record(self, key: str, fingerprint: str, regions: int, seconds: float) -> None:
        """Append one finished count, durably (flush + fsync)."""
        line = {"key": key, "fingerprint": fingerprint, "regions": int(regions), "seconds": float(seconds)}
        self._handle.write(json.dumps(line, sort_keys=True).encode() + b"\n")
        _sync(self._handle)
        self.done[key] = {"fingerprint": fingerprint, "regions": int(regions), "seconds": float(seconds)}

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _sync(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())
