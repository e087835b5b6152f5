"""Result records of the sampling estimator: :class:`StdCount`, :class:`SamplingResult`
and :class:`CoverageResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CoverageResult", "SamplingResult", "StdCount"]


@dataclass(frozen=True)
class StdCount:
    """Distinct activation patterns found with one standard deviation.

    Attributes
    ----------
    std : float
        The standard deviation ``v`` of the points ``x ~ N(0, v^2 I)``.
    points : int
        Points drawn with this ``v``.
    regions_found : int
        Distinct activation patterns among them.
    """

    std: float
    points: int
    regions_found: int

    def to_dict(self) -> dict[str, Any]:
        return {"std": self.std, "points": self.points, "regions_found": self.regions_found}


@dataclass(frozen=True)
class SamplingResult:
    """Outcome of :func:`sample_regions`.

    Attributes
    ----------
    regions_found : int
        Maximum over the stds of the distinct patterns found, the figure the paper
        reports (Section 6, Table 2).  A lower bound on ``R_{N,theta}``.
    union_found : int
        Distinct patterns found over all stds together (``>= regions_found``; also a
        lower bound on ``R_{N,theta}``).
    per_std : tuple of StdCount
        One entry per standard deviation, in the order given.
    points : int
        Total number of points evaluated (the sum over ``per_std``).
    seconds : float
        Wall-clock time of the sampling.
    neurons : int
        Hidden neurons, i.e. bits of an activation pattern.
    chunk_size : int
        Points evaluated per vectorised chunk.
    seed : int or None
        Root entropy of the random streams (drawn from the OS when ``seed=None`` was
        passed, so the run can be repeated); None when a Generator was passed.
    """

    regions_found: int
    union_found: int
    per_std: tuple[StdCount, ...]
    points: int
    seconds: float
    neurons: int
    chunk_size: int
    seed: int | None

    @property
    def stds(self) -> tuple[float, ...]:
        return tuple(s.std for s in self.per_std)

    @property
    def points_per_second(self) -> float:
        """Points evaluated per second of wall-clock time."""
        return self.points / max(self.seconds, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {"regions_found": self.regions_found, "union_found": self.union_found,
                "points": self.points, "seconds": self.seconds,
                "points_per_second": self.points_per_second, "neurons": self.neurons,
                "chunk_size": self.chunk_size, "sample_seed": self.seed,
                "budget_split": "even", "reduction": "max over stds",
                "per_std": [s.to_dict() for s in self.per_std]}


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Outcome of :func:`points_to_coverage`: points needed to find a share of the regions.

    Attributes
    ----------
    regions : int
        The number of regions ``R`` the fractions refer to (e.g. the exact count).
    fractions : tuple of float
        The requested shares of ``R``.
    points_needed : tuple of (int or None)
        For each fraction ``f``, the smallest budget ``P`` (in points, over the
        interleaved stds) for which ``ceil(f R)`` patterns had been found; None if
        ``max_points`` was not enough.
    discovery : ndarray of int64
        ``discovery[c - 1]`` is the smallest budget with ``c`` patterns found, for
        ``c = 1 .. found``: the whole step curve "found vs points".
    found : int
        Patterns found (counted as ``reduce`` says) when sampling stopped.
    outside : int or None
        Sampled patterns that are not among the given patterns (they are not counted
        in ``found``); None when only a count ``R`` was given.  Should be 0 when the
        given patterns are all the regions.
    points : int
        Points evaluated (sampling stops once every fraction is reached).
    reduce : str
        ``"max"`` (the best single std at each budget, the paper's figure) or
        ``"union"`` (all stds together).
    stds : tuple of float
    seconds : float
    seed : int or None
    """

    regions: int
    fractions: tuple[float, ...]
    points_needed: tuple[int | None, ...]
    discovery: np.ndarray
    found: int
    outside: int | None
    points: int
    reduce: str
    stds: tuple[float, ...]
    seconds: float
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the full ``discovery`` curve)."""
        return {"regions": self.regions, "reduce": self.reduce, "stds": list(self.stds),
                "points_needed": [{"fraction": f, "points": p}
                                  for f, p in zip(self.fractions, self.points_needed)],
                "found": self.found, "outside": self.outside, "points": self.points,
                "seconds": self.seconds, "sample_seed": self.seed}
