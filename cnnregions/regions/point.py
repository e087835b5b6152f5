"""The linear region that holds a given input: its pattern, halfspaces, facets,
Chebyshev ball and boundedness.

With the activation pattern ``P`` of the point fixed, every neuron's
pre-activation is an affine function of the input (:mod:`.pieces`), and the region
(Definition 1 of Xiong et al., 2020) is the open polyhedron where each of them has
its sign under ``P``: one halfspace per neuron that varies on the input space (a
neuron constant on it bounds nothing), plus a box's faces when counting in a box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..core.domain import Box, Space
from ..core.problem import DEFAULT_TOLERANCE, build_problem
from ..errors import SolverError
from ..lpsearch.lp import ChebyshevLP, LPStatus
from ..models.limits import check_bytes
from ..models.network import Network
from .facets import FacetFinder, group_coincident
from .graph import region_halfspaces
from .pieces import AffinePieces

__all__ = ["CHEBYSHEV_CAP", "RegionInfo", "region_of"]

#: Radius cap of the Chebyshev ball, in units of the network's length scale: an
#: unbounded region's ball is reported with this radius and ``radius_capped``.
CHEBYSHEV_CAP = 1000.0


@dataclass(frozen=True, eq=False)
class RegionInfo:
    """The region of a point.

    Attributes
    ----------
    pattern : ndarray of bool (n_neurons,)
        Activation pattern (True = active; identically zero neurons inactive).
    normals, offsets : ndarray (m, input_dim), (m,)
        The region is ``{x : normals @ x + offsets > 0}``; unit rows.
    neurons : ndarray of int (m,)
        The neuron of each row (``-1 - i`` for the ``i``-th face of a box domain).
    facets : ndarray of bool (m,)
        Rows that are facets (non-redundant: their face holds an ``(n-1)``-ball of
        radius above ``tolerance``); coincident rows are facets together.
    center, radius : ndarray, float
        The Chebyshev ball (the largest ball inside the region), radius capped at
        :data:`CHEBYSHEV_CAP` times the length scale (``radius_capped``).
    bounded : bool
    tolerance : float
        The count's radius threshold (input units); the region is counted iff
        ``radius > tolerance``.
    """

    pattern: np.ndarray
    normals: np.ndarray
    offsets: np.ndarray
    neurons: np.ndarray
    facets: np.ndarray
    center: np.ndarray
    radius: float
    radius_capped: bool
    bounded: bool
    tolerance: float

    @property
    def facet_neurons(self) -> list[int]:
        """Neurons whose halfspace is a facet (ascending; box faces left out)."""
        return sorted(int(k) for k in self.neurons[self.facets] if k >= 0)

    @property
    def counted(self) -> bool:
        return self.radius > self.tolerance

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Whether each of ``points`` (m, input_dim) satisfies every halfspace strictly."""
        return np.all(np.atleast_2d(points) @ self.normals.T + self.offsets > 0, axis=1)


