"""Counts in parallel across counts: a study of D draws with --jobs 1, then --jobs N, in one run.

    python bench/bench_study_jobs.py                  # example4-d8, 50 draws, jobs 1 vs 2
"""

from __future__ import annotations

import argparse
import os
import time

from cnnregions import paper_architecture
from cnnregions.study import run_study


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default="example4-d8")
    parser.add_argument("--draws", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    arch = paper_architecture(args.net)
    seconds, results = {}, {}
    for jobs in (1, args.jobs):
        load = os.getloadavg()[0]
        start = time.perf_counter()
        results[jobs] = run_study(arch, draws=args.draws, search=0, n_jobs=jobs)
        seconds[jobs] = time.perf_counter() - start
        print(f"{args.net}, {args.draws} draws, --jobs {jobs}: {seconds[jobs]:.1f} s "
              f"(sum of count times {results[jobs].count_seconds:.1f} s; load average before: {load:.1f})", flush=True)
    assert results[1].draws == results[args.jobs].draws
    print(f"ratio jobs {args.jobs} / jobs 1: {seconds[args.jobs] / seconds[1]:.2f}; load average now "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
