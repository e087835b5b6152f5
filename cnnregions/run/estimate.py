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
shape makes the weights heavy-tailed, so the interval is a guide, not a guarantee:
an estimate from fewer than ``RELIABLE_DIVES`` dives per stratum is flagged
unreliable.

A time budget is kept by the clock, not by the dives: the dives run in a child
process that is stopped at the deadline (one step of a dive on an image-sized
input can take a minute), and the estimate says how many dives finished, or that
none did.  Windowed planes and segments are counted by the geometric engine
(:mod:`cnnregions.geometry`), whose work this tree does not model: they get no
estimate (their exact count is usually the faster answer).
"""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..core.domain import Domain
from ..core.problem import DEFAULT_TOLERANCE
from ..models.network import Network
from .dives import Dive, Top, dives, generator
from .engines import engine_for, tree_engine

__all__ = ["RELIABLE_DIVES", "Dive", "EstimateRun", "Top", "TreeEstimate", "check_estimable", "dives",
           "estimate_regions", "upper_bound"]

#: Dives per stratum below which an estimate is flagged unreliable (heavy tails:
#: with fewer, the spread of the dives understates the error, sometimes by far).
RELIABLE_DIVES = 8


@dataclass(frozen=True)
class TreeEstimate:
    """Knuth's estimate of the exact count and of the search's cost.

    Attributes
    ----------
    regions : float or None
        Mean of the dives' leaf estimates (unbiased for ``R_{N,theta}``); None when
        the time ran out before the top of the tree was expanded.
    low, high : float or None
        Confidence interval at ``level`` (Student's t over the dives; ``low >= 1``);
        None when the dives' spread is unknown (fewer than two in every stratum).
    level : float
    nodes : float or None
        Estimated number of search nodes.
    dives : int
        Dives that finished (a dive cut by the deadline is not counted).
    strata : int
        Open nodes of the tree's top the dives start from (0: the tree was walked whole).
    seconds : float
        Wall time of the estimate.
    seconds_per_node : float
        Measured cost of one search node during the dives.
    forecast_seconds : float or None
        ``nodes * seconds_per_node``: the time of an exact count on one core.
    reliable : bool
        At least ``RELIABLE_DIVES`` dives in every stratum (or the tree was walked whole).
    note : str
        What limited the estimate, in words ("" when nothing did).
    upper_bound, upper_bound_name
        The smallest applicable upper bound of the paper (``None`` if too large to
        compute exactly) and its name.
    neurons : int
    """

    regions: float | None
    low: float | None
    high: float | None
    level: float
    nodes: float | None
    dives: int
    strata: int
    seconds: float
    seconds_per_node: float
    forecast_seconds: float | None
    reliable: bool
    note: str
    upper_bound: int | None
    upper_bound_name: str | None
    neurons: int

    def to_dict(self) -> dict:
        return asdict(self)


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


def _child(conn, network: Network, domain: Domain | None, tol: float, strata: int, seed, delay: float) -> None:
    """The dives of an :class:`EstimateRun`, sent one by one to the parent (a child process)."""
    import signal

    from .lifeline import exit_with_parent

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped by the parent: end quietly, whatever handler was inherited
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    exit_with_parent(0.2)
    try:
        time.sleep(delay)
        for item in dives(network, domain=domain, tol=tol, strata=strata, seed=seed):
            conn.send(item)
    except Exception as error:  # the parent raises it
        conn.send(error)
    finally:
        conn.close()


def _start_method() -> str:
    """``fork`` where it is safe (a single-threaded parent on a system that has it), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return "fork" if "fork" in methods and threading.active_count() == 1 else "spawn"


class EstimateRun:
    """An estimate running in a child process, stopped by the clock.

    The child (started at once) waits ``delay`` seconds, then expands the top of
    the tree and dives, sending each finished dive to this process;
    :meth:`result` collects them until ``delay + seconds`` after the start or
    ``max_dives`` dives, stops the child and returns the estimate of what arrived.
    The wall time is bounded by the clock whatever the network: a step of a dive
    that outlasts the deadline is cut off with its process.  :meth:`cancel` stops
    the child early (``count`` does so when the count ends first).
    """

    def __init__(self, network: Network, *, domain: Domain | None = None, tol: float = DEFAULT_TOLERANCE,
                 seconds: float = 10.0, max_dives: int | None = None, strata: int = 16,
                 seed: int | np.random.Generator | None = None, delay: float = 0.0) -> None:
        self.network, self.seconds, self.max_dives, self.delay = network, seconds, max_dives, delay
        self.started = time.perf_counter()
        context: Any = multiprocessing.get_context(_start_method())
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, name="cnnregions-estimate", daemon=True,
                                        args=(child_conn, network, domain, tol, strata, seed, delay))
        self._process.start()
        child_conn.close()

    def collect(self) -> tuple[Top | None, list[Dive]]:
        """The top and the dives that arrive before the deadline (then the child is stopped)."""
        deadline = self.started + self.delay + self.seconds
        top: Top | None = None
        found: list[Dive] = []
        try:
            while self.max_dives is None or len(found) < self.max_dives:
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or not self._conn.poll(remaining):
                    break
                try:
                    item = self._conn.recv()
                except (EOFError, OSError):
                    break
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, Top):
                    top = item
                else:
                    found.append(item)
        finally:
            self.cancel()
            self._conn.close()
        return top, found

    def result(self, *, level: float = 0.95, bound: bool = True) -> TreeEstimate:
        """The estimate from the dives that finished in time."""
        import scipy.special  # noqa: F401 - imported while the child dives, not after the deadline

        ub, ub_name = upper_bound(self.network) if bound else (None, None)
        top, found = self.collect()
        return _summary(top, found, network=self.network, level=level, started=self.started + self.delay,
                        ub=ub, ub_name=ub_name,
                        budget=f"{self.seconds:g} s")

    def cancel(self) -> None:
        """Stop the child process (idempotent; safe from another thread than :meth:`collect`'s).

        SIGKILL, not SIGTERM: the child holds nothing to clean up (its dives go through a pipe this
        process reads), and a SIGTERM that arrives before the child has reset the handler it
        inherited (the CLI's, which raises ``KeyboardInterrupt``) can keep it alive for a second."""
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1.0)


