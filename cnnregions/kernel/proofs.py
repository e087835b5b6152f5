"""Proofs of the kernel's LP answers, in floating point with rigorous rounding bounds (compiled).

- :func:`row_slack`: a lower bound on the exact slack ``a . u + b`` of a float point
  (a "non-empty" answer is a centre whose slacks are all proven above the threshold);
- :func:`prove_empty`: an a-posteriori proof that a dual basis's exact multipliers
  are positive, hence an upper bound on the Chebyshev radius by weak duality (the
  bound on ``||A_B^-1||`` of :mod:`cnnregions.lpsearch.cones`); :func:`prove_empty_near`
  proves the same for every row set within given bounds of the float rows (the exact
  rows, in certified counts: :mod:`.rowbounds`);
- :func:`prove_empty_box`: the bound of non-negative multipliers whose combination
  of rows vanishes only up to a rigorously bounded residual, valid for centres in
  the box ``|u|_inf <= BOX``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .pivot import invert

__all__ = ["BOX", "EPS", "gamma", "prove_empty", "prove_empty_box", "prove_empty_near", "row_slack"]

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

    :func:`prove_empty_near` for the float rows themselves (no perturbation: empty views, nothing allocated)."""
    return prove_empty_near(A, b, m, cap, basis, values, AB, X, y, iw, y[:0], y[:0], iw[0, :0])


@njit(cache=True)
def prove_empty_near(A: np.ndarray, b: np.ndarray, m: int, cap: float, basis: np.ndarray, values: np.ndarray,
                     AB: np.ndarray, X: np.ndarray, y: np.ndarray, iw: np.ndarray, ea: np.ndarray, eb: np.ndarray,
                     nz: np.ndarray) -> float:
    """A proven upper bound on ``t*`` of every row set within ``ea``/``eb`` of ``A[:m], b[:m]``
    (``|A'_kj - A_kj| <= ea[k]``, ``|b'_k - b_k| <= eb[k]``, and ``A'_kj = 0`` where bit ``j`` of
    ``nz[k]`` is clear if ``nz`` is given; empty ``ea``: the float rows only), from the dual basis
    ``basis``; ``inf`` when none is proven.

    The certificate lives on the *support* ``S``: the basic columns whose float
    value ``values`` is positive (artificials and columns at zero dropped, which
    makes degenerate and rank-deficient bases usable).  Its equations are the
    coordinates ``J`` where some row of ``S`` may be non-zero (every other coordinate
    of ``sum_S y_k a_k`` is exactly zero; with a perturbation, every coordinate ``nz`` allows) and
    ``sum_S y_k + s = 1``; a proof needs ``|S| = |J| + 1``, a square matrix ``A_B``.
    With ``X = fl(A_B^-1)``: ``D >= ||I - X A'_B||_2`` (its float value, the rounding
    of the product, and ``||X||_F ||A'_B - A_B||_F``), so ``||A'_B^-1||_2 <= ||X||_F / (1 - D)``;
    the multipliers ``y = X e`` are off from the exact ``A'_B^-1 e`` by at most
    ``||X||_F / (1 - D) * ||e - A'_B y||`` (the residual with its rounding bound and
    the perturbation's share).  Every exact multiplier proven positive gives a dual
    feasible point of the perturbed rows, and weak duality ``t* <= sum_S y_k b'_k + cap s``,
    bounded above the same way.  On success ``basis[:|S|]`` holds the support and ``y`` its
    multipliers.  With the exact rows within the bounds, a bound ``<= 0`` is an exact
    emptiness proof (Motzkin: the exact multipliers are a certificate).

    Workspaces (nothing is allocated): ``AB`` at least ``d x d``, ``X`` at least ``d x 2d``
    (:func:`.pivot.invert`), ``y`` ``d``, ``iw`` integers of at least ``3 x d``.
    """
    n = A.shape[1]
    perturbed = ea.shape[0] > 0
    cols = iw[0]
    ns = 0
    for i in range(n + 1):
        if basis[i] <= m and values[i] > 1e-12:
            cols[ns] = basis[i]
            ns += 1
    coords = iw[1]
    nj = 0
    masked = nz.shape[0] > 0
    for j in range(n):
        for i in range(ns):
            k = cols[i]
            if k < m and (A[k, j] != 0.0 or (perturbed and ea[k] != 0.0 and ((not masked) or ((nz[k] >> j) & 1) != 0))):
                coords[nj] = j
                nj += 1
                break
    d = nj + 1
    if ns != d:
        return np.inf
    delta = 0.0  # ||A'_B - A_B||_F, squared
    for i in range(d):
        col = cols[i]
        for r in range(nj):
            AB[r, i] = A[col, coords[r]] if col < m else 0.0
        AB[nj, i] = 1.0
        if perturbed and col < m:
            delta += nj * ea[col] * ea[col]
    if not np.isfinite(delta):
        return np.inf
    delta = np.sqrt(delta) * (1.0 + 8.0 * EPS)
    if not invert(AB[:d, :d], X[:d, :2 * d], iw[2]):
        return np.inf
    g = gamma(d + 1)
    for i in range(d):
        y[i] = X[i, nj]
        if not y[i] > 0.0:
            return np.inf
    # D: the float residual I - X A_B, the rounding of computing it, and the perturbation.
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
    drift = (np.sqrt(normR) + g * (np.sqrt(d) + 2.0 * np.sqrt(normP)) + np.sqrt(normX) * delta * safety) * safety
    if not drift < _MAX_DRIFT:
        return np.inf
    # Residual e - A_B y with its rounding, and the perturbation's share ||(A'_B - A_B) y||.
    res = 0.0
    rerr = 0.0
    normy = 0.0
    for i in range(d):
        s = 1.0 if i == nj else 0.0
        mag = abs(s)
        for j in range(d):
            s -= AB[i, j] * y[j]
            mag += abs(AB[i, j] * y[j])
        res += s * s
        e = g * mag
        rerr += e * e
        normy += y[i] * y[i]
    err = np.sqrt(normX) / (1.0 - drift) * (np.sqrt(res) + np.sqrt(rerr) + delta * np.sqrt(normy) * safety) \
        * safety * safety
    obj = 0.0
    mag = 0.0
    normc = 0.0
    shift = 0.0
    for i in range(d):
        if not y[i] > err:
            return np.inf
        col = cols[i]
        c = b[col] if col < m else cap
        obj += c * y[i]
        mag += abs(c * y[i])
        normc += c * c
        if perturbed and col < m:
            shift += eb[col] * (y[i] + err)
    for i in range(n + 1):
        basis[i] = cols[i] if i < d else m + 1 + n
    bound = obj + (g * mag + np.sqrt(normc) * err + shift) * safety + 4.0 * EPS * abs(obj) + 1e-300
    return bound if np.isfinite(bound) else np.inf


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
