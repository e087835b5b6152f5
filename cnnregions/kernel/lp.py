"""A small dense simplex for the Chebyshev-ball LP, with proofs of its answers (compiled).

The search's question is always the Chebyshev LP of :mod:`cnnregions.lpsearch.lp`::

    t* = max t   s.t.   a_k . u + b_k >= t  (every row k),   t <= cap,   u free.

The kernel solves its dual, a standard-form LP with ``dim + 1`` equality rows::

    min  b . y + cap s   s.t.   sum_k y_k a_k = 0,   sum_k y_k + s = 1,   y, s >= 0,

whose feasible set is compact, with an explicit tableau (``dim + 2`` rows, a few
tens of columns).  The starting basis is ``s`` plus artificial columns, which are
then pivoted out at level zero (an artificial that stays marks a rank-deficient
row set).  Dantzig's rule switches to Bland's after a run of degenerate pivots, and
an iteration cap ends the solve undecided.  The simplex multipliers of the final
tableau are a primal point ``(u, t)``.

Nothing the simplex computes is trusted as it stands; :func:`decide` turns it
into one of three answers:

- ``NONEMPTY``: the centre ``u`` whose slacks, minus a rigorous bound on their
  rounding (:func:`row_slack`), all exceed ``tol + MARGIN``;
- ``EMPTY``: the final basis, inverted again from the rows, gives multipliers
  proven non-negative (an a-posteriori bound on ``||A_B^{-1}||``, as in
  :mod:`cnnregions.lpsearch.cones`) whose objective, by weak duality an upper
  bound on ``t*``, is proven ``<= tol - MARGIN`` (:func:`prove_empty`); or, when the
  optimum is structurally degenerate and no such square basis exists, ``BOXED``:
  non-negative multipliers whose residual ``sum_k y_k a_k``, of the order of the
  rounding, is bounded rigorously, which proves that no ball of radius above
  ``tol - MARGIN`` has its centre in the box ``|u|_inf <= BOX`` (:func:`prove_empty_box`);
- ``UNDECIDED``: anything else (near the threshold, a degenerate or rank-deficient
  basis, the iteration cap): the caller asks HiGHS, exactly as the reference search.

``MARGIN`` keeps the kernel away from the threshold by ten times HiGHS's
feasibility tolerance, so a side it decides is decided the same way by the
reference search's LP.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BOX", "BOXED", "EMPTY", "MARGIN", "NONEMPTY", "UNDECIDED", "decide", "gamma", "prove_empty",
           "prove_empty_box", "row_slack", "simplex", "workspace"]

EPS = 2.0 ** -52
#: Answers of :func:`decide`.
EMPTY, NONEMPTY, UNDECIDED, BOXED = 0, 1, 2, 3
#: Distance to the tolerance within which the kernel does not decide (HiGHS's feasibility tolerance is 1e-9).
MARGIN = 1e-8
#: Smallest tableau entry used as a pivot; reduced costs above ``-COST_TOL`` count as non-negative.
PIVOT_TOL = 1e-9
COST_TOL = 1e-12
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
    return s, s - err - 2.0 * EPS * abs(s) - 1e-300


@njit(cache=True)
def _pivot(T: np.ndarray, rows: int, cols: int, r: int, j: int, basis: np.ndarray) -> None:
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
def simplex(A: np.ndarray, b: np.ndarray, m: int, cap: float, T: np.ndarray, basis: np.ndarray,
            u: np.ndarray) -> tuple[int, float, int]:
    """Solve the dual LP of ``m`` rows ``A[:m], b[:m]`` (see the module docstring).

    ``T`` is a workspace of at least ``(dim + 2, m + dim + 3)``; on return ``basis``
    holds the final basis (column ``k < m`` is ``y_k``, ``m`` is ``s``, ``> m``
    artificial), ``T[i, m + dim + 2]`` the basic values, ``u`` the primal centre.
    Returns ``(ok, t, iterations)``: ``ok`` is 0 when the iteration cap was hit.
    """
    n = A.shape[1]
    d = n + 1
    ncol = m + 1 + d
    rhs = ncol
    cols = ncol + 1
    rows = d + 1  # the objective row is row d
    for i in range(rows):
        for c in range(cols):
            T[i, c] = 0.0
    for k in range(m):
        for i in range(n):
            T[i, k] = A[k, i]
        T[n, k] = 1.0
        T[d, k] = b[k] - cap
    T[n, m] = 1.0
    for i in range(d):
        T[i, m + 1 + i] = 1.0
    T[d, m + 1 + n] = -cap
    T[n, rhs] = 1.0
    T[d, rhs] = -cap
    for i in range(n):
        basis[i] = m + 1 + i
    basis[n] = m
    # Pivot the artificials out at level zero; one that cannot leave marks a redundant row.
    for i in range(n):
        best = -1
        bv = PIVOT_TOL
        for k in range(m):
            v = abs(T[i, k])
            if v > bv:
                bv = v
                best = k
        if best >= 0:
            _pivot(T, rows, cols, i, best, basis)
        T[i, rhs] = 0.0 if basis[i] > m else T[i, rhs]
    maxit = 50 + 10 * (m + d)
    bland = False
    degenerate = 0
    it = 0
    ok = 0
    while it < maxit:
        it += 1
        j = -1
        lowest = -COST_TOL
        for k in range(m + 1):
            z = T[d, k]
            if z < lowest:
                j = k
                if bland:
                    break
                lowest = z
        if j < 0:
            ok = 1
            break
        r = -1
        ratio = np.inf
        for i in range(d):
            a = T[i, j]
            if basis[i] > m:
                # an artificial at zero leaves first
                if abs(a) > PIVOT_TOL and (r < 0 or ratio > 0.0 or basis[i] < basis[r]):
                    r = i
                    ratio = 0.0
            elif a > PIVOT_TOL:
                q = T[i, rhs] / a
                if q < ratio or (q == ratio and basis[i] < basis[r]):
                    r = i
                    ratio = q
        if r < 0:
            break  # cannot happen on a compact feasible set: give up, undecided
        if ratio == 0.0:
            degenerate += 1
            if degenerate > d + 2:
                bland = True
        else:
            degenerate = 0
        _pivot(T, rows, cols, r, j, basis)
        for i in range(d):
            if basis[i] > m or T[i, rhs] < 0.0:
                T[i, rhs] = max(T[i, rhs], 0.0) if basis[i] <= m else 0.0
    # Simplex multipliers pi = c_B B^-1, read off the artificial columns (cost 0): u = -pi[:n], t = pi[n].
    for i in range(n):
        u[i] = T[d, m + 1 + i]
    t = -T[d, m + 1 + n]
    return ok, t, it


@njit(cache=True)
def _invert(M: np.ndarray, X: np.ndarray, W: np.ndarray) -> bool:
    """``X = fl(M^-1)`` by Gauss-Jordan with partial pivoting (``W`` a workspace); False if singular."""
    d = M.shape[0]
    for i in range(d):
        for j in range(d):
            W[i, j] = M[i, j]
            X[i, j] = 1.0 if i == j else 0.0
    for c in range(d):
        p = c
        for i in range(c + 1, d):
            if abs(W[i, c]) > abs(W[p, c]):
                p = i
        if not abs(W[p, c]) > 1e-300:
            return False
        if p != c:
            for j in range(d):
                W[c, j], W[p, j] = W[p, j], W[c, j]
                X[c, j], X[p, j] = X[p, j], X[c, j]
        inv = 1.0 / W[c, c]
        for j in range(d):
            W[c, j] *= inv
            X[c, j] *= inv
        for i in range(d):
            if i != c:
                f = W[i, c]
                if f != 0.0:
                    for j in range(d):
                        W[i, j] -= f * W[c, j]
                        X[i, j] -= f * X[c, j]
    for i in range(d):
        for j in range(d):
            if not np.isfinite(X[i, j]):
                return False
    return True


@njit(cache=True)
def prove_empty(A: np.ndarray, b: np.ndarray, m: int, cap: float, basis: np.ndarray, values: np.ndarray,
                AB: np.ndarray, X: np.ndarray, W: np.ndarray, y: np.ndarray) -> float:
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
    """
    n = A.shape[1]
    cols = np.empty(n + 1, dtype=np.int64)
    ns = 0
    for i in range(n + 1):
        if basis[i] <= m and values[i] > 1e-12:
            cols[ns] = basis[i]
            ns += 1
    coords = np.empty(n, dtype=np.int64)
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
    if not _invert(AB[:d, :d], X[:d, :d], W[:d, :d]):
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


