"""The one module that talks to the LP solver (HiGHS, through highspy).

Every feasibility question of the search is the same linear program, the
Chebyshev-ball LP of a polyhedron given by strict inequalities with unit normals::

    maximise    t
    subject to  a_k . u + b_k >= t      for every row (a_k, b_k), ||a_k|| = 1
                t <= cap,   u free,  t free

Because the rows are normalised, the optimum ``t*`` is the radius of the largest
ball (capped at ``cap``) inside ``{u : a_k . u + b_k > 0 for all k}``, and the
optimal ``u*`` its centre.  The open polyhedron is non-empty exactly when
``t* > 0``; the search accepts it when ``t*`` exceeds its tolerance.  With ``t``
free the LP is always feasible and bounded, so "empty" is never a solver
failure: it is a radius at or below the tolerance.

One :class:`ChebyshevLP` is a persistent HiGHS model: rows are added and deleted
as the depth-first search walks its path, and every solve is warm-started from
the previous basis.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..certify.certifier import SMALL_VALUE

__all__ = ["FEASIBILITY_TOLERANCE", "ChebyshevLP", "LPResult", "LPStatus"]

#: HiGHS primal and dual feasibility tolerances.  The default 1e-7 accepted
#: "regions" thinner than ~1e-8; 1e-9 with a numpy re-check of the witness did not.
FEASIBILITY_TOLERANCE = 1e-9
#: HiGHS treats matrix entries below ``small_matrix_value`` (default 1e-9) as zero; rows are
#: unit vectors here, so an entry of 1e-10 is a real slope.  1e-12 is the smallest HiGHS
#: accepts; rows with non-zero entries below it are flagged by the float run (the certifier's
#: :data:`~cnnregions.certify.certifier.SMALL_VALUE`, the one definition).
SMALL_MATRIX_VALUE = SMALL_VALUE
#: Rows with more columns than this are passed to HiGHS as sparse rows (non-zeros only).
_SPARSE_FROM = 32
#: Up to this dimension a stale row is overwritten in place (one call per coefficient).
_IN_PLACE_UP_TO = 16


class LPStatus(enum.Enum):
    """Outcome of one solve (infeasible is a status, not an exception)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    FAILED = "failed"


def _highspy():
    """highspy, imported on the first LP (a count whose kernel proves every side never loads it)."""
    import highspy

    return highspy


def _status(model_status) -> LPStatus:
    h = _highspy().HighsModelStatus
    return {h.kOptimal: LPStatus.OPTIMAL, h.kInfeasible: LPStatus.INFEASIBLE,
            h.kUnbounded: LPStatus.UNBOUNDED}.get(model_status, LPStatus.FAILED)


