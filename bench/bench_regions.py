"""Bench: what the adjacency graph and the Parquet export cost over a plain count.

For each network, in one run (the machine is shared: only ratios measured side by
side mean anything), the plain count, the graph (:func:`cnnregions.regions.region_graph`)
and the count with every region exported (:func:`cnnregions.regions.export_regions`),
each on one core with the same split; the plain count is run before and after the
other two and its mean is the reference.  Times are CPU seconds of this process
(every run is serial), so other jobs on the machine disturb them little.  Targets: graph <= 4x the count,
export <= 1.2x.

Networks: the paper's Example 4 with d2 = 8 (He initialisation, seed 0) and the
3-hidden-layer peer fixture ``ckpt5490_d4_w10_nh3`` (from ``../shared/oracles``;
skipped if absent).  ``python bench/bench_regions.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from cnnregions import count_regions, he_network, load_network, paper_architecture
from cnnregions.regions import export_regions, graph_summary, region_graph

HERE = Path(__file__).resolve().parent
ORACLES = HERE.parent.parent / "shared" / "oracles" / "relucent-fixtures"


def _timed(fn):
    """``(result, seconds)``: CPU seconds of this process (the runs are serial), which a loaded,
    shared machine disturbs far less than wall-clock time."""
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def bench(name: str, net) -> dict:
    count, t0 = _timed(lambda: count_regions(net))
    graph, t_graph = _timed(lambda: region_graph(net))
    with tempfile.TemporaryDirectory() as tmp:
        exported, t_export = _timed(lambda: export_regions(net, Path(tmp) / "regions.parquet"))
    again, t1 = _timed(lambda: count_regions(net))
    t_count = (t0 + t1) / 2
    summary = graph_summary(graph)
    assert count.regions == again.regions == exported.regions == summary["regions"]
    row = {"network": name, "regions": count.regions, "count_s": [round(t0, 3), round(t1, 3)],
           "graph_s": round(t_graph, 3), "export_s": round(t_export, 3),
           "graph_ratio": round(t_graph / t_count, 3), "export_ratio": round(t_export / t_count, 3),
           "edges": summary["edges"], "facet_lps": summary["facet_lps"], "lps": count.lps}
    print(f"{name:24s} regions {count.regions:6d}  count {t0:7.2f}/{t1:7.2f} s CPU  graph {t_graph:7.2f} s "
          f"({row['graph_ratio']:.2f}x)  export {t_export:7.2f} s ({row['export_ratio']:.2f}x)  "
          f"edges {summary['edges']}  facet LPs {summary['facet_lps']} vs search LPs {count.lps}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Example 4 only")
    parser.add_argument("--only-fixture", action="store_true", help="the peer fixture only")
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = parser.parse_args()
    rows = [] if args.only_fixture else [bench("example4-d8", he_network(paper_architecture("example4-d8"), seed=0))]
    fixture = ORACLES / "ckpt5490_d4_w10_nh3.npz"
    if not args.quick and fixture.is_file():
        rows.append(bench("ckpt5490_d4_w10_nh3", load_network(fixture)))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
