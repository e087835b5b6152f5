"""Benchmark of certified counts: the cost of ``certify=True`` over the float run.

On Example 4 with d2 = 8 (seed 0) and the 3-hidden-layer peer fixture ckpt5490_d4_w10_nh3,
both modes are timed in the same run, alternating (float, certify) ``--repeat`` times; the
ratio of the medians is printed (target: at most 3x), with how many emptiness
certificates were checked and how many decisions needed the exact solver.

    python bench/bench_certify.py [--repeat 3] [--quick]   # --quick: Example 4 only
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from cnnregions import count_regions, he_network, load_network, paper_architecture

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles" / "relucent-fixtures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    nets = [("example4-d8", he_network(paper_architecture("example4-d8"), seed=0))]
    fixture = ORACLES / "ckpt5490_d4_w10_nh3.npz"
    if not args.quick and fixture.is_file():
        nets.append(("ckpt5490_d4_w10_nh3", load_network(fixture)))
    print(f"{'network':22} {'regions':>8} {'float s':>9} {'certify s':>10} {'ratio':>6} "
          f"{'certificates':>12} {'exact':>6} {'certified':>9}")
    for name, net in nets:
        times = {False: [], True: []}
        results = {}
        for _ in range(args.repeat):
            for certify in (False, True):
                start = time.perf_counter()
                results[certify] = count_regions(net, certify=certify)
                times[certify].append(time.perf_counter() - start)
        f, c = statistics.median(times[False]), statistics.median(times[True])
        r = results[True]
        same = "" if r.regions == results[False].regions else f"  (float count {results[False].regions})"
        print(f"{name:22} {r.regions:8d} {f:9.2f} {c:10.2f} {c / f:6.2f} {r.certificates:12d} "
              f"{r.exact_decisions:6d} {r.certified!s:>9}{same}")


if __name__ == "__main__":
    main()
