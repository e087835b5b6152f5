"""Benchmark of the sampling estimator: points per second.

Runs ``sample_regions`` with the paper's grid of stds on example1-d8, example4-d8
and three larger CNNs (86, 208 and 544 neurons), and prints points per second and
the time the paper's budget of 2*10^9 points would take at that rate.  Also
measured, to back the choices made in ``cnnregions/sampling/``:

- the chunk size: points/s for chunk sizes from 256 to 65536 (the default is
  ``MAX_AUTO_CHUNK`` = 8192; skip with ``--no-chunks``);
- the deduplication of one chunk (skip with ``--no-keys``): ``PatternKeys.unique`` (sorting
  packed integer codes up to 64 neurons, verified 64-bit hashes above) against
  ``np.unique`` on the codes, ``np.unique`` on a void view of the packed bytes, and
  a Python set of bytes.

    python bench/bench_sampling.py            # a few minutes
    python bench/bench_sampling.py --quick    # a few seconds

Writes ``bench/results/sampling.json`` and ``bench/results/sampling.md``.
Timings depend on the machine's load (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from cnnregions import he_network, paper_architecture
from cnnregions.models.architecture import Architecture
from cnnregions.sampling import sample_regions
from cnnregions.sampling.dedup import PatternKeys
from cnnregions.sampling.kernel import PatternSampler

PAPER_BUDGET = 2 * 10**9

LARGER = (
    Architecture({"height": 1, "width": 4, "channels": 1},  # example4 with d2 = 40: 86 neurons, hashed keys
                 [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 40, "kernel": [1, 2], "stride": 1}]),
    Architecture({"height": 1, "width": 16, "channels": 2},
                 [{"channels": 8, "kernel": [1, 3], "stride": 1}, {"channels": 8, "kernel": [1, 3], "stride": 1}]),
    Architecture({"height": 8, "width": 8, "channels": 1},
                 [{"channels": 8, "kernel": [3, 3], "stride": 1}, {"channels": 16, "kernel": [3, 3], "stride": 1}]),
)


def networks():
    for name in ("example1-d8", "example4-d8"):
        yield name, he_network(paper_architecture(name), seed=0), 1.0
    for arch in LARGER:
        share = 1.0 if arch.n_neurons < 100 else 0.1  # fewer points where each costs much more
        yield f"{arch.describe()} ({arch.n_neurons} neurons)", he_network(arch, seed=0), share


def best_of(repeat, function):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return min(times), value


def bench_networks(points, repeat):
    rows = []
    for name, net, share in networks():
        n = max(1, int(points * share))
        results = [sample_regions(net, n, seed=k) for k in range(repeat)]
        best = max(results, key=lambda r: r.points_per_second)
        rows.append({"network": name, "neurons": net.architecture.n_neurons, "points": n,
                     "chunk_size": best.chunk_size, "regions_found": best.regions_found,
                     "union_found": best.union_found, "seconds": best.seconds,
                     "points_per_second": best.points_per_second,
                     "paper_budget_seconds": PAPER_BUDGET / best.points_per_second})
    return rows


def bench_chunks(points, repeat):
    rows = []
    for name, net, share in networks():
        n = max(1, int(points * share))
        row = {"network": name}
        for chunk in (256, 1024, 4096, 8192, 16384, 65536):
            seconds, _ = best_of(repeat, lambda net=net, n=n, chunk=chunk: sample_regions(net, n, seed=0, chunk_size=chunk))
            row[str(chunk)] = n / seconds
        rows.append(row)
    return rows


def bench_keys(points):
    rows = []
    for name, net, _ in list(networks()):
        sampler = PatternSampler(net, points)
        packed = sampler.packed(np.random.default_rng(0), 7.0, points)
        keys = PatternKeys(net.architecture.n_neurons)
        nb = packed.shape[1]
        void = np.ascontiguousarray(packed).view(np.dtype((np.void, nb))).ravel()
        methods = {"used (PatternKeys.unique)": lambda keys=keys, packed=packed: keys.unique(packed),
                   "np.unique on void view": lambda void=void: np.unique(void),
                   "Python set of bytes": lambda packed=packed: {packed[i].tobytes() for i in range(points)}}
        if keys.small:
            codes = keys.words(packed, 1)[:, 0]
            methods["np.unique on uint64 codes"] = lambda codes=codes: np.unique(codes)
        row = {"network": name, "bytes": nb}
        for method, function in methods.items():
            seconds, _ = best_of(3, function)
            row[method] = points / seconds
        rows.append(row)
    return rows


def markdown(report):
    out = ["## Sampling estimator: points per second", "",
           f"Paper's grid of stds (3..13), budget split evenly; best of {report['repeat']} runs. "
           f"Load average at start: {report['loadavg']}.", "",
           "| network | neurons | points | chunk | regions found (max) | union | points/s | 2e9 points would take |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["networks"]:
        out.append(f"| {r['network']} | {r['neurons']} | {r['points']:,} | {r['chunk_size']} | {r['regions_found']} "
                   f"| {r['union_found']} | {r['points_per_second']:,.0f} | {r['paper_budget_seconds'] / 60:,.1f} min |")
    if report.get("chunks"):
        sizes = [k for k in report["chunks"][0] if k != "network"]
        out += ["", "### Points/s by chunk size", "", "| network | " + " | ".join(sizes) + " |",
                "|---|" + "---:|" * len(sizes)]
        for r in report["chunks"]:
            out.append(f"| {r['network']} | " + " | ".join(f"{r[k]:,.0f}" for k in sizes) + " |")
    if report.get("keys"):
        methods = sorted({k for r in report["keys"] for k in r} - {"network", "bytes"})
        out += ["", f"### Deduplicating one chunk of {report['key_points']:,} packed patterns (patterns/s)", "",
                "| network | bytes | " + " | ".join(methods) + " |", "|---|---:|" + "---:|" * len(methods)]
        for r in report["keys"]:
            out.append(f"| {r['network']} | {r['bytes']} | "
                       + " | ".join(f"{r[m]:,.0f}" if m in r else "–" for m in methods) + " |")
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer points, one run, no chunk sweep")
    parser.add_argument("--points", type=int, default=6_000_000, help="points per paper network (default 6e6)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-chunks", dest="chunks", action="store_false", help="skip the chunk-size sweep")
    parser.add_argument("--no-keys", dest="keys", action="store_false", help="skip the deduplication comparison")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    points, repeat = (600_000, 1) if args.quick else (args.points, args.repeat)
    report = {"machine": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
              "cpus": os.cpu_count(), "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
              "repeat": repeat, "networks": bench_networks(points, repeat)}
    if args.chunks and not args.quick:
        report["chunks"] = bench_chunks(points // 3, repeat)
    if args.keys:
        report["key_points"] = 1 << 16
        report["keys"] = bench_keys(1 << 16)
    text = markdown(report)
    print(text, end="")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sampling.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "sampling.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
