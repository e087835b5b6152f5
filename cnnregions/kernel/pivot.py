"""The Gauss-Jordan pivot of the kernel (compiled): the simplex's tableau step and the proofs' inverse.

One elimination serves both :func:`.lp.simplex` (a pivot of its tableau) and
:func:`.proofs.prove_empty` (an approximate inverse of a square basis, by
Gauss-Jordan with partial pivoting on ``[M | I]``).  Neither allocates: the
compiled kernel owns no memory (:mod:`.state` holds every array).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["invert", "pivot"]


@njit(cache=True)
def pivot(T: np.ndarray, rows: int, cols: int, r: int | np.integer, j: int | np.integer, basis: np.ndarray) -> None:
    """Pivot ``T[:rows, :cols]`` on ``T[r, j]`` (row ``r`` scaled to a 1 in column ``j``, which is
    eliminated from every other row); ``basis[r] = j``."""
    p = T[r, j]
    for c in range(cols):
        T[r, c] /= p
    T[r, j] = 1.0
    for i in range(rows):
        if i != r:
            f = T[i, j]
            if f != 0.0:
                for c in range(cols):
                    T[i, c] -= f * T[r, c]
                T[i, j] = 0.0
    basis[r] = j


@njit(cache=True)
def invert(M: np.ndarray, G: np.ndarray, rows: np.ndarray) -> bool:
    """``G[:d, :d] = fl(M^-1)`` for a ``d x d`` matrix ``M``, by Gauss-Jordan with partial pivoting on
    ``G[:d, :2d] = [M | I]`` (``G`` a workspace of at least ``d x 2d``, ``rows`` of ``d`` integers);
    False if a pivot vanishes or the inverse is not finite.

    Only an approximate inverse is needed: the proofs bound ``||I - X M||`` themselves."""
    d = M.shape[0]
    for i in range(d):
        rows[i] = -1
        for j in range(d):
            G[i, j] = M[i, j]
            G[i, d + j] = 1.0 if i == j else 0.0
    for j in range(d):
        r = -1
        best = 1e-300
        for i in range(d):
            if rows[i] < 0 and abs(G[i, j]) > best:
                best = abs(G[i, j])
                r = i
        if r < 0:
            return False
        pivot(G, d, 2 * d, np.int64(r), np.int64(j), rows)
    # Row i now holds row rows[i] of the inverse (in its right half): put it in place, left half.
    for i in range(d):
        for j in range(d):
            v = G[i, d + j]
            if not np.isfinite(v):
                return False
            G[rows[i], j] = v
    return True
