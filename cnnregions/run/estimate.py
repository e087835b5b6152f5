"""Know before you wait: Knuth's random-probe estimate of the search tree.

The exact count is the number of leaves of the search tree of :mod:`cnnregions.lpsearch.search` (one
leaf per region, Definition 1).  Knuth (1975, "Estimating the efficiency of
backtrack programs") estimates it without walking the tree: a *dive* goes from the
root to a leaf, at each node choosing one of its ``c`` non-empty children uniformly
at random and multiplying a weight by ``c``; the weight at the leaf is an unbiased
estimate of the number of leaves, i.e. of ``R_{N,theta}``, and the sum of the
weights along the way one of the number of search nodes.  The mean over independent
dives is unbiased, with a confidence interval from their spread (Student's t), and
the measured cost per node gives a time forecast.

Unlike sampling input points (:mod:`cnnregions.sampling`), which can only miss
regions and misses thin ones most, the dive weights do not depend on a region's
size: the estimate is unbiased for the count, thin regions included.  The tree's
shape makes the weights heavy-tailed, so the interval is a guide, not a guarantee.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..core.domain import Domain
from ..core.engine import Searcher
from ..core.problem import DEFAULT_TOLERANCE, build_problem
from ..models.network import Network
from .engines import tree_engine
from .tasks import split_tree

__all__ = ["TreeEstimate", "dives", "estimate_regions", "upper_bound"]


@dataclass(frozen=True)
class TreeEstimate:
    """Knuth's estimate of the exact count and of the search's cost.

    Attributes
    ----------
    regions : float
        Mean of the dives' leaf estimates (unbiased for ``R_{N,theta}``).
    low, high : float
        Confidence interval at ``level`` (Student's t over the dives; ``low >= 1``).
    level : float
    nodes : float
        Estimated number of search nodes.
    dives : int
    seconds : float
        Time the dives took.
    seconds_per_node : float
        Measured cost of one search node during the dives.
    forecast_seconds : float
        ``nodes * seconds_per_node``: the time of an exact count on one core.
    upper_bound, upper_bound_name
        The smallest applicable upper bound of the paper (``None`` if too large to
        compute exactly) and its name.
    neurons : int
    """

    regions: float
    low: float
    high: float
    level: float
    nodes: float
    dives: int
    seconds: float
    seconds_per_node: float
    forecast_seconds: float
    upper_bound: int | None
    upper_bound_name: str | None
    neurons: int

    def to_dict(self) -> dict:
        return asdict(self)


def _one_dive(search: Searcher, node, rng: np.random.Generator) -> tuple[int, int, int]:
    """One random dive from ``node``: ``(leaf weight, node weight, nodes expanded)``."""
    weight, nodes, expanded = 1, 1, 0
    while True:
        before = search.regions
        children = search.expand(node)
        expanded += 1
        leaves = search.regions - before
        if leaves:  # every child is a leaf (they all sit at the last neuron)
            return weight * leaves, nodes + weight * leaves, expanded
        if not children:  # pragma: no cover - every non-empty region has a non-empty child
            return 0, nodes, expanded
        weight *= len(children)
        nodes += weight
        node = children[int(rng.integers(len(children)))]


def dives(network: Network, *, domain: Domain | None = None, tol: float = DEFAULT_TOLERANCE,
          strata: int = 16, seed: int | np.random.Generator | None = None) -> Iterator[tuple[int, int, int, int, float]]:
    """Endless dives, stratified: ``(stratum, leaf weight, node weight, nodes expanded, seconds)``.

    The top of the tree is first expanded exactly, breadth first, until ``strata``
    open nodes remain (as :func:`~.tasks.split_tree` splits it for the workers); the
    first item, with stratum ``-1``, holds the leaves and nodes met on the way.
    Then dives start from the open nodes in turn: the subtree of each gets its own
    unbiased estimate, and their sum has a far smaller variance than dives from the
    root.  Built on the search's own :meth:`~cnnregions.lpsearch.search.Search.root` and
    :meth:`~cnnregions.lpsearch.search.Search.expand`, so the dives see exactly the tree the exact count walks.
    """
    rng = _rng(seed)
    search = tree_engine().searcher(build_problem(network, domain, tol=tol))
    start = time.perf_counter()
    frontier = split_tree(search, strata)
    yield -1, search.regions, search.nodes, search.nodes, time.perf_counter() - start
    while frontier:
        for i, node in enumerate(frontier):
            start = time.perf_counter()
            leaf, nodes, expanded = _one_dive(search, node, rng)
            yield i, leaf, nodes, expanded, time.perf_counter() - start


def _rng(seed: object) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise field_error("The 'seed'", "a non-negative integer, a numpy Generator or None", seed)
    return np.random.default_rng(seed)


def upper_bound(network: Network) -> tuple[int | None, str | None]:
    """The smallest of the paper's upper bounds that applies to ``network`` (exact), and its name."""
    from ..theory.summary import bounds_summary

    try:
        summary = bounds_summary(network.architecture, max_states=2000)
    except InvalidParameterError:  # pragma: no cover - every architecture has a summary
        return None, None
    names = {"lemma2": "Lemma 2 (2^neurons)", "theorem1": "Theorem 1", "eq4": "eq. (4)",
             "theorem5_upper": "Theorem 5 (upper)", "theorem5_upper_table2": "Theorem 5 (Table 2)"}
    found = [(summary[key], name) for key, name in names.items() if summary.get(key) is not None]
    return min(found, key=lambda item: item[0]) if found else (None, None)


def estimate_regions(network: Network, *, domain: Domain | None = None, tol: float = DEFAULT_TOLERANCE,  # noqa: PLR0913  public API, keyword-only
                     max_dives: int | None = 1000, max_seconds: float | None = 10.0, level: float = 0.95,
                     strata: int = 16, seed: int | np.random.Generator | None = None,
                     bound: bool = True) -> TreeEstimate:
    """Estimate ``R_{N,theta}`` and the time of its exact count by Knuth's random dives.

    Parameters
    ----------
    network : Network
    domain, tol
        As for :func:`~.driver.count_regions`: the same tree is estimated.
    max_dives : int or None
        Largest number of dives (None: no limit but ``max_seconds``).
    max_seconds : float or None
        Time budget (None: no limit but ``max_dives``).  At least two dives are made.
    level : float
        Confidence level of the interval, in (0, 1).
    strata : int
        Open nodes of the tree's top, expanded exactly, from which the dives start
        in turn (stratified sampling; see :func:`dives`).
    seed : int, numpy Generator or None
        Randomness of the dives (a private generator; no global state).
    bound : bool
        Also look up the smallest applicable upper bound of the paper.

    Returns
    -------
    TreeEstimate

    Examples
    --------
    >>> from cnnregions import he_network, paper_architecture
    >>> est = estimate_regions(he_network(paper_architecture("example1-d3"), seed=0), max_dives=200, seed=0)
    >>> est.low <= 40 <= est.high   # the exact count is d^3 + d^2 + d + 1 = 40
    True
    """
    if max_dives is not None and (isinstance(max_dives, bool) or not isinstance(max_dives, (int, np.integer)) or max_dives < 2):
        raise field_error("The 'max_dives'", "an integer >= 2 or None", max_dives)
    if max_seconds is not None and (isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float))
                                    or not 0 < max_seconds < math.inf):
        raise field_error("The 'max_seconds'", "a positive finite number or None", max_seconds)
    if isinstance(strata, bool) or not isinstance(strata, (int, np.integer)) or strata < 1:
        raise field_error("The 'strata'", "a positive integer", strata)
    if max_dives is None and max_seconds is None:
        raise InvalidParameterError("The 'max_dives' and 'max_seconds' must not both be None. Got no budget instead.")
    if isinstance(level, bool) or not isinstance(level, float) or not 0 < level < 1:
        raise field_error("The 'level'", "a number in (0, 1)", level)
    start = time.perf_counter()
    per: dict[int, list[tuple[int, int]]] = {}
    exact_leaves = exact_nodes = 0
    expanded, spent, k = 0, 0.0, 0
    for stratum, leaf, node_weight, n_expanded, seconds in dives(network, domain=domain, tol=tol, strata=strata, seed=seed):
        expanded += n_expanded
        spent += seconds
        if stratum < 0:
            exact_leaves, exact_nodes = leaf, node_weight
            continue
        per.setdefault(stratum, []).append((leaf, node_weight))
        k += 1
        full_round = stratum == len(per) - 1 and all(len(v) >= 2 for v in per.values())
        if full_round and ((max_dives is not None and k >= max_dives)
                           or (max_seconds is not None and time.perf_counter() - start >= max_seconds)):
            break
    mean, var, node_mean = float(exact_leaves), 0.0, float(exact_nodes)
    stats = []
    for samples in per.values():
        values = np.array([leaf for leaf, _ in samples], dtype=float)
        stats.append((float(values.mean()), float(values.var(ddof=1)), len(values)))
        node_mean += float(np.mean([n for _, n in samples]))
    # A stratum whose few dives happened to agree shows no spread; borrow the pooled
    # relative spread of all strata for it, so that the interval is not falsely narrow.
    squares = sum(m * m for m, _, _ in stats)
    pooled = sum(v for _, v, _ in stats) / squares if squares > 0 else 0.0
    for m, v, n in stats:
        mean += m
        var += max(v, pooled * m * m) / n
    from scipy.stats import t as student

    df = max(k - len(per), 1)
    half = float(student.ppf(0.5 + level / 2, df)) * math.sqrt(var)
    per_node = spent / max(expanded, 1)
    ub, ub_name = upper_bound(network) if bound else (None, None)
    high = mean + half
    if ub is not None and high > ub:
        high = float(ub)
    if not per:  # the whole tree was expanded exactly
        return TreeEstimate(regions=mean, low=mean, high=mean, level=level, nodes=node_mean, dives=0,
                            seconds=time.perf_counter() - start, seconds_per_node=per_node,
                            forecast_seconds=spent, upper_bound=ub, upper_bound_name=ub_name,
                            neurons=network.architecture.n_neurons)
    return TreeEstimate(regions=mean, low=max(1.0, mean - half), high=max(high, 1.0), level=level, nodes=node_mean,
                        dives=k, seconds=time.perf_counter() - start, seconds_per_node=per_node,
                        forecast_seconds=node_mean * per_node, upper_bound=ub, upper_bound_name=ub_name,
                        neurons=network.architecture.n_neurons)
