"""``cnnregions estimate NET``: how many regions, and how long an exact count will take."""

from __future__ import annotations

import argparse
import sys

from ..models.resolve import resolve
from ..run.estimate import TreeEstimate, estimate_regions
from ._common import (
    add_net_argument,
    add_tol_argument,
    emit_json,
    float_type,
    nonnegative_int,
    positive_finite,
    print_network,
)
from ._domain import add_domain_arguments, domain_from_args

__all__ = ["add_parser", "run", "summary_lines"]

_DIVES = float_type("a positive integer", lambda v: v >= 1 and v == int(v))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("estimate", help="estimate the number of regions and the time of an exact count",
                       description="Knuth's random-probe estimate of the exact search tree: random dives from the "
                                   "top of the tree, each an unbiased estimate of the number of regions R_{N,theta}; "
                                   "the mean with a confidence interval, the estimated search nodes, a time forecast "
                                   "from the measured cost per node, and the smallest applicable upper bound. "
                                   "--seconds bounds the wall time (the dives stop at the deadline); windowed planes "
                                   "and segments (the geometric engine) are refused: count them directly.")
    add_net_argument(p)
    p.add_argument("--seconds", type=positive_finite, default=10.0, metavar="T",
                   help="wall-time budget: the estimate returns after about T s (default 10)")
    p.add_argument("--dives", type=_DIVES, default=None, metavar="N", help="stop after N dives, or at --seconds, whichever comes first")
    p.add_argument("--estimate-seed", type=nonnegative_int, default=None, metavar="R",
                   help="seed of the random dives (default: fresh randomness)")
    add_tol_argument(p, "as for count")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_domain_arguments(p)
    p.set_defaults(func=run)


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def summary_lines(est: TreeEstimate, jobs: int = 1) -> list[str]:
    """The estimate in a few lines (also printed by ``count`` before a long run)."""
    if est.regions is None or est.nodes is None or est.forecast_seconds is None:
        lines = [f"regions        {est.note} ({est.seconds:.3g} s)"]
    else:
        interval = ("no interval: too few dives to measure their spread" if est.low is None or est.high is None
                    else f"{est.level:.0%} interval {est.low:.4g} .. {est.high:.4g}")
        exact = est.strata == 0
        lines = [f"regions        {'exactly' if exact else 'about'} {est.regions:.4g} ({interval}; Knuth's estimator, "
                 f"{est.dives} dives in {est.seconds:.3g} s)",
                 f"search nodes   about {est.nodes:.4g} ({est.seconds_per_node * 1e3:.3g} ms per node in the dives)",
                 f"forecast       about {_duration(est.forecast_seconds / max(jobs, 1))} "
                 f"on {jobs} core{'s' if jobs != 1 else ''} (the dives' cost per node; the search usually does better)"]
        if not est.reliable:
            lines.append(f"warning        {est.note}")
    if est.upper_bound is not None:
        digits = str(est.upper_bound)
        bound = digits if len(digits) <= 15 else f"{digits[0]}.{digits[1:4]}e+{len(digits) - 1}"
        lines.append(f"upper bound    {bound} ({est.upper_bound_name})")
    return lines


def run(args: argparse.Namespace) -> int:
    model = resolve(args.net, seed=args.seed)
    network = model.network
    domain = domain_from_args(args, network.architecture)
    est = estimate_regions(network, domain=domain, tol=args.tol, max_dives=int(args.dives) if args.dives else None,
                           max_seconds=args.seconds, seed=args.estimate_seed)
    if args.json:
        emit_json("estimate", {**est.to_dict(), "domain": domain.to_dict()}, model)
        return 0
    print_network(model)
    print(f"domain         {domain.summary()}")
    print(f"neurons        {est.neurons}")
    for line in summary_lines(est):
        print(line)
    sys.stdout.flush()
    return 0