def _summary(top: Top | None, found: list[Dive], *, network: Network, level: float, started: float,
             ub: int | None, ub_name: str | None, budget: str) -> TreeEstimate:
    """The stratified estimate of the dives ``found`` below ``top`` (see :func:`dives`)."""
    neurons = network.architecture.n_neurons
    seconds = time.perf_counter() - started
    if top is None:
        return TreeEstimate(regions=None, low=None, high=None, level=level, nodes=None, dives=0, strata=0,
                            seconds=seconds, seconds_per_node=0.0, forecast_seconds=None, reliable=False,
                            note=f"no estimate: the top of the tree was not expanded in {budget}",
                            upper_bound=ub, upper_bound_name=ub_name, neurons=neurons)
    expanded = top.nodes + sum(d.expanded for d in found)
    per_node = (top.seconds + sum(d.seconds for d in found)) / max(expanded, 1)
    if top.strata == 0:  # the whole tree was expanded exactly
        return TreeEstimate(regions=float(top.leaves), low=float(top.leaves), high=float(top.leaves), level=level,
                            nodes=float(top.nodes), dives=0, strata=0, seconds=seconds, seconds_per_node=per_node,
                            forecast_seconds=top.seconds, reliable=True, note="exact: the tree was walked whole",
                            upper_bound=ub, upper_bound_name=ub_name, neurons=neurons)
    if not found:
        return TreeEstimate(regions=None, low=None, high=None, level=level, nodes=None, dives=0, strata=top.strata,
                            seconds=seconds, seconds_per_node=per_node, forecast_seconds=None, reliable=False,
                            note=f"no estimate: no dive finished in {budget}",
                            upper_bound=ub, upper_bound_name=ub_name, neurons=neurons)
    per: dict[int, list[Dive]] = {}
    for dive in found:
        per.setdefault(dive.stratum, []).append(dive)
    means = {i: (float(np.mean([d.leaves for d in ds])), float(np.mean([d.nodes for d in ds])), len(ds))
             for i, ds in per.items()}
    variances = {i: float(np.var([d.leaves for d in ds], ddof=1)) for i, ds in per.items() if len(ds) >= 2}
    if len(per) == top.strata:  # stratified: every open node has dives
        regions = top.leaves + sum(m for m, _, _ in means.values())
        nodes = top.nodes + sum(n for _, n, _ in means.values())
        # A stratum whose few dives happened to agree, or that has one dive, shows no spread;
        # borrow the pooled relative spread of the strata that have one, so the interval is not falsely narrow.
        squares = sum(means[i][0] ** 2 for i in variances)
        pooled = sum(variances.values()) / squares if squares > 0 else None
        var = None if pooled is None else sum(max(variances.get(i, 0.0), pooled * m * m) / n
                                              for i, (m, _, n) in means.items())
        df = max(len(found) - len(per), 1)
    else:  # a first round cut short: a uniformly random subset of the strata
        scale = top.strata / len(per)
        regions = top.leaves + scale * sum(m for m, _, _ in means.values())
        nodes = top.nodes + scale * sum(n for _, n, _ in means.values())
        spread = [m for m, _, _ in means.values()]
        var = (top.strata ** 2 * float(np.var(spread, ddof=1)) / len(per) * (1 - len(per) / top.strata)
               if len(per) >= 2 else None)
        df = max(len(per) - 1, 1)
    low = high = None
    if var is not None:
        from scipy.special import stdtrit  # Student's t quantile

        half = float(stdtrit(df, 0.5 + level / 2)) * math.sqrt(var)
        low, high = max(1.0, regions - half), max(regions + half, 1.0)
        if ub is not None and high > ub:
            high = float(ub)
    fewest = min((n for _, _, n in means.values()), default=0) if len(per) == top.strata else 0
    reliable = fewest >= RELIABLE_DIVES
    note = "" if reliable else (f"unreliable: {len(found)} dives, fewer than {RELIABLE_DIVES} from each of the "
                                f"{top.strata} open nodes; the count may lie far outside the interval")
    return TreeEstimate(regions=regions, low=low, high=high, level=level, nodes=nodes, dives=len(found),
                        strata=top.strata, seconds=seconds, seconds_per_node=per_node,
                        forecast_seconds=nodes * per_node, reliable=reliable, note=note,
                        upper_bound=ub, upper_bound_name=ub_name, neurons=neurons)