def _new_highs():
    highspy = _highspy()
    # ``highspy.Highs.__init__`` installs Python callbacks, which makes HiGHS write
    # its banner on stdout before any option can be set; that would corrupt
    # ``--json`` output (and every loky worker would print it).  The underlying
    # ``_Highs`` is the same solver without the callbacks, which we do not use.
    cls = getattr(getattr(highspy, "_core", None), "_Highs", None) or highspy.Highs
    h = cls()
    h.setOptionValue("output_flag", False)
    # One thread: the search parallelises over processes, and HiGHS's thread pool
    # costs ~20 us of a ~45 us warm re-solve on these tiny LPs.
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve", "off")  # 35-50% slower on these tiny LPs
    h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("dual_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("small_matrix_value", SMALL_MATRIX_VALUE)
    return h


@dataclass(frozen=True)
class LPResult:
    """Result of one Chebyshev-ball LP."""

    status: LPStatus
    radius: float
    center: np.ndarray | None
    #: Row duals ``y`` (HiGHS sign convention: ``y <= 0`` here).  When the radius is
    #: ``<= 0`` the rows with ``y != 0`` alone already leave no room: a certificate
    #: of emptiness that holds for every superset of those rows.
    duals: np.ndarray | None = None


class ChebyshevLP:
    """A persistent Chebyshev-ball LP in ``dim`` variables (plus the radius ``t``).

    Parameters
    ----------
    dim : int
        Dimension of the space searched.
    cap : float
        Upper bound on the radius (keeps the LP bounded on unbounded regions).

    Notes
    -----
    Rows are identified by the Python objects passed to :meth:`solve`: a row
    object that is already in the model at the same position is not re-added.
    Rows are tuples ``(a, b, ...)`` with ``a`` a unit vector (ndarray) and ``b`` a
    float, meaning ``a . u + b > 0``; further items are ignored.
    """

    def __init__(self, dim: int, cap: float) -> None:
        self.dim = int(dim)
        self.cap = float(cap)
        self._h = _new_highs()
        highspy = _highspy()
        inf = highspy.kHighsInf
        n = self.dim
        self._h.addVars(n + 1, np.full(n + 1, -inf), np.r_[np.full(n, inf), self.cap])
        self._h.changeColsCost(1, np.array([n], dtype=np.int32), np.array([1.0]))
        self._h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self._rows: list[object] = []  # the model's rows by position (None: a free slot)
        self._inf = inf
        self._layouts: dict[int, tuple] = {}

    def _layout(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Index arrays of ``m`` dense rows (cached: most calls add one row)."""
        cached = self._layouts.get(m)
        if cached is None:
            n1 = self.dim + 1
            cached = (np.arange(0, m * n1, n1, dtype=np.int32), np.tile(np.arange(n1, dtype=np.int32), m),
                      np.full(m, self._inf))
            if m <= 64:
                self._layouts[m] = cached
        return cached

    def _sync(self, rows: Sequence[tuple]) -> None:
        """Make the model's rows ``rows`` (then free slots, if any).

        Rows are matched by identity from the start.  Up to :data:`_IN_PLACE_UP_TO`
        dimensions, a stale row is overwritten in place and a row no longer needed
        becomes a free slot (bounds ``-inf..inf``): HiGHS keeps its basis warm
        across such changes, while deleting and adding rows costs a colder solve.
        Wider models delete stale rows and add the new ones.
        """
        model = self._rows
        common = 0
        limit = min(len(model), len(rows))
        while common < limit and model[common] is rows[common]:
            common += 1
        h = self._h
        inf = self._inf
        if self.dim <= _IN_PLACE_UP_TO:
            stop = min(len(model), len(rows))
            for pos in range(common, stop):
                row = rows[pos]
                for j, value in enumerate(row[0].tolist()):
                    h.changeCoeff(pos, j, value)
                h.changeRowBounds(pos, -float(row[1]), inf)
                model[pos] = row
            for pos in range(len(rows), len(model)):
                if model[pos] is not None:
                    h.changeRowBounds(pos, -inf, inf)
                    model[pos] = None
            common = stop
        elif common < len(model):
            drop = np.arange(common, len(model), dtype=np.int32)
            h.deleteRows(len(drop), drop)
            del model[common:]
        new = rows[common:]
        if new:
            m = len(new)
            n1 = self.dim + 1
            values = np.empty((m, n1))
            lower = np.empty(m)
            for i, row in enumerate(new):
                values[i, :-1] = row[0]
                lower[i] = -row[1]
            values[:, -1] = -1.0
            if n1 > _SPARSE_FROM:
                # Wide rows are mostly zeros (a box face, a convolution's receptive
                # field): hand HiGHS the non-zeros only.
                nonzero = values != 0.0
                starts = np.r_[0, np.cumsum(nonzero.sum(axis=1))[:-1]].astype(np.int32)
                index = np.nonzero(nonzero)[1].astype(np.int32)
                entries = values[nonzero]
                h.addRows(m, lower, np.full(m, self._inf), len(entries), starts, index, entries)
            else:
                starts, index, upper = self._layout(m)
                h.addRows(m, lower, upper, m * n1, starts, index, values.ravel())
            model.extend(new)

    def bounding_box(self, rows: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """Smallest box ``lo <= u <= hi`` around the closed polyhedron ``{u : a.u + b >= 0}``.

        Solved as ``2 dim`` LPs on the same model (``t`` fixed to 0, objective
        ``+-u_i``), which is then restored.  A direction in which the polyhedron is
        unbounded, or whose solve does not end optimal, gets ``-inf``/``inf``: the
        box is never smaller than the true one (up to the solver's tolerance).
        """
        self._sync(rows)
        highspy = _highspy()
        h = self._h
        n = self.dim
        inf = self._inf
        lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
        h.changeColBounds(n, 0.0, 0.0)
        h.changeColCost(n, 0.0)
        try:
            for i in range(n):
                h.changeColCost(i, 1.0)
                for sense, out in ((highspy.ObjSense.kMinimize, lo), (highspy.ObjSense.kMaximize, hi)):
                    h.changeObjectiveSense(sense)
                    h.run()
                    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                        out[i] = float(h.getSolution().col_value[i])
                h.changeColCost(i, 0.0)
        finally:
            h.changeColBounds(n, -inf, self.cap)
            h.changeColCost(n, 1.0)
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        return lo, hi

    def solve_face(self, rows: Sequence[tuple], tight: int,
                   ignore: Sequence[int] = ()) -> LPResult:
        """Largest ball centred on the hyperplane of ``rows[tight]`` inside the other rows.

        The LP of :meth:`solve` with row ``tight`` made the equality ``a . u + b = 0``
        (without ``t``) and the rows ``ignore`` dropped (set free), on the same
        persistent, warm-started model, which is then restored.  Its optimum ``t*``
        is a lower bound on the radius of the largest ball *of the hyperplane*
        inside the face ``{a . u + b = 0, other rows > 0}`` (a row's distance within
        the hyperplane is at least its distance in space): ``t* > 0`` proves the face
        is ``(n-1)``-dimensional, ``t* <= 0`` that its relative interior is empty
        (with the duals as a certificate, as in :meth:`solve`).
        """
        self._sync(rows)
        h = self._h
        n = self.dim
        inf = self._inf
        b = float(rows[tight][1])
        h.changeCoeff(tight, n, 0.0)
        h.changeRowBounds(tight, -b, -b)
        for k in ignore:
            h.changeRowBounds(int(k), -inf, inf)
        try:
            return self._solved(len(rows), tight)
        finally:
            h.changeCoeff(tight, n, -1.0)
            h.changeRowBounds(tight, -b, inf)
            for k in ignore:
                h.changeRowBounds(int(k), -float(rows[int(k)][1]), inf)

    def _run(self) -> LPStatus:
        """Solve the current model; a solve that does not end optimal is repeated cold
        (``clearSolver``): a warm-started dual simplex with free variables occasionally
        stops with an unknown status, and treating that as "empty" would lose regions."""
        h = self._h
        h.run()
        status = _status(h.getModelStatus())
        if status is not LPStatus.OPTIMAL:
            h.clearSolver()
            h.run()
            status = _status(h.getModelStatus())
        return status

    def solve(self, rows: Sequence[tuple]) -> LPResult:
        """Largest ball (radius capped) inside ``{u : a.u + b > 0 for (a, b) in rows}``.

        A solve that does not end optimal is repeated cold (``clearSolver``): a
        warm-started dual simplex with free variables occasionally stops with an
        unknown status, and treating that as "empty" would lose regions.
        """
        self._sync(rows)
        return self._solved(len(rows))

    def _solved(self, m: int, tight: int | None = None) -> LPResult:
        """Run the current model (:meth:`_run`) and read its result: centre, radius and,
        when the radius is ``<= 0``, the duals of the first ``m`` rows (row ``tight``'s zeroed)."""
        status = self._run()
        if status is not LPStatus.OPTIMAL:
            return LPResult(status, float("nan"), None)
        solution = self._h.getSolution()
        values = np.asarray(solution.col_value)
        t = float(values[-1])
        duals = None
        if t <= 0:
            duals = np.asarray(solution.row_dual)[:m]
            if tight is not None:
                duals = duals.copy()
                duals[tight] = 0.0
        return LPResult(status, t, values[:-1], duals)
