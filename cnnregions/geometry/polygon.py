"""Batches of convex polygons (padded arrays): certified vertex signs and exact-structure splits.

A batch holds ``K`` convex polygons as ``P`` of shape ``(K, V, 2)`` (counter-clockwise,
padded by repeating nothing: entries past ``nv`` are ignored), vertex counts ``nv`` and
vertex error radii ``R`` of shape ``(K, V)``: the true vertex lies within ``R`` of the float
one in every coordinate.  Window corners are exact (``R = 0``).

A line ``g . v + h`` with float coefficients and error bounds (:mod:`.lines`) is
evaluated at every vertex together with a bound on the difference from its exact value
at the exact vertex (:func:`values`); a sign is *certain* when the value exceeds its
bound.  When every vertex sign is certain, the structure of the split (which vertices
lie on which side) is exact, and the new vertices are placed with a proven error radius
(:func:`split`).  Anything else is left to :mod:`.exact`.
"""

from __future__ import annotations

import numpy as np

from .lines import UNIT, round_up

__all__ = ["areas", "certified_signs", "perimeters", "split", "values"]


def values(P: np.ndarray, R: np.ndarray, row: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values of one line per polygon at its vertices, and their error bounds.

    Parameters
    ----------
    P : (K, V, 2), R : (K, V)
    row, err : (K, 3)
        The float line ``(g_a, g_b, h)`` of each polygon and its error bound.

    Returns
    -------
    f, bound : (K, V)
        ``|f - z(v)| <= bound`` for the exact line ``z`` at the exact vertex ``v``:
        ``z(v) - f~ = (g - g~) . v + g~ . (v - v~) + rounding``, bounded by
        ``E_g . (|v~| + R) + E_h + |g~|_1 R + gamma_3 (|g~_a a| + |g~_b b| + |h~|)``.
    """
    ga, gb, h = row[:, 0:1], row[:, 1:2], row[:, 2:3]
    ea, eb, eh = err[:, 0:1], err[:, 1:2], err[:, 2:3]
    x, y = P[..., 0], P[..., 1]
    tx, ty = ga * x, gb * y
    f = tx + ty + h
    ax, ay = np.abs(x), np.abs(y)
    bound = (ea * (ax + R) + eb * (ay + R) + eh + (np.abs(ga) + np.abs(gb)) * R
             + 3.0000001 * UNIT * (np.abs(tx) + np.abs(ty) + np.abs(h)))
    return f, round_up(bound, 8)


def certified_signs(f: np.ndarray, bound: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pos, neg, doubt)`` per polygon: a vertex certainly above / below zero, an uncertain vertex.

    A value ``0`` with bound ``0`` is an exact zero (not a doubt).
    """
    pos = ((f > bound) & valid).any(axis=1)
    neg = ((f < -bound) & valid).any(axis=1)
    doubt = ((np.abs(f) <= bound) & valid & ~((f == 0) & (bound == 0))).any(axis=1)
    return pos, neg, doubt


def _crossing(p, rp, fp, bp, q, rq, fq, bq):
    """The point where the line crosses the edge from ``p`` (certainly positive) to ``q`` (negative).

    ``t = f_p / (f_p - f_q)``; the exact ``T = F_p / (F_p - F_q)`` increases with ``F_p`` and
    with ``F_q``, so it lies between ``t`` at the ends of the value intervals.  The vertex
    ``p + t (q - p)`` is then within ``max(r_p, r_q) + |t - T| |q - p| + rounding`` of the
    exact one, coordinate by coordinate.
    """
    t = fp / (fp - fq)
    lo_p, hi_p = fp - bp, fp + bp
    lo_q, hi_q = fq - bq, fq + bq
    t_lo = lo_p / (lo_p - lo_q)
    t_hi = hi_p / (hi_p - hi_q)
    dt = np.maximum(np.abs(t - t_lo), np.abs(t_hi - t)) + 8 * UNIT
    d = q - p
    w = p + t[:, None] * d
    ad = np.abs(d).max(axis=1)
    r = np.maximum(rp, rq) + dt * ad + 4 * UNIT * (np.abs(p).max(axis=1) + ad)
    return w, round_up(r, 6)


def split(P: np.ndarray, R: np.ndarray, nv: np.ndarray, f: np.ndarray, bound: np.ndarray):
    """Split each polygon by its line, every vertex sign being certain and both signs present.

    Returns
    -------
    (P_pos, R_pos, nv_pos), (P_neg, R_neg, nv_neg)
        The parts where the line is positive and negative, counter-clockwise, with
        ``V + 1`` columns (one vertex more at most).
    """
    K, V, _ = P.shape
    cols = np.arange(V)
    valid = cols[None, :] < nv[:, None]
    s = np.where(valid, f > 0, False)
    prev = (cols[None, :] - 1) % nv[:, None]
    rows = np.arange(K)[:, None]
    s_prev = s[rows, prev]
    start = np.argmax(s & ~s_prev & valid, axis=1)            # first positive vertex after a negative one
    idx = (start[:, None] + cols[None, :]) % nv[:, None]
    Pr, Rr, fr, br = P[rows, idx], R[rows, idx], f[rows, idx], bound[rows, idx]
    npos = s.sum(axis=1)
    k = np.arange(K)
    last = nv - 1
    # exit edge: rot[npos-1] (positive) -> rot[npos] (negative); entry edge: rot[0] (positive) <- rot[nv-1]
    Xe, Re = _crossing(Pr[k, npos - 1], Rr[k, npos - 1], fr[k, npos - 1], br[k, npos - 1],
                       Pr[k, npos], Rr[k, npos], fr[k, npos], br[k, npos])
    Xi, Ri = _crossing(Pr[k, 0], Rr[k, 0], fr[k, 0], br[k, 0], Pr[k, last], Rr[k, last], fr[k, last], br[k, last])
    W = V + 1
    c = np.arange(W)[None, :]
    # positive part: rot[0 .. npos-1], exit crossing, entry crossing
    gather = np.minimum(c, V - 1)
    Pp = Pr[rows, gather].copy()
    Rp = Rr[rows, gather].copy()
    at_e, at_i = c == npos[:, None], c == npos[:, None] + 1
    Pp[at_e], Rp[at_e] = Xe, Re
    Pp[at_i], Rp[at_i] = Xi, Ri
    # negative part: exit crossing, rot[npos .. nv-1], entry crossing
    gather = np.clip(npos[:, None] + c - 1, 0, V - 1)
    Pn = Pr[rows, gather].copy()
    Rn = Rr[rows, gather].copy()
    nneg = nv - npos
    at_e, at_i = c == 0, c == nneg[:, None] + 1
    at_e = np.broadcast_to(at_e, Pn.shape[:2])
    Pn[at_e], Rn[at_e] = Xe, Re
    Pn[at_i], Rn[at_i] = Xi, Ri
    return (Pp, Rp, npos + 2), (Pn, Rn, nneg + 2)


def areas(P: np.ndarray, nv: np.ndarray) -> np.ndarray:
    """Shoelace areas of a padded batch (positive for counter-clockwise polygons)."""
    K, V, _ = P.shape
    cols = np.arange(V)
    nxt = np.where(cols[None, :] + 1 < nv[:, None], cols[None, :] + 1, 0)
    Q = P[np.arange(K)[:, None], nxt]
    cross = P[..., 0] * Q[..., 1] - P[..., 1] * Q[..., 0]
    return 0.5 * np.where(cols[None, :] < nv[:, None], cross, 0.0).sum(axis=1)


def perimeters(P: np.ndarray, nv: np.ndarray) -> np.ndarray:
    """Perimeters of a padded batch."""
    K, V, _ = P.shape
    cols = np.arange(V)
    nxt = np.where(cols[None, :] + 1 < nv[:, None], cols[None, :] + 1, 0)
    Q = P[np.arange(K)[:, None], nxt]
    return np.where(cols[None, :] < nv[:, None], np.linalg.norm(Q - P, axis=2), 0.0).sum(axis=1)
