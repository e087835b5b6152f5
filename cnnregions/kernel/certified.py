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
  certificate of the exact rows (coordinates where every row of the support is exactly
  zero, as in a convolution's receptive field, are left out: ``NZ``); or when its
  support, written over the neurons of a layer below it (:func:`prove_lifted`), has such
  multipliers.  A side the kernel cannot prove so (a degenerate
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
from .moves import copy
from .proofs import EPS, gamma, prove_empty_near, row_slack
from .state import IS, XS

__all__ = ["EXACT", "bound_neuron", "decide_exact", "leaf_inside", "prove_lifted"]

#: Answer of :func:`decide_exact`: the side is to be decided exactly (a question for Python).
EXACT = 4

_QSN, _PLEN, _LIFTED = IS.QSN, IS.PLEN, IS.LIFTED
_EA, _EC, _ENA, _ENC, _ERB, _LEA, _LEB, _QY, _QC = XS.EA, XS.EC, XS.ENA, XS.ENC, XS.ERB, XS.LEA, XS.LEB, XS.QY, XS.QC
_NZ, _LNZ, _QS, _LW = XS.NZ, XS.LNZ, XS.QS, XS.LW


@njit(cache=True)
def _lp_bounds(PID, rid, m, R, RA, ERB, ENA, ENC, NZ, LEA, LEB, LNZ):  # noqa: PLR0913  arrays, not the state
    """Bounds and masks of the LP's rows (the path's, then the side ``rid``) into ``LEA, LEB, LNZ``.

    Takes the arrays it reads, not the state: a call with the whole state copies all of it."""
    for k in range(m):
        r = rid if k == m - 1 else PID[k]
        if r < R:
            LEA[k] = 0.0
            LEB[k] = ERB[r]
            mask = np.int64(0)
            for q in range(RA.shape[1]):
                if RA[r, q] != 0.0:
                    mask |= np.int64(1) << q
            LNZ[k] = mask
        else:
            j = (r - R) // 2
            LEA[k] = ENA[j]
            LEB[k] = ENC[j]
            LNZ[k] = NZ[j]


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
    st.XF[_EA, j] = (g * na + ea) * grow + 1e-300
    st.XF[_EC, j] = (g * nc + ec) * grow + 1e-300
    largest = 0.0
    for q in range(st.NH.shape[1]):
        largest = max(largest, abs(st.NH[j, q]))
    st.XF[_ENA, j] = (st.XF[_EA, j] / safe + EPS * largest) * (1.0 + 4.0 * EPS)
    st.XF[_ENC, j] = (st.XF[_EC, j] / safe + EPS * abs(st.CH[j])) * (1.0 + 4.0 * EPS)
    if const:
        return linked
    largest = 0.0
    for q in range(st.LA.shape[1]):
        largest = max(largest, abs(st.LA[j, q]))
    return not largest > st.XF[_EA, j]  # the exact gradient may be zero


@njit(cache=True)
def leaf_inside(st, w):
    """True if ``w`` is proven strictly inside every exact row of the path."""
    dim = w.shape[0]
    w1 = 0.0
    for q in range(dim):
        w1 += abs(w[q])
    grow = 1.0 + 2.0 * gamma(dim + 4)
    R = st.RA.shape[0]
    PID, PA, PB = st.PID, st.PA, st.PB
    ENA, ENC, ERB = st.XF[_ENA], st.XF[_ENC], st.XF[_ERB]
    for p in range(st.I[_PLEN]):
        r = PID[p]
        if r < R:
            ea, eb = 0.0, ERB[r]
        else:
            ea, eb = ENA[(r - R) // 2], ENC[(r - R) // 2]
        _, low = row_slack(PA[p], PB[p], w)
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
    R = st.RA.shape[0]
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
            st.XI[_QS, ns] = st.BASIS[i]
            st.XF[_QY, ns] = values[i]
            ns += 1
    st.I[_QSN] = ns
    copy(st.XF[_QC, :n], st.U)
    st.F[2] = t
    if t < 0.0:
        XF, XI = st.XF, st.XI
        _lp_bounds(st.PID, rid, m, R, st.RA, XF[_ERB], XF[_ENA], XF[_ENC], XI[_NZ], XF[_LEA], XF[_LEB], XI[_LNZ])
        proven = prove_empty_near(A, b, m, cap, st.BASIS, values, st.AB, st.X, st.Y, st.IW, XF[_LEA, :m],
                                  XF[_LEB, :m], XI[_LNZ, :m]) <= 0.0
        if not proven and prove_lifted(st, m, rid, ns):
            st.I[_LIFTED] += 1
            proven = True
        if proven:
            for i in range(n + 1):  # the support to remember: the LP's
                st.BASIS[i] = st.XI[_QS, i] if i < ns else m + 1 + n
            return EMPTY, t, 0.0
    return EXACT, t, 0.0


@njit(cache=True)
def _unfold(LAYER, STARTS, MM, CB, PAT, j, b, v, e, work):  # noqa: PLR0913  arrays, not the state
    """Neuron ``j``'s map on the current region over the neurons of layer ``b`` (at most its own):
    coefficients into ``v`` with bounds ``e`` (layer ``b``'s width), returns ``(constant, its bound)``.

    One layer down is exact (the float weights themselves); each further layer composes in
    floats, bounded as :func:`bound_neuron` bounds the maps.
    """
    l = LAYER[j]
    sb = STARTS[b]
    if l == b:
        v[:] = 0.0
        e[:] = 0.0
        v[j - sb] = 1.0
        return 0.0, 0.0
    s = STARTS[l - 1]
    cur, cerr, nxt, nerr = work[0], work[1], work[2], work[3]
    for p in range(STARTS[l] - s):
        cur[p] = MM[j, p] if PAT[s + p] else 0.0
        cerr[p] = 0.0
    c = CB[j]
    ec = 0.0
    level = l - 1
    while level > b:
        s_cur, s_prev = STARTS[level], STARTS[level - 1]
        wc, wp = STARTS[level + 1] - s_cur, s_cur - s_prev
        g = gamma(wc + 4)
        grow = 1.0 + 4.0 * g
        total, mag, err = c, abs(c), ec
        for q in range(wc):
            total += cur[q] * CB[s_cur + q]
            mag += abs(cur[q] * CB[s_cur + q])
            err += cerr[q] * abs(CB[s_cur + q])
        c, ec = total, (g * mag + err) * grow
        for r in range(wp):
            acc, mag, err = 0.0, 0.0, 0.0
            if PAT[s_prev + r]:
                for q in range(wc):
                    m = MM[s_cur + q, r]
                    acc += cur[q] * m
                    mag += abs(cur[q] * m)
                    err += cerr[q] * abs(m)
            nxt[r] = acc
            nerr[r] = (g * mag + err) * grow
        for r in range(wp):
            cur[r], cerr[r] = nxt[r], nerr[r]
        level -= 1
    w = STARTS[b + 1] - sb
    copy(v, cur[:w])
    copy(e, cerr[:w])
    return c, ec


@njit(cache=True)
def prove_lifted(st, m, rid, ns):
    """Prove the rows of the support ``QS[:ns]`` exactly empty through the network's own relations.

    On the current region, a neuron ``j`` of layer ``L`` is exactly
    ``z_j = sum_p M_jp z_p + c_j`` over the active neurons ``p`` of layer ``L - 1``.  Written over
    the neurons of a layer ``b`` below every row of the support (:func:`_unfold`: exact one layer
    down, bounded further down), each row is a vector over the symbols ``z_p`` and a constant;
    multipliers ``y > 0`` with ``sum_k y_k g_k = 0`` over the symbols and ``sum_k y_k c_k <= 0``,
    for the exact vectors, make ``sum_k y_k (row k)`` a constant ``<= 0`` everywhere: a Motzkin
    certificate.  :func:`.proofs.prove_empty_near` proves them when the lifted system is square.
    This covers the supports that are degenerate in the search coordinates because the region
    has few active neurons in some layer, so that deeper hyperplanes are combinations of few.
    """
    R = st.RA.shape[0]
    LAYER, STARTS, MM, CB, PAT = st.LAYER, st.STARTS, st.MM, st.CB, st.PAT
    # Workspaces (nothing is allocated): rows 3 and 4 of IW (0..2 are prove_empty_near's), and
    # XF from row LW: V, E, G (a support's rows each), four rows of work, then c, ec, ones, ea, used.
    d = st.AB.shape[0]
    rows, basis = st.IW[3], st.IW[4]
    lw = st.XF[_LW:]
    V, E, G, work = lw[:d], lw[d:2 * d], lw[2 * d:3 * d], lw[3 * d:3 * d + 4]
    c, ec, ones, ea, used = lw[3 * d + 4], lw[3 * d + 5], lw[3 * d + 6], lw[3 * d + 7], lw[3 * d + 8]
    top = -1
    low = LAYER.shape[0]
    for i in range(ns):
        k = st.XI[_QS, i]
        r = rid if k == m - 1 else st.PID[k]
        if r < R:
            return False
        rows[i] = r
        basis[i] = i
        ones[i] = 1.0
        layer = LAYER[(r - R) // 2]
        top = max(top, layer)
        low = min(low, layer)
    for b in range(min(low, top - 1), -1, -1):
        wb = STARTS[b + 1] - STARTS[b]
        for i in range(ns):
            r = rows[i]
            sign = 1.0 if (r - R) % 2 == 1 else -1.0
            c[i], ec[i] = _unfold(LAYER, STARTS, MM, CB, PAT, (r - R) // 2, b, V[i], E[i], work)
            c[i] *= sign
            for p in range(wb):
                V[i, p] *= sign
        nj = 0
        for p in range(wb):
            used[p] = 0.0
            for i in range(ns):
                if V[i, p] != 0.0 or E[i, p] != 0.0:
                    used[p] = 1.0
                    nj += 1
                    break
        if ns != nj + 1:
            continue
        for i in range(ns):
            q = 0
            ea[i] = 0.0
            for p in range(wb):
                if used[p] != 0.0:
                    G[i, q] = V[i, p]
                    ea[i] = max(ea[i], E[i, p])
                    q += 1
        if prove_empty_near(G[:ns, :nj], c[:ns], ns, 1.0, basis[:ns], ones[:ns], st.AB, st.X, st.Y, st.IW,
                            ea[:ns], ec[:ns], rows[:0]) <= 0.0:
            return True
    return False
