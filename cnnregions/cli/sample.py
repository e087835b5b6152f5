"""``cnnregions sample NET --points N``: the paper's sampling estimate (Section 6)."""

from __future__ import annotations

import argparse

from ..models.resolve import resolve
from ..sampling import DEFAULT_STDS, sample_regions
from ._common import add_net_argument, count_type, emit_json, nonnegative_int, positive_finite, print_network

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    grid = ", ".join(f"{v:g}" for v in DEFAULT_STDS)
    p = sub.add_parser(
        "sample", help="estimate the number of linear regions by sampling (the paper's method)",
        description="Count the distinct activation patterns of random inputs drawn from N(0, v^2 I), "
                    "as in Section 6 of Xiong et al. (ICML 2020): the points are split evenly over the "
                    "standard deviations v and the maximum over v is reported. Sampling can only miss "
                    "regions, so the result is a lower bound on the exact count.")
    add_net_argument(p)
    p.add_argument("--points", type=count_type, required=True, metavar="N",
                   help="total number of points, split evenly over the stds (e.g. 1e6; the paper uses 2e9)")
    p.add_argument("--std", type=positive_finite, action="extend", nargs="+", metavar="V", dest="stds",
                   help=f"standard deviations of the inputs: --std 3 5 (or --std 3 --std 5) (default: {grid})")
    p.add_argument("--sample-seed", type=nonnegative_int, default=None, metavar="S",
                   help="seed of the sampled points (default: the --seed value)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = resolve(args.net, seed=args.seed)
    network = model.network
    stds = tuple(args.stds) if args.stds else DEFAULT_STDS
    sample_seed = args.seed if args.sample_seed is None else args.sample_seed
    result = sample_regions(network, args.points, stds=stds, seed=sample_seed)
    if args.json:
        payload = result.to_dict()
        emit_json("sample", payload, model)
        return 0
    print_network(model)
    print(f"neurons        {result.neurons}")
    print(f"points         {result.points} (split evenly over {len(stds)} std{'s' if len(stds) > 1 else ''}, "
          f"sample seed {sample_seed})")
    width = max(len(f"{s.std:g}") for s in result.per_std)
    print(f"  {'std':>{width}}  {'points':>12}  regions found")
    for s in result.per_std:
        print(f"  {s.std:>{width}g}  {s.points:>12}  {s.regions_found}")
    print(f"regions found  {result.regions_found} (max over stds, as in the paper; "
          f"{result.union_found} over all stds together)")
    print(f"time           {result.seconds:.3f} s ({result.points_per_second:,.0f} points/s)")
    print("note           sampling can only miss regions: a lower bound on the exact count")
    return 0
