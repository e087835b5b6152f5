"""Searches over theta for the maximum number of regions.

``R_{N,theta}`` is an integer, piecewise-constant function of the weights: no
gradient, large plateaus.  Every strategy here is derivative-free and works in
*He units*: a network is the vector ``z`` of its weights and biases, each
divided by its layer's He standard deviation ``sqrt(2 / fan_in)`` (the paper's
Section 6 initialisation), so that ``z ~ N(0, I)`` for a He draw and one step
size suits every layer.

Each strategy has ``ask()`` (a batch of candidates, counted in parallel) and
``tell(candidates, counts)``; it is deterministic given its generator and the
counts, which is what lets a killed study resume on the same candidates.

- ``local`` (the default): the local search of the first ``bench/paper_tables.py``
  (20 steps there): from the best draw, perturb every weight by 0.25 He std, keep
  strict improvements (one candidate at a time: a (1+1) search with a fixed step).
  At the same number of counts it beat the strategies below on most d2 of
  Example 4: it spends every count on the best network found so far.
- ``es``: a (1+lambda) evolution strategy: lambda children of the parent per
  generation (counted in parallel), the best child replaces the parent if it has
  at least as many regions (moves along plateaus), the step grows after an
  improvement and shrinks otherwise; after ``patience`` generations without
  improvement it restarts from the next of the best draws, then from the best
  network found so far.  Its step starts at the local search's 0.25.
- ``cma``: CMA-ES (the ``cma`` package, extra ``study``) on ``-regions``, with the
  same population and restarts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ..models.network import Network

__all__ = ["CMAES", "DEFAULT_STRATEGY", "STRATEGIES", "EvolutionStrategy", "HeCoder", "LocalSearch", "make_strategy"]

#: Names of the strategies, for ``--strategy``.
STRATEGIES = ("es", "cma", "local")
#: The default strategy: the best of the comparison at 200 counts per d2 on Example 4 (d2 = 1..8,
#: ``bench/bench_study.py``; see docs/measurements.md), where the (1+1) local search found the largest count for
#: most d2 (and by far at d2 = 5 and 7).  ``es`` counts its candidates in parallel (``--jobs``).
DEFAULT_STRATEGY = "local"


class HeCoder:
    """Networks of one architecture as vectors in He units, and back."""

    def __init__(self, architecture: Architecture) -> None:
        self.architecture = architecture
        self.shapes = []
        for shape in architecture.weight_shapes():
            std = math.sqrt(2.0 / math.prod(shape[1:]))
            self.shapes.append((tuple(shape), (shape[0],), std))
        self.size = sum(math.prod(w) + b[0] for w, b, _ in self.shapes)

    def vector(self, network: Network) -> np.ndarray:
        parts = []
        for (_, _, std), w, b in zip(self.shapes, network.weights, network.biases):
            parts += [np.ravel(w) / std, np.ravel(b) / std]
        return np.concatenate(parts)

    def network(self, z: np.ndarray) -> Network:
        weights, biases, at = [], [], 0
        for wshape, bshape, std in self.shapes:
            n = math.prod(wshape)
            weights.append(std * z[at:at + n].reshape(wshape))
            at += n
            biases.append(std * z[at:at + bshape[0]])
            at += bshape[0]
        return Network(self.architecture, tuple(weights), tuple(biases))


class _Restarts:
    """Starting points: the best draws in order, then (cycling) the best network found so far."""

    def __init__(self, starts: Sequence[tuple[np.ndarray, int]], keep: int = 3) -> None:
        self.starts = list(starts)[:keep]
        self.best = self.starts[0]
        self.used = 0

    def offer(self, z: np.ndarray, count: int) -> None:
        if count > self.best[1]:
            self.best = (z, count)

    def next(self) -> tuple[np.ndarray, int]:
        self.used += 1
        return self.starts[self.used] if self.used < len(self.starts) else self.best


class LocalSearch:
    """The local search of the first ``bench/paper_tables.py``: (1+1), fixed step, strict improvements."""

    name = "local"

    def __init__(self, starts, rng: np.random.Generator, sigma: float = 0.25) -> None:
        self.z, self.count = starts[0]
        self.rng, self.sigma = rng, sigma

    def ask(self) -> list[np.ndarray]:
        return [self.z + self.sigma * self.rng.standard_normal(self.z.shape)]

    def tell(self, candidates, counts) -> None:
        if counts[0] > self.count:
            self.z, self.count = candidates[0], counts[0]


class EvolutionStrategy:
    """(1+lambda) evolution strategy with step adaptation and restarts from the best draws.

    The step starts at the local search's 0.25 He std, grows by 1.3 after a strict
    improvement and shrinks by 0.85 otherwise (within [0.05, 1]); the parent moves
    to the best child when it has at least as many regions (drifting along
    plateaus).  After ``patience`` generations without a strict improvement the
    search restarts from the next best draw, then from the best network found.
    """

    name = "es"

    def __init__(self, starts, rng: np.random.Generator, *, population: int = 4, sigma: float = 0.25,
                 patience: int = 10) -> None:
        self.restarts = _Restarts(starts)
        self.z, self.count = starts[0]
        self.rng, self.population, self.sigma0, self.patience = rng, population, sigma, patience
        self.sigma, self.stall = sigma, 0

    def ask(self) -> list[np.ndarray]:
        noise = self.rng.standard_normal((self.population, self.z.size))
        return list(self.z + self.sigma * noise)

    def tell(self, candidates, counts) -> None:
        top = int(np.argmax(counts))
        for z, c in zip(candidates, counts):
            self.restarts.offer(z, c)
        if counts[top] > self.count:
            self.stall = 0
            self.sigma = min(self.sigma * 1.3, 1.0)
        else:
            self.stall += 1
            self.sigma = max(self.sigma * 0.85, 0.05)
        if counts[top] >= self.count:
            self.z, self.count = candidates[top], counts[top]
        if self.stall >= self.patience:
            self.z, self.count = self.restarts.next()
            self.sigma, self.stall = self.sigma0, 0


class CMAES:
    """CMA-ES (``cma``) minimising ``-regions``, restarted from the best draws when it stops."""

    name = "cma"

    def __init__(self, starts, rng: np.random.Generator, *, population: int = 8, sigma: float = 0.5,
                 patience: int = 4) -> None:
        try:
            import cma
        except ImportError:
            raise InvalidParameterError("The strategy 'cma' needs the cma package. Got no cma installed instead "
                                        "(pip install 'cnnregions[study]').") from None
        self._cma = cma
        self.restarts = _Restarts(starts)
        self.rng, self.population, self.sigma0, self.patience = rng, population, sigma, patience
        self._start(starts[0])

    def _start(self, start) -> None:
        z, self.count = start
        options = {"popsize": self.population, "randn": lambda *shape: self.rng.standard_normal(shape),
                   "seed": np.nan, "verbose": -9, "verb_log": 0, "verb_disp": 0, "verb_filenameprefix": "",
                   "tolflatfitness": self.patience}
        self.es = self._cma.CMAEvolutionStrategy(np.asarray(z, dtype=float), self.sigma0, options)
        self.stall = 0

    def ask(self) -> list[np.ndarray]:
        return [np.asarray(x) for x in self.es.ask()]

    def tell(self, candidates, counts) -> None:
        for z, c in zip(candidates, counts):
            self.restarts.offer(z, c)
        if len(candidates) < self.population:  # the last, truncated batch of the budget
            return
        self.es.tell(candidates, [-float(c) for c in counts])
        self.stall = 0 if max(counts) > self.count else self.stall + 1
        self.count = max(self.count, max(counts))
        if self.stall >= self.patience or self.es.stop():
            self._start(self.restarts.next())


def make_strategy(name: str, starts: Sequence[tuple[np.ndarray, int]], rng: np.random.Generator,
                  **options):
    """The strategy ``name`` (one of :data:`STRATEGIES`) from ``starts`` (``(z, regions)``, best first)."""
    classes = {"es": EvolutionStrategy, "cma": CMAES, "local": LocalSearch}
    if name not in classes:
        raise InvalidParameterError(f"The 'strategy' must be one of {', '.join(STRATEGIES)}. Got {name!r} instead.")
    if not starts:
        raise InvalidParameterError("The 'starts' must hold at least one counted draw. Got none instead.")
    return classes[name](list(starts), rng, **options)
