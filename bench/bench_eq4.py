"""Timing of eq. (4) (Theorem 2), exact: one-dimensional lines and growing 2-D inputs.

Usage::

    python bench/bench_eq4.py [--limit 10] [--cap 60] [--extreme]

Part 1: height-1 inputs with 40 output positions (input width 40 + f - 1 at
stride 1), for several input channel counts d0, filter counts d1 and filter
widths f.  Part 2: square n x n inputs with 2-D filters, n growing until one size
takes longer than ``--limit`` seconds (each size runs in a child process stopped
after ``--cap`` seconds); the largest n done within the limit is reported.
Part 3: tall inputs of a fixed width (the cost grows with the width, the shorter
side, and only linearly with the height).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

from cnnregions import Architecture
from cnnregions.theory import eq4

ONE_D = [(d0, d1, f) for d0 in (1, 3, 16, 64) for d1 in (16, 64, 256, 1024) for f in (3, 5)] + \
        [(256, d1, f) for d1 in (16, 64, 256) for f in (3, 5)]
ONE_D_EXTREME = [(256, 512, 3), (256, 1024, 3)]

#: (d0, d1, kernel, stride) of the 2-D runs.
TWO_D = [(1, 4, 2, 1), (1, 2, 2, 1), (2, 8, 2, 1), (3, 12, 2, 1), (1, 9, 3, 1), (1, 9, 3, 2), (4, 16, 2, 1)]


def one_layer(height: int, width: int, d0: int, d1: int, kernel: tuple[int, int], stride: int) -> Architecture:
    return Architecture({"height": height, "width": width, "channels": d0},
                        [{"channels": d1, "kernel": list(kernel), "stride": stride}])


def timed_eq4(arch: Architecture) -> tuple[float, int]:
    start = time.perf_counter()
    value = eq4(arch)
    return time.perf_counter() - start, value


def _child(arch: Architecture, queue: mp.Queue) -> None:
    seconds, value = timed_eq4(arch)
    queue.put((seconds, value.bit_length()))


def timed_in_child(arch: Architecture, cap: float) -> tuple[float, int] | None:
    """(seconds, bits of the count), or None if the child needed more than ``cap`` seconds."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(arch, queue))
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def bench_1d(cases: list[tuple[int, int, int]]) -> float:
    print("Part 1: height-1 input, 40 output positions, stride 1")
    print(f"{'d0':>5} {'d1':>5} {'f':>3} {'input':>10} {'seconds':>9} {'bits of R_N':>12}")
    worst = 0.0
    for d0, d1, f in cases:
        arch = one_layer(1, 40 + f - 1, d0, d1, (1, f), 1)
        seconds, value = timed_eq4(arch)
        worst = max(worst, seconds)
        print(f"{d0:>5} {d1:>5} {f:>3} {f'1x{40 + f - 1}x{d0}':>10} {seconds:>9.3f} {value.bit_length():>12}")
    print(f"slowest: {worst:.3f} s\n")
    return worst


def bench_2d(limit: float, cap: float) -> list[str]:
    print(f"Part 2: n x n input, 2-D filters; n grows until a size takes more than {limit:g} s")
    print(f"{'d0':>3} {'d1':>3} {'kernel':>7} {'s':>2} {'input':>8} {'positions':>9} {'seconds':>9} {'bits':>6}")
    largest = []
    for d0, d1, k, s in TWO_D:
        best = None
        n = k + s
        while True:
            arch = one_layer(n, n, d0, d1, (k, k), s)
            result = timed_in_child(arch, cap)
            (_, _, _), (n1, n2, _) = arch.shapes
            if result is None:
                print(f"{d0:>3} {d1:>3} {f'{k}x{k}':>7} {s:>2} {f'{n}x{n}':>8} {n1 * n2:>9} {f'>{cap:g}':>9}")
                break
            seconds, bits = result
            print(f"{d0:>3} {d1:>3} {f'{k}x{k}':>7} {s:>2} {f'{n}x{n}':>8} {n1 * n2:>9} {seconds:>9.3f} {bits:>6}")
            if seconds > limit:
                break
            best = (n, n1 * n2, seconds)
            n += 1
        if best:
            largest.append(f"d0={d0}, d1={d1}, {k}x{k} filters, stride {s}: {best[0]}x{best[0]}x{d0} input "
                           f"({best[1]} positions) in {best[2]:.2f} s")
    return largest


def bench_tall() -> None:
    print("\nPart 3: fixed width, growing height (2x2 filters, stride 1, d0 = 1, d1 = 4)")
    print(f"{'input':>8} {'positions':>9} {'seconds':>9} {'bits':>6}")
    for height, width in [(10, 7), (20, 7), (40, 7), (80, 7), (40, 8)]:
        arch = one_layer(height, width, 1, 4, (2, 2), 1)
        seconds, value = timed_eq4(arch)
        (_, _, _), (n1, n2, _) = arch.shapes
        print(f"{f'{height}x{width}':>8} {n1 * n2:>9} {seconds:>9.3f} {value.bit_length():>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="seconds a 2-D size may take (default 10)")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds before a 2-D run is stopped (default 60)")
    parser.add_argument("--extreme", action="store_true", help="also d0 = 256 with 512 and 1024 filters")
    args = parser.parse_args()
    bench_1d(ONE_D + (ONE_D_EXTREME if args.extreme else []))
    largest = bench_2d(args.limit, args.cap)
    bench_tall()
    print(f"\nLargest 2-D sizes done in under {args.limit:g} s:")
    for line in largest:
        print("  " + line)


if __name__ == "__main__":
    main()
