"""Knuth's estimate (``cnnregions estimate``) against sampling at the same time budget.

For each network: the exact count (``count_regions``), then, for a few seeds, the
Knuth estimate with a time budget of ``--seconds`` and the paper's sampling
experiment (``cnnregions.sampling``) given as many points as it draws in the same
time (rate measured first).  Prints the relative error of each, whether Knuth's
interval holds the exact count, Knuth's node estimate against the search's nodes,
and its forecast against the measured time of the exact count.

    python bench/bench_estimate.py              # about 5 minutes on 2 cores
    python bench/bench_estimate.py --quick      # under a minute
"""

from __future__ import annotations

import argparse
import os
import time

from cnnregions import count_regions, he_network, paper_architecture
from cnnregions.run.estimate import estimate_regions
from cnnregions.sampling import sample_regions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time budget of each estimate (default 5)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="two small nets, 1 s budgets, 2 seeds")
    args = parser.parse_args()
    nets = ["example4-d8", "pitfall2d-d3", "example4-d12", "pitfall2d-d4"]
    if args.quick:
        nets, args.seconds, args.seeds = nets[:2], 1.0, 2
    print(f"load average {os.getloadavg()[0]:.2f}; budget {args.seconds:g} s per estimate")
    print(f"{'network':14s} {'exact':>7s} {'count s':>8s} | {'knuth':>8s} {'err':>6s} {'interval':>19s} {'in':>3s} "
          f"{'nodes/true':>10s} {'fcst/true':>9s} | {'points':>9s} {'sampled':>8s} {'err':>6s}")
    for name in nets:
        net = he_network(paper_architecture(name), seed=0)
        start = time.perf_counter()
        exact = count_regions(net)
        count_seconds = time.perf_counter() - start
        t0 = time.perf_counter()
        sample_regions(net, 20_000, seed=0)
        rate = 20_000 / (time.perf_counter() - t0)
        for seed in range(args.seeds):
            est = estimate_regions(net, max_dives=None, max_seconds=args.seconds, seed=seed, bound=False)
            points = max(6, int(rate * args.seconds))
            sampled = sample_regions(net, points, seed=seed)
            k_err = (est.regions - exact.regions) / exact.regions
            s_err = (sampled.union_found - exact.regions) / exact.regions
            inside = "yes" if est.low <= exact.regions <= est.high else "NO"
            print(f"{name:14s} {exact.regions:7d} {count_seconds:8.2f} | {est.regions:8.0f} {k_err:+6.1%} "
                  f"{f'{est.low:.0f}..{est.high:.0f}':>19s} {inside:>3s} {est.nodes / exact.nodes:10.2f} "
                  f"{est.forecast_seconds / count_seconds:9.2f} | {points:9d} {sampled.union_found:8d} {s_err:+6.1%}")


if __name__ == "__main__":
    main()
