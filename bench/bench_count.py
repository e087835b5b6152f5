"""Benchmark of the exact counter (issue 2).

Counts the paper's Example 4 networks (d2 = 1..8, seed = d2) and the peer fixtures,
printing regions, LPs per region, regions per second, and the speed-up over the
naive reference search (cold ``scipy.optimize.linprog`` for both children at every
node, ``bench/naive_dfs.py``) measured in the same run; then one job vs two jobs on
a network of 50,000+ regions, and the peak Python memory of the search.

    python -m bench.bench_count            # everything (several minutes: the naive search is slow)
    python -m bench.bench_count --quick    # Example 4 only, naive on d2 <= 4

Writes ``bench/results/count.json`` and ``bench/results/count.md``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import time
import tracemalloc
from pathlib import Path

from bench.naive_dfs import naive_count
from cnnregions import he_network, load_network, paper_architecture
from cnnregions.enumerate import count_regions

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles" / "relucent-fixtures"


def networks(quick):
    for d in range(1, 9):
        yield f"example4-d{d}", he_network(paper_architecture(f"example4-d{d}"), seed=d)
    if not quick and ORACLES.is_dir():
        for path in sorted(ORACLES.glob("*.npz")):
            yield path.stem, load_network(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--naive-max-regions", type=int, default=15000,
                        help="run the naive search only on networks with at most this many regions")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    naive_limit = 600 if args.quick else args.naive_max_regions
    rows = []
    for name, net in networks(args.quick):
        fast = count_regions(net)
        row = {"network": name, "neurons": fast.neurons, "regions": fast.regions, "lps": fast.lps,
               "nodes": fast.nodes, "seconds": fast.seconds, "lps_per_region": fast.lps_per_region,
               "regions_per_second": fast.regions_per_second}
        if fast.regions <= naive_limit:
            t0 = time.perf_counter()
            regions, lps, nodes = naive_count(net)
            naive_s = time.perf_counter() - t0
            row.update(naive_regions=regions, naive_lps=lps, naive_seconds=naive_s,
                       speedup=naive_s / fast.seconds, lp_ratio=fast.lps / lps)
            if regions != fast.regions:
                row["MISMATCH"] = True
        rows.append(row)
        print(_line(row), flush=True)
    scaling = None
    big = ORACLES / "ckpt5795_d4_w10_nh4.npz"
    if not args.quick and big.exists():
        net = load_network(big)
        one = count_regions(net, n_jobs=1)
        two = count_regions(net, n_jobs=2)
        scaling = {"network": big.stem, "regions": one.regions, "one_job_rps": one.regions_per_second,
                   "two_jobs_rps": two.regions_per_second, "ratio": two.regions_per_second / one.regions_per_second,
                   "identical_stats": (one.regions, one.lps, one.nodes) == (two.regions, two.lps, two.nodes)}
        print(f"\njobs: {scaling}")
    memory = []
    for name, net in networks(args.quick):
        if name in ("example4-d2", "example4-d8", "ckpt5795_d4_w10_nh4", "ckpt5490_d4_w10_nh3"):
            tracemalloc.start()
            res = count_regions(net)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            memory.append({"network": name, "regions": res.regions, "peak_python_bytes": peak})
            print(f"memory: {name}: {res.regions} regions, peak traced Python memory {peak / 1e6:.2f} MB")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {"schema_version": 1, "benchmark": "count", "python": platform.python_version(),
               "highspy": importlib.metadata.version("highspy"),
               "rows": rows, "jobs": scaling, "memory": memory}
    (out / "count.json").write_text(json.dumps(payload, indent=2))
    (out / "count.md").write_text(_markdown(rows, scaling, memory))
    print(f"\nwrote {out / 'count.json'} and {out / 'count.md'}")


def _line(r):
    text = (f"{r['network']:22s} regions {r['regions']:7d}  LPs/region {r['lps_per_region']:5.2f}  "
            f"{r['regions_per_second']:7.0f} regions/s")
    if "speedup" in r:
        text += f"  naive {r['naive_seconds']:7.2f} s  speed-up {r['speedup']:6.1f}x  LPs vs naive {r['lp_ratio']:.2f}"
    return text


def _markdown(rows, scaling, memory):
    lines = ["| network | regions | LPs/region | regions/s | naive s | speed-up | LPs / naive LPs |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        naive = (f"{r['naive_seconds']:.2f} | {r['speedup']:.1f}x | {r['lp_ratio']:.2f}" if "speedup" in r
                 else "– | – | –")
        lines.append(f"| {r['network']} | {r['regions']} | {r['lps_per_region']:.2f} | "
                     f"{r['regions_per_second']:.0f} | {naive} |")
    if scaling:
        lines += ["", f"{scaling['network']} ({scaling['regions']} regions): one job "
                  f"{scaling['one_job_rps']:.0f} regions/s, two jobs {scaling['two_jobs_rps']:.0f} regions/s "
                  f"({scaling['ratio']:.2f}x; identical regions/LPs/nodes: {scaling['identical_stats']})."]
    for m in memory:
        lines.append(f"- {m['network']}: {m['regions']} regions, peak traced Python memory "
                     f"{m['peak_python_bytes'] / 1e6:.2f} MB")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
