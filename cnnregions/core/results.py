"""Result values of a count (immutable)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stats import Stats

__all__ = ["Counted", "Region", "RegionCount"]


@dataclass(frozen=True, eq=False)
class Region:
    """One linear region: its activation pattern and a point strictly inside it.

    Attributes
    ----------
    pattern : ndarray of bool, shape (n_neurons,)
        True where the neuron is active (``z > 0``); neurons in PyTorch's flattened
        ``(channels, height, width)`` order, layer after layer.  A neuron that is
        identically zero on the region is reported inactive.
    witness : ndarray, shape (input_dim,)
        A point of the (flattened) input inside the region.
    radius : float
        A ball of this radius around ``witness`` lies inside the region (in input
        units; capped, and a lower bound on the region's inradius).
    coords : ndarray
        The witness in the domain's own coordinates (the plane's ``(a, b)`` for a
        :class:`~cnnregions.Plane`; equal to ``witness`` otherwise).
    """

    pattern: np.ndarray
    witness: np.ndarray
    radius: float
    coords: np.ndarray


@dataclass(frozen=True)
class Counted:
    """What an engine's count returns: the statistics of the work, and their context.

    ``stats`` sums everything (the reused checkpoint records included), ``reused`` is the part
    taken from a checkpoint; ``scale`` converts the statistics' radii to input units.
    """

    stats: Stats
    scale: float
    tolerance: float
    neurons: int
    n_jobs: int
    backend: str
    reused: Stats = Stats()
    breakpoints: tuple[float, ...] = ()


@dataclass(frozen=True)
class RegionCount:
    """The exact number of linear regions ``R_{N,theta}`` and how it was obtained.

    Attributes
    ----------
    regions : int
        Number of activation patterns whose region is non-empty (Definition 1),
        i.e. contains a ball of radius ``tolerance``.
    lps : int
        Linear programs solved.
    nodes : int
        Search-tree nodes visited (leaves included).
    seconds : float
        Wall-clock time.
    smallest_radius : float
        Every counted region contains a ball of at least this radius (input
        units); a small value means thin regions.
    largest_rejected_radius : float
        Largest positive Chebyshev radius of a candidate region that was rejected
        as too thin (0 if none): how close rejections came to the tolerance.
    tolerance : float
        The radius threshold, in input units (``tol * scale``).
    scale : float
        The network's length scale used to make tolerances relative.
    neurons : int
        Number of hidden neurons.
    tasks : int
        Number of tasks of the count (see :mod:`.tasks`): the initial split's,
        and the children of every task that reached its work budget.
    n_jobs : int
        Worker processes used (dask workers connected, for the dask backend).
    reused_tasks : int
        Tasks taken from a checkpoint instead of being searched.
    backend : str
        ``"serial"``, ``"loky"`` (local processes) or ``"dask"``; ``"geometric"`` for the
        polygon/segment engine of :mod:`cnnregions.geometry` (windowed planes, segments).
    exact_decisions : int
        Decisions made in exact rational arithmetic because floats could not
        certify them: by the geometric engine (windowed planes, segments), or by the
        certifier of the LP search (its exact solver, and the cancellations it
        re-decides exactly).  One field for both engines.
    max_task_seconds, sum_task_seconds : float
        The longest task and the sum over tasks (checkpointed ones included):
        ``sum / max`` bounds the speed-up any number of workers can reach.
    reused_regions : int
        Regions of the reused tasks (left out of ``regions_per_second``).
    certified : bool
        True when every decision was proven in exact arithmetic (``certify=True``):
        then ``regions`` is the exact ``R_{N,theta}`` of the float64 weights, with no
        tolerance (see docs/certify.md).
    unresolved : int
        Decisions that could not be proven: 0 when certified; in float mode, the
        decisions that came near a threshold (a reason to rerun with ``certify=True``).
    certificates : int
        Emptiness certificates checked exactly.
    float_regions : int or None
        When a certified count needed to overturn float decisions, the float
        search's own count (None when they could not differ).
    missed, added : tuple of str
        Patterns (as strings of 0/1) the float search missed or added (at most 20 each).
    breakpoints : tuple of float
        For a count on a :class:`~cnnregions.Segment`: the ends of its intervals along
        ``t`` in ``[0, 1]`` (``regions + 1`` values); empty otherwise.
    """

    regions: int
    lps: int
    nodes: int
    seconds: float
    smallest_radius: float
    largest_rejected_radius: float
    tolerance: float
    scale: float
    neurons: int
    tasks: int
    n_jobs: int
    reused_tasks: int = 0
    backend: str = "serial"
    certified: bool = False
    unresolved: int = 0
    certificates: int = 0
    exact_decisions: int = 0
    max_task_seconds: float = 0.0
    sum_task_seconds: float = 0.0
    reused_regions: int = 0
    float_regions: int | None = None
    missed: tuple = ()
    added: tuple = ()
    breakpoints: tuple[float, ...] = ()

    @classmethod
    def of(cls, counted: Counted, seconds: float, float_regions: int | None = None, missed: tuple = (),
           added: tuple = ()) -> RegionCount:
        """The result of an engine's count (:class:`Counted`) that took ``seconds``."""
        total, scale = counted.stats, counted.scale
        return cls(regions=total.regions, lps=total.lps, nodes=total.nodes, seconds=seconds,
                   smallest_radius=total.min_radius * scale, largest_rejected_radius=total.max_rejected * scale,
                   tolerance=counted.tolerance, scale=scale, neurons=counted.neurons, tasks=total.tasks,
                   n_jobs=counted.n_jobs, reused_tasks=counted.reused.tasks, backend=counted.backend,
                   certified=total.certified, unresolved=total.unresolved, certificates=total.certificates,
                   exact_decisions=total.exact_decisions, max_task_seconds=total.max_task_seconds,
                   sum_task_seconds=total.sum_task_seconds, reused_regions=counted.reused.regions,
                   float_regions=float_regions, missed=missed, added=added, breakpoints=counted.breakpoints)

    @property
    def subtrees(self) -> int:
        """Former name of ``tasks`` (kept for existing callers)."""
        return self.tasks

    @property
    def reused_subtrees(self) -> int:
        """Former name of ``reused_tasks`` (kept for existing callers)."""
        return self.reused_tasks

    @property
    def lps_per_region(self) -> float:
        return self.lps / self.regions if self.regions else float("nan")

    @property
    def regions_per_second(self) -> float:
        """Regions found per second in this run (those taken from a checkpoint left out)."""
        return (self.regions - self.reused_regions) / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict:
        """Every field (and the rates); ``breakpoints`` only for a segment's count, and there
        only the ``t`` in (0, 1) where the pattern changes (the ends 0 and 1 left out)."""
        out = {
            "regions": self.regions, "lps": self.lps, "nodes": self.nodes, "seconds": self.seconds,
            "smallest_radius": self.smallest_radius, "largest_rejected_radius": self.largest_rejected_radius,
            "tolerance": self.tolerance, "scale": self.scale, "neurons": self.neurons,
            "tasks": self.tasks, "n_jobs": self.n_jobs, "reused_tasks": self.reused_tasks,
            "reused_regions": self.reused_regions, "backend": self.backend, "exact_decisions": self.exact_decisions,
            "max_task_seconds": self.max_task_seconds, "sum_task_seconds": self.sum_task_seconds,
            "certified": self.certified, "unresolved": self.unresolved, "certificates": self.certificates,
            "float_regions": self.float_regions, "missed": list(self.missed), "added": list(self.added),
            "lps_per_region": self.lps_per_region, "regions_per_second": self.regions_per_second,
        }
        if self.breakpoints:
            out["breakpoints"] = [float(t) for t in self.breakpoints[1:-1]]
        return out