def check_estimable(domain: Domain | None) -> None:
    """Refuse the domains the geometric engine counts (the estimate models the LP search's tree)."""
    if engine_for(domain).name != tree_engine().name:
        kind = f"a {type(domain).__name__}" + (" with a window" if getattr(domain, "window", None) is not None else "")
        raise InvalidParameterError(
            "The 'domain' must be the input space, a Box or a Plane without a window for an estimate "
            "(windowed planes and segments are counted by the geometric engine, which the estimate does not "
            f"model; count them directly). Got {kind} instead.")


def estimate_regions(network: Network, *, domain: Domain | None = None, tol: float = DEFAULT_TOLERANCE,  # noqa: PLR0913  public API, keyword-only
                     max_dives: int | None = 1000, max_seconds: float | None = 10.0, level: float = 0.95,
                     strata: int = 16, seed: int | np.random.Generator | None = None,
                     bound: bool = True) -> TreeEstimate:
    """Estimate ``R_{N,theta}`` and the time of its exact count by Knuth's random dives.

    Parameters
    ----------
    network : Network
    domain, tol
        As for :func:`~.driver.count_regions`: the same tree is estimated.  A
        windowed plane or a segment (the geometric engine's domains) is refused.
    max_dives : int or None
        Stop after this many dives (None: no limit but ``max_seconds``).
    max_seconds : float or None
        Wall-time budget (None: no limit but ``max_dives``, and the dives run in this
        process).  With a budget the dives run in a child process stopped at the
        deadline, so the call returns within about ``max_seconds`` plus the start
        of a process, whatever the network; the estimate then says how many dives
        finished (``dives``), or that none did (``regions`` None, ``note``).
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
        ``reliable`` is False (and ``note`` says why) with fewer than
        ``RELIABLE_DIVES`` dives per stratum.

    Examples
    --------
    >>> from cnnregions import he_network, paper_architecture
    >>> est = estimate_regions(he_network(paper_architecture("example1-d3"), seed=0), max_dives=200, max_seconds=None,
    ...                        seed=0)
    >>> est.low <= 40 <= est.high   # the exact count is d^3 + d^2 + d + 1 = 40
    True
    """
    if max_dives is not None and (isinstance(max_dives, bool) or not isinstance(max_dives, (int, np.integer)) or max_dives < 1):
        raise field_error("The 'max_dives'", "a positive integer or None", max_dives)
    if max_seconds is not None and (isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float))
                                    or not 0 < max_seconds < math.inf):
        raise field_error("The 'max_seconds'", "a positive finite number or None", max_seconds)
    if isinstance(strata, bool) or not isinstance(strata, (int, np.integer)) or strata < 1:
        raise field_error("The 'strata'", "a positive integer", strata)
    if max_dives is None and max_seconds is None:
        raise InvalidParameterError("The 'max_dives' and 'max_seconds' must not both be None. Got no budget instead.")
    if isinstance(level, bool) or not isinstance(level, float) or not 0 < level < 1:
        raise field_error("The 'level'", "a number in (0, 1)", level)
    check_estimable(domain)
    generator(seed)  # checked here, not in the child
    if max_seconds is not None:
        run = EstimateRun(network, domain=domain, tol=tol, seconds=float(max_seconds), max_dives=max_dives,
                          strata=int(strata), seed=seed)
        return run.result(level=level, bound=bound)
    started = time.perf_counter()
    top: Top | None = None
    found: list[Dive] = []
    for item in dives(network, domain=domain, tol=tol, strata=strata, seed=seed):
        if isinstance(item, Top):
            top = item
            continue
        found.append(item)
        if max_dives is not None and len(found) >= max_dives:
            break
    ub, ub_name = upper_bound(network) if bound else (None, None)
    return _summary(top, found, network=network, level=level, started=started, ub=ub, ub_name=ub_name,
                    budget=f"{max_dives} dives")
