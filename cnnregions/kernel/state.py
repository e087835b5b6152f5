"""The kernel's whole search state: plain arrays owned by Python, read and written by compiled code.

The compiled search (:mod:`.dfs`) keeps nothing between calls: the depth-first
stack, the path's rows, every layer's maps on the current region, the pattern,
the LP memory (emptiness certificates and interior points), the region buffer,
the pending question for Python and the answers to it all live in one
:class:`KState` (a named tuple of arrays, which numba passes by reference).  A
call can therefore stop anywhere a step is not yet committed and be called again.

Row ids: the domain's row ``i`` is ``i``; "neuron ``j`` has sign ``s``" is
``R + 2 j + s`` (``R`` domain rows); the LP memory of a neuron row is indexed by
``2 j + s``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.problem import SearchProblem

__all__ = ["BUDGET", "DONE", "FIELDS", "FULL", "IS", "MEMORY", "OK", "QUESTION", "XS", "KState", "lifted_rows", "new_state"]

#: Return codes of the compiled entries: a step committed, the subtree done, the budget reached,
#: the region buffer full, a question pending for Python.
OK, DONE, BUDGET, FULL, QUESTION = 0, 1, 2, 3, 4
#: Certificates and interior points remembered per neuron row (oldest overwritten), as the reference path does.
MEMORY = 8

class KState(NamedTuple):
    """The kernel's state (a named tuple of arrays: numba passes it by reference, Python owns it).

    ``FP = (tol, cap, highs_only, certify)``; ``F = (min radius, max rejected, the exact question's t)``.
    """

    # the problem (read only)
    MM: np.ndarray
    AMM: np.ndarray
    CB: np.ndarray
    STARTS: np.ndarray
    LAYER: np.ndarray
    BOUND: np.ndarray
    RA: np.ndarray
    RB: np.ndarray
    FP: np.ndarray
    # layer data on the current region, per neuron
    LA: np.ndarray
    LC: np.ndarray
    NH: np.ndarray
    CH: np.ndarray
    CONST: np.ndarray
    ACT: np.ndarray
    LSER: np.ndarray
    ALAYER: np.ndarray
    # the path
    PA: np.ndarray
    PB: np.ndarray
    PID: np.ndarray
    ONPATH: np.ndarray
    # the depth-first stack
    SK: np.ndarray
    SLEN: np.ndarray
    SACT: np.ndarray
    SROW: np.ndarray
    SRA: np.ndarray
    SRB: np.ndarray
    SC: np.ndarray
    SR: np.ndarray
    # pattern, counters
    PAT: np.ndarray
    I: np.ndarray
    F: np.ndarray
    # LP memory: certificate supports and interior points
    CID: np.ndarray
    CLEN: np.ndarray
    CSER: np.ndarray
    CNEXT: np.ndarray
    PC: np.ndarray
    PR: np.ndarray
    PSER: np.ndarray
    PNEXT: np.ndarray
    # region buffer
    RPAT: np.ndarray
    RW: np.ndarray
    RR: np.ndarray
    RSPL: np.ndarray
    # question to Python and its answers
    QA: np.ndarray
    QB: np.ndarray
    AID: np.ndarray
    AEMPTY: np.ndarray
    AC: np.ndarray
    AT: np.ndarray
    # children of one branching step
    XACT: np.ndarray
    XROW: np.ndarray
    XRA: np.ndarray
    XRB: np.ndarray
    XC: np.ndarray
    XR: np.ndarray
    # LP rows and work arrays, scratch vectors
    LPA: np.ndarray
    LPB: np.ndarray
    T: np.ndarray
    BASIS: np.ndarray
    U: np.ndarray
    AB: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    IW: np.ndarray
    SCR: np.ndarray
    # certified counts (rows named by XS): bounds of the float rows against the exact rows (.rowbounds),
    # the exact question and the supports of exact answers.  Two arrays, not one per quantity: every
    # array of the state is passed along each compiled call, and 13 more cost the float search ~15%.
    XF: np.ndarray
    XI: np.ndarray


FIELDS = KState._fields


class XS:
    """Rows of ``KState.XF`` (floats) and ``KState.XI`` (integers), for certified counts.

    ``XF``: per neuron ``EA, EC`` (bounds of the maps ``LA, LC``) and ``ENA, ENC`` (of the rows
    ``NH, CH``); per domain row ``ERB``; per LP row ``LEA, LEB``; the exact question's support
    multipliers ``QY`` and centre ``QC``.  ``XI``: per neuron ``NZ`` (coordinates, as bits, where
    the map may be non-zero); per LP row ``LNZ``; the exact question's support ``QS`` (LP rows);
    per answer ``ASN`` (the size of its certificate's support, -1: none) and, from row ``ASUP``
    on, the support's row ids (one column per answer).  From row ``LW`` on, ``XF`` is the
    workspace of :func:`.certified.prove_lifted` (:func:`lifted_rows` rows: the compiled
    kernel allocates nothing).
    """

    EA, EC, ENA, ENC, ERB, LEA, LEB, QY, QC, LW = range(10)
    NZ, LNZ, QS, ASN, ASUP = range(5)


def lifted_rows(d: int) -> int:
    """Rows of ``prove_lifted``'s workspace for supports of at most ``d`` rows: the lifted rows,
    their bounds and the square system (``d`` each), four rows of work, five vectors."""
    return 3 * d + 9


class IS:
    """Indices of the integer counters ``KState.I`` (the float ones: ``F[0]`` min radius, ``F[1]`` max rejected,
    ``F[2]`` the radius of an exact question)."""

    SP = 0          # stack size
    PLEN = 1        # rows on the path
    NODES = 2
    REGIONS = 3
    KLPS = 4        # LPs solved by the kernel
    HLPS = 5        # LPs handed to HiGHS
    RCOUNT = 6      # regions in the buffer
    NANS = 7        # answers held for the current step
    QKIND = 8       # 1: a side for HiGHS, 2: a layer's constant neurons, 3: a side to decide exactly, 4: a region
    QM = 9          # rows of the question
    QID = 10        # the row id (side) or the layer (constant neurons)
    CERTS = 11      # sides proven empty by a remembered certificate
    PROBES = 12     # sides decided by a probe or a remembered point
    UNRESOLVED = 13  # float decisions near a threshold (as Certifier.radius / coefficients)
    XN = 14         # children of the last branching step
    BOXED = 15      # sides proven empty for centres in the box (lp.prove_empty_box)
    QSN = 16        # certified counts: rows in the support of the exact question (QS, QY)
    LEAF = 17       # certified counts: the pending region's answer (1: count it, 2: drop it)
    EXACT = 18      # certified counts: sides proven exactly empty in the kernel
    LIFTED = 19     # certified counts: of those, proven over the neurons of a layer below (certified.prove_lifted)
    SIZE = 20


def _exact_ints(n: int, width: int, d: int) -> np.ndarray:
    out = np.zeros((XS.ASUP + d, width), dtype=np.int64)
    out[XS.NZ, :n] = -1  # every coordinate, until measured
    out[XS.ASN] = -1
    return out


def new_state(problem: SearchProblem, layer0: tuple[np.ndarray, ...], buffer: int, highs_only: bool = False) -> KState:
    """Fresh arrays for ``problem``; ``layer0`` is the first layer's ``(a, c, nhat, chat, const, active)``
    as the reference search computes it (cancellation and box screening decided in Python).
    ``highs_only`` hands every LP to HiGHS; ``problem.certify`` proves every decision (``FP[3]``), with
    the first layer's and the domain's row bounds filled in by :func:`.rowbounds.fill_first_layer`."""
    maps, starts = problem.maps, problem.starts
    n, dim, depth = problem.n_neurons, problem.dim, len(maps)
    width = max([1] + [M.shape[1] for M, _ in maps[1:]])
    MM = np.zeros((n, width))
    CB = np.zeros(n)
    for l, (M, c) in enumerate(maps):
        CB[starts[l]:starts[l + 1]] = c
        if l:
            MM[starts[l]:starts[l + 1], :M.shape[1]] = M
    rows = len(problem.root_rows)
    RA = np.array([a for a, _ in problem.root_rows], dtype=np.float64).reshape(rows, dim)
    RB = np.array([b for _, b in problem.root_rows], dtype=np.float64)
    layer_of = np.repeat(np.arange(depth), np.diff(starts)).astype(np.int64)
    bound = np.zeros(n + 1, dtype=np.bool_)
    bound[list(starts[1:-1])] = True
    maxrows = rows + n + 2
    stack = 2 * n + 4
    ids = rows + 2 * n
    s0, s1 = starts[0], starts[1]
    LA, LC, NH, CH = np.zeros((n, dim)), np.zeros(n), np.zeros((n, dim)), np.zeros(n)
    CONST, ACT = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    a0, c0, nh0, ch0, const0, act0 = layer0
    LA[s0:s1], LC[s0:s1], NH[s0:s1], CH[s0:s1] = a0, c0, nh0, ch0
    CONST[s0:s1], ACT[s0:s1] = const0, act0
    d = dim + 1
    arrays = dict(
        MM=MM, AMM=np.abs(MM), CB=CB, STARTS=np.array(starts, dtype=np.int64), LAYER=layer_of, BOUND=bound,
        RA=RA, RB=RB, FP=np.array([problem.tol, problem.cap, float(highs_only), float(problem.certify)]),
        LA=LA, LC=LC, NH=NH, CH=CH, CONST=CONST, ACT=ACT, LSER=np.zeros(depth, dtype=np.int64),
        ALAYER=np.zeros(depth, dtype=np.bool_),
        PA=np.zeros((maxrows, dim)), PB=np.zeros(maxrows), PID=np.zeros(maxrows, dtype=np.int64),
        ONPATH=np.zeros(ids, dtype=np.bool_),
        SK=np.zeros(stack, dtype=np.int64), SLEN=np.zeros(stack, dtype=np.int64),
        SACT=np.zeros(stack, dtype=np.int64), SROW=np.zeros(stack, dtype=np.int64),
        SRA=np.zeros((stack, dim)), SRB=np.zeros(stack), SC=np.zeros((stack, dim)), SR=np.zeros(stack),
        PAT=np.zeros(n, dtype=np.bool_), I=np.zeros(IS.SIZE, dtype=np.int64), F=np.array([np.inf, 0.0, 0.0]),
        CID=np.zeros((2 * n, MEMORY, d), dtype=np.int64), CLEN=np.zeros((2 * n, MEMORY), dtype=np.int64),
        CSER=np.full((2 * n, MEMORY), -1, dtype=np.int64), CNEXT=np.zeros(2 * n, dtype=np.int64),
        PC=np.zeros((2 * n, MEMORY, dim)), PR=np.zeros((2 * n, MEMORY)),
        PSER=np.full((2 * n, MEMORY), -1, dtype=np.int64), PNEXT=np.zeros(2 * n, dtype=np.int64),
        RPAT=np.zeros((buffer, n), dtype=np.bool_), RW=np.zeros((buffer, dim)), RR=np.zeros(buffer),
        RSPL=np.zeros((buffer, n), dtype=np.bool_),
        QA=np.zeros((maxrows + 1, dim)), QB=np.zeros(maxrows + 1),
        AID=np.full(ids + 2, -1, dtype=np.int64), AEMPTY=np.zeros(ids + 2, dtype=np.bool_),
        AC=np.zeros((ids + 2, dim)), AT=np.zeros(ids + 2),
        XACT=np.zeros(2, dtype=np.bool_), XROW=np.zeros(2, dtype=np.int64), XRA=np.zeros((2, dim)),
        XRB=np.zeros(2), XC=np.zeros((2, dim)), XR=np.zeros(2),
        LPA=np.zeros((maxrows + 1, dim)), LPB=np.zeros(maxrows + 1),
        T=np.zeros((d + 1, maxrows + 1 + d + 2)), BASIS=np.zeros(d, dtype=np.int64), U=np.zeros(dim),
        AB=np.zeros((d, d)), X=np.zeros((d, 2 * d)), Y=np.zeros(d), IW=np.zeros((5, d), dtype=np.int64),
        SCR=np.zeros((4, dim)),
        XF=np.zeros((XS.LW + lifted_rows(d), max(n, maxrows + 1, d))),
        XI=_exact_ints(n, max(n, maxrows + 1, d, ids + 2), d),
    )
    return KState(**arrays)
