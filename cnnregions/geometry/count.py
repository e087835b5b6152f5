"""Entry points of the geometric engine: windowed planes and segments.

:class:`PolygonEngine` is the engine of a :class:`~cnnregions.Plane` with a window (polygons
split layer by layer), :class:`IntervalEngine` that of a :class:`~cnnregions.Segment` (intervals
split at breakpoints); :func:`plane_polygons` streams the polygons themselves (used by
:func:`cnnregions.slices.slice_polygons` and ``plot-slice``).  Layer 1 of a plane is split in the
calling process; its pieces are then refined in chunks, serially or on joblib workers
(``n_jobs > 1``), and only counts (or the polygons, when asked for) come back.  Neither engine
hands regions to a sink: a windowed plane goes to the LP search then, and a segment is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import field_error
from ..core.domain import Plane, Segment
from ..core.engine import Counted, Runner
from ..core.results import Region, RegionCount
from ..core.stats import Stats
from ..models.limits import check_memory
from ..models.network import Network
from .lines import LineLayers, scaled_slice
from .segment import SegmentEngine, SegmentRegions
from .slice2d import SliceEngine

__all__ = ["IntervalEngine", "PolygonEngine", "Refined", "count_plane", "plane_polygons", "segment_regions"]

#: Fewest layer-1 pieces per task sent to a worker (there are at most 4 tasks per worker).
TASK_PIECES = 512


@dataclass(frozen=True, eq=False)
class Refined:
    """Some layer-1 pieces refined to regions: how many, the smallest ``area / perimeter``, the
    line-against-piece tests, the vertex signs decided exactly, and the polygons (when asked for)."""

    count: int
    smallest: float
    tested: int
    exact: int
    polygons: list = field(default_factory=list)


def _refine(layers: LineLayers, origin: np.ndarray, basis: np.ndarray, window, first, polygons: bool) -> Refined:
    """Refine some layer-1 pieces to regions.

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
    return Refined(count, smallest, engine.stats.tested, engine.stats.exact, out)


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
    counted = _count_plane(network, plane, n_jobs, progress)
    return RegionCount.of(counted, time.perf_counter() - start)


def _count_plane(network: Network, plane: Plane, n_jobs: int, progress) -> Counted:
    engine, ntasks, results = _tasks(network, plane, plane.window, n_jobs, False)
    total = Stats(nodes=engine.stats.tested, exact_decisions=engine.stats.exact, certified=False)
    for done, part in enumerate(results, start=1):
        total += Stats(regions=part.count, nodes=part.tested, min_radius=part.smallest, exact_decisions=part.exact,
                       tasks=1)
        if callable(progress):
            progress(done, ntasks, total.regions)
    return Counted(total, scale=1.0, tolerance=0.0, neurons=network.architecture.n_neurons, n_jobs=n_jobs,
                   backend="geometric")


