"""The regions met by a segment, by walking it layer by layer (no LP).

On the segment ``x = a + t (b - a)``, ``0 <= t <= 1``, every first-layer neuron is
affine in ``t`` and changes sign at most once (its *breakpoint*); between consecutive
breakpoints the pattern of layer 1 is fixed, so every layer-2 neuron is affine there,
and so on (Hanin & Rolnick, 2019, count regions along lines the same way).  The
intervals left after the last layer are the regions the segment meets (in more than a
point; a convex region meets a segment in one interval).  This is the 1-D case of
:mod:`.slice2d` and shares its rows (:mod:`.lines`), its crossing bound (:mod:`.polygon`)
and its exact fallback (:mod:`.exact`).

Decisions are exact: an endpoint sign is certain when the value exceeds its proven
bound, two breakpoints are ordered in floats when their error intervals are disjoint,
and anything else (a breakpoint at an endpoint, two neurons changing sign at the same
point) is decided in rational arithmetic.  A neuron identically zero on an interval is
inactive there and does not split it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..models.limits import check_bytes
from ..models.network import Network
from .exact import ExactChain, first_layer_row, from_float, rat
from .lines import UNIT, FloatChain, LineLayers, round_up
from .polygon import _crossing

__all__ = ["Breakpoints", "Intervals", "SegmentEngine", "SegmentRegions"]

#: Intervals per batch of a deeper layer.
CHUNK = 1024


@dataclass(frozen=True, eq=False)
class SegmentRegions:
    """The regions met by a segment.

    Attributes
    ----------
    regions : int
        Number of regions the open segment meets (in an interval of positive length).
    breakpoints : ndarray, shape (regions + 1,)
        ``0``, the distinct parameters ``t`` where the pattern changes (increasing), ``1``.
    patterns : ndarray of bool, shape (regions, n_neurons)
        The pattern of each interval, in order along the segment.
    crossings : int
        Neuron sign changes found inside intervals, over all layers (the work done).
    exact_decisions : int
        Intervals of a layer decided in rational arithmetic.
    seconds : float
    """

    regions: int
    breakpoints: np.ndarray
    patterns: np.ndarray
    crossings: int
    exact_decisions: int
    seconds: float

    @property
    def breakpoints_per_second(self) -> float:
        return self.crossings / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True, eq=False)
class Intervals:
    """Intervals of the segment's parameter ``t``: float ends ``lo``, ``hi`` with error radii
    ``rl``, ``rh`` (the exact end lies within), and the pattern of the neurons decided so far."""

    lo: np.ndarray
    hi: np.ndarray
    rl: np.ndarray
    rh: np.ndarray
    pattern: np.ndarray

    def part(self, rows: slice) -> Intervals:
        return Intervals(self.lo[rows], self.hi[rows], self.rl[rows], self.rh[rows], self.pattern[rows])

    @staticmethod
    def join(parts: list[Intervals]) -> Intervals:
        return Intervals(*(np.concatenate([getattr(p, name) for p in parts])
                           for name in ("lo", "hi", "rl", "rh", "pattern")))


@dataclass(frozen=True, eq=False)
class Breakpoints:
    """Where neurons change sign inside intervals, sorted by interval then ``t``: ``neuron``,
    ``interval`` (its index), ``t`` with error ``radius``, and ``new`` (False for a breakpoint
    equal to the previous one: two neurons changing sign at once)."""

    neuron: np.ndarray
    interval: np.ndarray
    t: np.ndarray
    radius: np.ndarray
    new: np.ndarray


def _endpoint_values(L, E, t, r):
    """Values ``g t + h`` of rows ``L`` (n, K, 2) at endpoints ``t`` (K,) with radius ``r``, and bounds."""
    g, h = L[..., 0], L[..., 1]
    gt = g * t
    f = gt + h
    bound = E[..., 0] * (np.abs(t) + r) + E[..., 1] + np.abs(g) * r + 2.0000001 * UNIT * (np.abs(gt) + np.abs(h))
    return f, round_up(bound, 5)


class SegmentEngine:
    """Walk the segment ``x = origin + t basis[:, 0]``, ``0 <= t <= 1``."""

    def __init__(self, network: Network | LineLayers, origin: np.ndarray, basis: np.ndarray) -> None:
        self.layers = layers = network if isinstance(network, LineLayers) else LineLayers(network)
        self.origin, self.basis = origin, basis
        self.chain = FloatChain(layers, origin, basis)
        self.sizes = self.chain.sizes
        self._exact: ExactChain | None = None
        self.crossings = 0
        self.exact_decisions = 0

    @property
    def exact(self) -> ExactChain:
        if self._exact is None:
            self._exact = ExactChain(self.layers, self.origin, self.basis)
        return self._exact

    def run(self) -> SegmentRegions:
        start = time.perf_counter()
        ivs = Intervals(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1), np.zeros((1, 0), dtype=bool))
        for layer in range(len(self.sizes)):
            ivs = Intervals.join([self._layer(layer, ivs.part(slice(c, c + CHUNK))) for c in range(0, len(ivs.lo), CHUNK)])
        lo, hi, pattern = ivs.lo, ivs.hi, ivs.pattern
        order = np.argsort(lo, kind="stable")
        lo, hi, pattern = lo[order], hi[order], pattern[order]
        return SegmentRegions(len(lo), np.append(lo, hi[-1]), pattern, self.crossings, self.exact_decisions,
                              time.perf_counter() - start)

    def _rows(self, layer, pattern):
        L = self.chain.first[0]
        if layer == 0:
            return np.broadcast_to(L[:, None], (L.shape[0], len(pattern), 2))
        start = 0
        for l in range(layer):
            L = self.chain.next_lines(l, L, pattern[:, start:start + self.sizes[l]])
            start += self.sizes[l]
        return L

    def _layer(self, layer: int, ivs: Intervals) -> Intervals:
        """Split intervals by the breakpoints of layer ``layer``; returns the sub-intervals."""
        lo, hi, rl, rh, prefix = ivs.lo, ivs.hi, ivs.rl, ivs.rh, ivs.pattern
        L = self._rows(layer, prefix)
        E = np.broadcast_to(self.chain.bounds[layer][:, None], L.shape)
        f0, b0 = _endpoint_values(L, E, lo, rl)
        f1, b1 = _endpoint_values(L, E, hi, rh)
        zero = (f0 == 0) & (f1 == 0) & (b0 == 0) & (b1 == 0)
        doubt = ((np.abs(f0) <= b0) | (np.abs(f1) <= b1)) & ~zero
        cross = ~doubt & ~zero & ((f0 > 0) != (f1 > 0))            # (n, K)
        bad = doubt.any(axis=0)
        # breakpoints of the certain crossings, with error radii
        jn, kk = np.nonzero(cross & ~bad[None, :])
        pos_first = f0[jn, kk] > 0
        p = np.where(pos_first, lo[kk], hi[kk])[:, None]
        q = np.where(pos_first, hi[kk], lo[kk])[:, None]
        rp, rq = np.where(pos_first, rl[kk], rh[kk]), np.where(pos_first, rh[kk], rl[kk])
        fp, fq = np.where(pos_first, f0[jn, kk], f1[jn, kk]), np.where(pos_first, f1[jn, kk], f0[jn, kk])
        bp, bq = np.where(pos_first, b0[jn, kk], b1[jn, kk]), np.where(pos_first, b1[jn, kk], b0[jn, kk])
        t, rt = _crossing(p, rp, fp, bp, q, rq, fq, bq)
        t = t[:, 0]
        order = np.lexsort((t, kk))
        jn, kk, t, rt = jn[order], kk[order], t[order], rt[order]
        keep = ~bad[kk]
        jn, kk, t, rt = jn[keep], kk[keep], t[keep], rt[keep]
        new = self._resolve(layer, prefix, jn, kk, t, rt)
        self.crossings += len(t)
        out = self._split(ivs, np.flatnonzero(~bad), Breakpoints(jn, kk, t, rt, new), f0, f1)
        exact = [self._exact_interval(layer, prefix[k]) for k in np.flatnonzero(bad)]
        return Intervals.join([out, *exact])

    def _resolve(self, layer, prefix, jn, kk, t, rt):
        """Order breakpoints that floats cannot separate, exactly; merge equal ones (in place).

        Sorted by ``t``, two neighbours whose error intervals overlap form a cluster (with
        sorted centres, overlapping intervals are always chained through neighbours); each
        cluster's members get their exact rational breakpoints, sorted.  Returns ``new``:
        False for a breakpoint equal to the previous one (two neurons changing sign at once).
        """
        new = np.ones(len(t), dtype=bool)
        if len(t) < 2:
            return new
        joined = (kk[1:] == kk[:-1]) & (t[1:] - rt[1:] <= t[:-1] + rt[:-1])
        if not joined.any():
            return new
        cluster = np.concatenate([[0], np.cumsum(~joined)])
        for c in np.unique(cluster[1:][joined]):
            members = np.flatnonzero(cluster == c)
            if layer == 0:   # a first-layer row has few terms: compute just the members'
                M, _, _, c = self.layers.operators[0]
                X = np.column_stack([self.basis, self.origin])
                roots = {j: -(row[1] / row[0]) for j in jn[members] for row in [first_layer_row(M, c, X, j)]}
            else:
                rows = self.exact.rows(prefix[kk[members[0]]], layer + 1)[layer]
                roots = {j: rat(-int(rows[j][1]), int(rows[j][0])) for j in jn[members]}
            exact = sorted((roots[j], j) for j in jn[members])
            self.exact_decisions += 1
            for pos, (value, j) in zip(members, exact):
                jn[pos] = j
                t[pos] = float(value)
                rt[pos] = float(abs(from_float(t[pos]) - value)) * (1 + 2.0 ** -50) + 2.0 ** -1070
            for pos, (value, _), (before, _) in zip(members[1:], exact[1:], exact):
                new[pos] = value != before
        return new

    def _split(self, ivs: Intervals, good: np.ndarray, bps: Breakpoints, f0: np.ndarray, f1: np.ndarray) -> Intervals:
        """Sub-intervals of the intervals ``good`` of ``ivs`` at their sorted breakpoints ``bps``;
        ``f0``, ``f1``: the neurons' values at the intervals' ends."""
        lo, hi, rl, rh, prefix = ivs.lo, ivs.hi, ivs.rl, ivs.rh, ivs.pattern
        jn, kk, t, rt, new = bps.neuron, bps.interval, bps.t, bps.radius, bps.new
        n = f0.shape[0]
        distinct = np.bincount(kk[new], minlength=len(lo))[good]
        sizes = distinct + 1
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])       # index of each interval's first sub-interval
        total = int(sizes.sum())
        check_bytes((total + 1) * (16 * n + 2 * prefix.shape[1]), "The segment's walk",
                    f"{total:,} intervals by {n:,} neurons of one layer", "the segment meets too many regions of "
                    "so wide a network to list their patterns: try a shorter segment")
        owner = np.repeat(good, sizes)
        # constant signs: the sign at lo unless zero there (then at hi); identically zero: inactive
        base = np.where(np.abs(f0) > 0, f0 > 0, f1 > 0).T                # (K, n)
        sign = base[owner].copy()
        new_lo, new_hi = np.repeat(lo[good], sizes), np.repeat(hi[good], sizes)
        new_rl, new_rh = np.repeat(rl[good], sizes), np.repeat(rh[good], sizes)
        if len(t):
            at = np.searchsorted(good, kk)                              # position of each interval in good
            cum = np.cumsum(new)
            rank = cum - 1 - (cum - new)[np.searchsorted(kk, kk)]      # 0-based distinct rank within its interval
            start = first[at]
            flips = np.zeros((total + 1, n), dtype=np.int32)
            np.add.at(flips, (start + rank + 1, jn), 1)
            np.add.at(flips, (start + distinct[at] + 1, jn), -1)
            flipped = np.cumsum(flips, axis=0)[:total] > 0
            sign = sign ^ flipped
            new_hi[start + rank], new_rh[start + rank] = t, rt
            new_lo[start + rank + 1], new_rl[start + rank + 1] = t, rt
        return Intervals(new_lo, new_hi, new_rl, new_rh, np.concatenate([prefix[owner], sign], axis=1))

    # -- exact decisions -------------------------------------------------------------------
    def _exact_interval(self, layer: int, prefix: np.ndarray) -> Intervals:
        """The interval of pattern ``prefix`` split by layer ``layer`` in rational arithmetic (its
        exact ends recomputed from the decided neurons)."""
        self.exact_decisions += 1
        rows = self.exact.rows(prefix, layer + 1)
        a, b = rat(0), rat(1)
        start = 0
        for l in range(layer):                   # the exact interval: [0, 1] cut by every decided neuron
            signs = prefix[start:start + self.sizes[l]]
            start += self.sizes[l]
            for (g, h), s in zip(rows[l], signs):
                g, h = int(g), int(h)
                if g == 0:
                    continue
                root = rat(-h, g)
                if (g > 0) == bool(s):           # s (g t + h) >= 0  <=>  t >= root
                    a = max(a, root)
                else:
                    b = min(b, root)
        if not a < b:  # pragma: no cover - would mean a float decision was wrong
            raise RuntimeError("internal error: an interval of the segment is empty in exact arithmetic")
        points: dict = {}
        base = np.zeros(len(rows[layer]), dtype=bool)
        for j, (g, h) in enumerate(rows[layer]):
            g, h = int(g), int(h)
            va, vb = g * a + h, g * b + h
            base[j] = va > 0 if va != 0 else vb > 0
            if (va > 0 > vb) or (va < 0 < vb):
                points.setdefault(rat(-h, g), []).append(j)
        self.crossings += sum(len(v) for v in points.values())
        ends = [a, *sorted(points), b]
        pats, sign = [], base.copy()
        for i in range(len(ends) - 1):
            if i:
                sign[points[ends[i]]] ^= True
            pats.append(sign.copy())
        fl = np.array([float(e) for e in ends])
        rad = np.array([float(abs(from_float(float(e)) - e)) * (1 + 2.0 ** -50) + (2.0 ** -1070 if e != from_float(float(e)) else 0.0)
                        for e in ends])
        pattern = np.concatenate([np.repeat(prefix[None], len(pats), axis=0), np.array(pats)], axis=1)
        return Intervals(fl[:-1], fl[1:], rad[:-1], rad[1:], pattern)
