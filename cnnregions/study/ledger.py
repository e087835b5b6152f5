"""The study checkpoint: an append-only JSON-lines record of every finished count.

The first line is a header identifying what is counted (the architecture and
the tolerance); each further line is one finished count: its key (``draw:SEED``
or ``search:K``), the fingerprint of the network counted, the exact number of
regions, the seconds it took and a check digest tying the line to the header,
fsync'd as soon as the count is done.  A killed study run again with the same
file reuses every recorded count; the search strategies are deterministic given
the counts, so the resumed study proposes the same candidates and ends with the
same result.  A record is reused only for the very network it was made for (same
key and fingerprint), so a study with more draws or another strategy reuses the
draws it shares and counts the rest.

The file is a :class:`~cnnregions.linestore.LineStore`, as the count's checkpoint
is: locked while a study uses it (a second study on it, also through a symbolic
link, is refused), a file of another architecture or tolerance is refused naming
the first entry that differs, a torn last line (killed while writing) is
dropped, and every other line must be a valid record (known key form, a
fingerprint, a positive integer count, finite seconds, a matching digest) or the
file is refused, naming the line.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re

from ..linestore import LineStore, StoreFile, StoreKind, short

__all__ = ["Ledger"]

FORMAT = "cnnregions-study-checkpoint"
VERSION = 2
KIND = StoreKind(FORMAT, VERSION, "study checkpoint", "study")
_KEY = re.compile(r"(draw|search):\d{1,12}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def _digest(record: dict, salt: bytes) -> str:
    """Ties a record to its header and content (catches edits and corruption, not a determined forger)."""
    body = json.dumps({k: v for k, v in record.items() if k != "check"}, sort_keys=True)
    return hashlib.sha256(salt + body.encode()).hexdigest()[:16]


def _accept(record: dict, done: dict[str, dict], salt: bytes) -> None:
    keys = {"key", "fingerprint", "regions", "seconds", "check"}
    if set(record) != keys:
        raise ValueError("a record with keys " + ", ".join(sorted(keys)), short(sorted(record), 60))
    key, fingerprint, regions, seconds = record["key"], record["fingerprint"], record["regions"], record["seconds"]
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("a 'key' draw:SEED or search:K", short(key))
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise ValueError("a 'fingerprint' of 64 hexadecimal digits", short(fingerprint))
    if isinstance(regions, bool) or not isinstance(regions, int) or regions < 1:
        raise ValueError("'regions' a positive integer (every network has at least one region)", short(regions))
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
        raise ValueError("'seconds' a finite non-negative number", short(seconds))
    if record["check"] != _digest(record, salt):
        raise ValueError("a 'check' digest that matches the line", "a line edited after it was written")
    done[key] = {"fingerprint": fingerprint, "regions": regions, "seconds": float(seconds)}


class Ledger(StoreFile):
    """An open study checkpoint; use :meth:`open`, then :meth:`close` (or ``with``)."""

    def __init__(self, store: LineStore, salt: bytes, done: dict[str, dict]) -> None:
        super().__init__(store, salt)
        self.done = done

    @classmethod
    def open(cls, path: str | os.PathLike, identity: dict) -> Ledger:
        """Open ``path`` for the study described by ``identity``, creating it if needed."""
        salt = json.dumps({"format": FORMAT, "version": VERSION, **identity}, sort_keys=True).encode()
        done: dict[str, dict] = {}
        store = LineStore.open(path, KIND, identity, lambda record: _accept(record, done, salt))
        return cls(store, salt, done)

    def lookup(self, key: str, fingerprint: str) -> dict | None:
        """The recorded count of ``key`` if it was made for the network ``fingerprint``, else None."""
        record = self.done.get(key)
        return record if record is not None and record["fingerprint"] == fingerprint else None

    def record(self, key: str, fingerprint: str, regions: int, seconds: float) -> None:
        """Append one finished count, durably (fsync'd before it returns)."""
        line: dict = {"key": key, "fingerprint": fingerprint, "regions": int(regions), "seconds": float(seconds)}
        line["check"] = _digest(line, self._salt)
        self._store.append(line, kept=f"the {len(self.done)} counts recorded before are kept")
        self.done[key] = {"fingerprint": fingerprint, "regions": int(regions), "seconds": float(seconds)}
