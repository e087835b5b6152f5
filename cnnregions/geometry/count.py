"""Entry points of the geometric engine: windowed planes and segments.

:func:`count_plane` is what :func:`~cnnregions.enumerate.count_regions` runs for a
:class:`~cnnregions.enumerate.Plane` with a window; :func:`plane_polygons` streams the
polygons themselves (used by :func:`cnnregions.slices.slice_polygons` and ``plot-slice``).
Layer 1 is split in the calling process; its pieces are then refined in chunks, serially
or on joblib workers (``n_jobs > 1``), and only counts (or the polygons, when asked for)
come back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from .._validation import field_error
from ..enumerate.domain import Plane, Segment
from ..enumerate.results import Region, RegionCount
from ..models.limits import check_memory
from ..models.network import Network
from .lines import Layers, scaled_slice
from .segment import SegmentEngine, SegmentRegions
from .slice2d import SliceEngine

__all__ = ["count_geometric", "count_plane", "iter_geometric", "plane_polygons", "segment_regions"]

#: Fewest layer-1 pieces per task sent to a worker (there are at most 4 tasks per worker).
TASK_PIECES = 512


def _refine(layers: Layers, origin: np.ndarray, basis: np.ndarray, window, first, polygons: bool):
    """Refine some layer-1 pieces to regions: ``(count, smallest A/P, tested, exact, [polygons])``.

    Workers get the compiled layers (sparse), not the network: nothing is rebuilt per task.
    """
    engine = SliceEngine(layers, origin, basis, window)
    count, smallest, out = 0, np.inf, []
    for leaves in engine.leaves(*first):
        count += len(leaves)
        if len(leaves):
            smallest = min(smallest, float(SliceEngine.inradius_bounds(leaves.P, leaves.nv).min()))
        if polygons:
            out.append(leaves)
    return count, smallest, engine.stats.tested, engine.stats.exact, out


def _tasks(network: Network, plane: Plane, window, n_jobs: int, polygons: bool):
    """Results of :func:`_refine` for chunks of layer-1 pieces (and the engine that split layer 1)."""
    origin, basis = plane.input_map(network.architecture.input_dim)
    check_memory(network.architecture, dim=2, stage="maps")
    layers, origin, basis = scaled_slice(network, origin, basis)
    engine = SliceEngine(layers, origin, basis, window)
    P, R, nv, pattern = engine.first_layer()
    size = max(TASK_PIECES, -(-len(nv) // (4 * n_jobs))) if n_jobs > 1 else max(len(nv), 1)
    chunks = [(P[i:i + size], R[i:i + size], nv[i:i + size], pattern[i:i + size]) for i in range(0, len(nv), size)]
    if n_jobs == 1 or len(chunks) <= 1:
        results = (_refine(layers, origin, basis, window, chunk, polygons) for chunk in chunks)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator", batch_size=1)
        results = parallel(delayed(_refine)(layers, origin, basis, window, chunk, polygons) for chunk in chunks)
    return engine, len(chunks), results


def count_plane(network: Network, plane: Plane, *, n_jobs: int = 1, progress=None) -> RegionCount:
    """Count the regions of ``network`` on a windowed plane exactly, by splitting polygons.

    Parameters
    ----------
    network : Network
    plane : Plane
        With a window.
    n_jobs : int
        Worker processes for the layer-1 pieces (joblib, loky).
    progress : callable, optional
        ``progress(done_tasks, total_tasks, regions_so_far)``.

    Returns
    -------
    RegionCount
        ``lps`` is 0; ``nodes`` counts line-against-piece tests; ``smallest_radius`` is
        the smallest ``area / perimeter`` of a region's polygon (a lower bound on its
        inradius, in plane coordinates ``(a, b)``); ``exact_decisions`` counts the vertex
        signs decided in rational arithmetic.  No tolerance is involved (``tolerance`` 0).
    """
    start = time.perf_counter()
    engine, ntasks, results = _tasks(network, plane, plane.window, n_jobs, False)
    regions, smallest, tested, exact = 0, np.inf, engine.stats.tested, engine.stats.exact
    for done, (count, small, t, e, _) in enumerate(results, start=1):
        regions += count
        smallest = min(smallest, small)
        tested += t
        exact += e
        if callable(progress):
            progress(done, ntasks, regions)
    return RegionCount(regions=regions, lps=0, nodes=tested, seconds=time.perf_counter() - start,
                       smallest_radius=float(smallest), largest_rejected_radius=0.0, tolerance=0.0, scale=1.0,
                       neurons=network.architecture.n_neurons, tasks=ntasks, n_jobs=n_jobs, backend="geometric",
                       exact_decisions=exact)


def plane_polygons(network: Network, plane: Plane, window, *, n_jobs: int = 1
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every region of the window as ``(pattern, vertices)`` (counter-clockwise float vertices)."""
    _, _, results = _tasks(network, plane, window, n_jobs, True)
    for *_, batches in results:
        for leaves in batches:
            for k in range(len(leaves)):
                yield leaves.pattern[k], leaves.P[k, :leaves.nv[k]].copy()


def segment_regions(network: Network, segment: Segment) -> SegmentRegions:
    """The regions met by the segment, with the breakpoints along it (see :class:`SegmentRegions`)."""
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if not isinstance(segment, Segment):
        raise field_error("The 'segment'", "a cnnregions.enumerate.Segment", segment)
    origin, basis = segment.input_map(network.architecture.input_dim)
    check_memory(network.architecture, dim=1, stage="maps")
    layers, origin, basis = scaled_slice(network, origin, basis)
    return SegmentEngine(layers, origin, basis).run()


def count_geometric(network: Network, domain: Plane | Segment, *, n_jobs: int = 1, progress=None) -> RegionCount:
    """:func:`count_plane` for a windowed plane, a walk for a segment (``count_regions``' dispatch)."""
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if isinstance(domain, Plane):
        domain.input_map(network.architecture.input_dim)  # checks the size
        return count_plane(network, domain, n_jobs=n_jobs, progress=progress)
    result = segment_regions(network, domain)
    half = np.diff(result.breakpoints) / 2
    return RegionCount(regions=result.regions, lps=0, nodes=result.crossings, seconds=result.seconds,
                       smallest_radius=float(half.min()), largest_rejected_radius=0.0, tolerance=0.0, scale=1.0,
                       neurons=network.architecture.n_neurons, tasks=1, n_jobs=1, backend="geometric",
                       exact_decisions=result.exact_decisions)


def iter_geometric(network: Network, domain: Plane | Segment) -> Iterator[Region]:
    """The regions of a windowed plane or a segment as :class:`Region` values (``iter_regions``' dispatch).

    ``witness`` is the polygon's vertex mean (the interval's midpoint), strictly inside;
    ``radius`` is its ``area / perimeter`` (half the interval's length), in the domain's
    coordinates; ``coords`` is the witness in those coordinates.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    origin, basis = domain.input_map(network.architecture.input_dim)
    if isinstance(domain, Plane):
        for pattern, vertices in plane_polygons(network, domain, domain.window):
            centre = vertices.mean(axis=0)
            radius = float(SliceEngine.inradius_bounds(vertices[None], np.array([len(vertices)]))[0])
            yield Region(pattern, origin + basis @ centre, radius, centre)
        return
    result = segment_regions(network, domain)
    for k in range(result.regions):
        t = (result.breakpoints[k] + result.breakpoints[k + 1]) / 2
        yield Region(result.patterns[k], origin + basis[:, 0] * t, float(result.breakpoints[k + 1] - result.breakpoints[k]) / 2,
                     np.array([t]))
