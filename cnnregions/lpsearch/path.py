"""The constraint path of the current region, and the test of one side of a hyperplane.

The region of a search node is ``{u : a . u + b > 0}`` for the rows on its path:
the domain's rows, then one row per neuron that split an ancestor (rows are kept
only for neurons that split a region).  :meth:`Path.side` decides whether the
region intersected with one more row still holds a ball above the tolerance,
with no LP when it can:

- *emptiness certificates*: an LP that finds a side empty returns dual
  multipliers; the rows with non-zero multipliers alone leave no room, so the
  same side is empty in every later region whose rows include those rows (rows
  are keyed by ``(neuron, sign)``), as long as the layer's maps are unchanged;
- *probes*: the caller's guess of a point on the side (the region's witness
  mirrored across the hyperplane), checked in numpy against every row;
- *remembered points*: the centre of an LP that found a side non-empty is kept,
  and a later region that contains it (checked in numpy) needs no LP either;
- *cone bounds* (:mod:`.cones`): the dual supports of earlier emptiness LPs,
  tried on this region's rows with the current maps -- an exact proof, no LP
  (float mode; in certify mode the LP and its checked certificate decide).

Certificates and points are kept per layer and forgotten when its maps change.
Every LP decision goes through the certifier (:mod:`cnnregions.certify`):
in certify mode a side the LP rejects is proven empty or re-decided exactly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..certify.certifier import Certifier
from ..errors import SolverError
from .cones import ConeStore
from .lp import ChebyshevLP, LPStatus

__all__ = ["MAX_REMEMBERED", "Path", "Row", "remember"]

#: Emptiness certificates and interior points (facet points too) kept per row key; oldest dropped.
MAX_REMEMBERED = 8


class Row(NamedTuple):
    """The constraint ``a . u + b > 0`` (unit ``a``): neuron ``key[0]`` has sign ``key[1]``.

    Domain rows have keys ``(-1 - i, True)``.
    """

    a: np.ndarray
    b: float
    key: tuple[int, bool]


def remember(memory: dict, key: object, item: object) -> None:
    """Append ``item`` to ``memory[key]``, keeping the newest :data:`MAX_REMEMBERED` (oldest dropped)."""
    known = memory.setdefault(key, [])
    known.append(item)
    if len(known) > MAX_REMEMBERED:
        del known[0]


class Path:
    """Rows of the current region (a stack), its LP memory and its side tests.

    Parameters
    ----------
    dim, cap, tol
        The problem's dimension, radius cap and tolerance.
    maxrows : int
        Most rows a path can hold.
    depth : int
        Number of layers (LP memory is kept per layer).
    cert : Certifier
        Sees every side an LP rejects.
    """

    def __init__(self, dim: int, cap: float, tol: float, maxrows: int, depth: int, cert: Certifier) -> None:
        self.tol = tol
        self.cert = cert
        self._lp_shape = (dim, cap)
        self._lp: ChebyshevLP | None = None
        self.rows: list[Row] = []
        self.keys: set = set()
        self.a = np.zeros((maxrows, dim))
        self.b = np.zeros(maxrows)
        # Serial number of the row at each position (-1: none), for the cones' validity.
        self.serials = np.full(maxrows, -1, dtype=np.int64)
        self._serial = 0
        #: Exact cone bounds (float mode only: in certify mode every emptiness is an LP's certificate).
        self.cones: ConeStore | None = None if cert.exact else ConeStore(dim)
        # Statistics.
        self.lps = 0
        self.max_rejected = 0.0
        #: Sides and constant neurons proven by a cone bound instead of an LP.
        self.bound_proofs = 0
        self._certs: list[dict] = [{} for _ in range(depth)]
        self._points: list[dict] = [{} for _ in range(depth)]

    @property
    def lp(self) -> ChebyshevLP:
        """The path's HiGHS model, made on its first LP (the kernel's first layer needs none)."""
        if self._lp is None:
            self._lp = ChebyshevLP(*self._lp_shape)
        return self._lp

    def __len__(self) -> int:
        return len(self.rows)

    def forget(self, layer: int) -> None:
        """Drop the certificates and points of ``layer`` (its maps changed)."""
        self._certs[layer] = {}
        self._points[layer] = {}

    def set(self, length: int, row: Row | None = None) -> None:
        """Keep the first ``length`` rows, then push ``row`` (if any): the one way the path changes."""
        rows = self.rows
        if len(rows) > length:
            keys = self.keys
            for dropped in rows[length:]:
                keys.discard(dropped.key)
            self.serials[length:len(rows)] = -1
            del rows[length:]
        if row is not None:
            rows.append(row)
            self.keys.add(row.key)
            self.a[length] = row.a
            self.b[length] = row.b
            self.serials[length] = self._serial
            self._serial += 1

    def splits(self, length: int | None = None) -> tuple[tuple[int, bool], ...]:
        """Keys of the neuron rows among the first ``length`` rows (all by default)."""
        rows = self.rows if length is None else self.rows[:length]
        return tuple(row.key for row in rows if row.key[0] >= 0)

    def side(self, row: Row, layer: int | None, probe: np.ndarray | None = None,
             cones: bool = True) -> tuple[np.ndarray | None, float]:
        """Chebyshev ball of the current region intersected with ``row``'s side.

        ``layer`` is the layer of ``row``'s neuron (``None`` for a domain row: no
        LP memory).  ``probe`` is a point to try first as a centre; ``cones=False``
        skips the cone bounds (the caller has just tried them).  Returns
        ``(center, radius)``, or ``(None, radius)`` if the side holds no ball above
        the tolerance (``radius <= 0``: empty; ``-inf`` when decided with no LP).
        """
        key = row.key
        p = len(self.rows)
        if layer is not None:
            known = self._certs[layer].get(key)
            if known:
                keys = self.keys
                for support in known:
                    if support <= keys:
                        return None, -np.inf
        a, b = self.a[:p], self.b[:p]
        if probe is not None:
            # The largest ball around the probe inside the region and the side (unit normals).
            radius = min(float(np.min(a @ probe + b)) if p else np.inf, float(row.a @ probe) + row.b)
            if radius > self.tol:
                return probe, radius
        if layer is not None:
            seen = self._points[layer].get(key)
            if seen:
                for center, radius in seen:
                    slack = float(np.min(a @ center + b)) if p else np.inf
                    if min(slack, radius) > self.tol:
                        return center, min(slack, radius)
        store = self.cones
        if cones and store is not None and store.size and \
                store.prove_positive(-row.a[None], np.array([-row.b]), self.serials)[0]:
            self.bound_proofs += 1
            return None, -np.inf
        return self._solve(row, layer, p)

    def _solve(self, row: Row, layer: int | None, p: int) -> tuple[np.ndarray | None, float]:
        cert = self.cert
        self.set(p, row)
        result = self.lp.solve(self.rows)
        self.lps += 1
        t, center, duals = result.radius, result.center, result.duals
        if result.status is not LPStatus.OPTIMAL:
            if not cert.exact:
                self.set(p)
                raise SolverError(f"HiGHS returned {result.status.value} on a Chebyshev LP with {p + 1} rows")
            t, center, duals = float("nan"), None, None  # certify: the exact solver decides
        if t > self.tol and center is not None:
            slack = float(np.min(self.a[:p + 1] @ center + self.b[:p + 1]))
            t = min(t, slack)
        if t > self.tol:
            if layer is not None:
                remember(self._points[layer], row.key, (center, t))
        elif cert.exact:
            return self._certified_side(p, row.key, layer, duals, center, t)
        elif t <= 0 and layer is not None and duals is not None:
            used = np.flatnonzero(duals[:p])
            rows = self.rows
            remember(self._certs[layer], row.key, frozenset(rows[i].key for i in used))
            if self.cones is not None:
                self.cones.add(used, self.serials[used], self.a[used], self.b[used])
        self.set(p)
        if t > self.tol:
            return center, t
        cert.radius(t)  # float mode: flag radii near the tolerance
        if t > self.max_rejected:
            self.max_rejected = t
        return None, t

    def _certified_side(self, p: int, key: tuple[int, bool], layer: int | None, duals, center,
                        t: float) -> tuple[np.ndarray | None, float]:
        """Certify mode: prove the side the LP rejected empty, or take the exact answer.

        A proof (a checked Motzkin certificate) is remembered like the float
        search's dual supports; a side found non-empty comes back with a point inside.
        """
        decision = self.cert.side_empty([r.key for r in self.rows], duals, center, t)
        self.set(p)
        if not decision.empty:
            return decision.center, decision.radius
        if layer is not None and decision.support is not None:
            remember(self._certs[layer], key, decision.support - {key})
        if t > self.max_rejected:
            self.max_rejected = t
        return None, 0.0 if np.isnan(t) else min(t, 0.0)