@njit(cache=True)
def decide(A: np.ndarray, b: np.ndarray, m: int, cap: float, tol: float, T: np.ndarray, basis: np.ndarray,
           u: np.ndarray, AB: np.ndarray, X: np.ndarray, W: np.ndarray, y: np.ndarray) -> tuple[int, float, float]:
    """Decide whether rows ``A[:m], b[:m]`` hold a ball of radius above ``tol``, with proof.

    Returns ``(answer, t, radius)``: ``NONEMPTY`` with ``u`` a centre and ``radius``
    ``min(t, float slack)``; ``EMPTY`` with the support in ``basis``/``y`` (columns
    ``< m`` with ``y > 0``); ``UNDECIDED`` otherwise.  ``t`` is the simplex's radius.
    """
    ok, t, _ = simplex(A, b, m, cap, T, basis, u)
    if ok == 0 or not np.isfinite(t):
        return UNDECIDED, t, 0.0
    if t > tol + MARGIN:
        lowest = np.inf
        radius = t
        for k in range(m):
            s, lo = row_slack(A[k], b[k], u)
            lowest = min(lowest, lo)
            radius = min(radius, s)
        if lowest > tol + MARGIN:
            return NONEMPTY, t, radius
        return UNDECIDED, t, 0.0
    if t < tol - MARGIN:
        values = T[:A.shape[1] + 1, m + A.shape[1] + 2]
        if prove_empty(A, b, m, cap, basis, values, AB, X, W, y) <= tol - MARGIN:
            return EMPTY, t, 0.0
        if prove_empty_box(A, b, m, cap, basis, values) <= tol - MARGIN:
            for i in range(basis.shape[0]):
                if not values[i] > 0.0:
                    basis[i] = m + basis.shape[0]  # not in the support
            return BOXED, t, 0.0
    return UNDECIDED, t, 0.0


def workspace(dim: int, max_rows: int) -> tuple[np.ndarray, ...]:
    """Work arrays for :func:`decide` with up to ``max_rows`` rows in ``dim`` dimensions:
    ``(T, basis, u, AB, X, W, y)``."""
    d = dim + 1
    return (np.zeros((d + 1, max_rows + d + 2)), np.zeros(d, dtype=np.int64), np.zeros(dim),
            np.zeros((d, d)), np.zeros((d, d)), np.zeros((d, d)), np.zeros(d))
