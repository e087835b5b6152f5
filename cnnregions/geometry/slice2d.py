"""The regions of a windowed 2-D slice, by splitting polygons layer by layer (no LP).

The window is a convex polygon on which layer 1's pre-activations are affine.  Each
first-layer neuron whose line crosses a piece splits it; the pieces left are the
regions of layer 1.  On each of them every layer-2 neuron is affine again (the pattern
of layer 1 is fixed there), and so on (Xiong et al., 2020, Definition 1; SplineCam,
Humayun et al., CVPR 2023, computes slices the same way).  A leaf is a region: its
pattern differs from its siblings' in the neuron that split them, and a region of the
window (convex) is exactly one leaf.

Decisions are exact.  A neuron splits a piece iff its exact value is positive at one
exact vertex and negative at another; vertex signs are decided in floats when the value
exceeds a proven error bound (:mod:`.polygon`, :mod:`.lines`), else in rational
arithmetic (:mod:`.exact`).  No area or radius threshold decides anything.  A neuron
identically zero on a piece (all of its exact values zero) is inactive there and does
not split it (the project's convention).

Pieces are processed in chunks (a bounded batch per layer, depth first), so memory
does not grow with the number of regions; chunks of layer-1 pieces go to joblib
workers for ``n_jobs > 1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..models.network import Network
from .exact import ExactChain, clip, from_float, to_float, value
from .lines import UNIT, FloatChain, LineLayers, check_window
from .polygon import areas, certified_signs, perimeters, split, values

__all__ = ["Leaves", "SliceEngine"]

#: Neurons of a layer tested at once against every piece before they are applied one by one.
BLOCK = 32
#: Pieces classified at once against a block of lines (bounds the temporary arrays).
CLASSIFY = 2048
#: Pieces per batch of a deeper layer (bounds memory: rows are chunk x neurons x 3 floats).
CHUNK = 256


@dataclass
class Leaves:
    """A batch of finished regions: padded vertices, vertex counts, patterns."""

    P: np.ndarray
    nv: np.ndarray
    pattern: np.ndarray

    def __len__(self) -> int:
        return len(self.nv)


@dataclass
class _Stats:
    tested: int = 0
    exact: int = 0


class SliceEngine:
    """Split a window of the plane ``x = origin + a basis[:, 0] + b basis[:, 1]``.

    Parameters
    ----------
    network : Network
    origin : ndarray, shape (input_dim,)
    basis : ndarray, shape (input_dim, 2)
    window : (a_lo, a_hi, b_lo, b_hi)
    """

    def __init__(self, network: Network | LineLayers, origin: np.ndarray, basis: np.ndarray,
                 window: tuple[float, float, float, float]) -> None:
        self.layers = layers = network if isinstance(network, LineLayers) else LineLayers(network)
        self.origin, self.basis = origin, basis
        self.window = tuple(float(w) for w in window)
        self.chain = FloatChain(layers, origin, basis)
        check_window(self.window)
        self.sizes = self.chain.sizes
        self._exact: ExactChain | None = None
        self.stats = _Stats()

    # -- the whole slice -----------------------------------------------------------------
    def first_layer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The regions of layer 1 in the window: ``(P, R, nv, pattern)``."""
        a_lo, a_hi, b_lo, b_hi = self.window
        P = np.array([[[a_lo, b_lo], [a_hi, b_lo], [a_hi, b_hi], [a_lo, b_hi]]])
        L, E = self.chain.first
        return self._layer(0, P, np.zeros((1, 4)), np.array([4]), np.zeros((1, 0), dtype=bool), L[:, None], E[:, None])

    def leaves(self, P, R, nv, pattern, layer: int = 1) -> Iterator[Leaves]:
        """Refine pieces that carry the full pattern of layers ``< layer`` down to the regions."""
        if layer == len(self.sizes):
            yield Leaves(P, nv, pattern)
            return
        L1 = self.chain.first[0]
        E = self.chain.bounds[layer][:, None]
        by_size = np.argsort(nv, kind="stable")             # batches of similar vertex counts: less padding
        P, R, nv, pattern = P[by_size], R[by_size], nv[by_size], pattern[by_size]
        for lo in range(0, len(nv), CHUNK):
            sl = slice(lo, lo + CHUNK)
            L = self._rows(pattern[sl], layer, L1)
            out = self._layer(layer, P[sl], R[sl], nv[sl], pattern[sl], L, np.broadcast_to(E, L.shape))
            P2, R2, nv2, pattern2 = out
            yield from self.leaves(P2, R2, nv2, pattern2, layer + 1)

    def _rows(self, pattern, layer, L):
        """Float rows of layer ``layer`` (0-based) for pieces with these patterns, neuron-major."""
        K = len(pattern)
        if layer == 0:
            return np.broadcast_to(L[:, None], (L.shape[0], K, L.shape[1]))
        start = 0
        for l in range(layer):
            act = pattern[:, start:start + self.sizes[l]]
            start += self.sizes[l]
            L = self.chain.next_lines(l, L, act)
        return L

    # -- one layer -------------------------------------------------------------------------
    def _layer(self, layer, P, R, nv, prefix, L, E):
        """Split each piece by the lines of layer ``layer`` (its rows ``L``, bounds ``E``, neuron-major).

        The neurons are taken in blocks of :data:`BLOCK`: at the start of a block every
        current piece is tested against the block's lines at once (vertex signs), and only
        the lines that cross it (or are in doubt) are then applied one at a time.
        """
        L, E = L.transpose(1, 0, 2), E.transpose(1, 0, 2)
        K, n = L.shape[:2]
        # every line against every piece once: a sign certain on a piece is certain on its parts
        # (they are subsets), so afterwards only the lines in doubt on the piece are looked at again
        sg = self._classify(P, R, nv, L, E, np.arange(K), 0, n)
        pool = _Pool(P, R, nv, sg)
        cand = sg == 0
        for lo in range(0, n, BLOCK):
            hi = min(n, lo + BLOCK)
            m = pool.size
            need = np.flatnonzero(cand[pool.root[:m], lo:hi].any(axis=1))
            ncand = np.zeros(m, dtype=np.int64)
            order = np.zeros((m, 1), dtype=np.int64)
            if len(need):
                sg0 = self._classify(pool.P[need], pool.R[need], pool.nv[need], L, E, pool.root[need], lo, hi)
                pool.sg[need, lo:hi] = sg0
                c = sg0 == 0
                ncand[need] = c.sum(axis=1)
                order = np.zeros((m, max(int(ncand.max()), 1)), dtype=np.int64)
                order[need] = np.argsort(~c, axis=1, kind="stable")[:, :order.shape[1]] + lo
            pool.broot[:m] = np.arange(m)
            pool.ptr[:m] = 0
            self._rounds(layer, pool, ncand, order, prefix, L, E)
        m = pool.size
        return pool.P[:m], pool.R[:m], pool.nv[:m], np.concatenate([prefix[pool.root[:m]], pool.sg[:m] > 0], axis=1)

    @staticmethod
    def _classify(P, R, nv, L, E, roots, lo, hi):
        """:func:`_classify` of pieces against lines ``lo:hi`` of their roots, in bounded batches."""
        out = []
        for c in range(0, len(nv), CLASSIFY):
            w = int(nv[c:c + CLASSIFY].max())          # no padding columns beyond the batch's widest piece
            out.append(_classify(P[c:c + CLASSIFY, :w], R[c:c + CLASSIFY, :w], nv[c:c + CLASSIFY],
                                 L[roots[c:c + CLASSIFY], lo:hi], E[roots[c:c + CLASSIFY], lo:hi]))
        return np.concatenate(out) if out else np.zeros((0, hi - lo), dtype=np.int8)

    def _rounds(self, layer, pool, ncand, order, prefix, L, E):
        """Apply each piece's candidate lines one at a time, vectorised across pieces."""
        while True:
            live = np.flatnonzero(pool.ptr[:pool.size] < ncand[pool.broot[:pool.size]])
            if not len(live):
                break
            root, ptr = pool.root[live], pool.ptr[live]
            j = order[pool.broot[live], ptr]
            self.stats.tested += len(live)
            w = int(pool.nv[live].max())
            Pl, Rl, nvl = pool.P[live, :w], pool.R[live, :w], pool.nv[live]
            f, bnd = values(Pl, Rl, L[root, j], E[root, j])
            pos, neg, doubt = certified_signs(f, bnd, np.arange(w)[None, :] < nvl[:, None])
            cut = pos & neg & ~doubt
            const = ~doubt & ~cut
            pool.sg[live[const], j[const]] = np.where(pos[const], 1, -1)
            pool.ptr[live[~doubt]] += 1
            if cut.any():
                (Pp, Rp, np_), (Pn, Rn, nn) = split(Pl[cut], Rl[cut], nvl[cut], f[cut], bnd[cut])
                slots = live[cut]
                pool.sg[slots, j[cut]] = 1
                pool.put(slots, Pp, Rp, np_)
                pool.append(Pn, Rn, nn, slots, j[cut], -1)
            for i in np.flatnonzero(doubt):
                slot = live[i]
                parts = self._exact_step(layer, prefix[root[i]], pool.sg[slot], Pl[i, :nvl[i]], Rl[i, :nvl[i]],
                                         int(j[i]), L[root[i]][:, None], E[root[i]][:, None])
                pool.ptr[slot] += 1
                (Pa, Ra, sa), *rest = parts
                pool.sg[slot, j[i]] = sa
                pool.put(np.array([slot]), Pa[None], Ra[None], np.array([len(Pa)]))
                for Pb, Rb, sb in rest:
                    pool.append(Pb[None], Rb[None], np.array([len(Pb)]), np.array([slot]), j[i:i + 1], sb)

    # -- exact decisions -------------------------------------------------------------------
    @property
    def exact(self) -> ExactChain:
        if self._exact is None:
            self._exact = ExactChain(self.layers, self.origin, self.basis)
        return self._exact

    def _exact_step(self, layer, prefix, sg, Pf, Rf, j, L, E):
        """Decide neuron ``j`` of ``layer`` on one piece exactly: ``[(vertices, radii, sign), ...]``."""
        self.stats.exact += 1
        poly = self.exact_polygon(layer, prefix, sg, Pf, Rf, L, E)
        rows = self.exact.rows(prefix, layer + 1)[layer]
        vals = [value(rows[j], v) for v in poly]
        if any(v > 0 for v in vals) and any(v < 0 for v in vals):
            return [(*to_float(clip(poly, rows[j], sign)), sign) for sign in (1, -1)]
        return [(*to_float(poly), 1 if any(v > 0 for v in vals) else -1)]

    def exact_polygon(self, layer, prefix, sg, Pf, Rf, L, E) -> list[tuple]:
        """The exact polygon of a piece: the window cut by every decided neuron that floats cannot clear.

        A decided neuron whose value is certainly of its sign at every vertex of the
        (float, error-bounded) piece contains the piece and is left out; the lines of the
        piece's edges vanish at its vertices, so they are all kept, and a convex polygon is
        the intersection of its edges' half-planes.
        """
        a_lo, a_hi, b_lo, b_hi = (from_float(w) for w in self.window)
        poly = [(a_lo, b_lo), (a_hi, b_lo), (a_hi, b_hi), (a_lo, b_hi)]
        exact_rows = self.exact.rows(prefix, layer + 1)
        float_rows = [(self._rows(prefix[None], l, self.chain.first[0]), self.chain.bounds[l][:, None])
                      for l in range(layer)] + [(L, E)]
        signs = [np.where(prefix[s:s + n], 1, -1) for s, n in zip(np.cumsum([0] + self.sizes[:-1]), self.sizes[:layer])]
        signs.append(sg.astype(np.int64))
        for l in range(layer + 1):
            Lf, Ef = float_rows[l][0][:, 0], float_rows[l][1][:, 0]
            s = signs[l]
            f = Pf[:, 0:1] * Lf[None, :, 0] + Pf[:, 1:2] * Lf[None, :, 1] + Lf[None, :, 2]
            bound = (Ef[None, :, 0] * (np.abs(Pf[:, 0:1]) + Rf[:, None]) + Ef[None, :, 1] * (np.abs(Pf[:, 1:2]) + Rf[:, None])
                     + Ef[None, :, 2] + (np.abs(Lf[None, :, 0]) + np.abs(Lf[None, :, 1])) * Rf[:, None]
                     + 4 * UNIT * (np.abs(Pf[:, 0:1] * Lf[None, :, 0]) + np.abs(Pf[:, 1:2] * Lf[None, :, 1])
                                   + np.abs(Lf[None, :, 2])))
            bound = bound * (1 + 2.0 ** -48) + 2.0 ** -1000
            clear = np.all(s[None, :] * f > bound, axis=0) | (s == 0)
            for i in np.flatnonzero(~clear):
                if any(exact_rows[l][i]):
                    poly = clip(poly, exact_rows[l][i], int(s[i]))
        if len(poly) < 3:  # pragma: no cover - would mean a float decision was wrong
            raise RuntimeError("internal error: a piece of the slice has no interior in exact arithmetic")
        return poly

    # -- summaries -------------------------------------------------------------------------
    @staticmethod
    def inradius_bounds(P: np.ndarray, nv: np.ndarray) -> np.ndarray:
        """``area / perimeter`` of each polygon: a lower bound on its inradius (for convex sets)."""
        return areas(P, nv) / perimeters(P, nv)


