"""Certified counts in the kernel: proofs about the exact rows, from the float rows and their bounds (compiled).

A certified count (``certify=True``) must prove every decision about the *exact*
rows of the network (:mod:`cnnregions.certify`), while the kernel computes with
float rows.  Each float row comes with a rigorous bound on its distance to a
positive multiple of its exact row (:mod:`.rowbounds`: the first layer and the
domain's rows measured exactly in Python; deeper layers bounded here as they are
computed, :func:`bound_neuron`).  With them:

- an *empty* side is proven exactly empty when the dual basis of its LP proves,
  for every row set within the bounds, a Chebyshev radius ``<= 0``
  (:func:`.proofs.prove_empty_near`): the exact multipliers are then a Motzkin
  certificate of the exact rows; or when its support, written exactly over the
  neurons of the layer before (:func:`prove_lifted`), has such multipliers.  A side the kernel cannot prove so (a degenerate
  support, a radius in ``(0, tol]``: a tiny side is a region when certified) is a
  question for Python's exact checks (``ExactChecks.side_empty``, with the LP's
  support, centre and radius), never a "boxed" proof;
- a *region* (a leaf) is proven non-empty when its witness is proven strictly inside
  every exact row of its path (:func:`leaf_inside`): every other neuron's sign was
  fixed by a proven emptiness or an exact constant, so the pattern's region holds
  the path's open polyhedron minus finitely many hyperplanes.  Otherwise Python
  checks the witness exactly (``ExactChecks.region``);
- a neuron whose exact map may be constant (its float gradient within its bound
  of zero, or flagged by cancellation and not structurally constant) is decided by
  Python on its exact map (``ExactChecks.constant_neurons``), as the reference
  search does at every layer entry.

Non-empty sides are decided in floats as the reference certified search does
(its regions' witnesses are what is checked).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .lp import EMPTY, MARGIN, UNDECIDED, prove_centre, simplex
from .proofs import EPS, gamma, prove_empty, prove_empty_near, row_slack
from .state import IS

__all__ = ["EXACT", "bound_neuron", "decide_exact", "leaf_inside", "prove_lifted", "row_bounds"]

#: Answer of :func:`decide_exact`: the side is to be decided exactly (a question for Python).
EXACT = 4

_QSN, _PLEN = IS.QSN, IS.PLEN


@njit(cache=True)
def row_bounds(st, rid):
    """``(ea, eb)``: the bound on the row of id ``rid`` against its exact row (entries of ``a``, and ``b``)."""
    R = st.RA.shape[0]
    if rid < R:
        return 0.0, st.ERB[rid]
    j = (rid - R) // 2
    return st.ENA[j], st.ENC[j]


@njit(cache=True)
def bound_neuron(st, j, width, na, nc, ea, ec, safe, const, linked):  # noqa: PLR0913  the sums of one loop
    """Bounds of neuron ``j`` just computed by ``dfs._compute_layer``; True if Python must decide it.

    ``LA[j] = sum_p M_jp LA[p]`` over the ``width`` neurons of the layer before, in
    floats: off from the exact sum of the float inputs by ``gamma * na`` (``na`` bounds
    ``sum_p |M_jp| max_q |LA[p, q]|``), and by ``ea = sum_p |M_jp| EA[p]`` from the
    inputs' own errors; the same for ``LC`` with ``nc`` and ``ec``.  The row
    ``NH = fl(LA / safe)`` is then within ``EA / safe + eps |NH|`` of the exact map over
    ``safe``.  Every bound is widened for its own rounding.  A neuron with no active
    input of non-zero weight (not ``linked``) has an exact float map.
    """
    g = gamma(width + 4)
    grow = 1.0 + 4.0 * g
    st.EA[j] = (g * na + ea) * grow + 1e-300
    st.EC[j] = (g * nc + ec) * grow + 1e-300
    largest = 0.0
    for q in range(st.NH.shape[1]):
        largest = max(largest, abs(st.NH[j, q]))
    st.ENA[j] = (st.EA[j] / safe + EPS * largest) * (1.0 + 4.0 * EPS)
    st.ENC[j] = (st.EC[j] / safe + EPS * abs(st.CH[j])) * (1.0 + 4.0 * EPS)
    if const:
        return linked
    largest = 0.0
    for q in range(st.LA.shape[1]):
        largest = max(largest, abs(st.LA[j, q]))
    return not largest > st.EA[j]  # the exact gradient may be zero


@njit(cache=True)
def leaf_inside(st, w):
    """True if ``w`` is proven strictly inside every exact row of the path."""
    dim = w.shape[0]
    w1 = 0.0
    for q in range(dim):
        w1 += abs(w[q])
    grow = 1.0 + 2.0 * gamma(dim + 4)
    for p in range(st.I[_PLEN]):
        ea, eb = row_bounds(st, st.PID[p])
        _, low = row_slack(st.PA[p], st.PB[p], w)
        if not low - (ea * w1 + eb) * grow > 0.0:
            return False
    return True


@njit(cache=True)
def decide_exact(st, m, rid):
    """The LP of the path's rows and the side ``rid`` (in ``LPA[:m], LPB[:m]``), for a certified count.

    Returns ``(answer, t, radius)`` as :func:`.lp.decide` does: ``NONEMPTY`` (a proven centre,
    as in float mode), ``EMPTY`` only when proven exactly empty, ``UNDECIDED`` near the
    tolerance or at the iteration cap (HiGHS decides, then the exact checks), or
    :data:`EXACT` with the LP's support (``QS``, ``QY``), centre (``QC``) and radius (``F[2]``)
    for Python's exact decision.
    """
    tol = st.FP[0]
    cap = st.FP[1]
    A, b = st.LPA, st.LPB
    ok, t, _ = simplex(A, b, m, cap, st.T, st.BASIS, st.U)
    if ok == 0 or not np.isfinite(t):
        return UNDECIDED, t, 0.0
    if t > tol + MARGIN:
        answer, radius = prove_centre(A, b, m, tol, st.U, t)
        return answer, t, radius
    if t >= tol - MARGIN:
        return UNDECIDED, t, 0.0
    n = A.shape[1]
    values = st.T[:n + 1, m + n + 2]
    ns = 0
    for i in range(n + 1):
        if st.BASIS[i] < m and values[i] > 1e-12:  # as the proofs' supports
            st.QS[ns] = st.BASIS[i]
            st.QY[ns] = values[i]
            ns += 1
    st.I[_QSN] = ns
    st.QC[:] = st.U
    st.F[2] = t
    if t < 0.0:
        for k in range(m - 1):
            st.LEA[k], st.LEB[k] = row_bounds(st, st.PID[k])
        st.LEA[m - 1], st.LEB[m - 1] = row_bounds(st, rid)
        proven = prove_empty_near(A, b, m, cap, st.BASIS, values, st.AB, st.X, st.Y, st.LEA[:m], st.LEB[:m]) <= 0.0
        if proven or prove_lifted(st, m, rid, ns):
            for i in range(n + 1):  # the support to remember: the LP's
                st.BASIS[i] = st.QS[i] if i < ns else m + 1 + n
            return EMPTY, t, 0.0
    return EXACT, t, 0.0


@njit(cache=True)
def _row_of(st, m, rid, k):
    """The id of LP row ``k`` (the path's rows, then the side ``rid``)."""
    return rid if k == m - 1 else st.PID[k]


@njit(cache=True)
def prove_lifted(st, m, rid, ns):
    """Prove the rows of the support ``QS[:ns]`` exactly empty through the network's own relations.

    On the current region, a neuron ``j`` of layer ``L`` is exactly
    ``z_j = sum_p M_jp z_p + c_j`` over the active neurons ``p`` of layer ``L - 1``, with the
    float weights themselves (exact).  When every row of the support is a neuron of layer
    ``L`` or ``L - 1``, each is an exact vector over the symbols ``z_p`` (and a constant);
    multipliers ``y > 0`` with ``sum_k y_k g_k = 0`` over the symbols and ``sum_k y_k c_k <= 0``
    make ``sum_k y_k (row k)`` a constant ``<= 0`` everywhere: a Motzkin certificate.  They are
    proven by :func:`.proofs.prove_empty` on the (exact) lifted rows, which need no bound.
    This covers the supports that are degenerate in the search coordinates because a deeper
    neuron's hyperplane is a combination of few hyperplanes of the layer before.
    """
    R = st.RA.shape[0]
    dim = st.U.shape[0]
    top = -1
    low = st.LAYER.shape[0]
    for i in range(ns):
        r = _row_of(st, m, rid, st.QS[i])
        if r < R:
            return False
        layer = st.LAYER[(r - R) // 2]
        top = max(top, layer)
        low = min(low, layer)
    if top < 1 or low < top - 1:
        return False
    s0, s1 = st.STARTS[top - 1], st.STARTS[top]
    column = np.full(s1 - s0, -1, dtype=np.int64)
    nj = 0
    for i in range(ns):
        r = _row_of(st, m, rid, st.QS[i])
        j = (r - R) // 2
        if st.LAYER[j] == top - 1:
            if column[j - s0] < 0:
                column[j - s0] = nj
                nj += 1
        else:
            for p in range(s0, s1):
                if st.PAT[p] and st.MM[j, p - s0] != 0.0 and column[p - s0] < 0:
                    column[p - s0] = nj
                    nj += 1
        if nj > dim:
            return False
    if ns != nj + 1:
        return False
    G = np.zeros((ns, nj))
    c = np.zeros(ns)
    for i in range(ns):
        r = _row_of(st, m, rid, st.QS[i])
        j = (r - R) // 2
        sign = 1.0 if (r - R) % 2 == 1 else -1.0
        if st.LAYER[j] == top - 1:
            G[i, column[j - s0]] = sign
        else:
            for p in range(s0, s1):
                if st.PAT[p] and st.MM[j, p - s0] != 0.0:
                    G[i, column[p - s0]] = sign * st.MM[j, p - s0]
            c[i] = sign * st.CB[j]
    basis = np.arange(ns)
    ones = np.ones(ns)
    return prove_empty(G, c, ns, 1.0, basis, ones, st.AB, st.X, st.Y) <= 0.0
