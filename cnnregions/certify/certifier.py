"""The certifier: exact proofs at the float search's decision points.

The search (:mod:`cnnregions.lpsearch.search`) calls one :class:`Certifier` at
each decision it takes in floating point:

- a neuron declared *constant* on a region (cancellation, box screening):
  :meth:`constant_neurons`, :meth:`box_screened`;
- a side declared *empty* by an LP: :meth:`side_empty` (Motzkin certificate from
  the LP's dual support, checked exactly; else an exact decision);
- a *region* emitted: :meth:`region` (its witness checked exactly, in batches;
  else an exact decision);
- an LP radius near the tolerance: :meth:`radius` (float mode only: flagged).

With ``exact=True`` (``certify=True``) every decision is proven or replaced by the
exact answer, so the count does not depend on a tolerance.  With ``exact=False``
(the default float mode) only the cheap part runs: neurons that cancellation
declared constant are re-decided on their exact maps (Python integers, no extra
dependency), and decisions near a threshold are counted as ``unresolved``.

If the certified run disagrees with what a float run would have decided, the
driver reports the float count beside the certified one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import CertifyUnavailable
from .exact_network import ExactNetwork
from .witness import check_witnesses, region_rows

__all__ = ["Certifier", "CertifyUnavailable", "ExactChecks", "FloatChecks", "SideDecision", "require_flint"]

#: Regions whose witnesses are checked together.
BATCH = 512
#: A rejected LP radius within this factor of the tolerance (either sign) is a near-threshold decision.
NEAR_FACTOR = 100.0
#: The LP solver drops matrix entries below this (HiGHS' ``small_matrix_value``): the LP search
#: (:mod:`cnnregions.lpsearch.lp`) sets it from here, and float mode flags rows with such entries.
SMALL_VALUE = 1e-12


def require_flint() -> None:
    """Raise a one-line :class:`CertifyUnavailable` if python-flint is missing."""
    try:
        import flint  # noqa: F401
    except ImportError:
        raise CertifyUnavailable(
            "The 'certify' option needs python-flint. Got no python-flint installed instead "
            "(pip install python-flint, a dependency of cnnregions).") from None


def _float_row(row, scale: float) -> tuple[np.ndarray, float] | None:
    """Unit normal and offset, in search coordinates ``u = v / scale``, of an exact row."""
    ints = [int(v) for v in row]
    big = max(abs(v) for v in ints).bit_length()
    k = max(big - 900, 0)
    values = np.array([float(v >> k) for v in ints])
    a = values[:-1] * scale
    norm = float(np.linalg.norm(a))
    if not (norm > 0 and np.isfinite(norm)):
        return None
    return a / norm, float(values[-1] / norm)


@dataclass(frozen=True, eq=False)
class SideDecision:
    """The exact answer about a side the float LP rejected (:meth:`ExactChecks.side_empty`).

    ``empty`` with the ``support`` (the keys a checked certificate uses; None if none) when
    it is proven empty; otherwise ``center`` (search coordinates) and ``radius`` (positive):
    a ball inside it.
    """

    empty: bool
    support: frozenset | None = None
    center: np.ndarray | None = None
    radius: float = 0.0


class Certifier:
    """Exact checks for one :class:`~cnnregions.lpsearch.search.Search` (one process).

    The checks differ by mode, so there is one class per mode: :class:`FloatChecks`
    (``certify=False``: the cheap checks, flags near thresholds) and :class:`ExactChecks`
    (``certify=True``: every decision proven or replaced); :meth:`for_problem` picks one.
    This base holds what both share: the exact network and the statistics.

    Parameters
    ----------
    problem : SearchProblem
        Must carry ``problem.exact`` (an :class:`ExactNetwork`).
    pattern : ndarray of bool
        The search's live pattern array (read at each call: the prefix of the node).
    immediate : bool
        Check each region's witness when it is emitted (for :func:`iter_regions`)
        rather than in batches.
    """

    #: Whether every decision is proven (the certify mode).
    exact = False

    def __init__(self, problem, pattern: np.ndarray, *, immediate: bool = False) -> None:
        self.net: ExactNetwork = problem.exact
        self.maps = problem.maps
        self.scale = float(problem.scale)
        self.tol = float(problem.tol)
        self.pattern = pattern
        self.immediate = bool(immediate)
        self.starts = problem.starts
        # Statistics.
        self.certificates = 0      # emptiness certificates checked exactly
        self.exact_decisions = 0   # questions handed to the exact solver
        self.unresolved = 0        # decisions near a threshold, not proven (float mode)
        self.disagreements = 0     # float decisions the exact checks changed (certify mode only)
        self.rejected = 0          # emitted regions found empty (subtract from the count)

    @staticmethod
    def for_problem(problem, pattern: np.ndarray, *, immediate: bool = False) -> Certifier:
        """The checks of ``problem``'s mode (``problem.certify``)."""
        mode = ExactChecks if problem.certify else FloatChecks
        return mode(problem, pattern, immediate=immediate)

    # -- constant neurons -------------------------------------------------------------
    def _structural_constant(self, l: int, i: int) -> bool:
        """True if neuron ``i`` of layer ``l`` reads only zero weights or inactive inputs
        (then its exact value is its bias), decided on the float weights (exact)."""
        M = self.net.maps[l][0]
        if l == 0:
            return not np.any(M[i])
        act = self.pattern[self.starts[l - 1]:self.starts[l]]
        return not np.any(M[i][act])

    def constant_neurons(self, l: int, nhat: np.ndarray, chat: np.ndarray, const: list, active_const: list) -> None:
        """Decide layer ``l``'s constant neurons on their exact maps (at layer entry).

        A neuron flagged constant by cancellation whose exact map is constant gets
        the exact sign of its constant (zero: identically zero, inactive); one whose
        exact gradient is not zero is a real hyperplane: its flag is cleared and its
        float row rebuilt from the exact row.
        """
        for i in [i for i, c in enumerate(const) if c]:
            positive = self._constant_sign(l, i, nhat, chat, const)
            if positive is not None and active_const[i] != positive:
                active_const[i] = positive

    def _constant_sign(self, l: int, i: int, nhat: np.ndarray, chat: np.ndarray, const: list,
                       exact_map=None) -> bool | None:
        """The exact sign of flagged neuron ``i``'s constant; None when it is not constant (its
        flag cleared, its row rebuilt) or cannot be rebuilt (counted unresolved)."""
        if exact_map is None and self._structural_constant(l, i):
            return bool(self.net.maps[l][1][i] > 0)
        row = (exact_map if exact_map is not None else self.net.layer_map(l, self.pattern)[0])[i].tolist()
        if all(v == 0 for v in row[:-1]):
            return row[-1] > 0
        rebuilt = _float_row(row, self.scale)
        if rebuilt is None:
            self.unresolved += 1
            return None
        nhat[i], chat[i] = rebuilt
        const[i] = False
        return None

    def coefficients(self, nhat: np.ndarray, const: list) -> None:
        """Rows with non-zero entries below the LP solver's small-value threshold (float mode flags them)."""

    def box_screened(self, l: int, marked: list[int], const: list, active_const: list) -> None:
        """The flags set by screening layer ``l`` against the domain's box (certify mode proves them)."""

    def side_empty(self, keys: list, duals: np.ndarray | None, center: np.ndarray | None, t: float) -> SideDecision:
        """Prove a side the float LP rejected empty (certify mode only: float mode keeps the LP's answer)."""
        raise NotImplementedError("float mode does not prove empty sides")

    def region(self, pattern: np.ndarray, w: np.ndarray) -> bool:
        """A region the search emits (pattern, witness ``w`` in search coordinates): False if it is
        proven empty now (certify mode checks witnesses, possibly later in :meth:`flush`)."""
        return True

    def flush(self) -> None:
        """Finish the pending checks (certify mode: the batched witnesses)."""

    def radius(self, t: float) -> None:
        """An LP radius the float search rejected (float mode flags it near the tolerance)."""


