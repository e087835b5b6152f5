"""A tightness study: R_{N,theta} over He draws, a search for the maximum, every bound.

For one architecture: the exact count of ``draws`` He-initialised networks (the
paper's Section 6; seeds ``seed .. seed + draws - 1``), then ``search`` more
exact counts spent by a derivative-free search over theta for the maximum
(:mod:`.strategies`), started from the best draws.  The best network found is
saved in the ``.npz`` format and recounted *from that file* before it is
reported.  The best count is set beside every bound of the paper that applies
(:func:`cnnregions.compare.check_bounds`): an upper bound must hold; Theorem 5's
lower bound (on the maximum over theta) is reached or not by the search.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_int, check_jobs, check_path, field_error
from ..compare import BoundCheck, applicable_bounds, check_bounds
from ..core import DEFAULT_TOLERANCE
from ..core.problem import RADIUS_CAP
from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ..models.io import load_network, save_network
from ..models.network import Network, he_network
from ..run import count_regions
from ..run.backends import DEFAULT_CONNECT_TIMEOUT
from .evaluate import Counter
from .ledger import Ledger
from .strategies import DEFAULT_STRATEGY, STRATEGIES, HeCoder, make_strategy

__all__ = ["QUANTILES", "StudyResult", "count_draws", "run_study", "search_maximum"]

#: Quantiles of the draws' counts reported by a study.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Candidates per generation of the population strategies (``es``, ``cma``).
DEFAULT_POPULATION = 4


@dataclass(frozen=True)
class StudyResult:
    """The result of :func:`run_study` (see :meth:`to_dict` for the JSON form)."""

    architecture: Architecture
    draws: tuple[tuple[int, int], ...]
    strategy: str
    search_steps: int
    best_regions: int
    best_found: str
    best_network: Network = field(repr=False)
    best_file: str | None
    best_search_count: int
    checks: tuple[BoundCheck, ...]
    bounds: dict[str, Any] = field(repr=False)
    trajectory: tuple[tuple[int, int], ...]
    seconds: float
    count_seconds: float
    counted: int
    reused: int
    n_jobs: int
    backend: str

    @property
    def counts(self) -> np.ndarray:
        return np.array([regions for _, regions in self.draws])

    def tightness(self) -> str:
        """One line: how close the best count comes to the bounds."""
        parts = []
        for check in self.checks:
            if check.value is None or check.key not in ("theorem5_lower", "theorem5_upper", "eq4", "theorem1"):
                continue
            ratio = self.best_regions / check.value
            if check.kind == "lower":
                parts.append(f"{'reaches' if check.holds else 'does not reach'} Theorem 5's lower bound "
                             f"{check.value} ({ratio:.2f}x)")
            else:
                name = {"theorem5_upper": "Theorem 5's upper bound", "eq4": "eq. (4)", "theorem1": "Theorem 1"}
                parts.append(f"is {100 * ratio:.3g}% of {name[check.key]} ({check.value})")
        if not parts:
            return f"best {self.best_regions}: none of the paper's bounds but Lemma 2 apply to this architecture"
        return f"best {self.best_regions} " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts
        checks = []
        for check in self.checks:
            entry = check.to_dict()
            entry["ratio"] = None if check.value is None else self.best_regions / check.value
            checks.append(entry)
        return {
            "architecture": self.architecture.to_dict(),
            "draws": [{"seed": s, "regions": r} for s, r in self.draws],
            "mean": float(counts.mean()), "min": int(counts.min()), "max": int(counts.max()),
            "quantiles": {str(q): float(np.quantile(counts, q)) for q in QUANTILES},
            "best": {"regions": self.best_regions, "found": self.best_found, "strategy": self.strategy,
                     "search_steps": self.search_steps, "file": self.best_file,
                     "recounted_from_file": True, "search_count": self.best_search_count,
                     "fingerprint": self.best_network.fingerprint},
            "bounds": checks,
            "violations": [c.key for c in self.checks if c.kind == "upper" and c.holds is False],
            "tightness": self.tightness(),
            "notes": list(self.bounds.get("notes", [])),
            "trajectory": [{"counts": n, "best": b} for n, b in self.trajectory],
            "counts": {"run": self.counted, "reused_from_checkpoint": self.reused,
                       "seconds_in_counts": self.count_seconds},
            "n_jobs": self.n_jobs, "backend": self.backend, "seconds": self.seconds,
        }


def count_draws(architecture: Architecture, seeds, counter: Counter) -> list[tuple[int, Network, int]]:
    """``(seed, network, regions)`` of the He draws of ``architecture`` for ``seeds``, counted in parallel."""
    nets = [he_network(architecture, int(s)) for s in seeds]
    counts = counter.count([f"draw:{s}" for s in seeds], nets)
    return [(int(s), net, c) for s, net, c in zip(seeds, nets, counts)]


def search_maximum(architecture: Architecture, starts: list[tuple[Network, int]], steps: int, counter: Counter, *,
                   strategy: str = DEFAULT_STRATEGY, seed: int = 0, population: int = DEFAULT_POPULATION):
    """Spend ``steps`` exact counts searching for the maximum, from ``starts`` (best first).

    Returns
    -------
    best : tuple (Network, int, int) or None
        The best candidate (network, regions, its index among the candidates) if
        one beat every start, else None.
    trajectory : list of (int, int)
        After each batch: candidates counted so far and the best count so far.
    """
    coder = HeCoder(architecture)
    options = {} if strategy == "local" else {"population": population}
    if strategy == "cma":  # CMA-ES adapts a covariance: it wants a larger population than the (1+lambda) ES
        options["population"] = 2 * population
    rng = np.random.default_rng([int(seed), 0x5EA2C4])
    search = make_strategy(strategy, [(coder.vector(net), c) for net, c in starts], rng, **options)
    best, best_count, done, trajectory = None, starts[0][1], 0, []
    while done < steps:
        candidates = search.ask()[: steps - done]
        nets = [coder.network(z) for z in candidates]
        counts = counter.count([f"search:{done + i}" for i in range(len(nets))], nets)
        for i, (net, c) in enumerate(zip(nets, counts)):
            if c > best_count:
                best, best_count = (net, c, done + i), c
        search.tell(candidates, counts)
        done += len(nets)
        trajectory.append((done, best_count))
    return best, trajectory


def run_study(architecture: Architecture, *, draws: int = 20, seed: int = 0, search: int = 180,  # noqa: PLR0913  public API, keyword-only
              strategy: str = DEFAULT_STRATEGY, n_jobs: int = 1, scheduler=None,
              checkpoint: str | os.PathLike | None = None, best_out: str | os.PathLike | None = None,
              tol: float = DEFAULT_TOLERANCE, population: int = DEFAULT_POPULATION,
              connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> StudyResult:
    """Study how tight the paper's bounds are for ``architecture``.

    Parameters
    ----------
    architecture : Architecture
    draws : int
        He-initialised networks counted exactly (seeds ``seed .. seed + draws - 1``).
    seed : int
        First seed of the draws; also seeds the search.
    search : int
        Exact counts spent by the search for the maximum (0: none).
    strategy : {"es", "cma", "local"}
        The search (:mod:`cnnregions.study.strategies`).
    n_jobs, scheduler
        Counts run in parallel: ``n_jobs`` local processes, or a dask cluster.
        Each count runs on one core; the result does not depend on them.
    checkpoint : path, optional
        JSON-lines file recording every finished count; a study run again with
        it reuses them (:mod:`.ledger`).
    best_out : path, optional
        Where the best network is saved (``.npz``); a temporary file otherwise.
        Either way it is recounted from the file before it is reported.
    tol : float
        Radius threshold of every count.
    population : int
        Candidates per generation of ``es`` and ``cma``.

    Returns
    -------
    StudyResult
    """
    start = time.perf_counter()
    if not isinstance(architecture, Architecture):
        raise field_error("The 'architecture'", "an Architecture", architecture)
    draws = check_int(draws, "The 'draws'", minimum=1)
    seed = check_int(seed, "The 'seed'", minimum=0)
    search = check_int(search, "The 'search'", minimum=0)
    population = check_int(population, "The 'population'", minimum=2)
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        raise field_error("The 'strategy'", f"one of {', '.join(STRATEGIES)}", strategy)
    n_jobs = check_jobs(n_jobs)
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.floating)) or not 0 < tol < RADIUS_CAP:
        raise field_error("The 'tol'", f"a number in (0, {RADIUS_CAP})", tol)
    for name, value in (("checkpoint", checkpoint), ("best_out", best_out)):
        if value is not None:
            check_path(value, f"The '{name}'")
    if checkpoint is not None and best_out is not None and \
            os.path.realpath(os.fspath(checkpoint)) == os.path.realpath(os.fspath(best_out)):
        raise InvalidParameterError(f"The 'best_out' must be another file than the 'checkpoint'. Got '{best_out}' "
                                    "for both instead (the network would replace the recorded counts).")
    bounds = applicable_bounds(architecture)
    identity = {"architecture": architecture.to_dict(), "tol": float(tol)}
    ledger = Ledger.open(checkpoint, identity) if checkpoint is not None else None
    try:
        with Counter(n_jobs=n_jobs, scheduler=scheduler, ledger=ledger, tol=tol,
                     connect_timeout=connect_timeout) as counter:
            drawn = count_draws(architecture, range(seed, seed + draws), counter)
            ranked = sorted(drawn, key=lambda item: (-item[2], item[0]))
            best_net, best_count, found = ranked[0][1], ranked[0][2], f"He draw, seed {ranked[0][0]}"
            trajectory: list[tuple[int, int]] = [(draws, best_count)]
            if search:
                improved, steps = search_maximum(architecture, [(net, c) for _, net, c in ranked], search, counter,
                                                 strategy=strategy, seed=seed, population=population)
                trajectory += [(draws + n, b) for n, b in steps]
                if improved is not None:
                    best_net, best_count = improved[0], improved[1]
                    found = f"search ({strategy}), candidate {improved[2] + 1} of {search}"
            counted, reused, count_seconds, jobs, backend = (counter.counted, counter.reused, counter.count_seconds,
                                                             counter.n_jobs, counter.backend)
            reused_keys = dict(counter.reused_keys)
    finally:
        if ledger is not None:
            ledger.close()
    recount = _recount_from_file(best_net, best_out, tol)
    if recount != best_count and best_net.fingerprint in reused_keys:  # a forged or stale record
        raise InvalidParameterError(
            f"The study checkpoint '{checkpoint}' record '{reused_keys[best_net.fingerprint]}' must hold the count "
            f"of its network. Got {best_count} regions where a recount gives {recount} instead (the line was "
            "forged or written by a different cnnregions): remove that line, or start a new file.")
    if recount != best_count:  # exactness is the product: never report a count the file does not give
        raise RuntimeError(f"The best network recounted from its file gives {recount} regions, not {best_count}: "
                           "please report this as a bug.")
    return StudyResult(architecture, tuple((s, c) for s, _, c in drawn), strategy, search, recount, found, best_net,
                       None if best_out is None else str(best_out), best_count, check_bounds(bounds, recount), bounds,
                       tuple(trajectory), time.perf_counter() - start, count_seconds, counted, reused, jobs, backend)


def _recount_from_file(network: Network, path: str | os.PathLike | None, tol: float) -> int:
    """Save ``network`` (to ``path`` or a temporary file), load it back and count it exactly."""
    if path is not None:
        try:
            save_network(network, path)
        except OSError as exc:
            raise InvalidParameterError(f"The 'best_out' file '{path}' must be writable. Got {exc} instead.") from None
        return count_regions(load_network(path), tol=tol).regions
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "best.npz"
        save_network(network, file)
        return count_regions(load_network(file), tol=tol).regions
