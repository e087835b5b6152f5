"""Exact polygons of the linear regions on a 2-D slice of the input space.

The regions on a :class:`~cnnregions.enumerate.Plane` are enumerated by the
same search as every count (:func:`~cnnregions.enumerate.iter_regions`).  For
each region, every neuron's pre-activation restricted to the plane is affine in
the plane coordinates ``(a, b)`` (given the region's activation pattern), so the
region is the intersection of the half-planes ``sign * z(a, b) > 0`` with the
window: a convex polygon, computed here by clipping the window rectangle.

Only lines closer to the witness than the polygon built so far can cut it, so
the lines are clipped in order of distance and the loop stops at the first
line farther than the polygon's farthest vertex: exact, and a handful of clips
per region even with thousands of neurons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import InvalidParameterError, field_error
from .enumerate import Plane, iter_regions
from .enumerate.problem import CANCELLATION, DEFAULT_TOLERANCE
from .models.network import Network

__all__ = ["DEFAULT_WINDOW", "PlanePieces", "SlicePolygon", "polygon_area", "region_polygon", "slice_polygons"]

#: Window used when neither the plane nor the caller gives one: the three points
#: (at (0, 0), (1, 0), (0, 1)) with a margin of half the unit on every side.
DEFAULT_WINDOW = (-0.5, 1.5, -0.5, 1.5)


@dataclass(frozen=True, eq=False)
class SlicePolygon:
    """One region of a slice.

    Attributes
    ----------
    pattern : ndarray of bool, shape (n_neurons,)
        The region's activation pattern (True = active).
    vertices : ndarray, shape (k, 2)
        The polygon's vertices in plane coordinates ``(a, b)``, counter-clockwise.
    witness : ndarray, shape (2,)
        A point strictly inside the region (plane coordinates).
    """

    pattern: np.ndarray
    vertices: np.ndarray
    witness: np.ndarray

    @property
    def area(self) -> float:
        """Area in plane coordinates."""
        return polygon_area(self.vertices)


def polygon_area(vertices: np.ndarray) -> float:
    """Signed area (shoelace formula); positive for counter-clockwise vertices."""
    v = np.asarray(vertices, dtype=float)
    if len(v) < 3:
        return 0.0
    x, y = v[:, 0], v[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _window(plane: Plane, window) -> tuple[float, float, float, float]:
    if window is None:
        return plane.window if plane.window is not None else DEFAULT_WINDOW
    checked = Plane(plane.x0, plane.x1, plane.x2, window).window
    return checked if checked is not None else DEFAULT_WINDOW


class PlanePieces:
    """Every neuron's pre-activation on a plane, as an affine function of ``(a, b)``.

    The first layer's functions do not depend on the pattern and are computed
    once; :meth:`__call__` composes the later layers under a given pattern.
    """

    def __init__(self, network: Network, plane: Plane) -> None:
        origin, basis = plane.input_map(network.architecture.input_dim)
        (M1, b1), *rest = network.affine_maps
        self.first = (M1 @ basis, M1 @ origin + b1, np.abs(M1) @ np.linalg.norm(basis, axis=1))
        self.rest = [(M, np.abs(M), b) for M, b in rest]
        self.sizes = [M1.shape[0]] + [M.shape[0] for M, _ in rest]

    def __call__(self, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(G, h, varies)``: ``z = G @ (a, b) + h`` for every neuron under ``pattern``.

        ``varies`` is False for neurons constant on the plane (gradient below the
        search's cancellation threshold): their sign is fixed and they bound nothing.
        """
        A, c, noise = self.first
        G, h, varies = [A], [c], [np.linalg.norm(A, axis=1) > CANCELLATION * noise]
        offset = 0
        for (M, absM, b), size in zip(self.rest, self.sizes):
            act = pattern[offset:offset + size].astype(np.float64)
            offset += size
            Da, Dc = A * act[:, None], c * act
            noise = absM @ np.linalg.norm(Da, axis=1)
            A, c = M @ Da, M @ Dc + b
            G.append(A)
            h.append(c)
            varies.append(np.linalg.norm(A, axis=1) > CANCELLATION * noise)
        return np.vstack(G), np.concatenate(h), np.concatenate(varies)


