"""One network's exact count beside every bound of the paper and a sampling estimate.

For a specific ``theta``, the exact count ``R_{N,theta}`` must not exceed any
*upper* bound on the maximum ``R_N`` (Lemma 2, Theorem 1 for a one-layer CNN seen
as a fully-connected layer, eq. (4), Theorem 5's upper bounds): a violation is
reported, never hidden.  Theorem 5's *lower* bound is a bound on the maximum over
``theta``: one ``theta`` below it is normal, and is said so.  Sampling (Section 6)
can only miss regions, so its estimate never exceeds the exact count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .core import RegionCount
from .errors import ComputationTooLargeError, InvalidParameterError
from .models.network import Network
from .run import count_regions

__all__ = ["BOUNDS", "BoundCheck", "Comparison", "applicable_bounds", "check_bounds", "compare_network"]

#: (key in bounds_summary, label, kind) for every bound the comparison sets beside the count.
BOUNDS = (
    ("lemma2", "Lemma 2: 2^neurons", "upper"),
    ("theorem1", "Theorem 1, the CNN seen as a fully-connected layer (Table 1, row 2)", "upper"),
    ("eq4", "eq. (4) / Theorem 2, the maximum of a one-layer CNN", "upper"),
    ("theorem5_upper", "Theorem 5 upper bound, as printed", "upper"),
    ("theorem5_upper_table2", "Theorem 5 upper bound, Table 2's variant", "upper"),
    ("theorem5_lower", "Theorem 5 lower bound on the maximum over theta", "lower"),
)


@dataclass(frozen=True)
class BoundCheck:
    """One bound beside the exact count.

    ``holds`` is None when the bound does not apply (``reason`` says why).  For a
    lower bound, ``holds`` says whether this ``theta`` reaches it (not reaching it
    is no contradiction).
    """

    key: str
    label: str
    kind: str
    value: int | None
    holds: bool | None
    verdict: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "kind": self.kind, "value": self.value,
                "holds": self.holds, "verdict": self.verdict, "reason": self.reason}


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare_network`."""

    exact: RegionCount
    checks: tuple[BoundCheck, ...]
    sampling: Any | None
    bounds: dict[str, Any] | None

    @property
    def violations(self) -> tuple[BoundCheck, ...]:
        """Upper bounds that this theta exceeds (a bug or a false theorem: never expected)."""
        return tuple(c for c in self.checks if c.kind == "upper" and c.holds is False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"exact": self.exact.to_dict(), "checks": [c.to_dict() for c in self.checks],
                               "violations": [c.key for c in self.violations]}
        if self.sampling is not None:
            out["sampling"] = self.sampling.to_dict()
        out["notes"] = list((self.bounds or {}).get("notes", []))
        return out


def _check(key: str, label: str, kind: str, value: int | None, exact: int, reason: str | None,
           uncertain: bool = False) -> BoundCheck:
    if value is None:
        return BoundCheck(key, label, kind, None, None, "does not apply", reason)
    if kind == "upper":
        holds = exact <= value
        verdict = "holds" if holds else f"VIOLATED: the exact count {exact} exceeds it"
    else:
        holds = exact >= value
        if holds:
            verdict = "this theta reaches it"
        elif uncertain:
            verdict = ("this theta is below it; the bound rests on eq. (4), which exceeds the true maximum here "
                       "(see the note): no theta may reach it")
        else:
            verdict = "this theta is below it: normal, the bound is on the maximum over theta"
    return BoundCheck(key, label, kind, int(value), holds, verdict, None)


def applicable_bounds(architecture) -> dict[str, Any]:
    """:func:`cnnregions.theory.bounds_summary` of ``architecture``, or every bound null with the reason.

    Architectures the paper's formulas do not cover at all (e.g. dense layers)
    make ``bounds_summary`` raise; then every bound of :data:`BOUNDS` is None and
    ``not_applicable`` holds the reason, so callers can still report them.
    """
    from .theory import bounds_summary

    try:
        return bounds_summary(architecture)
    except (InvalidParameterError, ComputationTooLargeError) as exc:  # e.g. layers the paper does not cover
        return {"not_applicable": {key: str(exc) for key, _, _ in BOUNDS}, "notes": [str(exc)]}


def check_bounds(bounds: dict[str, Any], regions: int) -> tuple[BoundCheck, ...]:
    """Every bound of :data:`BOUNDS` in ``bounds`` beside the count ``regions``, with its verdict."""
    reasons = bounds.get("not_applicable", {})
    uncertain = set(bounds.get("uncertain", ()))
    return tuple(_check(key, label, kind, bounds.get(key), regions, reasons.get(key), key in uncertain)
                 for key, label, kind in BOUNDS)


def compare_network(network: Network, *, sample_points: int = 1_000_000, seed: int | None = 0,
                    n_jobs: int = 1, bounds: dict[str, Any] | None = None) -> Comparison:
    """Exact count, every applicable bound of the paper, and a sampling estimate.

    Parameters
    ----------
    network : Network
    sample_points : int
        Points for the sampling estimate (the paper's method, Section 6); 0 for none.
    seed : int or None
        Seed of the sampling points.
    n_jobs : int
        Worker processes for the exact count.
    bounds : dict, optional
        A precomputed :func:`cnnregions.theory.bounds_summary` of the architecture.

    Returns
    -------
    Comparison
    """
    if isinstance(sample_points, bool) or not isinstance(sample_points, int) or sample_points < 0:
        raise InvalidParameterError(f"The 'sample_points' must be a non-negative integer. Got {sample_points!r} instead.")
    exact = count_regions(network, n_jobs=n_jobs)
    if bounds is None:
        bounds = applicable_bounds(network.architecture)
    checks = check_bounds(bounds, exact.regions)
    sampling = None
    if sample_points:
        from .sampling import sample_regions

        sampling = sample_regions(network, sample_points, seed=seed)
    return Comparison(exact, checks, sampling, bounds)
