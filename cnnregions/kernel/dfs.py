"""The compiled depth-first search: the reference search's tree, one committed step at a time.

Every function here works on a :class:`~.state.KState` and mirrors a part of
:mod:`cnnregions.lpsearch` (``Search.dfs``/``branch``/``expand``,
``Layers.enter``/``screen``, ``Path.side``), so that the tree, its regions and
its node count are the reference search's.  A *step* processes the frame on top
of the stack (pop it, follow constant neurons, branch) and commits only at its
end; a question for Python (a side the kernel cannot prove, a layer with
neurons flagged constant by cancellation) returns ``QUESTION`` before anything
is committed.  Python stores the answer (keyed by the row id, or the layer) and
calls again: the step is replayed from its frame and finds the answer.  The path
does not change within a step, so an answer keyed by its row id is the answer
for that step's region.

Side tests go, as in :meth:`cnnregions.lpsearch.path.Path.side`, through a
remembered emptiness certificate, a probe, a remembered interior point, then an
LP (:func:`.lp.decide`); every "non-empty" comes with a point whose slacks are
proven above the tolerance, every "empty" with a proven dual certificate (or, for a
structurally degenerate optimum, a certificate with a rigorously bounded residual
that holds for centres in a box of half-width :data:`.lp.BOX`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..core.problem import CANCELLATION
from .certified import bound_neuron, leaf_inside
from .lp import EMPTY, NONEMPTY
from .moves import copy
from .sides import neuron_row, side
from .state import BUDGET, DONE, FULL, IS, OK, QUESTION, XS

__all__ = ["BUDGET", "DONE", "FULL", "OK", "QUESTION", "dfs_run", "expand_step", "restore"]

#: Work units of one LP in a budget (as :data:`cnnregions.core.node.WORK_PER_LP`).
WORK_PER_LP = 8
#: Row entries below this (non-zero) are flagged unresolved (as ``Certifier.coefficients``).
SMALL_VALUE = 1e-12

_SP, _PLEN, _NODES, _REGIONS, _KLPS, _HLPS = IS.SP, IS.PLEN, IS.NODES, IS.REGIONS, IS.KLPS, IS.HLPS
_RCOUNT, _NANS, _QKIND, _QID, _UNRES, _XN = IS.RCOUNT, IS.NANS, IS.QKIND, IS.QID, IS.UNRESOLVED, IS.XN
_LEAF = IS.LEAF
_EA, _EC, _QC, _NZ = XS.EA, XS.EC, XS.QC, XS.NZ


@njit(cache=True)
def _path_set(st, length):
    for p in range(length, st.I[_PLEN]):
        st.ONPATH[st.PID[p]] = False
    if length < st.I[_PLEN]:
        st.I[_PLEN] = length


@njit(cache=True)
def _path_push(st, a, b, rid):
    p = st.I[_PLEN]
    copy(st.PA[p], a)
    st.PB[p] = b
    st.PID[p] = rid
    st.ONPATH[rid] = True
    st.I[_PLEN] = p + 1


@njit(cache=True)
def _clear_answers(st):
    st.I[_NANS] = 0
    st.ALAYER[:] = False
    st.I[_LEAF] = 0


@njit(cache=True)
def _compute_layer(st, l):
    """Layer ``l``'s maps on the current region from layer ``l - 1``'s and the pattern (``Layers.enter``);
    returns True if cancellation flagged a neuron constant (certified counts: a neuron whose exact
    map may be constant, :func:`.certified.bound_neuron`)."""
    s0, s1, s2 = st.STARTS[l - 1], st.STARTS[l], st.STARTS[l + 1]
    dim = st.LA.shape[1]
    flagged = False
    certify = st.FP[3] > 0.0
    for j in range(s1, s2):
        na = 0.0
        nc = abs(st.CB[j])
        c = st.CB[j]
        ea = 0.0
        ec = 0.0
        linked = False
        mask = np.int64(0)
        for q in range(dim):
            st.LA[j, q] = 0.0
        for p in range(s0, s1):
            if st.PAT[p]:
                w = st.MM[j, p - s0]
                aw = st.AMM[j, p - s0]
                if w != 0.0:
                    linked = True
                    mask |= st.XI[_NZ, p]
                    for q in range(dim):
                        st.LA[j, q] += w * st.LA[p, q]
                c += w * st.LC[p]
                norm = 0.0
                for q in range(dim):
                    norm += st.LA[p, q] * st.LA[p, q]
                na += aw * np.sqrt(norm)
                nc += aw * abs(st.LC[p])
                ea += aw * st.XF[_EA, p]
                ec += aw * st.XF[_EC, p]
        st.LC[j] = c
        st.XI[_NZ, j] = mask
        norm = 0.0
        for q in range(dim):
            norm += st.LA[j, q] * st.LA[j, q]
        norm = np.sqrt(norm)
        const = norm <= CANCELLATION * na
        safe = 1.0 if const else norm
        for q in range(dim):
            st.NH[j, q] = st.LA[j, q] / safe
        st.CH[j] = c / safe
        st.CONST[j] = const
        st.ACT[j] = c > CANCELLATION * nc
        # Certified counts: bounds against the exact map; Python decides maps that may be constant.
        asks = bound_neuron(st, j, s1 - s0, na, nc, ea, ec, safe, const, linked) if certify else const
        flagged = flagged or asks
    if not flagged:
        for j in range(s1, s2):
            for q in range(dim):
                v = abs(st.NH[j, q])
                if v < SMALL_VALUE and v != 0.0:
                    st.I[_UNRES] += 1
                    break
    return flagged


@njit(cache=True)
def enter_layer(st, l, w, r, screen):
    """Enter layer ``l`` (its maps, then Python's decision of cancellations), screening it if ``screen``."""
    if not st.ALAYER[l]:
        st.LSER[l] += 1
        if _compute_layer(st, l):
            st.I[_QKIND] = 2
            st.I[_QID] = l
            return QUESTION
    if not screen:
        return OK
    probe = st.SCR[1]
    out = st.SCR[2]
    row = st.SCR[3]
    dim = w.shape[0]
    for j in range(st.STARTS[l], st.STARTS[l + 1]):
        if st.CONST[j]:
            continue
        dist = st.CH[j]
        for q in range(dim):
            dist += st.NH[j, q] * w[q]
        if abs(dist) < r:
            continue
        for q in range(dim):
            probe[q] = w[q] - 2.0 * dist * st.NH[j, q]
        b, rid = neuron_row(st, j, not dist > 0, row)
        # Flags are passed as np.bool_, never as literals: numba compiles a callee once per literal value.
        answer, t = side(st, row, b, rid, l, probe, np.bool_(True), out)
        if answer == QUESTION:
            return QUESTION
        if answer == EMPTY and t <= 0.0:
            st.CONST[j] = True
            st.ACT[j] = dist > 0
    return OK


@njit(cache=True)
def branch(st, k, w, r):
    """Non-empty children of the current node into ``X*`` (``Search.branch``); returns ``OK`` or ``QUESTION``."""
    tol = st.FP[0]
    if st.CONST[k]:
        st.I[_XN] = 1
        st.XACT[0] = st.ACT[k]
        st.XROW[0] = -1
        copy(st.XC[0], w)
        st.XR[0] = r
        return OK
    l = st.LAYER[k]
    dim = w.shape[0]
    d = st.CH[k]
    for q in range(dim):
        d += st.NH[k, q] * w[q]
    active = d > 0
    sigma = 1.0 if active else -1.0
    ad = abs(d)
    b_same, id_same = neuron_row(st, k, active, st.XRA[0])
    b_other, id_other = neuron_row(st, k, not active, st.XRA[1])
    st.XRB[0] = b_same
    st.XRB[1] = b_other
    same_ok = True
    other_ok = False
    if ad < r:
        for q in range(dim):
            st.XC[0, q] = w[q] + (sigma * (r - ad) / 2) * st.NH[k, q]
            st.XC[1, q] = w[q] - (sigma * (r + ad) / 2) * st.NH[k, q]
        same_r = (r + ad) / 2
        other_r = (r - ad) / 2
        other_ok = True
        cut = True
    else:
        copy(st.XC[0], w)
        same_r = r
        other_r = 0.0
        cut = False
    if same_r <= tol:
        answer, t = side(st, st.XRA[0], b_same, id_same, l, w, np.bool_(False), st.XC[0])
        if answer == QUESTION:
            return QUESTION
        same_ok = answer == NONEMPTY
        same_r = t
    if other_r <= tol:
        probe = st.SCR[1]
        if not cut:
            for q in range(dim):
                probe[q] = w[q] - (d + sigma * r) * st.NH[k, q]
        answer, t = side(st, st.XRA[1], b_other, id_other, l, probe, not cut, st.XC[1])
        if answer == QUESTION:
            return QUESTION
        other_ok = answer == NONEMPTY
        other_r = t if other_ok else 0.0
        cut = cut or t > 0
    n = 0
    if same_ok:
        st.XACT[n] = active
        st.XROW[n] = id_same if (cut or other_ok) else -1
        st.XR[n] = same_r
        n += 1
    if other_ok:
        if n == 0:
            copy(st.XC[0], st.XC[1])
            copy(st.XRA[0], st.XRA[1])
            st.XRB[0] = st.XRB[1]
        st.XACT[n] = not active
        st.XROW[n] = id_other if (cut or same_ok) else -1
        st.XR[n] = other_r
        n += 1
    st.I[_XN] = n
    return OK


@njit(cache=True)
def restore(st, k, splits, screen_const, screen_act, has_screen):
    """Make node ``k`` current (``Search.restore``): the pattern ``PAT[:k]`` is set by the caller;
    layers up to the node's are recomputed, the path rebuilt from the root rows and ``splits`` (row ids)."""
    n = st.PAT.shape[0]
    current = st.LAYER[k] if k < n else st.STARTS.shape[0] - 2
    _path_set(st, np.int64(0))
    for i in range(st.RA.shape[0]):
        _path_push(st, st.RA[i], st.RB[i], i)
    for l in range(1, current + 1):
        if (not st.BOUND[k] or l < current) and enter_layer(st, l, st.SCR[0], 0.0, np.bool_(False)) == QUESTION:
            return QUESTION
    R = st.RA.shape[0]
    row = st.SCR[3]
    for rid in splits:
        j = (rid - R) // 2
        b, _ = neuron_row(st, j, (rid - R) % 2 == 1, row)
        _path_push(st, row, b, rid)
    if has_screen:
        s0, s1 = st.STARTS[current], st.STARTS[current + 1]
        copy(st.CONST[s0:s1], screen_const)
        copy(st.ACT[s0:s1], screen_act)
    _clear_answers(st)
    return OK


@njit(cache=True)
def _follow(st, k, w, r):
    """Signs of the constant neurons from ``k`` on, entering layers as they start (``Search._follow_constants``)."""
    n = st.PAT.shape[0]
    passed = 0
    while k < n:
        if not st.CONST[k]:
            break
        st.PAT[k] = st.ACT[k]
        k += 1
        passed += 1
        if k < n and st.BOUND[k] and enter_layer(st, st.LAYER[k], w, r, np.bool_(True)) == QUESTION:
                return k, passed, QUESTION
    return k, passed, OK


@njit(cache=True)
def _emit(st, w, r, detail):
    st.I[_REGIONS] += 1
    if r < st.F[0]:
        st.F[0] = r
    if detail:
        c = st.I[_RCOUNT]
        copy(st.RPAT[c], st.PAT)
        copy(st.RW[c], w)
        st.RR[c] = r
        st.RSPL[c, :] = False
        R = st.RA.shape[0]
        for p in range(st.I[_PLEN]):
            if st.PID[p] >= R:
                st.RSPL[c, (st.PID[p] - R) // 2] = True
        st.I[_RCOUNT] = c + 1


@njit(cache=True)
def _step(st, top, detail):
    """One step of ``Search.dfs`` on the frame ``top``; commits only when it returns ``OK``."""
    n = st.PAT.shape[0]
    k = st.SK[top]
    w = st.SCR[0]
    copy(w, st.SC[top])
    r = st.SR[top]
    _path_set(st, st.SLEN[top])
    if st.SROW[top] >= 0:
        _path_push(st, st.SRA[top], st.SRB[top], st.SROW[top])
    if st.SACT[top] >= 0:
        st.PAT[k - 1] = st.SACT[top] == 1
    nodes = 1
    if k < n and st.BOUND[k] and enter_layer(st, st.LAYER[k], w, r, np.bool_(True)) == QUESTION:
            return QUESTION
    k, passed, status = _follow(st, k, w, r)
    if status == QUESTION:
        return QUESTION
    nodes += passed
    if k == n:
        if st.FP[3] > 0.0 and st.I[_LEAF] == 0 and not leaf_inside(st, w):
            copy(st.XF[_QC, :w.shape[0]], w)  # a certified count: Python checks the region exactly
            st.I[_QKIND] = 4
            return QUESTION
        st.I[_SP] = top
        st.I[_NODES] += nodes
        if st.I[_LEAF] != 2:
            _emit(st, w, r, detail)
        _clear_answers(st)
        return OK
    if branch(st, k, w, r) == QUESTION:
        return QUESTION
    st.I[_SP] = top
    st.I[_NODES] += nodes
    length = st.I[_PLEN]
    for c in range(st.I[_XN]):
        f = st.I[_SP]
        st.SK[f] = k + 1
        copy(st.SC[f], st.XC[c])
        st.SR[f] = st.XR[c]
        st.SLEN[f] = length
        st.SROW[f] = st.XROW[c]
        copy(st.SRA[f], st.XRA[c])
        st.SRB[f] = st.XRB[c]
        st.SACT[f] = 1 if st.XACT[c] else 0
        st.I[_SP] = f + 1
    _clear_answers(st)
    return OK


@njit(cache=True)
def dfs_run(st, budget, detail):
    """Run steps until the stack is empty (``DONE``), the budget is reached before a node
    (``BUDGET``, checked as ``Search.dfs`` does), the region buffer is full (``FULL``) or a question
    is pending (``QUESTION``).  ``budget < 0``: none; ``detail``: fill the region buffer."""
    n = st.PAT.shape[0]
    cap = st.RPAT.shape[0]
    while st.I[_SP] > 0:
        top = st.I[_SP] - 1
        if budget >= 0 and st.SK[top] < n and \
                (st.I[_KLPS] + st.I[_HLPS]) * WORK_PER_LP + st.I[_NODES] >= budget:
            return BUDGET
        if detail and st.I[_RCOUNT] >= cap:
            return FULL
        if _step(st, top, detail) == QUESTION:
            return QUESTION
    return DONE


@njit(cache=True)
def expand_step(st, k, w, r):
    """The branching step of ``Search.expand`` on the restored node ``k`` (children in ``X*``)."""
    n = st.PAT.shape[0]
    if k < n and st.BOUND[k] and enter_layer(st, st.LAYER[k], w, r, np.bool_(True)) == QUESTION:
            return QUESTION
    if branch(st, k, w, r) == QUESTION:
        return QUESTION
    _clear_answers(st)
    return OK
