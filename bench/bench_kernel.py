"""Regions per CPU second of the reference search and the compiled kernel, same run, one core.

Counts each network of the issue's speed set (the peer fixtures ``ckpt5065``,
``ckpt5490``, ``ckpt5795``, Example 4 d2 = 8 with seeds 0..4, the one-layer stride-2
net, a 2-D conv net with two input channels) with both engines, serially, one
search over the whole tree (no tasks), and checks that both find the same regions
and nodes.  Also reports the kernel's compile-or-load time (the first search in the
process) and its LP statistics (LPs solved in the kernel, handed to HiGHS,
certificates reused, sides proven empty with the box certificate).

    python -m bench.bench_kernel                 # the whole set
    python -m bench.bench_kernel --only example4 # networks whose label contains the text
    python -m bench.bench_kernel --no-reference  # the kernel only
    python -m bench.bench_kernel --profile       # where a whole count's time goes

``--profile`` runs ``count_regions`` (one job, default settings) under cProfile and splits
its time into the compiled kernel (the calls of its entries), HiGHS (the sides the kernel
handed back, each a fresh Chebyshev LP) and Python (everything else: checks, the split,
tasks, nodes between calls); the profiler's own cost falls on the Python share.

Timings mean something only on a quiet machine.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import time

from bench.bench_count import SPEED_SET, _load
from cnnregions import he_network, paper_architecture
from cnnregions.core.problem import build_problem
from cnnregions.lpsearch.search import Search

print = functools.partial(print, flush=True)  # rows appear as they are measured


def _networks():
    for label, spec in SPEED_SET:
        try:
            yield label, _load(spec)
        except FileNotFoundError:
            print(f"{label}: fixture not found, skipped")


def _count(search) -> tuple[int, int, float]:
    cpu = time.process_time()
    if hasattr(search, "count"):
        search.count(search.root())
    else:
        for _ in search.dfs(search.root()):
            pass
    return search.regions, search.nodes, time.process_time() - cpu


def _shares(net) -> tuple[float, float, float, float]:
    """A serial ``count_regions`` of ``net`` under cProfile: its seconds and the shares of the
    compiled entries, of HiGHS (``KernelSearch._answer_side``) and of Python."""
    from cnnregions import count_regions

    profile = cProfile.Profile()
    profile.enable()
    count_regions(net)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(value[3] for value in stats.values())
    kernel = sum(value[3] for (path, _, name), value in stats.items() if path.endswith("kernel/native.py") and name == "call")
    highs = sum(value[3] for (path, _, name), value in stats.items() if name == "_answer_side")
    return total, kernel / total, highs / total, 1.0 - (kernel + highs) / total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="run the networks whose label contains this text")
    parser.add_argument("--no-reference", action="store_true", help="time the kernel only")
    parser.add_argument("--profile", action="store_true", help="shares of a whole count: compiled kernel, HiGHS, Python")
    args = parser.parse_args(argv)
    if args.profile:
        from cnnregions import count_regions

        count_regions(he_network(paper_architecture("example1-d1"), seed=0))  # compiled code loaded
        print(f"{'network':34s} {'seconds':>8s} {'kernel':>7s} {'HiGHS':>7s} {'Python':>7s}  (count_regions, one job, under cProfile)")
        for label, net in _networks():
            if not args.only or args.only in label:
                total, kernel, highs, python = _shares(net)
                print(f"{label:34s} {total:8.3f} {kernel:7.1%} {highs:7.1%} {python:7.1%}")
        return
    start = time.perf_counter()
    from cnnregions.kernel import KernelSearch
    from cnnregions.kernel.state import IS
    print(f"import of the kernel: {time.perf_counter() - start:.2f} s")
    first = True
    print(f"{'network':34s} {'regions':>8s} {'nodes':>8s} {'ref r/s':>9s} {'kernel r/s':>10s} {'ratio':>6s}  "
          "kernel LPs / HiGHS / certs reused / boxed")
    for label, net in _networks():
        if args.only and args.only not in label:
            continue
        problem = build_problem(net)
        if first:
            wall = time.perf_counter()
            warm = KernelSearch(build_problem(he_network(paper_architecture("example1-d1"), seed=0)))
            warm.count(warm.root())
            print(f"kernel compile or cache load (first search in the process): {time.perf_counter() - wall:.2f} s")
            first = False
        ks = KernelSearch(problem)
        regions, nodes, kcpu = _count(ks)
        ref = ""
        ratio = ""
        if not args.no_reference:
            rregions, rnodes, rcpu = _count(Search(problem))
            if (rregions, rnodes) != (regions, nodes):
                raise SystemExit(f"{label}: the engines disagree: reference {rregions} regions {rnodes} nodes, "
                                 f"kernel {regions} regions {nodes} nodes")
            ref = f"{rregions / rcpu:9.0f}"
            ratio = f"{rcpu / kcpu:6.1f}"
        st = ks.state.I
        print(f"{label:34s} {regions:8d} {nodes:8d} {ref:>9s} {regions / kcpu:10.0f} {ratio:>6s}  "
              f"{ks.kernel_lps} / {ks.highs_lps} / {st[IS.CERTS]} / {st[IS.BOXED]}")


if __name__ == "__main__":
    main()
