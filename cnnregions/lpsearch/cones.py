"""Exact sign bounds from simplicial cones around the current region (no LP).

Every emptiness LP of the search that ends with ``t* <= 0`` returns dual
multipliers; in the usual non-degenerate case they are supported on ``dim`` rows
of the region plus the row tested.  Those ``dim`` rows ``s(u) = A u + b > 0``
(``A`` square, invertible) bound a simplicial cone ``C`` that holds the region,
and the region keeps them as long as the search stays below the node that added
the last one.  For any affine ``f(u) = g . u + h``, with ``c' = g A^{-1}``
computed exactly,

    f(u) = c' . s(u) + beta',     beta' = h - c' . b,

for every ``u``; so if ``c' >= 0`` and ``beta' > 0``, then ``f > 0`` on all of
``C``, hence on the region, wherever it lies (bounded or not).  The store works
with the float ``c = fl(g X)``, ``X = fl(A^{-1})``, and accepts a map only when
``c`` and ``beta`` clear the proven bound on their rounding errors (Notes), so
the conclusion holds for ``c'`` and ``beta'``: a proof, not a guess.  This is
Motzkin's transposition theorem (``../shared/paper/EXACTNESS.md`` section 2) with
the multipliers of a neighbouring region's LP tried on this region's rows.

The search asks the store before an LP whether a side of a hyperplane is empty
(``f`` = the other side's row is positive on the region); a map the store
cannot prove goes to the LP, so a proof only ever replaces an LP that would
have found the same side empty.  One call tests every neuron of a layer
against every stored cone in a few numpy operations.
"""

from __future__ import annotations

import numpy as np

from .lp import FEASIBILITY_TOLERANCE

__all__ = ["ConeStore"]

_EPS = float(np.finfo(np.float64).eps)
#: Cones kept (a ring: the oldest is overwritten).
_CAPACITY = 48
#: Cones whose inverse is larger than this (sum of absolute entries per row) are
#: not kept: their multipliers would be too large for a bound to prove anything.
_MAX_CONDITION = 1e8
#: Upper bound on the norm of a normalised row (unit up to rounding).
_UNIT_NORM = 1 + 1e-12


class ConeStore:
    """Simplicial cones (``dim`` rows of the current path) with their inverses.

    Parameters
    ----------
    dim : int
        Dimension of the search space (rows per cone).

    Notes
    -----
    A cone remembers the positions of its rows in the path and the *serial
    numbers* the path gave those rows when they were pushed; it is valid while
    the path still holds the same rows there (checked in one numpy comparison).

    Rounding.  Let ``gamma = (d + 1) eps / (1 - (d + 1) eps)``, ``X = fl(A^{-1})``
    and ``c = fl(g X)``.  The residual ``rho = g - c A`` satisfies
    ``|rho| <= |g| D`` with ``D = ||fl(I - X A)||_F + gamma (sqrt(d) + 2 || |X||A| ||_F)``
    (the rounding of ``c`` and of the residual itself).  With ``||I - X A|| <= D < 1/2``,
    ``||A^{-1}|| <= ||X||_F / (1 - D)``, so ``|c' - c| = |rho A^{-1}| <= |g| E`` with
    ``E = D ||X||_F / (1 - D)``: every ``c_i >= |g| E`` proves ``c' >= 0``.  And
    ``|beta' - fl(h - fl(c . b))| <= gamma |h| + |g| (E ||b|| + gamma (1 + gamma) || |X||b| ||)``
    (the multipliers' error, then the rounding of the dot product and the
    subtraction).  Both constants are computed per cone when it is kept and
    rounded up generously (they are floats too).
    """

    def __init__(self, dim: int) -> None:
        self.dim = d = int(dim)
        self.size = 0
        #: Cones added so far (callers use it to tell whether a test could have changed).
        self.added = 0
        self._next = 0
        self._pos = np.zeros((_CAPACITY, d), dtype=np.intp)
        self._serial = np.full((_CAPACITY, d), -1, dtype=np.int64)
        self._inv = np.zeros((_CAPACITY, d, d))
        self._b = np.zeros((_CAPACITY, d, 1))
        self._cmin = np.zeros((_CAPACITY, 1, 1))
        self._slack = np.zeros((_CAPACITY, 1))
        self._gamma = (d + 1) * _EPS / (1 - (d + 1) * _EPS)

    def add(self, positions: np.ndarray, serials: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        """Keep the cone of rows ``a u + b > 0`` found at ``positions`` of the path."""
        d = self.dim
        if len(positions) != d:
            return
        size = self.size
        if size and (self._serial[:size] == serials).all(axis=1).any():
            return  # already kept (the same rows support many proofs)
        try:
            inv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            return
        abs_inv = np.abs(inv)
        if not abs_inv.sum(axis=1).max() <= _MAX_CONDITION:  # also rejects nan
            return
        gamma = self._gamma
        residual = np.eye(d) - inv @ a
        abs_prod = abs_inv @ np.abs(a)
        prod_norm = float(np.sqrt((abs_prod * abs_prod).sum()))
        drift = float(np.sqrt((residual * residual).sum())) + gamma * (np.sqrt(d) + 2 * prod_norm)
        if not drift < 0.5:
            return
        inv_norm = float(np.sqrt((inv * inv).sum()))
        err = drift * inv_norm / (1 - drift)
        b_err = gamma * (1 + gamma) * float(np.sqrt(((abs_inv @ np.abs(b)) ** 2).sum()))
        safety = _UNIT_NORM * (1 + 16 * gamma)
        k = self._next
        self._pos[k] = positions
        self._serial[k] = serials
        self._inv[k] = inv
        self._b[k, :, 0] = b
        self._cmin[k] = err * safety
        self._slack[k] = (err * float(np.sqrt((b * b).sum())) + b_err) * safety
        self._next = (k + 1) % _CAPACITY
        self.size = max(self.size, k + 1)
        self.added += 1

    def prove_positive(self, g: np.ndarray, h: np.ndarray, path_serials: np.ndarray) -> np.ndarray:
        """Which of the affine maps ``g[i] . u + h[i]`` are proven positive on the region.

        Parameters
        ----------
        g : ndarray, shape (n, dim)
            Rows of unit norm (up to rounding: at most ``1 + 1e-12``), as the
            layers' normalised rows are.
        h : ndarray, shape (n,)
        path_serials : ndarray
            Serial numbers of the rows currently on the path (by position; -1 past its end).

        Returns
        -------
        ndarray of bool, shape (n,)
            True where some valid cone proves ``g . u + h > FEASIBILITY_TOLERANCE``
            on the whole region.
        """
        size = self.size
        valid = (path_serials[self._pos[:size]] == self._serial[:size]).all(axis=1).nonzero()[0]
        if valid.size == 0:
            return np.zeros(len(h), dtype=bool)
        c = g @ self._inv[valid]  # (cones, n, d)
        proven = (c >= self._cmin[valid]).all(axis=2)
        if not proven.any():
            return np.zeros(len(h), dtype=bool)
        low = (h - self._gamma * np.abs(h)) - (c @ self._b[valid])[:, :, 0] - self._slack[valid]
        proven &= low > FEASIBILITY_TOLERANCE
        return proven.any(axis=0)
