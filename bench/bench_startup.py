"""Benchmark of a whole small count: the command as a user runs it, against the naive search.

A count of about 1,350 regions (Example 4, d2 = 5, seed 5: 1,352 regions) is over in a few
hundredths of a second of search; the rest of ``cnnregions count`` is the interpreter, the
imports and loading the compiled kernel.  This prints, in one run:

- the naive reference search (``bench/naive_dfs.py``: cold ``scipy.optimize.linprog`` for
  both children at every node), in this process, best of ``--naive-repeat``;
- the whole command ``python -m cnnregions count NET --seed S --json`` in fresh processes
  (best of ``--repeat``, after one untimed run that fills the kernel's caches), and the
  ratio (the target: at least 20x, goal 30x);
- which heavy modules that command imported (``-X importtime``: numba, scipy, joblib,
  highspy, ...) and the import time of each, so a regression in import hygiene shows.

    python -m bench.bench_startup [--net example4-d5 --seed 5] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.naive_dfs import naive_count
from cnnregions import he_network, paper_architecture

#: Modules whose import a small count should not pay for unless it needs them.
HEAVY = ("numba", "llvmlite", "scipy", "joblib", "highspy", "flint", "matplotlib", "torch", "pyarrow", "dask",
         "networkx", "onnx")


def whole_command(net: str, seed: int) -> tuple[float, dict]:
    """Wall seconds of one fresh ``python -m cnnregions count`` and its JSON output."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cnnregions", "count", net, "--seed", str(seed), "--json"],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(out.stdout)


def heavy_imports(net: str, seed: int) -> dict[str, float]:
    """Cumulative import seconds of each top-level heavy module the command imported."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "cnnregions", "count", net, "--seed", str(seed),
                          "--json"], capture_output=True, text=True, check=True)
    seen: dict[str, float] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if name in HEAVY:
            seen[name] = int(cumulative) / 1e6
    return seen


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default="example4-d5")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-repeat", type=int, default=2)
    args = parser.parse_args(argv)
    network = he_network(paper_architecture(args.net), seed=args.seed)
    naive = []
    for _ in range(args.naive_repeat):
        start = time.perf_counter()
        regions, lps, nodes = naive_count(network)
        naive.append(time.perf_counter() - start)
    whole_command(args.net, args.seed)  # fills the caches (the kernel's compile, on a first run)
    walls, result = [], {}
    for _ in range(args.repeat):
        wall, result = whole_command(args.net, args.seed)
        walls.append(wall)
    best_naive, best = min(naive), min(walls)
    same = "same count" if result["regions"] == regions else f"MISMATCH (naive {regions})"
    print(f"{args.net} seed {args.seed}: {result['regions']} regions ({same})")
    print(f"naive search (in process)     {best_naive:7.3f} s  (best of {len(naive)}; {lps} LPs)")
    print(f"whole command (fresh process) {best:7.3f} s  (best of {len(walls)}; the count itself "
          f"{result['seconds']:.3f} s)")
    print(f"ratio                         {best_naive / best:7.1f}x  (target 20x, goal 30x)")
    imported = heavy_imports(args.net, args.seed)
    print("heavy modules imported: " + (", ".join(f"{m} {s:.3f} s" for m, s in imported.items()) or "none"))


if __name__ == "__main__":
    main()