def _flat_point(network: Network, x: object) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise field_error("The 'x'", "an array of real numbers", x)
    n = network.architecture.input_dim
    if arr.size != n:
        raise InvalidParameterError(f"The 'x' must have {n} values (the input size). Got {arr.size} instead.")
    arr = np.asarray(arr, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The 'x' must be finite. Got {arr[~np.isfinite(arr)][0]} instead.")
    return arr


def region_of(network: Network, x: object, *, domain: Box | Space | None = None,
              tol: float = DEFAULT_TOLERANCE) -> RegionInfo:
    """The linear region of ``network`` that holds the input ``x``.

    Parameters
    ----------
    network : Network
    x : array
        One input, flat or of shape ``(channels, height, width)``.
    domain : Box or None
        Restrict to an open box (its faces become halfspaces too).
    tol : float
        The count's relative tolerance: a point closer than ``tol`` times the
        network's length scale to a neuron's hyperplane is on a boundary.

    Raises
    ------
    InvalidParameterError
        If ``x`` lies on a neuron's hyperplane (within the tolerance): then it is
        in no open region.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if isinstance(domain, Space):
        domain = None
    if domain is not None and not isinstance(domain, Box):
        raise field_error("The 'domain'", "None, a Space or a Box", domain)
    point = _flat_point(network, x)
    problem = build_problem(network, domain, tol=tol)
    scale = problem.scale
    u = point / scale
    if domain is not None:
        lo, hi = domain.bounds(point.size)
        if not np.all((lo < point) & (point < hi)):
            i = int(np.argmax(~((lo < point) & (point < hi))))
            raise InvalidParameterError(f"The 'x' must lie inside the box. Got x[{i}] = {point[i]} instead.")
    halfspaces = network.architecture.n_neurons + len(problem.root_rows)  # the facet search: a Gram matrix
    check_bytes(3 * 8 * halfspaces ** 2, "The region's facet search",
                f"a {halfspaces:,} x {halfspaces:,} Gram matrix of its halfspaces",
                "the region of one input of so wide a network is too large to describe here")
    pieces = AffinePieces.from_problem(problem)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below, in one line
        preactivations = network.preactivations(point[None, :])
    if not all(np.all(np.isfinite(z)) for z in preactivations):
        raise InvalidParameterError(
            f"The 'x' must keep every pre-activation within float64's range. Got a point of size "
            f"{float(np.abs(point).max()):.3g} whose pre-activations overflow instead (scale it down).")
    pattern = np.concatenate([z[0] > 0 for z in preactivations])
    G, h, varies, zero = pieces.full(pattern)
    if np.any(pattern & zero):
        pattern &= ~zero
        G, h, varies, zero = pieces.full(pattern)
    with np.errstate(over="ignore", invalid="ignore"):
        values = G @ u + h
    if not np.all(np.isfinite(values)):
        raise InvalidParameterError(
            f"The 'x' must keep every pre-activation within float64's range. Got a point of size "
            f"{float(np.abs(point).max()):.3g} whose pre-activations overflow instead (scale it down).")
    norms = np.linalg.norm(G, axis=1)
    dist = np.abs(values[varies]) / norms[varies]
    wrong = (values[varies] > 0) != pattern[varies]
    if dist.size and (dist.min() <= problem.tol or wrong.any()):
        j = int(np.flatnonzero(varies)[np.argmax(wrong) if wrong.any() else np.argmin(dist)])
        layer = int(np.searchsorted(pieces.starts, j, side="right") - 1)
        raise InvalidParameterError(
            f"The 'x' must lie inside a linear region. Got a point on the hyperplane of neuron {j} "
            f"(layer {layer + 1}, distance {abs(values[j]) / norms[j] * scale:.3g} <= tolerance "
            f"{problem.tol * scale:.3g}) instead: it is in no open region.")
    A, b, labels, _ = region_halfspaces(pieces, pattern, problem.root_rows)
    gram = A @ A.T
    groups = group_coincident(A, b, problem.tol, gram)
    is_facet = np.zeros(len(b), dtype=bool)
    for facet in FacetFinder(problem.tol, problem.cap).find(A, b, u, groups, gram=gram):
        is_facet[facet.rows] = facet.is_facet
    lp = ChebyshevLP(problem.dim, CHEBYSHEV_CAP)
    rows = [(A[k], float(b[k])) for k in range(len(b))]
    result = lp.solve(rows)
    if result.status is not LPStatus.OPTIMAL or result.center is None:
        raise SolverError(f"HiGHS returned {result.status.value} on the Chebyshev LP of a region")
    center, radius = result.center, float(result.radius)
    if len(b):
        radius = min(radius, float(np.min(A @ center + b)))
    if domain is not None:
        bounded = True
    else:
        lo, hi = lp.bounding_box(rows)
        bounded = bool(np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))
    return RegionInfo(pattern=pattern, normals=A, offsets=b * scale, neurons=labels, facets=is_facet,
                      center=center * scale, radius=radius * scale, radius_capped=radius >= CHEBYSHEV_CAP * (1 - 1e-9),
                      bounded=bounded, tolerance=problem.tol * scale)
