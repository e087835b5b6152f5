"""Benchmark of certified counts: the cost of ``certify=True`` over the float count, on both engines.

On Example 4 with d2 = 8 (seed 0) and the 3-hidden-layer peer fixture ckpt5490_d4_w10_nh3,
three counts are timed in the same run, alternating ``--repeat`` times: the kernel's float
count, the kernel's certified count and the reference search's certified count.  The medians
are printed with the ratio of the kernel's certified count to its float count (target: at
most 2x, goal 1.3x), how many emptiness certificates were checked (the kernel's own proofs
included) and how many decisions needed the exact solver.  The counts must agree.

    python bench/bench_certify.py [--repeat 3] [--quick]   # --quick: Example 4 only
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from cnnregions import count_regions, he_network, load_network, paper_architecture

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles" / "relucent-fixtures"
#: (label, engine, certify) of the timed counts.
RUNS = (("kernel float", "kernel", False), ("kernel certify", "kernel", True), ("reference certify", "reference", True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    nets = [("example4-d8", he_network(paper_architecture("example4-d8"), seed=0))]
    fixture = ORACLES / "ckpt5490_d4_w10_nh3.npz"
    if not args.quick and fixture.is_file():
        nets.append(("ckpt5490_d4_w10_nh3", load_network(fixture)))
    count_regions(nets[0][1])  # load (or compile) the kernel before timing
    print(f"{'network':22} {'regions':>8} {'kernel float s':>15} {'kernel certify s':>17} {'ratio':>6} "
          f"{'reference certify s':>20} {'certificates':>12} {'exact':>6} {'certified':>9}")
    for name, net in nets:
        times: dict[str, list[float]] = {label: [] for label, _, _ in RUNS}
        results = {}
        for _ in range(args.repeat):
            for label, engine, certify in RUNS:
                start = time.perf_counter()
                results[label] = count_regions(net, certify=certify, engine=engine)
                times[label].append(time.perf_counter() - start)
        f, c, r = (statistics.median(times[label]) for label, _, _ in RUNS)
        res = results["kernel certify"]
        ref = results["reference certify"]
        notes = ""
        if res.regions != results["kernel float"].regions:
            notes += f"  (float count {results['kernel float'].regions})"
        if (ref.regions, ref.nodes) != (res.regions, res.nodes):
            notes += f"  (REFERENCE DIFFERS: {ref.regions} regions, {ref.nodes} nodes)"
        print(f"{name:22} {res.regions:8d} {f:15.3f} {c:17.3f} {c / f:6.2f} {r:20.3f} {res.certificates:12d} "
              f"{res.exact_decisions:6d} {res.certified!s:>9}{notes}")


if __name__ == "__main__":
    main()
