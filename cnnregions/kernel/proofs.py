"""Proofs of the kernel's LP answers, in floating point with rigorous rounding bounds (compiled).

- :func:`row_slack`: a lower bound on the exact slack ``a . u + b`` of a float point
  (a "non-empty" answer is a centre whose slacks are all proven above the threshold);
- :func:`prove_empty`: an a-posteriori proof that a dual basis's exact multipliers
  are positive, hence an upper bound on the Chebyshev radius by weak duality (the
  bound on ``||A_B^-1||`` of :mod:`cnnregions.lpsearch.cones`);
- :func:`prove_empty_box`: the bound of non-negative multipliers whose combination
  of rows vanishes only up to a rigorously bounded residual, valid for centres in
  the box ``|u|_inf <= BOX``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .pivot import invert

__all__ = ["BOX", "EPS", "gamma", "prove_empty", "prove_empty_box", "row_slack"]

EPS = 2.0 ** -52
#: Half-width of the box of centres within which :func:`prove_empty_box` proves a side empty, in
#: search coordinates (units of the network's length scale, where the radius cap is 1).
BOX = 1e6
#: Largest ``||I - X A_B||`` bound for which an inverse ``X`` is used in a proof.
_MAX_DRIFT = 0.5


@njit(cache=True)
def gamma(n: int) -> float:
    """``n eps / (1 - n eps)``: the classic bound on the relative rounding of ``n`` operations."""
    return n * EPS / (1.0 - n * EPS)


@njit(cache=True)
def row_slack(a: np.ndarray, b: float, u: np.ndarray) -> tuple[float, float]:
    """``fl(a . u + b)`` and a proven lower bound on the exact ``a . u + b``.

    The recursive sum of ``n`` products and one addend is off by at most
    ``gamma_{n+1} (sum |a_j u_j| + |b|)``; the magnitude is itself a float sum, so the
    bound is widened by ``gamma_{n+2}`` and a few ulps.
    """
    n = u.shape[0]
    s = b
    mag = abs(b)
    for j in range(n):
        p = a[j] * u[j]
        s += p
        mag += abs(p)
    err = gamma(n + 2) * mag * (1.0 + 8.0 * EPS)
    low = s - err - 2.0 * EPS * abs(s) - 1e-300
    if not np.isfinite(low):  # an infinite or NaN point proves nothing
        low = -np.inf
    return s, low


@njit(cache=True)
def prove_empty(A: np.ndarray, b: np.ndarray, m: int, cap: float, basis: np.ndarray, values: np.ndarray,
                AB: np.ndarray, X: np.ndarray, y: np.ndarray, iw: np.ndarray) -> float:
    """A proven upper bound on ``t*`` from the dual basis ``basis`` (``inf`` when none is proven).

    The certificate lives on the *support* ``S``: the basic columns whose float
    value ``values`` is positive (artificials and columns at zero dropped, which
    makes degenerate and rank-deficient bases usable).  Its equations are the
    coordinates ``J`` where some row of ``S`` is non-zero (every other coordinate
    of ``sum_S y_k a_k`` is exactly zero) and ``sum_S y_k + s = 1``; a proof needs
    ``|S| = |J| + 1``, a square matrix ``A_B``.  With ``X = fl(A_B^-1)``:
    ``D >= ||I - X A_B||_2`` (its float value plus the rounding of the product), so
    ``||A_B^-1||_2 <= ||X||_F / (1 - D)``; the multipliers ``y = X e`` are off from
    the exact ``A_B^-1 e`` by at most ``||X||_F / (1 - D) * ||e - A_B y||`` (the
    residual with its rounding bound).  Every exact multiplier proven positive gives
    a dual feasible point, and weak duality ``t* <= sum_S y_k b_k + cap s``, bounded
    above the same way.  On success ``basis[:|S|]`` holds the support and ``y`` its multipliers.

    Workspaces (nothing is allocated): ``AB`` at least ``d x d``, ``X`` at least ``d x 2d``
    (:func:`.pivot.invert`), ``y`` ``d``, ``iw`` integers of at least ``3 x d``.
    """
    n = A.shape[1]
    cols = iw[0]
    ns = 0
    for i in range(n + 1):
        if basis[i] <= m and values[i] > 1e-12:
            cols[ns] = basis[i]
            ns += 1
    coords = iw[1]
    nj = 0
    for j in range(n):
        for i in range(ns):
            if cols[i] < m and A[cols[i], j] != 0.0:
                coords[nj] = j
                nj += 1
                break
    d = nj + 1
    if ns != d:
        return np.inf
    for i in range(d):
        col = cols[i]
        for r in range(nj):
            AB[r, i] = A[col, coords[r]] if col < m else 0.0
        AB[nj, i] = 1.0
    if not invert(AB[:d, :d], X[:d, :2 * d], iw[2]):
        return np.inf
    g = gamma(d + 1)
    for i in range(d):
        y[i] = X[i, nj]
        if not y[i] > 0.0:
            return np.inf
    # D: the float residual I - X A_B, and the rounding of computing it.
    normR = 0.0
    normP = 0.0
    normX = 0.0
    for i in range(d):
        for j in range(d):
            s = 1.0 if i == j else 0.0
            p = 0.0
            for k in range(d):
                s -= X[i, k] * AB[k, j]
                p += abs(X[i, k]) * abs(AB[k, j])
            normR += s * s
            normP += p * p
            normX += X[i, j] * X[i, j]
    safety = 1.0 + 16.0 * g
    drift = (np.sqrt(normR) + g * (np.sqrt(d) + 2.0 * np.sqrt(normP))) * safety
    if not drift < _MAX_DRIFT:
        return np.inf
    # Residual e - A_B y with its rounding.
    res = 0.0
    rerr = 0.0
    for i in range(d):
        s = 1.0 if i == nj else 0.0
        mag = abs(s)
        for j in range(d):
            s -= AB[i, j] * y[j]
            mag += abs(AB[i, j] * y[j])
        res += s * s
        e = g * mag
        rerr += e * e
    err = np.sqrt(normX) / (1.0 - drift) * (np.sqrt(res) + np.sqrt(rerr)) * safety * safety
    obj = 0.0
    mag = 0.0
    normc = 0.0
    for i in range(d):
        if not y[i] > err:
            return np.inf
        col = cols[i]
        c = b[col] if col < m else cap
        obj += c * y[i]
        mag += abs(c * y[i])
        normc += c * c
    for i in range(n + 1):
        basis[i] = cols[i] if i < d else m + 1 + n
    return obj + (g * mag + np.sqrt(normc) * err) * safety + 4.0 * EPS * abs(obj) + 1e-300


@njit(cache=True)
def prove_empty_box(A: np.ndarray, b: np.ndarray, m: int, cap: float, basis: np.ndarray,
                    values: np.ndarray) -> float:
    """A proven upper bound on the radius of any ball centred in the box ``|u|_inf <= BOX``.

    For the multipliers ``y >= 0`` of the basic columns (their float values,
    negatives set to zero: non-negative by construction) and any feasible ``(u, t)``,
    ``t sum_k y_k + t s <= sum_k y_k b_k + cap s + r . u`` with ``r = sum_k y_k a_k``;
    so ``t <= (beta + BOX ||r||_1) / sigma``, every float sum bounded with its
    rounding.  This is the certificate of a structurally degenerate optimum (rows of
    a deeper layer lie, up to rounding, in the span of the active rows before it:
    no exact multipliers exist for the float rows, only ones with a residual of the
    order of the rounding), at the price of the box.
    """
    n = A.shape[1]
    g = gamma(m + n + 4)
    sigma = 0.0
    beta = 0.0
    bmag = 0.0
    for i in range(n + 1):
        col = basis[i]
        v = values[i]
        if col > m or not v > 0.0:
            continue
        sigma += v
        c = b[col] if col < m else cap
        beta += c * v
        bmag += abs(c * v)
    r1 = 0.0
    for j in range(n):
        rj = 0.0
        rmag = 0.0
        for i in range(n + 1):
            col = basis[i]
            v = values[i]
            if col < m and v > 0.0:
                rj += v * A[col, j]
                rmag += abs(v * A[col, j])
        r1 += abs(rj) + g * rmag
    r1 *= 1.0 + g
    sigma_lo = sigma * (1.0 - g)
    sigma_hi = sigma * (1.0 + g)
    if not sigma_lo > 0.0:
        return np.inf
    top = beta + g * bmag + BOX * r1 * (1.0 + g)
    top += 4.0 * EPS * abs(top)
    bound = top / sigma_lo if top >= 0.0 else top / sigma_hi
    return bound + 4.0 * EPS * abs(bound) + 1e-300
