"""Exact weighted count of Hall-feasible demand vectors, by a frontier dynamic program.

This is the engine behind eq. (4) for layers whose filters overlap in both
directions.  The problem is stated for any bipartite structure: positions
``k = 0..n-1`` each see a set ``N(k)`` of *atoms*, atom ``x`` holding ``c_x``
interchangeable input coordinates.  A demand vector ``t`` is feasible when every
set ``J`` of positions satisfies Hall's condition ``sum_{k in J} t_k <= c(N(J))``
(``c`` summed over the union of the ``N(k)``), i.e. when every position can be
given ``t_k`` distinct coordinates of its own atoms.  The feasible ``t`` are the
integer points of the polymatroid of the coverage function ``J -> c(N(J))``; for
eq. (4) this is ``K_N``.  We compute

    sum over feasible t of prod_k weights[t_k]

(``weights[t] = C(d1, t)`` for eq. (4); ``t_k`` ranges over ``0..len(weights)-1``).

Algorithm
---------
Positions are processed in order.  After positions ``P = {0..k}`` the *frontier*
``F`` is the set of atoms seen both by ``P`` and by later positions.  For
``W`` a subset of ``F`` let

    psi(W) = max_{Q subset of P} ( t(Q) - c(N(Q) minus W) ),

the largest Hall excess of processed positions when the atoms of ``W`` are not
charged (``psi >= 0``, from ``Q`` empty).  Write any ``J`` as ``Q`` (processed)
plus ``G`` (later); atoms shared by ``Q`` and ``G`` lie in ``F``, so

    t(J) - c(N(J)) = [t(Q) - c(N(Q) minus N(G))] + t(G) - c(N(G)),

and the processed part enters every later check only through
``psi(W)`` for ``W = N(G) & F``: these *footprints* ``W`` (all unions of the
``N(g) & F`` of later positions ``g``) form a family ``Fam``, and the vector
``(psi(W))_{W in Fam}`` is a complete state.  Adding position ``p`` (atoms ``R``,
demand ``t_p``) gives, for each footprint ``W'`` of the new family (both
right-hand arguments are footprints of the old family),

    psi'(W') = max( psi(W' & F), psi((W' | R) & F) + t_p - c(R minus W') ),

and ``t_p`` is allowed iff ``psi'(empty) <= 0``, i.e.
``t_p <= c(R) - psi(R & F)``.  States are small integer vectors, all states and
all ``t_p`` of a step are processed at once with numpy, equal vectors are merged
(sorted by a hash, compared entry by entry) and their weights, exact Python
integers, summed.  The cost
grows with the number of distinct states, which grows with the frontier (one
input row for a ``2 x 2`` kernel) and with the capacities.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import field_error
from ..errors import ComputationTooLargeError

__all__ = ["hall_weighted_count"]

#: Largest number of state entries (rows times footprints) expanded at once (bounds the memory).
_CHUNK_ROWS = 1 << 20


class _Capacity:
    """``c(mask)``: total capacity of a set of atoms, one popcount per capacity value."""

    def __init__(self, capacities: Sequence[int]) -> None:
        groups: dict[int, int] = {}
        for bit, cap in enumerate(capacities):
            groups[cap] = groups.get(cap, 0) | 1 << bit
        self._groups = tuple(groups.items())

    def __call__(self, mask: int) -> int:
        return sum(cap * (mask & group).bit_count() for cap, group in self._groups)


def _frontiers(fields: Sequence[int], n_atoms: int) -> list[int]:
    """Frontier mask after each position (atoms seen before-or-at and after it)."""
    first = [len(fields)] * n_atoms
    last = [-1] * n_atoms
    for k, mask in enumerate(fields):
        for a in range(n_atoms):
            if mask >> a & 1:
                first[a] = min(first[a], k)
                last[a] = k
    return [sum(1 << a for a in range(n_atoms) if first[a] <= k < last[a]) for k in range(len(fields))]


def _footprints(fields: Sequence[int], frontier: int, k: int, limit: int | None) -> list[int]:
    """All unions of ``N(g) & frontier`` over positions ``g > k`` (always containing 0)."""
    family = {0}
    for field in fields[k + 1:]:
        part = field & frontier
        if part:
            family |= {w | part for w in family}
            if limit is not None and len(family) > limit:
                raise ComputationTooLargeError(
                    f"The exact count must fit in max_states={limit}. Got more than {limit} frontier "
                    f"footprints after {k + 1} of {len(fields)} positions instead.")
    return sorted(family)


def _words(rows: np.ndarray) -> np.ndarray:
    """The rows as 64-bit words (rows are padded to a whole number of words)."""
    return rows.view(np.uint64)


def _hash_rows(rows: np.ndarray) -> np.ndarray:
    """A sort key per row (a wrapping multiply-add of its 64-bit words)."""
    words = _words(rows)
    multipliers = (np.arange(words.shape[1], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
                   + np.uint64(0x632BE59BD9B4E019)) | np.uint64(1)
    keys = np.empty(len(rows), dtype=np.uint64)
    step = max(1, _CHUNK_ROWS // max(1, words.shape[1]))
    for lo in range(0, len(rows), step):
        keys[lo:lo + step] = (words[lo:lo + step] * multipliers).sum(axis=1, dtype=np.uint64)
    return keys


_Part = tuple[np.ndarray, np.ndarray, np.ndarray]  # (sort keys, state rows, object counts)


def _merge(keys: np.ndarray, rows: np.ndarray, counts: np.ndarray) -> _Part:
    """Merge equal state rows, summing their (object) counts.

    Rows are sorted by their hash keys and merged only where neighbours are equal
    word by word, so a collision of keys can at worst leave two copies of a state
    (the sum stays exact), never merge different states.
    """
    if len(rows) < 2:
        return keys, rows, counts
    order = np.argsort(keys, kind="stable")
    keys, rows, counts = keys[order], rows[order], counts[order]
    starts = np.ones(len(rows), dtype=bool)
    words = _words(rows)
    starts[1:] = np.any(words[1:] != words[:-1], axis=1)
    index = np.flatnonzero(starts)
    return keys[index], rows[index], np.add.reduceat(counts, index)


def _merge_all(parts: list[_Part]) -> _Part:
    if len(parts) == 1:
        return parts[0]
    return _merge(*(np.concatenate([p[i] for p in parts]) for i in range(3)))


class _Budget:
    """``max_states`` bounds the states of a step, and states times footprints by 1000 times it."""

    def __init__(self, max_states: int | None, n_footprints: int, k: int, n_positions: int) -> None:
        self.max_states, self.n_footprints, self.k, self.n_positions = max_states, n_footprints, k, n_positions

    def check(self, n_states: int) -> None:
        limit = self.max_states
        if limit is not None and (n_states > limit or n_states * self.n_footprints > 1000 * limit):
            raise ComputationTooLargeError(
                f"The exact count must fit in max_states={limit} frontier states "
                f"(and states x footprints <= {1000 * limit}). Got {n_states} states and {self.n_footprints} "
                f"footprints at position {self.k + 1} of {self.n_positions} instead.")


def _check_structure(fields: Sequence[int], capacities: Sequence[int], weights: Sequence[int]) -> None:
    if not capacities or any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in capacities):
        raise field_error("The 'capacities'", "a non-empty list of positive integers", capacities)
    if any(isinstance(f, bool) or not isinstance(f, int) or f < 0 or f >> len(capacities) for f in fields):
        raise field_error("The 'fields'", f"bit masks of the {len(capacities)} atoms", fields)
    if not weights or any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights):
        raise field_error("The 'weights'", "a non-empty list of non-negative integers", weights)


def hall_weighted_count(fields: Sequence[int], capacities: Sequence[int], weights: Sequence[int], *,
                        max_states: int | None = None) -> int:
    """Weighted count of the demand vectors satisfying Hall's condition (exact).

    Parameters
    ----------
    fields : sequence of int
        Bit mask of the atoms seen by each position, in processing order.
    capacities : sequence of int
        Capacity (number of interchangeable coordinates) of each atom, all > 0.
    weights : sequence of int
        ``weights[t]`` is the factor of a position with demand ``t``.
    max_states : int, optional
        Raise :class:`ComputationTooLargeError` as soon as a step holds more
        states (or more footprints, or more than ``1000 * max_states`` state
        entries).  Unlimited by default.

    Returns
    -------
    int
        ``sum_t prod_k weights[t_k]`` over the feasible ``t``.
    """
    _check_structure(fields, capacities, weights)
    cap = _Capacity(capacities)
    frontiers = _frontiers(fields, len(capacities))
    factor = np.array([int(w) for w in weights], dtype=object)
    family, frontier = [0], 0
    # psi values lie in [0, c(frontier)]; candidates dip to -c(field) before the max.
    span = sum(capacities) + len(weights)
    dtype = next(t for t in (np.int8, np.int16, np.int32, np.int64) if span < np.iinfo(t).max)
    per_word = 8 // np.dtype(dtype).itemsize
    # psi on the family, one row per state, padded with zero columns to whole 64-bit words
    states = np.zeros((1, per_word), dtype=dtype)
    demand = np.arange(len(weights), dtype=dtype)
    counts = np.array([1], dtype=object)
    for k, field in enumerate(fields):
        new_frontier = frontiers[k]
        new_family = _footprints(fields, new_frontier, k, max_states)
        where = {w: i for i, w in enumerate(family)}
        # padding columns copy psi(empty) = 0 and never grow (charge above any demand)
        pad = -len(new_family) % per_word
        keep = np.array([where[w & frontier] for w in new_family] + [0] * pad)
        grow = np.array([where[(w | field) & frontier] for w in new_family] + [0] * pad)
        charge = np.array([cap(field & ~w) for w in new_family] + [len(weights)] * pad, dtype=dtype)
        t_max = cap(field) - states[:, where[field & frontier]]
        budget = _Budget(max_states, len(new_family), k, len(fields))
        merged: list[_Part] = []  # merged[0] folded, the rest pending
        folded = pending = 0
        step = max(1, _CHUNK_ROWS // (len(weights) * len(new_family)))
        for lo in range(0, len(states), step):
            block = states[lo:lo + step]
            grown = block[:, grow][:, None, :] + demand[None, :, None] - charge[None, None, :]
            candidate = np.maximum(block[:, keep][:, None, :], grown)
            valid = demand[None, :] <= t_max[lo:lo + step, None]
            rows = candidate[valid]
            part = _merge(_hash_rows(rows), rows, (counts[lo:lo + step, None] * factor[None, :])[valid])
            merged.append(part)
            pending += len(part[1])
            if pending >= 4 * max(folded, _CHUNK_ROWS // len(new_family)):  # fold geometrically
                merged = [_merge_all(merged)]
                folded, pending = len(merged[0][1]), 0
                budget.check(folded)
        _, states, counts = _merge_all(merged)
        budget.check(len(states))
        family, frontier = new_family, new_frontier
    return int(sum(counts))
