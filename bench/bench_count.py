"""Benchmark of the exact counter.

Counts the paper's Example 4 networks (d2 = 1..8, seed = d2) and the peer fixtures,
printing regions, LPs per region, regions per second, and the speed-up over the
naive reference search (cold ``scipy.optimize.linprog`` for both children at every
node, ``bench/naive_dfs.py``) measured in the same run; then one job vs two jobs on
a network of 50,000+ regions, and the peak Python memory of the search.

    python -m bench.bench_count            # everything (several minutes: the naive search is slow)
    python -m bench.bench_count --quick    # Example 4 only, naive on d2 <= 4
    python -m bench.bench_count --baseline /path/to/old/clone   # old vs new, same run

``--baseline TREE`` runs each network of the speed set (the 3- and 4-hidden-layer
peer fixtures, Example 4 d2 = 8 with seeds 0..4, a one-layer stride-2 net with
30,292 regions) once with the source tree ``TREE`` and once with this one, one
after the other in fresh processes (``PYTHONPATH``), and prints both and the ratio.

Writes ``bench/results/count.json`` and ``bench/results/count.md``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from bench.naive_dfs import naive_count
from cnnregions import count_regions, he_network, load_network, paper_architecture

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles" / "relucent-fixtures"


def networks(quick):
    for d in range(1, 9):
        yield f"example4-d{d}", he_network(paper_architecture(f"example4-d{d}"), seed=d)
    if not quick and ORACLES.is_dir():
        for path in sorted(ORACLES.glob("*.npz")):
            yield path.stem, load_network(path)


#: The speed set: (label, network spec) for ``_load``.
SPEED_SET = ([("ckpt5065_d4_w8_nh4", "ckpt5065_d4_w8_nh4"), ("ckpt5490_d4_w10_nh3", "ckpt5490_d4_w10_nh3"),
              ("ckpt5795_d4_w10_nh4", "ckpt5795_d4_w10_nh4")]
             + [(f"example4-d8 seed {s}", f"example4-d8@{s}") for s in range(5)]
             + [("stride2 1x11 k3 (1 layer)", "stride2"), ("2-D conv, 2 input channels", "twochannels")])


def _load(spec):
    """A network from a spec: a peer fixture's name, ``example4-dK@seed`` or ``stride2``."""
    from cnnregions import Architecture

    if spec == "stride2":
        arch = Architecture({"height": 1, "width": 11, "channels": 1},
                            [{"channels": 3, "kernel": [1, 3], "stride": 2}])
        return he_network(arch, seed=0)
    if spec == "twochannels":
        arch = Architecture({"height": 3, "width": 3, "channels": 2},
                            [{"channels": 3, "kernel": [2, 2], "stride": 1}, {"channels": 2, "kernel": [2, 2], "stride": 1}])
        return he_network(arch, seed=0)
    if "@" in spec:
        name, seed = spec.split("@")
        return he_network(paper_architecture(name), seed=int(seed))
    return load_network(ORACLES / f"{spec}.npz")


def _timed_count(tree, spec):
    """Count ``spec`` in a fresh process that imports cnnregions from the source tree ``tree`` only."""
    code = ("import json, sys, time\nfrom pathlib import Path\n"
            "from cnnregions import count_regions, he_network, load_network, paper_architecture\n"
            "ORACLES = Path(sys.argv[2])\n"
            + inspect.getsource(_load) +
            "\nnet = _load(sys.argv[1])\n"
            "count_regions(he_network(paper_architecture('example1-d2'), seed=0))  # imports and compiled code loaded\n"
            "t = time.process_time()\nr = count_regions(net)\n"
            "cpu = time.process_time() - t\n"
            "print(json.dumps({'regions': r.regions, 'lps': r.lps, 'seconds': r.seconds, 'cpu': cpu}))\n")
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()))
    out = subprocess.run([sys.executable, "-c", code, spec, str(ORACLES)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(baseline, only=None):
    """Old (``baseline`` tree) vs new (this tree) on the speed set, in the same run."""
    here = Path(__file__).resolve().parents[1]
    rows = []
    print(f"{'network':28s} {'regions':>8s} {'LPs/reg old':>11s} {'LPs/reg new':>11s} "
          f"{'reg/s old':>9s} {'reg/s new':>9s} {'ratio':>6s}   (per CPU second; wall old/new)")
    for label, spec in SPEED_SET:
        if only and not any(o in label for o in only):
            continue
        old = _timed_count(baseline, spec)
        new = _timed_count(here, spec)
        # Regions per CPU second of the (one-job) search: the machine is shared, and
        # CPU time is far less sensitive to other processes than wall time.
        row = {"network": label, "regions": new["regions"], "old": old, "new": new,
               "old_rps": old["regions"] / old["cpu"], "new_rps": new["regions"] / new["cpu"],
               "old_wall_rps": old["regions"] / old["seconds"], "new_wall_rps": new["regions"] / new["seconds"]}
        row["ratio"] = row["new_rps"] / row["old_rps"]
        if old["regions"] != new["regions"]:
            row["MISMATCH"] = True
        rows.append(row)
        print(f"{label:28s} {new['regions']:8d} {old['lps'] / old['regions']:11.2f} "
              f"{new['lps'] / new['regions']:11.2f} {row['old_rps']:9.0f} {row['new_rps']:9.0f} "
              f"{row['ratio']:5.2f}x   ({row['old_wall_rps']:.0f}/{row['new_wall_rps']:.0f})"
              f"{'  MISMATCH' if row.get('MISMATCH') else ''}", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--baseline", metavar="TREE",
                        help="compare with the source tree TREE (a clone of an older commit) on the speed set")
    parser.add_argument("--only", nargs="*", help="with --baseline: only networks whose label contains one of these")
    parser.add_argument("--naive-max-regions", type=int, default=15000,
                        help="run the naive search only on networks with at most this many regions")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    if args.baseline:
        rows = compare(args.baseline, args.only)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "count_vs_baseline.json").write_text(json.dumps({"schema_version": 1, "rows": rows}, indent=2))
        return
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
