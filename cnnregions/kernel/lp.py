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
  rounding (:func:`.proofs.row_slack`), all exceed ``tol + MARGIN``;
- ``EMPTY``: the final basis, inverted again from the rows, gives multipliers
  proven non-negative (an a-posteriori bound on ``||A_B^{-1}||``, as in
  :mod:`cnnregions.lpsearch.cones`) whose objective, by weak duality an upper
  bound on ``t*``, is proven ``<= tol - MARGIN`` (:func:`.proofs.prove_empty`); or, when the
  optimum is structurally degenerate and no such square basis exists, ``BOXED``:
  non-negative multipliers whose residual ``sum_k y_k a_k``, of the order of the
  rounding, is bounded rigorously, which proves that no ball of radius above
  ``tol - MARGIN`` has its centre in the box ``|u|_inf <= BOX`` (:func:`.proofs.prove_empty_box`);
- ``UNDECIDED``: anything else (near the threshold, a degenerate or rank-deficient
  basis, the iteration cap): the caller asks HiGHS, exactly as the reference search.

``MARGIN`` keeps the kernel away from the threshold by ten times HiGHS's
feasibility tolerance, so a side it decides is decided the same way by the
reference search's LP.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .pivot import pivot as _pivot
from .proofs import prove_empty, prove_empty_box, row_slack

__all__ = ["BOXED", "EMPTY", "MARGIN", "NONEMPTY", "UNDECIDED", "decide", "prove_centre", "simplex", "workspace"]

#: Answers of :func:`decide`.
EMPTY, NONEMPTY, UNDECIDED, BOXED = 0, 1, 2, 3
#: Distance to the tolerance within which the kernel does not decide (HiGHS's feasibility tolerance is 1e-9).
MARGIN = 1e-8
#: Smallest tableau entry used as a pivot; reduced costs above ``-COST_TOL`` count as non-negative.
PIVOT_TOL = 1e-9
COST_TOL = 1e-12


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
        best: int | np.integer = np.int64(-1)  # not a literal: one compiled _pivot
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
        j: int | np.integer = np.int64(-1)
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
        r: int | np.integer = np.int64(-1)
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
def prove_centre(A: np.ndarray, b: np.ndarray, m: int, tol: float, u: np.ndarray, t: float) -> tuple[int, float]:
    """``(NONEMPTY, radius)`` if every slack of the centre ``u`` is proven above ``tol + MARGIN``
    (``radius = min(t, float slack)``), else ``(UNDECIDED, 0)``."""
    lowest = np.inf
    radius = t
    for k in range(m):
        s, lo = row_slack(A[k], b[k], u)
        lowest = min(lowest, lo)
        radius = min(radius, s)
    if lowest > tol + MARGIN:
        return NONEMPTY, radius
    return UNDECIDED, 0.0


@njit(cache=True)
def decide(A: np.ndarray, b: np.ndarray, m: int, cap: float, tol: float, T: np.ndarray, basis: np.ndarray,
           u: np.ndarray, AB: np.ndarray, X: np.ndarray, y: np.ndarray, iw: np.ndarray) -> tuple[int, float, float]:
    """Decide whether rows ``A[:m], b[:m]`` hold a ball of radius above ``tol``, with proof.

    Returns ``(answer, t, radius)``: ``NONEMPTY`` with ``u`` a centre and ``radius``
    ``min(t, float slack)``; ``EMPTY`` with the support in ``basis``/``y`` (columns
    ``< m`` with ``y > 0``); ``UNDECIDED`` otherwise.  ``t`` is the simplex's radius.
    """
    ok, t, _ = simplex(A, b, m, cap, T, basis, u)
    if ok == 0 or not np.isfinite(t):
        return UNDECIDED, t, 0.0
    if t > tol + MARGIN:
        answer, radius = prove_centre(A, b, m, tol, u, t)
        return answer, t, radius
    if t < tol - MARGIN:
        values = T[:A.shape[1] + 1, m + A.shape[1] + 2]
        if prove_empty(A, b, m, cap, basis, values, AB, X, y, iw) <= tol - MARGIN:
            return EMPTY, t, 0.0
        if prove_empty_box(A, b, m, cap, basis, values) <= tol - MARGIN:
            for i in range(basis.shape[0]):
                if not values[i] > 0.0:
                    basis[i] = m + basis.shape[0]  # not in the support
            return BOXED, t, 0.0
    return UNDECIDED, t, 0.0


def workspace(dim: int, max_rows: int) -> tuple[np.ndarray, ...]:
    """Work arrays for :func:`decide` with up to ``max_rows`` rows in ``dim`` dimensions:
    ``(T, basis, u, AB, X, y, iw)``."""
    d = dim + 1
    return (np.zeros((d + 1, max_rows + d + 2)), np.zeros(d, dtype=np.int64), np.zeros(dim),
            np.zeros((d, d)), np.zeros((d, 2 * d)), np.zeros(d), np.zeros((3, d), dtype=np.int64))
