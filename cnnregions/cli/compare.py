"""``cnnregions compare NET``: the exact count beside every bound and a sampling estimate."""

from __future__ import annotations

import argparse

from ..compare import compare_network
from ..models.resolve import resolve
from ._common import add_net_argument, emit_json, jobs_count, nonnegative_count, nonnegative_int, print_network

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="exact count beside the paper's bounds and a sampling estimate",
                       description="Count the regions of one network exactly and set the count beside every "
                                   "bound of the paper that applies and beside the paper's sampling estimate.")
    add_net_argument(p)
    p.add_argument("--points", type=nonnegative_count, default=1_000_000,
                   help="points for the sampling estimate (default 1,000,000; 0 for none)")
    p.add_argument("--sample-seed", type=nonnegative_int, default=None,
                   help="seed of the sampling points (default: --seed)")
    p.add_argument("--jobs", type=jobs_count, default=1, metavar="N", help="worker processes for the exact count")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = resolve(args.net, seed=args.seed)
    network = model.network
    seed = args.seed if args.sample_seed is None else args.sample_seed
    result = compare_network(network, sample_points=args.points, seed=seed, n_jobs=args.jobs)
    exact = result.exact.regions
    if args.json:
        payload = result.to_dict()
        payload["regions"] = exact
        emit_json("compare", payload, model)
        return 0
    print_network(model)
    width = max(58, *(len(check.label) for check in result.checks))
    print(f"{'exact count R_(N,theta)':{width}s} {exact:>14}   ({result.exact.seconds:.2f} s)")
    if result.sampling is not None:
        s = result.sampling
        share = s.regions_found / exact if exact else 1.0
        print(f"{f'sampling, {s.points:,} points (max over stds)':{width}s} {s.regions_found:>14}   "
              f"({100 * share:.1f}% of the regions, {s.seconds:.2f} s; sampling only misses regions)")
    for check in result.checks:
        value = "n/a" if check.value is None else str(check.value)
        print(f"{check.label:{width}s} {value:>14}   {check.verdict}")
    for note in (result.bounds or {}).get("notes", []):
        print(f"note: {note}")
    if result.violations:
        print(f"WARNING: {len(result.violations)} upper bound(s) violated by this theta: "
              + ", ".join(c.key for c in result.violations))
    return 0
