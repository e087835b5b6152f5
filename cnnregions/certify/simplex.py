"""An exact decision: is an open polyhedron empty?  (EXACTNESS.md, section 4.)

For integer rows ``(a_i, b_i)`` the open set ``{v : a_i . v + b_i > 0}`` is non-empty
iff the LP ``max t  s.t.  a_i . v + b_i >= t,  t <= 1`` has ``t* > 0``.  Its dual is
in standard form and always feasible and bounded::

    min  sum_i b_i y_i + z   s.t.  sum_i y_i a_i = 0,  sum_i y_i + z = 1,  y, z >= 0

and is solved here by a dense two-phase simplex in exact rationals (python-flint
``fmpq``) with Bland's rule (no cycling).  At the optimum, ``y`` is a Motzkin
certificate when ``t* <= 0``; otherwise the simplex multipliers of the first ``n``
equations are a point ``v`` with every ``a_i . v + b_i >= t* > 0``.  Either answer
is re-checked by the independent checkers of :mod:`.motzkin` before it is returned.

Dense and exact: meant for the few questions floats cannot decide, on small systems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ExactSolverError

__all__ = ["ExactSolverError", "StrictDecision", "decide_strict"]


@dataclass(frozen=True)
class StrictDecision:
    """Answer to "is ``{v : a_i . v + b_i > 0 for all i}`` non-empty?".

    Attributes
    ----------
    nonempty : bool
    point : tuple of fmpq or None
        A point strictly inside (when non-empty), checked exactly.
    certificate : tuple of int or None
        Motzkin multipliers ``y`` (when empty), checked exactly.
    """

    nonempty: bool
    point: tuple | None = None
    certificate: tuple[int, ...] | None = None


def _pivot(T: list[list], basis: list[int], r: int, j: int) -> None:
    row = T[r]
    p = row[j]
    if p != 1:
        inv = 1 / p
        T[r] = row = [v * inv for v in row]
    for s in range(len(T)):
        if s != r:
            f = T[s][j]
            if f != 0:
                other = T[s]
                T[s] = [a - f * b if b != 0 else a for a, b in zip(other, row)]
    basis[r] = j


def _iterate(T: list[list], basis: list[int], cost: list, allowed: int) -> bool:
    """Bland's-rule simplex on columns ``< allowed``; False if unbounded."""
    rhs = len(T[0]) - 1
    while True:
        cb = [cost[b] for b in basis]
        entering = -1
        for j in range(allowed):
            if j in basis:
                continue
            d = cost[j] - sum((c * T[r][j] for r, c in enumerate(cb) if c != 0 and T[r][j] != 0), 0)
            if d < 0:
                entering = j
                break
        if entering < 0:
            return True
        best = None
        for r in range(len(T)):
            a = T[r][entering]
            if a > 0:
                ratio = T[r][rhs] / a
                if best is None or ratio < best[0] or (ratio == best[0] and basis[r] < basis[best[1]]):
                    best = (ratio, r)
        if best is None:
            return False
        _pivot(T, basis, best[1], entering)


def decide_strict(rows: Sequence[Sequence[int]]) -> StrictDecision:
    """Decide exactly whether ``{v : a_i . v + b_i > 0 for all i}`` is non-empty.

    Parameters
    ----------
    rows : sequence of integer vectors ``(a_1, ..., a_n, b)``

    Returns
    -------
    StrictDecision
        With a checked point or a checked certificate.
    """
    import flint

    from .motzkin import check_certificate, check_point

    rows = [[int(v) for v in row] for row in rows]
    if not rows:
        raise ValueError("The strict system must have at least one row. Got none instead.")
    m, n = len(rows), len(rows[0]) - 1
    Q = flint.fmpq
    zero, one = Q(0), Q(1)
    ncols = m + 1 + (n + 1)          # y_1..y_m, z, artificials
    T: list[list] = []
    for k in range(n):
        T.append([Q(-rows[i][k]) for i in range(m)] + [zero] + [one if a == k else zero for a in range(n + 1)] + [zero])
    T.append([one] * m + [one] + [one if a == n else zero for a in range(n + 1)] + [one])
    basis = [m + 1 + a for a in range(n + 1)]
    phase1 = [zero] * (m + 1) + [one] * (n + 1)
    _iterate(T, basis, phase1, m + 1)
    if sum((T[r][-1] for r in range(len(T)) if basis[r] > m), zero) != 0:
        raise ExactSolverError("phase 1 of an always-feasible LP ended infeasible")
    for r in range(len(T)):  # drive zero artificials out of the basis where possible
        if basis[r] > m:
            for j in range(m + 1):
                if j not in basis and T[r][j] != 0:
                    _pivot(T, basis, r, j)
                    break
    cost = [Q(rows[i][-1]) for i in range(m)] + [one] + [zero] * (n + 1)
    if not _iterate(T, basis, cost, m + 1):
        raise ExactSolverError("the dual of a bounded LP came out unbounded")
    x = [zero] * ncols
    for r, b in enumerate(basis):
        x[b] = T[r][-1]
    t_star = sum((cost[b] * x[b] for b in basis), zero)
    if t_star <= 0:
        y = x[:m]
        denominators = [int(v.q) for v in y]
        scale = math.lcm(*denominators) if denominators else 1
        certificate = tuple(int(v.p) * (scale // int(v.q)) for v in y)
        if not check_certificate(rows, certificate):
            raise ExactSolverError("the exact simplex's emptiness certificate failed its check")
        return StrictDecision(False, certificate=certificate)
    # Simplex multipliers: pi_r = sum_s c_B(s) * (B^-1)[s, r]; B^-1 sits in the artificial columns.
    cb = [cost[b] for b in basis]
    pi = [sum((c * T[s][m + 1 + r] for s, c in enumerate(cb) if c != 0), zero) for r in range(n + 1)]
    point = tuple(pi[:n])
    if not check_point(rows, point):
        raise ExactSolverError("the exact simplex's interior point failed its check")
    return StrictDecision(True, point=point)