def _clip(poly: np.ndarray, g: np.ndarray, h: float) -> np.ndarray:
    """Part of the convex polygon ``poly`` where ``g . v + h >= 0`` (Sutherland-Hodgman, one edge)."""
    d = poly @ g + h
    inside = d >= 0
    if inside.all():
        return poly
    out = []
    n = len(poly)
    for i in range(n):
        j = (i + 1) % n
        if inside[i]:
            out.append(poly[i])
        if inside[i] != inside[j]:
            t = d[i] / (d[i] - d[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
    return np.array(out) if out else np.zeros((0, 2))


def region_polygon(G: np.ndarray, h: np.ndarray, signs: np.ndarray, witness: np.ndarray,
                   window: tuple[float, float, float, float]) -> np.ndarray:
    """The polygon ``{v in window : signs_i (G_i . v + h_i) >= 0}`` (counter-clockwise).

    ``witness`` must lie inside; lines are clipped nearest first and the loop
    stops when the next line lies beyond the polygon's farthest vertex.
    """
    a_lo, a_hi, b_lo, b_hi = window
    poly = np.array([[a_lo, b_lo], [a_hi, b_lo], [a_hi, b_hi], [a_lo, b_hi]], dtype=float)
    gs = G * signs[:, None]
    hs = h * signs
    norms = np.linalg.norm(gs, axis=1)
    dist = (gs @ witness + hs) / norms
    order = np.argsort(dist)
    reach = float(np.max(np.linalg.norm(poly - witness, axis=1)))
    for i in order:
        if dist[i] > reach:
            break
        clipped = _clip(poly, gs[i], hs[i])
        if clipped is not poly:
            poly = clipped
            if len(poly) < 3:
                break
            reach = float(np.max(np.linalg.norm(poly - witness, axis=1)))
    return poly


def slice_polygons(network: Network, plane: Plane, window: tuple[float, float, float, float] | None = None, *,
                   tol: float = DEFAULT_TOLERANCE) -> list[SlicePolygon]:
    """The exact polygon of every linear region on a plane, inside a window.

    Parameters
    ----------
    network : Network
    plane : Plane
        Through three inputs; points ``x0 + a (x1 - x0) + b (x2 - x0)``.
    window : (a_lo, a_hi, b_lo, b_hi) or None
        The rectangle of plane coordinates to draw; default the plane's own
        window, else :data:`DEFAULT_WINDOW`.
    tol : float
        As for :func:`~cnnregions.enumerate.count_regions` (relative radius threshold).

    Returns
    -------
    list of SlicePolygon
        One per region of ``count_regions(network, domain=Plane(..., window))``,
        in the search's order.  The polygons tile the window.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if not isinstance(plane, Plane):
        raise field_error("The 'plane'", "a cnnregions.enumerate.Plane", plane)
    win = _window(plane, window)
    domain = Plane(plane.x0, plane.x1, plane.x2, win)
    pieces = PlanePieces(network, domain)
    out = []
    for region in iter_regions(network, domain=domain, tol=tol):
        G, h, varies = pieces(region.pattern)
        signs = np.where(region.pattern, 1.0, -1.0)
        poly = region_polygon(G[varies], h[varies], signs[varies], region.coords, win)
        if len(poly) < 3:  # pragma: no cover - the witness ball guarantees an interior
            raise InvalidParameterError("A region's polygon must have an interior. Got a degenerate polygon instead.")
        if polygon_area(poly) < 0:
            poly = poly[::-1]
        out.append(SlicePolygon(region.pattern, poly, region.coords))
    return out
