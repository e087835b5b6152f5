"""Benchmark of the parallel backends and of checkpointing (issue 4).

On one network of 100,000+ regions (fully connected 5 -> 10 -> 10 -> 10, He
initialisation, seed 0; every backend gives the identical count): one job, two
local jobs (loky), and a dask LocalCluster of two worker processes; the dask
path's overhead relative to loky; and the cost of a checkpoint (two local jobs
with and without ``checkpoint=``) with its size per subtree.

    python bench/bench_cluster.py [--quick]

Writes ``bench/results/cluster.json`` and ``bench/results/cluster.md``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from cnnregions import Architecture, he_network
from cnnregions.enumerate import count_regions


def network(quick: bool):
    widths = [8, 8, 8] if quick else [10, 10, 10]
    arch = Architecture({"height": 1, "width": 1, "channels": 5 if not quick else 4},
                        [{"channels": w, "kernel": [1, 1]} for w in widths])
    return he_network(arch, seed=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~9,000-region network instead")
    parser.add_argument("--split", type=int, default=64)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    net = network(args.quick)
    runs = {}
    runs["serial"] = count_regions(net, split=args.split)
    runs["loky-2"] = count_regions(net, n_jobs=2, split=args.split)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        runs["dask-2"] = count_regions(net, scheduler=client, split=args.split)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        runs["loky-2+checkpoint"] = count_regions(net, n_jobs=2, split=args.split, checkpoint=path)
        size = path.stat().st_size
        lines = path.read_text().splitlines()
        per_subtree = (size - len(lines[0]) - 1) / max(1, len(lines) - 1)
    stats = {(r.regions, r.lps, r.nodes) for r in runs.values()}
    table = {name: {"regions": r.regions, "seconds": r.seconds, "regions_per_second": r.regions_per_second,
                    "lps": r.lps, "nodes": r.nodes, "backend": r.backend, "workers": r.n_jobs}
             for name, r in runs.items()}
    loky, dask = runs["loky-2"].seconds, runs["dask-2"].seconds
    summary = {
        "identical_counts_and_stats": len(stats) == 1,
        "two_jobs_speedup": runs["serial"].seconds / loky,
        "dask_overhead_vs_loky": dask / loky - 1,
        "checkpoint_overhead": runs["loky-2+checkpoint"].seconds / loky - 1,
        "checkpoint_bytes_per_subtree": per_subtree,
        "subtrees": runs["serial"].subtrees,
    }
    for name, row in table.items():
        print(f"{name:18s} {row['regions']:8d} regions  {row['seconds']:8.2f} s  {row['regions_per_second']:7.0f} regions/s")
    for key, value in summary.items():
        print(f"{key:30s} {value:.3f}" if isinstance(value, float) else f"{key:30s} {value}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cluster.json").write_text(json.dumps({"schema_version": 1, "benchmark": "cluster", "runs": table,
                                                  "summary": summary}, indent=2))
    md = ["| run | regions | seconds | regions/s |", "|---|---:|---:|---:|"]
    md += [f"| {n} | {r['regions']} | {r['seconds']:.2f} | {r['regions_per_second']:.0f} |" for n, r in table.items()]
    md += ["", f"Two jobs: {summary['two_jobs_speedup']:.2f}x one job; dask overhead vs loky "
           f"{100 * summary['dask_overhead_vs_loky']:+.1f}%; checkpoint overhead "
           f"{100 * summary['checkpoint_overhead']:+.1f}% at {per_subtree:.0f} bytes per subtree; "
           f"identical counts and statistics on every backend: {summary['identical_counts_and_stats']}."]
    (out / "cluster.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