class FloatChecks(Certifier):
    """Float mode: neurons that cancellation declared constant are re-decided on their exact
    maps (Python integers, no extra dependency), and decisions near a threshold are counted
    as ``unresolved``."""

    def coefficients(self, nhat: np.ndarray, const: list) -> None:
        if nhat.size:
            tiny = (np.abs(nhat) < SMALL_VALUE) & (nhat != 0)
            if np.any(tiny):
                live = ~np.asarray(const, dtype=bool)
                self.unresolved += int(np.count_nonzero(np.any(tiny, axis=1) & live))

    def radius(self, t: float) -> None:
        if -NEAR_FACTOR * self.tol < t <= self.tol:
            self.unresolved += 1


class ExactChecks(Certifier):
    """Certify mode: every decision proven, or replaced by the exact answer."""

    exact = True

    def __init__(self, problem, pattern: np.ndarray, *, immediate: bool = False) -> None:
        super().__init__(problem, pattern, immediate=immediate)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    def constant_neurons(self, l: int, nhat: np.ndarray, chat: np.ndarray, const: list, active_const: list) -> None:
        """As :meth:`Certifier.constant_neurons`, and also flag every neuron whose exact gradient is
        zero however floats rounded it."""
        exact_map = self.net.layer_map(l, self.pattern)[0]
        zero = np.all(exact_map[:, :-1] == 0, axis=1)
        for i in np.flatnonzero(zero).tolist():
            if not const[i]:
                const[i], active_const[i] = True, bool(exact_map[i, -1] > 0)
                self.disagreements += 1
        for i in [i for i, c in enumerate(const) if c]:
            positive = self._constant_sign(l, i, nhat, chat, const, exact_map)
            if positive is not None and active_const[i] != positive:
                active_const[i] = positive

    def box_screened(self, l: int, marked: list[int], const: list, active_const: list) -> None:
        """Exact interval arithmetic on the exact row over the closed box (root only): a
        neuron is constant iff its other side misses it; otherwise the flag is cleared."""
        lo, hi = self.net.root_box
        lo_q = [Fraction(float(v)) for v in lo]
        hi_q = [Fraction(float(v)) for v in hi]
        for i in marked:
            row = self.net.layer_map(l, self.pattern)[0][i].tolist()
            low = high = Fraction(row[-1])
            for a, x0, x1 in zip(row[:-1], lo_q, hi_q):
                low += min(a * x0, a * x1)
                high += max(a * x0, a * x1)
            if active_const[i] and low >= 0 and high > 0:
                continue
            if not active_const[i] and high <= 0:
                continue
            const[i] = False
            self.disagreements += 1

    # -- empty sides --------------------------------------------------------------------
    def _row(self, key) -> list[int]:
        j, active = key
        if j < 0:
            return list(self.net.root_rows_int()[-1 - j].tolist())
        row = self.net.row(j, self.pattern).tolist()
        return row if active else [-v for v in row]

    def side_empty(self, keys: list, duals: np.ndarray | None, center: np.ndarray | None, t: float) -> SideDecision:
        """Prove that the open polyhedron of ``keys`` (the path and the new side, last) is empty.

        ``t`` is the float LP's radius (NaN if the LP failed).  When the side is in fact
        non-empty, the decision holds a point inside it and a positive radius.
        """
        from .motzkin import certificate_on_support, support_from_duals
        from .simplex import decide_strict

        if t > 0 and center is not None:
            rows = [self._row(key) for key in keys]
            if _point_inside(rows, np.asarray(center) * self.scale):
                self.disagreements += 1
                return SideDecision(False, center=center, radius=float(t))
        if duals is not None:
            used = support_from_duals(duals, len(keys))
            if used:
                y = certificate_on_support([self._row(keys[i]) for i in used])
                if y is not None:
                    self.certificates += 1
                    return SideDecision(True, frozenset(keys[i] for i, w in zip(used, y) if w > 0))
        rows = [self._row(key) for key in keys]
        self.exact_decisions += 1
        decision = decide_strict(rows)
        if not decision.nonempty:
            self.certificates += 1
            return SideDecision(True, frozenset(k for k, w in zip(keys, decision.certificate or ()) if w > 0))
        if not math.isnan(t):  # a float LP answered (NaN: a failed solve) and was wrong
            self.disagreements += 1
        point = decision.point or ()
        v = np.array([float(c) for c in point])
        radius = _radius(rows, point) / self.scale
        return SideDecision(False, center=v / self.scale, radius=radius if radius > 0 else 1e-300)

    # -- regions --------------------------------------------------------------------------
    def region(self, pattern: np.ndarray, w: np.ndarray) -> bool:
        """Batched: returns True and checks later (:meth:`flush`), counting failures in
        ``rejected``; immediate: returns whether the region is proven non-empty."""
        self._pending.append((np.array(pattern, dtype=bool), np.array(w, dtype=np.float64)))
        if self.immediate:
            before = self.rejected
            self.flush()
            dropped = self.rejected > before
            self.rejected = before  # not counted by the search, so not to be subtracted
            return not dropped
        if len(self._pending) >= BATCH:
            self.flush()
        return True

    def flush(self) -> None:
        """Check the pending witnesses; decide the failures exactly."""
        if not self._pending:
            return
        from .simplex import decide_strict

        patterns = np.stack([p for p, _ in self._pending])
        points = np.stack([w for _, w in self._pending]) * self.scale
        self._pending = []
        ok = check_witnesses(self.net, patterns, points)
        for b in np.flatnonzero(~ok):
            rows = region_rows(self.net, patterns[b])
            nonempty = False
            if rows is not None:
                self.exact_decisions += 1
                decision = decide_strict(rows) if rows else None
                nonempty = decision is None or decision.nonempty
                if not nonempty:
                    self.certificates += 1
            if not nonempty:
                self.rejected += 1
                self.disagreements += 1


def _point_inside(rows: list, point: np.ndarray) -> bool:
    """True iff the float point (exact) satisfies every integer row strictly."""
    from .dyadic import as_ints, shift

    Vi, ev = as_ints(np.asarray(point, dtype=np.float64))
    e = min(ev, 0)
    V = [int(v) for v in shift(Vi, ev - e).tolist()]
    one = 1 << (-e)
    return all(sum(a * x for a, x in zip(row[:-1], V)) + row[-1] * one > 0 for row in rows)


def _radius(rows: list, point) -> float:
    """A float estimate of the distance from an exact interior point to its nearest row."""
    best = math.inf
    for row in rows:
        norm = math.sqrt(sum(float(a) ** 2 for a in row[:-1]))
        if norm > 0:
            slack = float(sum(a * x for a, x in zip(row[:-1], point)) + row[-1])
            best = min(best, slack / norm)
    return best if math.isfinite(best) else 1.0
