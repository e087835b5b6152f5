"""Deduplication of packed activation patterns: exact keys, 64-bit hashing and grouping."""

from __future__ import annotations

import numpy as np

__all__ = ["PatternKeys"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
_FIN1 = np.uint64(0xBF58476D1CE4E5B9)
_FIN2 = np.uint64(0x94D049BB133111EB)


def _hash_words(words: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of a ``(m, w)`` uint64 array (splitmix64-style mixing)."""
    h = np.zeros(words.shape[0], dtype=np.uint64)
    for i in range(words.shape[1]):
        h ^= words[:, i]
        h *= _MIX
        h ^= h >> np.uint64(31)
    h *= _FIN1
    h ^= h >> np.uint64(27)
    h *= _FIN2
    h ^= h >> np.uint64(31)
    return h


def _groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``order`` sorting ``values`` and the positions in it where each run of equal values starts.

    The default (unstable) argsort is 4-7x faster than the stable one here; the first
    occurrence of a value is ``np.minimum.reduceat(order, starts)``.
    """
    order = np.argsort(values)
    ordered = values[order]
    start = np.empty(ordered.shape[0], dtype=bool)
    start[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=start[1:])
    return order, np.flatnonzero(start)


class PatternKeys:
    """Exact hashable keys of packed patterns: ``int`` (<= 64 neurons) or ``bytes``."""

    def __init__(self, n_neurons: int, hash_words=_hash_words) -> None:
        self.n_neurons = n_neurons
        self.n_bytes = (n_neurons + 7) // 8
        self.small = self.n_bytes <= 8
        self._hash_words = hash_words

    def words(self, packed: np.ndarray, width: int) -> np.ndarray:
        """``packed`` rows zero-padded to ``width`` little-endian uint64 words each."""
        buf = np.zeros((packed.shape[0], 8 * width), dtype=np.uint8)
        buf[:, :self.n_bytes] = packed
        return buf.view("<u8")

    def unique(self, packed: np.ndarray, first: bool = False) -> tuple[list, np.ndarray | None]:
        """Keys of the distinct rows of ``packed`` and, if ``first``, their first row indices."""
        if self.small:
            codes = self.words(packed, 1)[:, 0]
            if not first:
                codes.sort()
                keep = np.empty(codes.shape[0], dtype=bool)
                keep[:1] = True
                np.not_equal(codes[1:], codes[:-1], out=keep[1:])
                return codes[keep].tolist(), None
            order, starts = _groups(codes)
            return codes[order[starts]].tolist(), np.minimum.reduceat(order, starts)
        words = self.words(packed, (self.n_bytes + 7) // 8)
        order, starts = _groups(self._hash_words(words))
        reps = order[starts]
        ordered = words[order]
        same = (ordered[1:] == ordered[:-1]).all(axis=1)  # rows equal to the previous one
        same[starts[1:] - 1] = True  # a new hash may start a new row
        if same.all():  # every run of equal hashes is a run of equal rows
            index = np.minimum.reduceat(order, starts) if first else None
        else:  # a hash collision: exact comparison of the bytes instead
            rows = np.ascontiguousarray(packed).view(np.dtype((np.void, self.n_bytes))).ravel()
            _, reps = np.unique(rows, return_index=True)
            index = reps if first else None
        flat = np.ascontiguousarray(packed[reps]).tobytes()
        nb = self.n_bytes
        return [flat[i * nb:(i + 1) * nb] for i in range(len(reps))], index

    def of_patterns(self, patterns: np.ndarray) -> list:
        """Keys of bool patterns ``(k, n_neurons)`` (duplicates kept, order kept)."""
        packed = np.packbits(patterns, axis=1, bitorder="little")
        if self.small:
            return self.words(packed, 1)[:, 0].tolist()
        flat = np.ascontiguousarray(packed).tobytes()
        nb = self.n_bytes
        return [flat[i * nb:(i + 1) * nb] for i in range(packed.shape[0])]

    def decode(self, keys: list) -> np.ndarray:
        """Bool patterns ``(len(keys), n_neurons)`` of keys, in the order given."""
        if self.small:
            packed = np.array(keys, dtype="<u8").reshape(-1, 1).view(np.uint8)
        else:
            packed = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), self.n_bytes)
        bits = np.unpackbits(packed, axis=1, bitorder="little", count=self.n_neurons)
        return bits.astype(bool)