def _classify(P, R, nv, L, E):
    """Signs of ``K`` pieces against ``n`` lines each: +1/-1 when certain on the whole piece, else 0.

    ``L``, ``E``: ``(K, n, 3)``.  One bound per (piece, line), from the piece's largest
    coordinates and vertex radius, is at least :func:`.polygon.values`' bound at every vertex.
    A line that is exactly zero on the piece (value 0, bound 0 at every vertex) is inactive (-1).
    """
    V = P.shape[1]
    valid = np.arange(V)[None, :] < nv[:, None]
    P = np.where(valid[:, :, None], P, P[:, :1])      # padding repeats vertex 0: no mask needed below
    R = np.where(valid, R, R[:, :1])
    X, Y, Rm = np.abs(P[:, :, 0]).max(axis=1)[:, None], np.abs(P[:, :, 1]).max(axis=1)[:, None], R.max(axis=1)[:, None]
    ga, gb, h = L[:, :, 0], L[:, :, 1], L[:, :, 2]
    aga, agb = np.abs(ga), np.abs(gb)
    bound = (E[:, :, 0] * (X + Rm) + E[:, :, 1] * (Y + Rm) + E[:, :, 2] + (aga + agb) * Rm
             + 3.0000001 * UNIT * (aga * X + agb * Y + np.abs(h)))
    bound = (bound * (1 + 2.0 ** -48) + 2.0 ** -1000)[:, None, :]
    f = ga[:, None, :] * P[:, :, 0, None]
    f += gb[:, None, :] * P[:, :, 1, None]
    f += h[:, None, :]
    fmax, fmin = f.max(axis=1), f.min(axis=1)
    bound = bound[:, 0, :]
    zero = (fmax == 0) & (fmin == 0) & (bound == 0)
    return np.where(fmin > bound, 1, np.where((fmax < -bound) | zero, -1, 0)).astype(np.int8)


