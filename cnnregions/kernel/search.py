"""``KernelSearch``: the compiled kernel behind the interface of :class:`cnnregions.lpsearch.search.Search`.

The kernel (:mod:`.dfs`) searches the reference search's tree in compiled code
and stops for Python only when it must: a side it cannot prove either way (HiGHS
decides it, with the reference search's post-processing: ``Path._solve``), a layer
whose neurons cancellation flagged constant (the certifier decides them on their
exact maps, as ``Layers._set`` does), a full region buffer, the budget, or the
end of the subtree.  Nodes it leaves behind (``leftover``, :meth:`expand`) are
ordinary :class:`~cnnregions.core.node.Node` values that this class
resumes from.

A certified count (``problem.certify``) proves every decision about the exact rows
(:mod:`.certified`); what the kernel cannot prove goes to the exact checks
(:class:`~cnnregions.certify.certifier.ExactChecks`, through :mod:`.exactanswers`).
Problems above :data:`KERNEL_MAX_DIM` dimensions stay on the reference engine.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np

from ..certify.certifier import Certifier
from ..core.node import WORK_PER_LP, Node
from ..core.problem import SearchProblem
from ..errors import InvalidParameterError, SolverError
from ..lpsearch.layers import Layers
from ..lpsearch.lp import ChebyshevLP, LPStatus
from ..lpsearch.path import Path
from ..lpsearch.search import RegionSink
from .engine import KERNEL_MAX_DIM
from .entries import Kernel, load_kernel
from .exactanswers import ExactAnswers
from .rowbounds import fill_first_layer
from .state import BUDGET, DONE, IS, QUESTION, KState, new_state

__all__ = ["KernelSearch"]

#: Regions handed to Python per call of the compiled search.
BUFFER = 256


class KernelSearch:
    """The search state for one process, in arrays driven by compiled code.

    Parameters
    ----------
    problem : SearchProblem
        A problem of at most :data:`KERNEL_MAX_DIM` dimensions (float mode or certified).
    immediate : bool
        Accepted for symmetry with :class:`~cnnregions.lpsearch.search.Search` (float mode
        checks no witnesses).
    buffer : int
        Regions the compiled search stores before handing them to :meth:`dfs`.
    highs_only : bool
        Hand every LP to HiGHS (the kernel still searches, probes and reuses
        certificates): a check that the hand-over to Python decides as the kernel does.
    kernel : Kernel, optional
        How the compiled entries are called (:mod:`.entries`): by default this process's
        choice, the native build when it loads, else numba's dispatchers.
    """

    def __init__(self, problem: SearchProblem, *, immediate: bool = False, buffer: int = BUFFER,
                 highs_only: bool = False, kernel: Kernel | None = None) -> None:
        if problem.dim > KERNEL_MAX_DIM:
            raise InvalidParameterError(
                f"The kernel's 'dim' must be at most {KERNEL_MAX_DIM}. Got {problem.dim} instead.")
        self.problem = problem
        self._options = (immediate, buffer, highs_only, kernel)
        self.tol = problem.tol
        self.n_neurons = problem.n_neurons
        self.starts = problem.starts
        self.boundaries = frozenset(problem.starts[1:-1])
        self._rows = len(problem.root_rows)
        state_pattern = np.zeros(self.n_neurons, dtype=bool)
        self.cert = Certifier.for_problem(problem, state_pattern, immediate=immediate)
        maxrows = len(problem.root_rows) + self.n_neurons + 1
        # The first layer as the reference search builds it (cancellation, box screening).
        first = Layers(problem, Path(problem.dim, problem.cap, problem.tol, maxrows, len(problem.maps), self.cert),
                       self.cert).data[0]
        layer0 = (first.a, first.c, first.nhat, first.chat, np.array(first.const), np.array(first.active_const))
        # The entries hold the addresses of the state's arrays: the state (a named tuple) is never
        # replaced (``state`` is read-only) and its arrays are only written in place.
        self._state = new_state(problem, layer0, buffer, highs_only)._replace(PAT=state_pattern)
        #: Certified counts: the exact checks answering the kernel's questions (:mod:`.certified`).
        self._exact: ExactAnswers | None = None
        if problem.certify:
            fill_first_layer(self._state, problem, layer0)
            self._exact = ExactAnswers(self._state, self.cert, self._rows)
        kernel = load_kernel(self.state) if kernel is None else kernel
        entries = kernel.bind(self.state)
        #: Whether the entries run the native build (:mod:`.native`) rather than numba's dispatchers.
        self.native = kernel.native and entries is not None
        if entries is None:
            from .build import JitKernel

            entries = JitKernel().bind(self.state)
        self._entries = entries
        #: The pattern of the region last yielded by :meth:`dfs` (or of the current node).
        self.pattern = np.zeros(self.n_neurons, dtype=bool)
        self._splits: list[int] = []
        self.leftover: list[Node] = []
        # Float mode: the arrays and the certifier as constructed, for :meth:`renew` (the
        # certifier of a float count holds counters only; a certified one holds exact state).
        self._fresh = None if problem.certify else (tuple(a.copy() for a in self._state), copy.copy(self.cert))

    def renew(self) -> KernelSearch:
        """This search state as a fresh one for the same problem: every array of :attr:`state`
        restored in place to its value at construction (so the compiled entries stay bound),
        the certifier's counters at zero.  A certified search gets a new state (its exact
        checks keep memory that is rebuilt, not restored).  Saves the construction (the first
        layer, the arrays, binding the entries: a few hundred microseconds) for every task a
        process runs after its first."""
        if self._fresh is None:
            immediate, buffer, highs_only, kernel = self._options
            return KernelSearch(self.problem, immediate=immediate, buffer=buffer, highs_only=highs_only, kernel=kernel)
        arrays, cert = self._fresh
        for array, fresh in zip(self._state, arrays, strict=True):
            array[...] = fresh
        self.cert = copy.copy(cert)
        self.pattern[:] = False
        self._splits = []
        self.leftover = []
        return self

    @property
    def state(self) -> KState:
        """The kernel's arrays (:class:`~.state.KState`), bound to the compiled entries for good."""
        return self._state

    # -- statistics -------------------------------------------------------------------
    @property
    def nodes(self) -> int:
        return int(self.state.I[IS.NODES])

    @property
    def regions(self) -> int:
        return int(self.state.I[IS.REGIONS])

    @property
    def lps(self) -> int:
        """LPs solved, by the kernel and by HiGHS."""
        return int(self.state.I[IS.KLPS] + self.state.I[IS.HLPS])

    @property
    def highs_lps(self) -> int:
        """Sides the kernel could not prove and handed to HiGHS."""
        return int(self.state.I[IS.HLPS])

    @property
    def kernel_lps(self) -> int:
        return int(self.state.I[IS.KLPS])

    @property
    def min_radius(self) -> float:
        return float(self.state.F[0])

    @property
    def max_rejected(self) -> float:
        return float(self.state.F[1])

    def work(self) -> int:
        """Work done so far in deterministic units: ``WORK_PER_LP`` per LP, 1 per node."""
        return self.lps * WORK_PER_LP + self.nodes

    def root(self) -> Node:
        p = self.problem
        return Node(0, np.zeros(0, dtype=bool), (), p.root_center, p.root_radius)

    def split_neurons(self) -> list[int]:
        """Neurons whose hyperplanes split the path of the region last yielded (or of the current node)."""
        return list(self._splits)

    # -- questions for Python ---------------------------------------------------------
    def _call(self, entry: str, *args) -> int:
        """Call the compiled entry ``entry`` until it returns something other than a question (answered here)."""
        st = self.state
        fn = self._entries[entry]
        while True:
            status = fn(*args)
            if st.I[IS.UNRESOLVED]:
                if self._exact is None:  # float mode: decisions near a threshold (certified: all proven)
                    self.cert.unresolved += int(st.I[IS.UNRESOLVED])
                st.I[IS.UNRESOLVED] = 0
            if st.I[IS.EXACT]:  # certified: emptiness proven exactly in the kernel (each a Motzkin certificate)
                self.cert.certificates += int(st.I[IS.EXACT])
                st.I[IS.EXACT] = 0
            if status != QUESTION:
                return status
            kind = st.I[IS.QKIND]
            if kind == 1:
                self._answer_side()
            elif kind == 2:
                self._answer_layer()
            elif kind == 3 and self._exact is not None:
                self._exact.kernel_side()
            elif self._exact is not None:
                self._exact.region()
            st.I[IS.QKIND] = 0

    def _answer_side(self) -> None:
        """HiGHS decides a side, as ``Path._solve`` does: radius, numpy slack of the centre, tolerance.

        Each question gets a fresh HiGHS model (a cold solve): the answer depends on
        the rows only, never on the questions before it.  (A warm-started persistent
        model has been seen to return a wrong optimum, ``t = -0.116`` for ``t* = 1``,
        on a net whose first layer's hyperplanes are axis-aligned:
        ``tests/kernel/test_differential.py``.)
        """
        st = self.state
        m = int(st.I[IS.QM])
        a, b = st.QA[:m].copy(), st.QB[:m].copy()
        result = ChebyshevLP(self.problem.dim, self.problem.cap).solve([(a[i], float(b[i])) for i in range(m)])
        st.I[IS.HLPS] += 1
        t, center, duals = result.radius, result.center, result.duals
        if result.status is not LPStatus.OPTIMAL:
            if self._exact is None:
                raise SolverError(f"HiGHS returned {result.status.value} on a Chebyshev LP with {m} rows")
            t, center, duals = float("nan"), None, None  # certified: the exact checks decide
        if t > self.tol and center is not None:
            t = min(t, float(np.min(a @ center + b)))
        if self._exact is not None and not t > self.tol:  # certified: as Path._certified_side
            self._exact.side(t, center, duals)
            return
        q = int(st.I[IS.NANS])
        st.AID[q] = st.I[IS.QID]
        st.AT[q] = t
        if t > self.tol and center is not None:
            st.AEMPTY[q] = False
            st.AC[q] = center
        else:
            st.AEMPTY[q] = True
            self.cert.radius(t)
            if t > st.F[1]:
                st.F[1] = t
        st.I[IS.NANS] = q + 1

    def _answer_layer(self) -> None:
        """The certifier decides a layer's constant neurons on their exact maps (as ``Layers._set``)."""
        st = self.state
        l = int(st.I[IS.QID])
        s0, s1 = self.starts[l], self.starts[l + 1]
        nhat, chat = st.NH[s0:s1].copy(), st.CH[s0:s1].copy()
        was_const = st.CONST[s0:s1].copy()
        const, active = was_const.tolist(), st.ACT[s0:s1].tolist()
        self.cert.constant_neurons(l, nhat, chat, const, active)
        self.cert.coefficients(nhat, const)
        if self._exact is not None:
            self._exact.rebuilt(s0, was_const, const)
        st.NH[s0:s1], st.CH[s0:s1] = nhat, chat
        st.CONST[s0:s1], st.ACT[s0:s1] = const, active
        st.ALAYER[l] = True

    # -- nodes --------------------------------------------------------------------------
    def _restore(self, node: Node) -> None:
        k = node.k
        st = self.state
        st.PAT[:k] = node.prefix
        self.pattern[:k] = node.prefix
        R = self._rows
        splits = np.array([R + 2 * j + int(active) for j, active in node.splits], dtype=np.int64)
        if node.screen is not None:
            const, act, has = np.array(node.screen[0], dtype=bool), np.array(node.screen[1], dtype=bool), True
        else:
            const, act, has = np.zeros(0, dtype=bool), np.zeros(0, dtype=bool), False
        self._call("restore", k, splits, const, act, has)
        self._splits = [j for j, _ in node.splits]

    def _screen_of(self, k: int) -> tuple[tuple[bool, ...], tuple[bool, ...]] | None:
        if k < self.n_neurons and k not in self.boundaries:
            l = int(self.state.LAYER[k])
            s0, s1 = self.starts[l], self.starts[l + 1]
            return tuple(self.state.CONST[s0:s1].tolist()), tuple(self.state.ACT[s0:s1].tolist())
        return None

    def _splits_of(self, length: int) -> tuple[tuple[int, bool], ...]:
        R = self._rows
        ids = self.state.PID[:length].tolist()
        return tuple(((i - R) // 2, bool((i - R) % 2)) for i in ids if i >= R)

    def _leftover(self, node: Node) -> list[Node]:
        """The stack's frames as nodes, bottom first (``Search.node_of``)."""
        st = self.state
        out = []
        R = self._rows
        for f in range(int(st.I[IS.SP])):
            if st.SACT[f] < 0:
                out.append(node)
                continue
            k = int(st.SK[f])
            splits = self._splits_of(int(st.SLEN[f]))
            if st.SROW[f] >= 0:
                rid = int(st.SROW[f])
                splits += (((rid - R) // 2, bool((rid - R) % 2)),)
            prefix = st.PAT[:k].copy()
            prefix[k - 1] = bool(st.SACT[f])
            out.append(Node(k, prefix, splits, st.SC[f].copy(), float(st.SR[f]), self._screen_of(k)))
        return out

    def _start(self, node: Node) -> None:
        self.leftover = []
        self._restore(node)
        st = self.state
        st.SK[0], st.SLEN[0], st.SROW[0], st.SACT[0] = node.k, st.I[IS.PLEN], -1, -1
        st.SC[0], st.SR[0] = node.center, node.radius
        st.I[IS.SP] = 1

    # -- searches -----------------------------------------------------------------------
    def dfs(self, node: Node, budget: int | None = None) -> Iterator[tuple[np.ndarray, float]]:
        """Depth-first search of ``node``'s subtree, yielding ``(witness, radius)`` of every
        region with :attr:`pattern` and :meth:`split_neurons` current (as ``Search.dfs``).

        Regions come from the compiled search in batches; with a ``budget`` the
        search stops as ``Search.dfs`` does and leaves its unexplored nodes in
        :attr:`leftover`.
        """
        self._start(node)
        st = self.state
        limit = -1 if budget is None else int(budget)
        while True:
            st.I[IS.RCOUNT] = 0
            status = self._call("dfs_run", limit, True)
            for c in range(int(st.I[IS.RCOUNT])):
                self.pattern[:] = st.RPAT[c]
                self._splits = np.flatnonzero(st.RSPL[c]).tolist()
                yield st.RW[c].copy(), float(st.RR[c])
            if status == BUDGET:
                self.leftover = self._leftover(node)
                return
            if status == DONE:
                return

    def count(self, node: Node, budget: int | None = None) -> int:
        """Search ``node``'s subtree like :meth:`dfs` but only count (no Python per region).

        Returns the regions found by this call; :attr:`leftover` as in :meth:`dfs`.
        """
        before = self.regions
        self._start(node)
        status = self._call("dfs_run", -1 if budget is None else int(budget), False)
        if status == BUDGET:
            self.leftover = self._leftover(node)
        return self.regions - before

    def expand(self, node: Node, on_region: RegionSink | None = None) -> list[Node]:
        """One branching step from ``node`` (``Search.expand``): leaves are counted and passed to
        ``on_region(pattern, witness, radius, split_neurons)``, the other children returned."""
        self._restore(node)
        st = self.state
        k = node.k
        self._call("expand_step", k, np.asarray(node.center, dtype=np.float64), float(node.radius))
        st.I[IS.NODES] += 1
        out = []
        for c in range(int(st.I[IS.XN])):
            active = bool(st.XACT[c])
            splits = node.splits + ((k, active),) if st.XROW[c] >= 0 else node.splits
            prefix = np.append(node.prefix, active)
            center, radius = st.XC[c].copy(), float(st.XR[c])
            if k + 1 == self.n_neurons:
                st.I[IS.NODES] += 1
                if not self.cert.region(prefix, center):  # certified: the witness checked exactly
                    continue
                st.I[IS.REGIONS] += 1
                st.F[0] = min(st.F[0], radius)
                if on_region is not None:
                    on_region(prefix, center, radius, [j for j, _ in splits])
                continue
            out.append(Node(k + 1, prefix, splits, center, radius, self._screen_of(k + 1)))
        return out