def plane_polygons(network: Network, plane: Plane, window, *, n_jobs: int = 1
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every region of the window as ``(pattern, vertices)`` (counter-clockwise float vertices)."""
    _, _, results = _tasks(network, plane, window, n_jobs, True)
    for part in results:
        for leaves in part.polygons:
            for k in range(len(leaves)):
                yield leaves.pattern[k], leaves.P[k, :leaves.nv[k]].copy()


def segment_regions(network: Network, segment: Segment) -> SegmentRegions:
    """The regions met by the segment, with the breakpoints along it (see :class:`SegmentRegions`)."""
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if not isinstance(segment, Segment):
        raise field_error("The 'segment'", "a cnnregions.Segment", segment)
    origin, basis = segment.input_map(network.architecture.input_dim)
    check_memory(network.architecture, dim=1, stage="maps")
    layers, origin, basis = scaled_slice(network, origin, basis)
    return SegmentEngine(layers, origin, basis).run()


_NO_SINK = ("The 'domain' must be a Space, Box or Plane when regions are exported or collected. "
            "Got a Segment instead (its regions are the intervals of `cnnregions count --line`).")
_NO_CHECKPOINT = ("The 'checkpoint' must be None for a segment or a windowed plane (split exactly in one pass, "
                  "with nothing to resume). Got a checkpoint path instead.")
_NO_CERTIFY = ("The 'certify' must be False for a segment (its count is exact already: every breakpoint is ordered "
               "with proven float error bounds, or in rational arithmetic; no tolerance). Got True instead.")


def _check_network(network) -> None:
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)


class PolygonEngine:
    """The engine of a windowed plane: polygons split layer by layer, no LP, no tolerance.

    It hands no regions to a sink and proves nothing in exact arithmetic (the LP search serves a
    windowed plane then), and refuses a checkpoint (one pass, nothing to resume); ``iter_regions``
    gets each polygon's vertex mean as the witness and its ``area / perimeter`` as the radius.
    """

    name = "geometric"

    def refusal(self, sink: object = None, *, checkpoint: bool = False, certify: bool = False) -> str | None:
        if sink is not None:
            return "The windowed plane's polygons are not handed to a sink: the LP search serves it then."
        if certify:
            return "The windowed plane's polygons are not certified: the LP search serves it then."
        if checkpoint:  # one pass: refused rather than ignored
            return _NO_CHECKPOINT
        return None

    def count(self, network, domain: Any, run: Runner) -> Counted:  # a Plane (chosen for it by engine_for)
        _check_network(network)
        domain.input_map(network.architecture.input_dim)  # checks the size
        return _count_plane(network, domain, run.n_jobs, run.progress)

    def region_batches(self, network, domain: Any, *, tol: float, certify: bool) -> Iterator[list[Region]]:
        _check_network(network)
        origin, basis = domain.input_map(network.architecture.input_dim)
        _, _, results = _tasks(network, domain, domain.window, 1, True)
        for part in results:
            for leaves in part.polygons:
                radii = SliceEngine.inradius_bounds(leaves.P, leaves.nv)
                batch = []
                for k in range(len(leaves)):
                    centre = leaves.P[k, :leaves.nv[k]].mean(axis=0)
                    batch.append(Region(leaves.pattern[k], origin + basis @ centre, float(radii[k]), centre))
                yield batch


class IntervalEngine:
    """The engine of a segment: the intervals between the breakpoints of its neurons, exactly.

    It refuses a sink (export, graph): a segment's regions are its intervals, listed by
    ``cnnregions count --line`` and :func:`segment_regions`; a checkpoint (one pass, nothing to
    resume); and ``certify`` (the count is exact already).
    """

    name = "geometric"

    def refusal(self, sink: object = None, *, checkpoint: bool = False, certify: bool = False) -> str | None:
        if sink is not None:
            return _NO_SINK
        if checkpoint:  # one pass: refused rather than ignored
            return _NO_CHECKPOINT
        if certify:  # exact already: refused rather than ignored
            return _NO_CERTIFY
        return None

    def count(self, network, domain: Any, run: Runner) -> Counted:  # a Segment (chosen for it by engine_for)
        _check_network(network)
        result = segment_regions(network, domain)
        half = np.diff(result.breakpoints) / 2
        stats = Stats(regions=result.regions, nodes=result.crossings, min_radius=float(half.min()),
                      exact_decisions=result.exact_decisions, tasks=1, certified=False)
        return Counted(stats, scale=1.0, tolerance=0.0, neurons=network.architecture.n_neurons, n_jobs=1,
                       backend="geometric", breakpoints=tuple(float(t) for t in result.breakpoints))

    def region_batches(self, network, domain: Any, *, tol: float, certify: bool) -> Iterator[list[Region]]:
        _check_network(network)
        origin, basis = domain.input_map(network.architecture.input_dim)
        result = segment_regions(network, domain)
        t = result.breakpoints
        yield [Region(result.patterns[k], origin + basis[:, 0] * ((t[k] + t[k + 1]) / 2), float(t[k + 1] - t[k]) / 2,
                      np.array([(t[k] + t[k + 1]) / 2])) for k in range(result.regions)]
