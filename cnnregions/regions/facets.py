"""Which halfspaces of a region are facets (non-redundant).

A region is an open polyhedron ``{u : a_k . u + b_k > 0}`` (unit ``a_k``).  Row
``i`` is a *facet* when the face ``F_i = {u : a_i . u + b_i = 0, a_k . u + b_k > 0
for k != i}`` is ``(n - 1)``-dimensional; as everywhere in the package, "non-empty"
means "holds a ball (here a ball of the hyperplane) of radius above the tolerance".

Rows with the same hyperplane and orientation (coincident up to the tolerance,
e.g. two neurons of one layer with proportional weights) are one candidate: they
change sign together.  Each candidate is decided without an LP when possible: the
foot ``p_i`` of the perpendicular from the region's witness ``w`` to the
hyperplane is tested against every other row in numpy, and if the ball of the
hyperplane around it clears them all the row is a facet, with that ball.  Every
other candidate costs one Chebyshev LP in the hyperplane's ``n - 1`` coordinates
(:class:`~cnnregions.lpsearch.lp.ChebyshevLP`, the package's one LP module).

When rows carry *keys* (hashable names that identify the same affine function in
another region, as the search's ``(neuron, sign)`` keys do), two devices of the
search (:mod:`cnnregions.lpsearch.search`) spare most LPs over many regions:

- an LP that finds a face empty (radius ``<= 0``) yields dual multipliers; the rows
  they use leave no room on that hyperplane by themselves, so the face is empty in
  every later region that has those rows (an emptiness certificate);
- a face's centre is remembered, and a later region whose rows it clears (checked
  in numpy, as for the foot above) has that facet too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import SolverError
from ..lpsearch.lp import ChebyshevLP, LPStatus
from ..lpsearch.path import remember

__all__ = ["Facet", "FacetFinder", "group_coincident"]

#: Cosine above which two unit normals count as parallel.
PARALLEL = 1.0 - 1e-12
#: A row whose normal is within this angle of the hyperplane's is constant on it.
FLAT = 1e-9


@dataclass(frozen=True, eq=False)
class Facet:
    """The verdict on one candidate (a group of coincident rows).

    Attributes
    ----------
    rows : ndarray of int
        The coincident rows (first one the representative).
    is_facet : bool
    center : ndarray or None
        A point of the face's relative interior (on the hyperplane), if a facet.
    radius : float
        Radius of a ball of the hyperplane around ``center`` inside the face
        (a lower bound); 0 if not a facet.
    lp : bool
        Whether an LP was needed.
    """

    rows: np.ndarray
    is_facet: bool
    center: np.ndarray | None
    radius: float
    lp: bool


def group_coincident(A: np.ndarray, b: np.ndarray, tol: float, gram: np.ndarray | None = None) -> list[np.ndarray]:
    """Groups of rows with the same oriented hyperplane (offsets within ``tol``), each sorted."""
    m = len(b)
    if m == 0:
        return []
    G = A @ A.T if gram is None else gram
    i, j = np.nonzero(np.triu(G >= PARALLEL, 1))
    close = np.abs(b[i] - b[j]) <= tol
    if not close.any():
        return [np.array([k]) for k in range(m)]
    graph = coo_matrix((np.ones(int(close.sum())), (i[close], j[close])), shape=(m, m))
    n, labels = connected_components(graph, directed=False)
    groups: list[list[int]] = [[] for _ in range(n)]
    for k, lab in enumerate(labels.tolist()):
        groups[lab].append(k)
    return sorted((np.array(g) for g in groups), key=lambda g: int(g[0]))


class FacetFinder:
    """Decides facets of regions; holds one persistent LP per hyperplane dimension.

    Parameters
    ----------
    tol : float
        A face is a facet when it holds a ball of the hyperplane of radius above ``tol``.
    cap : float
        Radius cap of the LPs (balls larger than this are not needed).
    """

    def __init__(self, tol: float, cap: float) -> None:
        self.tol = float(tol)
        self.cap = float(cap)
        self.lps = 0
        self.certificate_hits = 0
        self.point_hits = 0
        self._lp: dict[int, ChebyshevLP] = {}
        self._certs: dict[object, list[frozenset]] = {}
        self._points: dict[object, list[np.ndarray]] = {}

    def find(self, A: np.ndarray, b: np.ndarray, w: np.ndarray, groups: list[np.ndarray] | None = None,
             candidates: list[int] | None = None, gram: np.ndarray | None = None,
             keys: list | None = None, rows: list | None = None) -> list[Facet]:
        """Decide the ``candidates`` (indices into ``groups``; default all) of ``{u : A u + b > 0}``.

        ``w`` must be a point of the region; ``A`` has unit rows; ``keys`` (optional)
        name the rows' affine functions across regions (see the module's notes);
        ``rows`` (optional) are the rows as ``(a, b)`` tuples, the same objects from
        one region to the next where the rows are the same (the LP is warm-started).
        """
        keyset = set(keys) if keys is not None else None
        G = A @ A.T if gram is None else gram
        if groups is None:
            groups = group_coincident(A, b, self.tol, G)
        if candidates is None:
            candidates = list(range(len(groups)))
        s = A @ w + b
        m = len(s)
        reps = np.array([int(groups[c][0]) for c in candidates], dtype=np.intp)
        if reps.size == 0:
            return []
        # Every row at the foot p_c = w - s_c a_c of each candidate's perpendicular (m x c).
        Gc = G[:, reps]
        value = s[:, None] - Gc * s[reps][None, :]
        proj = np.sqrt(np.maximum(1.0 - Gc * Gc, 0.0))
        near = np.abs(Gc) > 0.999           # 1 - g^2 loses precision there: project directly
        if near.any():
            k, c = np.nonzero(near)
            proj[k, c] = np.linalg.norm(A[k] - Gc[k, c][:, None] * A[reps[c]], axis=1)
        member = np.zeros((m, len(reps)), dtype=bool)
        for col, cand in enumerate(candidates):
            member[groups[cand], col] = True
        flat = ~member & (proj <= FLAT)
        slanted = ~member & ~flat
        # A parallel row at or inside the hyperplane: the face is empty (or a sliver).
        blocked = np.any(flat & (value <= self.tol), axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.where(slanted, value / np.where(slanted, proj, 1.0), np.inf)
        radius = np.minimum(dist.min(axis=0), self.cap)
        out = []
        row_objects = rows if rows is not None else [(A[k], float(b[k])) for k in range(m)]
        for col, cand in enumerate(candidates):
            group = groups[cand]
            i = int(reps[col])
            if blocked[col]:
                out.append(Facet(group, False, None, 0.0, False))
                continue
            if radius[col] > self.tol:
                out.append(Facet(group, True, w - s[i] * A[i], float(radius[col]), False))
                continue
            sl, pr = slanted[:, col], proj[:, col]
            if keyset is not None and keys is not None:
                known = self._known(A, b, keys[i], keyset, sl, pr)
                if known is not None:
                    out.append(Facet(group, known[0] is not None, known[0], known[1], False))
                    continue
            facet, used = self._space_face(A, b, group, row_objects)
            if facet is None:
                facet, used = self._lp_face(A, b, group, Gc[:, col], pr, sl)
            if keys is not None:
                if facet.is_facet:
                    remember(self._points, keys[i], facet.center)
                elif used is not None:
                    remember(self._certs, keys[i], frozenset(keys[k] for k in used))
            out.append(facet)
        return out

    def _known(self, A, b, key, keyset, slanted, proj):
        """``(center, radius)`` of a remembered facet point, ``(None, 0)`` for a
        certificate of emptiness that applies, or None."""
        for support in self._certs.get(key, ()):
            if support <= keyset:
                self.certificate_hits += 1
                return None, 0.0
        for center in self._points.get(key, ()):
            values = A[slanted] @ center + b[slanted]
            radius = min(float(np.min(values / proj[slanted])) if values.size else np.inf, self.cap)
            if radius > self.tol:
                self.point_hits += 1
                return center, radius
        return None

    def _space_face(self, A, b, group, row_objects) -> tuple[Facet | None, np.ndarray | None]:
        """The face LP in space (:meth:`~ChebyshevLP.solve_face`, warm-started): decides
        unless ``0 < t <= tol`` (then the hyperplane's own LP decides)."""
        n = A.shape[1]
        lp = self._lp.get(-n)
        if lp is None:
            lp = self._lp[-n] = ChebyshevLP(n, self.cap)
        i = int(group[0])
        result = lp.solve_face(row_objects, i, [int(k) for k in group[1:]])
        self.lps += 1
        if result.status is not LPStatus.OPTIMAL:
            return None, None
        t = result.radius
        if t > self.tol:
            center = result.center
            slack = A @ center + b
            slack[group] = np.inf
            if float(np.min(slack)) > self.tol:
                return Facet(group, True, center, t, True), None
            return None, None
        if t <= 0:
            used = np.flatnonzero(result.duals[:len(b)]) if result.duals is not None else None
            return Facet(group, False, None, 0.0, True), used
        return None, None

    def _lp_face(self, A, b, group, g, proj, slanted) -> tuple[Facet, np.ndarray | None]:
        """Chebyshev ball of the face of ``group``'s hyperplane, in the hyperplane's own coordinates."""
        i = int(group[0])
        rows_all = np.flatnonzero(slanted)
        n = A.shape[1]
        a = A[i]
        base = -b[i] * a                   # the hyperplane's point nearest the origin
        if n == 1:
            return Facet(group, True, base, self.cap, False), None
        # Householder reflection H (H a = -sign e_1): its columns 2..n span a's orthogonal complement.
        v = a.copy()
        v[0] += 1.0 if a[0] >= 0 else -1.0
        vv = float(v @ v)
        Ar = A[rows_all]
        inner = Ar @ v
        coef = Ar[:, 1:] - (2.0 / vv) * np.outer(inner, v[1:])
        offs = b[rows_all] - g[rows_all] * b[i]
        norms = proj[rows_all]
        coef /= norms[:, None]
        offs = offs / norms
        lp = self._lp.get(n - 1)
        if lp is None:
            lp = self._lp[n - 1] = ChebyshevLP(n - 1, self.cap)
        rows = [(coef[k], float(offs[k])) for k in range(len(offs))]
        result = lp.solve(rows)
        self.lps += 1
        if result.status is not LPStatus.OPTIMAL:
            raise SolverError(f"HiGHS returned {result.status.value} on a facet LP with {len(rows)} rows")
        t = result.radius
        if t <= self.tol:
            used = rows_all[np.flatnonzero(result.duals[:len(rows)])] if t <= 0 and result.duals is not None else None
            return Facet(group, False, None, 0.0, True), used
        y = result.center
        t = min(t, float(np.min(coef @ y + offs)) if len(offs) else t)
        if t <= self.tol:
            return Facet(group, False, None, 0.0, True), None
        basis_y = np.r_[0.0, y]
        point = base + basis_y - (2.0 / vv) * v * float(v @ basis_y)
        return Facet(group, True, point, t, True), None