class _Pool:
    """Sub-pieces of one layer's pieces, stored in place (grown by doubling)."""

    def __init__(self, P, R, nv, sg):
        K = len(nv)
        self.size = K
        self.P, self.R, self.nv = P.copy(), R.copy(), nv.copy()
        self.root = np.arange(K)
        self.broot = np.arange(K)
        self.ptr = np.zeros(K, dtype=np.int64)
        self.sg = sg

    def _width(self, w):
        if w > self.P.shape[1]:
            pad = w - self.P.shape[1]
            self.P = np.concatenate([self.P, np.zeros((len(self.P), pad, 2))], axis=1)
            self.R = np.concatenate([self.R, np.zeros((len(self.R), pad))], axis=1)

    def put(self, slots, P, R, nv):
        w = int(nv.max())
        self._width(w)
        self.P[slots, :w], self.R[slots, :w], self.nv[slots] = P[:, :w], R[:, :w], nv

    def append(self, P, R, nv, parents, j, sign):
        k = len(nv)
        w = int(nv.max())
        self._width(w)
        need = self.size + k
        if need > len(self.nv):
            cap = max(need, 2 * len(self.nv))
            grow = cap - len(self.nv)
            self.P = np.concatenate([self.P, np.zeros((grow, *self.P.shape[1:]))])
            self.R = np.concatenate([self.R, np.zeros((grow, self.R.shape[1]))])
            self.nv = np.concatenate([self.nv, np.zeros(grow, dtype=self.nv.dtype)])
            self.root = np.concatenate([self.root, np.zeros(grow, dtype=self.root.dtype)])
            self.broot = np.concatenate([self.broot, np.zeros(grow, dtype=self.broot.dtype)])
            self.ptr = np.concatenate([self.ptr, np.zeros(grow, dtype=self.ptr.dtype)])
            self.sg = np.concatenate([self.sg, np.zeros((grow, self.sg.shape[1]), dtype=self.sg.dtype)])
        new = np.arange(self.size, need)
        self.P[new, :w], self.R[new, :w], self.nv[new] = P[:, :w], R[:, :w], nv
        self.root[new], self.broot[new], self.ptr[new] = self.root[parents], self.broot[parents], self.ptr[parents]
        self.sg[new] = self.sg[parents]
        self.sg[new, j] = sign
        self.size = need
