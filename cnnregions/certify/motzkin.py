"""Emptiness certificates of open polyhedra (Motzkin's transposition theorem).

For rows ``(a_i, b_i)``, the open set ``{v : a_i . v + b_i > 0 for all i}`` is empty
**iff** some ``y >= 0``, ``y != 0`` has ``sum y_i a_i = 0`` and ``sum y_i b_i <= 0``
(EXACTNESS.md, section 2).  :func:`check_certificate` verifies such a ``y`` in exact
integer arithmetic; :func:`certificate_on_support` finds one from the rows a float
LP's dual multipliers use, by an exact null-space computation (python-flint).
A wrong candidate is rejected, never rounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["certificate_on_support", "check_certificate", "check_point", "support_from_duals"]


def check_certificate(rows: Sequence[Sequence[int]], y: Sequence[int]) -> bool:
    """True iff ``y`` proves ``{v : a_i . v + b_i > 0}`` empty (rows ``(a_i, b_i)``, integers).

    Parameters
    ----------
    rows : sequence of integer vectors ``(a_1, ..., a_n, b)``
    y : sequence of integers (or exact rationals), one per row
    """
    if len(rows) != len(y) or not rows:
        return False
    y = list(y)
    if any(v < 0 for v in y) or not any(v > 0 for v in y):
        return False
    width = len(rows[0])
    total = [0] * width
    for row, weight in zip(rows, y):
        if weight:
            if len(row) != width:
                return False
            for k, value in enumerate(row):
                total[k] += weight * value
    return all(v == 0 for v in total[:-1]) and total[-1] <= 0


def check_point(rows: Sequence[Sequence[int]], point: Sequence) -> bool:
    """True iff ``a_i . v + b_i > 0`` for every row, ``v`` exact rationals (``fmpq``/``Fraction``/int)."""
    for row in rows:
        value = row[-1]
        for a, x in zip(row[:-1], point):
            if a:
                value += a * x
        if not value > 0:
            return False
    return True


def certificate_on_support(rows: Sequence[Sequence[int]]) -> list[int] | None:
    """A certificate ``y`` using exactly ``rows`` (all with ``y_i > 0`` but zeros allowed), or None.

    Solves ``sum y_i a_i = 0`` exactly: when the null space is one-dimensional its
    vector, signed to be non-negative, is the only candidate, and it is checked.
    Larger null spaces and failures return None (the caller decides exactly).
    """
    import flint

    m = len(rows)
    if m == 0:
        return None
    n = len(rows[0]) - 1
    if n == 0:
        y = [1] * m
        return y if check_certificate(rows, y) else None
    At = flint.fmpz_mat(n, m, [int(rows[i][k]) for k in range(n) for i in range(m)])
    X, nullity = At.nullspace()
    if nullity != 1:
        return None
    y = [int(X[i, 0]) for i in range(m)]
    if sum(y) < 0:
        y = [-v for v in y]
    return y if check_certificate(rows, y) else None


def support_from_duals(duals: np.ndarray, n_rows: int, rel: float = 1e-12) -> list[int]:
    """Indices of the rows a float LP's dual multipliers use (non-zero, above ``rel`` of the largest)."""
    d = np.abs(np.asarray(duals[:n_rows], dtype=np.float64))
    if d.size == 0 or not np.any(d > 0):
        return []
    return np.flatnonzero(d > rel * d.max()).tolist()
