"""A network (and a domain) compiled into what the search needs.

The search works in coordinates ``u`` with ``x = origin + basis @ (scale * u)``:

- ``origin``/``basis`` come from the domain (identity for the whole space);
- ``scale`` is the network's own length scale, the median distance from the
  origin of the neurons' hyperplanes when every neuron is active.  Working in
  units of ``scale`` makes every tolerance relative, so counts are invariant
  under rescaling the input (multiplying the first layer's weights by ``c > 0``
  divides every region by ``c``) and under ``W_l, b_l -> c W_l, c b_l``,
  ``W_{l+1} -> W_{l+1} / c``.

Tolerances (in units of ``scale``): a region is counted when it contains a ball
of radius greater than ``tol``; radii are capped at ``cap``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import field_error
from ..certify.exact_network import ExactNetwork
from ..errors import InvalidParameterError
from ..models.limits import check_memory
from ..models.network import Network
from .domain import Domain, Space
from .rescale import check_search_maps, check_search_rows, rescale_maps

__all__ = ["CANCELLATION", "DEFAULT_TOLERANCE", "RADIUS_CAP", "SearchProblem", "build_problem", "length_scale"]

#: Default radius threshold, relative to the network's length scale.
DEFAULT_TOLERANCE = 1e-7
#: Radius cap of the Chebyshev LP (relative to the length scale).
RADIUS_CAP = 1.0
#: Relative size under which a neuron's gradient (or value) counts as exactly zero.
CANCELLATION = 1e-12


def length_scale(maps: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Median distance from the origin of the hyperplanes of the all-active network.

    Falls back to 1 when every hyperplane passes through the origin (then every
    region is a cone and the count does not depend on any length).
    """
    dim = maps[0][0].shape[1]
    A = np.eye(dim)
    c = np.zeros(dim)
    distances = []
    for M, b in maps:
        A, c = M @ A, M @ c + b
        norms = np.linalg.norm(A, axis=1)
        ok = (norms > 0) & (c != 0)
        distances.append(np.abs(c[ok]) / norms[ok])
    dist = np.concatenate(distances)
    dist = np.sort(dist[np.isfinite(dist) & (dist > 0)])
    if not dist.size:
        return 1.0
    # The median, as np.median computes it (which imports numpy.ma, 10 ms of a small count's start).
    mid = dist.size // 2
    return float(dist[mid] if dist.size % 2 else (dist[mid - 1] + dist[mid]) / 2)


@dataclass(frozen=True, eq=False)
class SearchProblem:
    """Everything one search (serial or one worker's subtree) needs.

    Attributes
    ----------
    maps : tuple of (M_l, c_l)
        Layer affine maps; the first one already composed with the input map and
        the scale, so that it acts on search coordinates ``u``.
    starts : tuple of int
        Index of each layer's first neuron, then the total number of neurons.
    root_rows : tuple of (a, b)
        Domain constraints ``a . u + b > 0`` with unit ``a``.
    root_center, root_radius
        A ball inside the domain (radius capped).
    root_box : (lo, hi) or None
        For a bounded domain (a box, a plane's window), the box of search
        coordinates it spans; then every region is bounded, and the search screens
        the first layer's neurons against it before solving LPs for them.
    """

    maps: tuple[tuple[np.ndarray, np.ndarray], ...]
    starts: tuple[int, ...]
    dim: int
    scale: float
    origin: np.ndarray
    basis: np.ndarray | None
    root_rows: tuple[tuple[np.ndarray, float], ...]
    root_center: np.ndarray
    root_radius: float
    tol: float
    cap: float
    root_box: tuple[np.ndarray, np.ndarray] | None = None
    #: The network's exact integer maps (:mod:`cnnregions.certify`), and whether every
    #: decision is to be proven (``certify=True``) or only the cheap exact checks run.
    exact: ExactNetwork | None = None
    certify: bool = False

    @property
    def n_neurons(self) -> int:
        return self.starts[-1]

    def to_input(self, u: np.ndarray) -> np.ndarray:
        """Map search coordinates to the flattened input ``x``."""
        v = np.asarray(u) * self.scale
        return self.origin + (v if self.basis is None else self.basis @ v)

    def to_domain(self, u: np.ndarray) -> np.ndarray:
        """Map search coordinates to the domain's own coordinates (the plane's ``(a, b)``)."""
        return np.asarray(u) * self.scale


def build_problem(network: Network, domain: Domain | None = None, *,
                  tol: float = DEFAULT_TOLERANCE, certify: bool = False) -> SearchProblem:
    """Compile ``network`` (restricted to ``domain``) for the search."""
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not (0 < tol < RADIUS_CAP):
        raise field_error("The 'tol'", f"a number in (0, {RADIUS_CAP})", tol)
    if domain is None:
        domain = Space()
    elif not isinstance(domain, Domain):
        raise field_error("The 'domain'", "None or a domain (Space, Box, Plane or Segment)", domain)
    dim_x = network.architecture.input_dim
    origin, basis = domain.input_map(dim_x)
    check_memory(network.architecture, dim=dim_x if basis is None else basis.shape[1])
    maps = rescale_maps(network.affine_maps)  # exact powers of two: no overflow or underflow
    exact_maps = list(maps)  # the certifier sees the same rescaled (exact) maps as the search
    rows_a, rows_b = domain.rows(dim_x)
    M1, c1 = maps[0]
    c1 = c1 + M1 @ origin
    if basis is not None:
        M1 = M1 @ basis
    maps[0] = (M1, c1)
    check_search_maps(M1, c1)
    scale = length_scale(maps)
    maps[0] = (M1 * scale, c1)
    dim = M1.shape[1]
    # Root rows in u: a . (scale u) + b > 0  <=>  a . u + b / scale > 0.
    root_rows = tuple((rows_a[i].copy(), float(rows_b[i] / scale)) for i in range(len(rows_b)))
    check_search_rows(rows_b / scale, scale)
    center, radius = domain.root_ball(dim_x)
    center = center / scale
    radius = min(radius / scale, RADIUS_CAP)
    box = domain.bounding_box(dim_x)
    root_box = None if box is None else (box[0] / scale, box[1] / scale)
    if radius <= tol:
        raise InvalidParameterError(
            f"The domain must contain a ball of radius above the tolerance ({tol * scale:.3g}). "
            f"Got a domain of half-width {radius * scale:.3g} instead.")
    starts = [0]
    for M, _ in maps:
        starts.append(starts[-1] + M.shape[0])
    frozen = []
    for M, c in maps:
        M = np.ascontiguousarray(M, dtype=np.float64)
        c = np.ascontiguousarray(c, dtype=np.float64)
        M.setflags(write=False)
        c.setflags(write=False)
        frozen.append((M, c))
    if root_box is not None:
        for arr in root_box:
            arr.setflags(write=False)
    # The exact network: the domain's own coordinates, its exact rows and box.
    exact = ExactNetwork(exact_maps, domain.exact_frame(), (rows_a, rows_b), box)
    return SearchProblem(tuple(frozen), tuple(starts), dim, scale, origin, basis, root_rows,
                         center, float(radius), float(tol), RADIUS_CAP, root_box, exact, bool(certify))
