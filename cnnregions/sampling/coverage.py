"""Points needed to find a share of the regions: :func:`points_to_coverage`."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Sequence

import numpy as np

from .._validation import check_int, field_error
from ..models.network import Network
from .dedup import PatternKeys
from .estimate import DEFAULT_STDS, _check_network, _check_seed, _check_stds, _streams, split_budget
from .kernel import DEFAULT_MAX_MEMORY, PatternSampler, _chunk
from .results import CoverageResult

__all__ = ["points_to_coverage"]

_REDUCTIONS = ("max", "union")


def _check_fractions(fractions: object) -> tuple[float, ...]:
    if isinstance(fractions, np.ndarray):
        fractions = fractions.tolist()
    if isinstance(fractions, (str, bytes)) or not isinstance(fractions, Sequence) or len(fractions) == 0:
        raise field_error("The 'fractions'", "a non-empty sequence of numbers in (0, 1]", fractions)
    out = []
    for f in fractions:
        if isinstance(f, (bool, np.bool_)) or not isinstance(f, numbers.Real) or not 0 < float(f) <= 1:
            raise field_error("The 'fractions'", "numbers in (0, 1]", f)
        out.append(float(f))
    return tuple(out)


def _needed(fraction: float, regions: int) -> int:
    """Patterns to find for ``fraction`` of ``regions`` (``ceil``, immune to 0.9 * 40 = 36.000...01)."""
    return max(1, math.ceil(round(fraction * regions, 9)))


def points_to_coverage(network: Network, regions: int | np.ndarray, *, max_points: int,  # noqa: PLR0913  public API, keyword-only
                       fractions: Sequence[float] = (0.5, 0.9, 0.99), stds: Sequence[float] = DEFAULT_STDS,
                       reduce: str = "max", seed: int | np.random.Generator | None = None,
                       chunk_size: int | None = None, max_memory: int = DEFAULT_MAX_MEMORY) -> CoverageResult:
    """Points sampling needs to find 50 %, 90 %, 99 % (``fractions``) of the regions.

    Points are taken in the interleaved order of the package docstring
    (:mod:`cnnregions.sampling`), so a budget ``P`` here means exactly the points
    of ``sample_regions(network, P)`` with the same seed and stds.  The count is
    tracked point by point (first occurrences inside each chunk), so
    ``points_needed`` is exact, not rounded to a chunk.
    Sampling stops after the round of chunks (one chunk per std) in which every
    fraction is reached, or when ``max_points`` are spent.

    Parameters
    ----------
    network : Network
    regions : int or ndarray of bool, shape (R, n_neurons)
        The exact number of regions ``R``, or the regions' activation patterns
        themselves (e.g. from the exact enumerator; duplicate rows count once).
        With patterns, only sampled patterns among them count, and the others are
        reported as ``outside``.
    max_points : int
        Largest total budget to try.
    fractions : sequence of float in (0, 1]
    stds, seed, chunk_size, max_memory
        As in :func:`sample_regions`.
    reduce : {"max", "union"}
        ``"max"``: the found count at a budget is the best single std, as the paper
        reports (Section 6); ``"union"``: all stds together.

    Returns
    -------
    CoverageResult
    """
    network = _check_network(network)
    n_neurons = network.architecture.n_neurons
    max_points = check_int(max_points, "The 'max_points'", minimum=1)
    fractions = _check_fractions(fractions)
    stds = _check_stds(stds)
    _check_seed(seed)
    if reduce not in _REDUCTIONS:
        raise field_error("The 'reduce'", "'max' or 'union'", reduce)
    keys = PatternKeys(n_neurons)
    target: set | None = None
    if isinstance(regions, np.ndarray):
        if regions.dtype != bool or regions.ndim != 2 or regions.shape[1] != n_neurons or regions.shape[0] == 0:
            raise field_error("The 'regions'", f"a count or a non-empty bool array of shape (R, {n_neurons})", regions)
        target = set(keys.of_patterns(regions))
        total = len(target)
    else:
        total = check_int(regions, "The 'regions'", minimum=1)
    chunk = _chunk(network, chunk_size, max_memory)
    goal = max(_needed(f, total) for f in fractions)

    k = len(stds)
    budgets = split_budget(max_points, k)
    start = time.perf_counter()
    rngs, entropy = _streams(seed, k)
    sampler = PatternSampler(network, min(chunk, max(budgets)))
    first_seen: list[dict] = [{} for _ in stds]   # key -> global index of its first point
    counted = [0] * k                              # keys in the target, per std
    union: dict = {}
    outside: set = set()
    lo = 0
    while lo < budgets[0]:
        for j, (std, rng, budget) in enumerate(zip(stds, rngs, budgets)):
            m = min(chunk, budget - lo)
            if m <= 0:
                continue
            new_keys, first = keys.unique(sampler.packed(rng, std, m), first=True)
            seen = first_seen[j]
            for key, i in zip(new_keys, np.asarray(first).tolist()):
                if key in seen:
                    continue
                g = (lo + i) * k + j
                seen[key] = g
                if target is not None and key not in target:
                    outside.add(key)
                    continue
                counted[j] += 1
                if g < union.get(key, g + 1):
                    union[key] = g
        lo += chunk
        if (max(counted) if reduce == "max" else len(union)) >= goal:
            break
    seconds = time.perf_counter() - start
    points = min(max_points, lo * k)

    def curve(firsts) -> np.ndarray:
        return np.sort(np.fromiter(firsts, dtype=np.int64))

    if reduce == "union":
        discovery = curve(union.values()) + 1
    else:
        per_std = [curve(g for key, g in seen.items() if target is None or key in target) for seen in first_seen]
        longest = max(len(c) for c in per_std)
        discovery = np.full(longest, np.iinfo(np.int64).max, dtype=np.int64)
        for c in per_std:
            np.minimum(discovery[:len(c)], c + 1, out=discovery[:len(c)])
    needed = tuple(int(discovery[n - 1]) if n <= len(discovery) else None
                   for n in (_needed(f, total) for f in fractions))
    return CoverageResult(regions=total, fractions=fractions, points_needed=needed, discovery=discovery,
                          found=int(len(discovery)), outside=None if target is None else len(outside),
                          points=points, reduce=reduce, stds=stds, seconds=seconds, seed=entropy)
