"""The side test of the compiled search: does the path's region, cut by one more row, hold a ball?

Mirrors :meth:`cnnregions.lpsearch.path.Path.side`: a remembered emptiness
certificate (its support still on the path, the layer's maps unchanged), a probe,
a remembered interior point, an answer Python gave in this step, then an LP
(:func:`.lp.decide`; in a certified count :func:`.certified.decide_exact`); what the LP
cannot prove becomes a question for Python.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .certified import EXACT, decide_exact
from .lp import BOXED, EMPTY, NONEMPTY, UNDECIDED, decide
from .moves import copy, copy_rows
from .proofs import row_slack
from .state import IS, MEMORY, QUESTION, XS

__all__ = ["neuron_row", "side"]

#: A rejected radius within this factor of the tolerance is counted unresolved (as ``Certifier.radius``).
NEAR_FACTOR = 100.0

_PLEN, _KLPS, _NANS, _QKIND, _QM, _QID = IS.PLEN, IS.KLPS, IS.NANS, IS.QKIND, IS.QM, IS.QID
_CERTS, _PROBES, _UNRES, _BOXED, _EXACT = IS.CERTS, IS.PROBES, IS.UNRESOLVED, IS.BOXED, IS.EXACT
_ASN, _ASUP = XS.ASN, XS.ASUP


@njit(cache=True)
def _ball(st, a, b, c):
    """Float radius and proven lower bound of the ball at ``c`` in the path's rows and row ``(a, b)``."""
    radius, low = row_slack(a, b, c)
    for p in range(st.I[_PLEN]):
        s, lo = row_slack(st.PA[p], st.PB[p], c)
        radius = min(radius, s)
        low = min(low, lo)
    return radius, low


@njit(cache=True)
def _remember_point(st, mi, serial, c, t):
    e = st.PNEXT[mi]
    copy(st.PC[mi, e], c)
    st.PR[mi, e] = t
    st.PSER[mi, e] = serial
    st.PNEXT[mi] = (e + 1) % MEMORY


@njit(cache=True)
def _remember_support(CID, CLEN, CSER, CNEXT, mi, serial, ids, n):  # noqa: PLR0913  arrays, not the state
    """Remember that the rows ``ids[:n]`` and row ``mi`` leave no room (while the layer's maps hold)."""
    e = CNEXT[mi]
    for q in range(n):
        CID[mi, e, q] = ids[q]
    CLEN[mi, e] = n
    CSER[mi, e] = serial
    CNEXT[mi] = (e + 1) % MEMORY


@njit(cache=True)
def side(st, a, b, rid, l, probe, has_probe, out):
    """Does the path's region, cut by row ``(a, b)`` (id ``rid``, a neuron of layer ``l``), hold a ball
    above the tolerance?  Returns ``(answer, t)``: ``NONEMPTY`` with the centre in ``out`` and its
    radius, ``EMPTY`` with the LP radius (``-inf`` when proven with no LP), or ``QUESTION``."""
    tol = st.FP[0]
    R = st.RA.shape[0]
    mi = rid - R
    serial = st.LSER[l]
    for e in range(MEMORY):
        if st.CSER[mi, e] == serial:
            held = True
            for q in range(st.CLEN[mi, e]):
                if not st.ONPATH[st.CID[mi, e, q]]:
                    held = False
                    break
            if held:
                st.I[_CERTS] += 1
                return EMPTY, -np.inf
    if has_probe:
        radius, low = _ball(st, a, b, probe)
        if low > tol:
            copy(out, probe)
            st.I[_PROBES] += 1
            return NONEMPTY, radius
    for e in range(MEMORY):
        if st.PSER[mi, e] == serial:
            radius, low = _ball(st, a, b, st.PC[mi, e])
            if min(low, st.PR[mi, e]) > tol:
                copy(out, st.PC[mi, e])
                st.I[_PROBES] += 1
                return NONEMPTY, min(radius, st.PR[mi, e])
    for q in range(st.I[_NANS]):
        if st.AID[q] == rid:
            if st.AEMPTY[q]:
                if st.XI[_ASN, q] >= 0:  # an exact certificate's support (certified counts): remembered once
                    _remember_support(st.CID, st.CLEN, st.CSER, st.CNEXT, mi, serial, st.XI[_ASUP:, q], st.XI[_ASN, q])
                    st.XI[_ASN, q] = -1
                return EMPTY, st.AT[q]
            copy(out, st.AC[q])
            _remember_point(st, mi, serial, out, st.AT[q])
            return NONEMPTY, st.AT[q]
    p = st.I[_PLEN]
    m = p + 1
    copy_rows(st.LPA, st.PA, p)
    copy(st.LPB[:p], st.PB[:p])
    copy(st.LPA[p], a)
    st.LPB[p] = b
    if st.FP[2] > 0.0:  # every LP to HiGHS (a check of the hand-over)
        answer, t, radius = UNDECIDED, 0.0, 0.0
    elif st.FP[3] > 0.0:  # a certified count: "empty" only when proven exactly (.certified)
        st.I[_KLPS] += 1
        answer, t, radius = decide_exact(st, m, rid)
        if answer == EMPTY:
            st.I[_EXACT] += 1
    else:
        st.I[_KLPS] += 1
        answer, t, radius = decide(st.LPA, st.LPB, m, st.FP[1], tol, st.T, st.BASIS, st.U, st.AB, st.X,
                                   st.Y, st.IW)
    if answer == NONEMPTY:
        copy(out, st.U)
        _remember_point(st, mi, serial, out, radius)
        return NONEMPTY, radius
    if answer in (EMPTY, BOXED):
        if answer == BOXED:
            st.I[_BOXED] += 1
        if t <= 0.0:
            e = st.CNEXT[mi]
            n = 0
            for i in range(st.BASIS.shape[0]):
                col = st.BASIS[i]
                if col < p:
                    st.CID[mi, e, n] = st.PID[col]
                    n += 1
            st.CLEN[mi, e] = n
            st.CSER[mi, e] = serial
            st.CNEXT[mi] = (e + 1) % MEMORY
        if -NEAR_FACTOR * tol < t <= tol:
            st.I[_UNRES] += 1
        if t > st.F[1]:
            st.F[1] = t
        return EMPTY, t
    copy_rows(st.QA, st.LPA, m)
    copy(st.QB[:m], st.LPB[:m])
    st.I[_QKIND] = 3 if answer == EXACT else 1
    st.I[_QM] = m
    st.I[_QID] = rid
    return QUESTION, 0.0


@njit(cache=True)
def neuron_row(st, j, active, out):
    """Row "neuron ``j`` is active/inactive" into ``out``; returns ``(b, row id)``."""
    sign = 1.0 if active else -1.0
    for q in range(out.shape[0]):
        out[q] = sign * st.NH[j, q]
    return sign * st.CH[j], st.RA.shape[0] + 2 * j + (1 if active else 0)
