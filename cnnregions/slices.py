"""Exact polygons of the linear regions on a 2-D slice of the input space.

The polygons come straight from the geometric engine (:mod:`cnnregions.geometry.slice2d`):
the window split layer by layer by every neuron's line on every piece, with exact
decisions, so they are the regions that ``count_regions(network, domain=Plane(..., window))``
counts, one polygon each, tiling the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import field_error
from .core import Plane
from .core.problem import DEFAULT_TOLERANCE
from .geometry.count import plane_polygons
from .models.network import Network

__all__ = ["DEFAULT_WINDOW", "SlicePolygon", "polygon_area", "slice_polygons"]

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


def slice_polygons(network: Network, plane: Plane, window: tuple[float, float, float, float] | None = None, *,
                   tol: float = DEFAULT_TOLERANCE, n_jobs: int = 1) -> list[SlicePolygon]:
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
        Not used (the engine decides exactly, with no threshold); kept for compatibility.
    n_jobs : int
        Worker processes for the pieces of layer 1 (joblib).

    Returns
    -------
    list of SlicePolygon
        One per region of ``count_regions(network, domain=Plane(..., window))``; the
        polygons tile the window.  Vertices are float64 roundings of the exact ones.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if not isinstance(plane, Plane):
        raise field_error("The 'plane'", "a cnnregions.Plane", plane)
    win = _window(plane, window)
    domain = Plane(plane.x0, plane.x1, plane.x2, win)
    domain.input_map(network.architecture.input_dim)
    return [SlicePolygon(pattern, vertices, vertices.mean(axis=0))
            for pattern, vertices in plane_polygons(network, domain, win, n_jobs=n_jobs)]
