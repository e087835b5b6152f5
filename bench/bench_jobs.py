"""Benchmark of two local jobs against one (loky), on networks of the speed set.

For each network: a warm-up count on two jobs (the pool started), then ``--repeat`` rounds of
one job and two jobs, alternating; prints the best and the median of each and their ratio, and
the tasks of the two-job run.  The target on ``ckpt5490_d4_w10_nh3``: at least 1.85x.

    python -m bench.bench_jobs [SPEC ...] [--repeat 3]    # SPEC as bench_count's speed set
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.bench_count import _load
from cnnregions import count_regions


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=["ckpt5490_d4_w10_nh3", "ckpt5795_d4_w10_nh4", "stride2"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for spec in args.specs:
        net = _load(spec)
        count_regions(net, n_jobs=2)
        one, two = [], []
        for _ in range(args.repeat):
            for jobs, times in ((1, one), (2, two)):
                start = time.perf_counter()
                result = count_regions(net, n_jobs=jobs)
                times.append(time.perf_counter() - start)
        print(f"{spec:24s} {result.regions:7d} regions  one job {min(one):.3f} s  two jobs {min(two):.3f} s  "
              f"ratio {min(one) / min(two):.2f}x (medians {statistics.median(one) / statistics.median(two):.2f}x)  "
              f"{result.tasks} tasks", flush=True)


if __name__ == "__main__":
    main()
