"""``cnnregions graph NET -o FILE``: the adjacency graph of the linear regions."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._validation import InvalidParameterError
from ..models.resolve import resolve
from ..outfiles import check_output
from ..regions.graph import graph_summary, region_graph, write_graph
from ..run import DEFAULT_SPLIT
from ..run.progress import make_reporter
from ._common import add_net_argument, add_tol_argument, emit_json, jobs_count, positive_int, print_network
from ._domain import add_domain_arguments, domain_from_args

__all__ = ["add_parser", "run"]

def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="the adjacency graph of the linear regions (GraphML or JSON)",
                       description="One node per linear region, one edge per pair of regions sharing a facet "
                                   "(labelled with the neurons that change sign), written as GraphML or JSON.")
    add_net_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.graphml or FILE.json")
    p.add_argument("--jobs", type=jobs_count, default=1, metavar="N", help="worker processes (-1: all cores; default 1)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on, off under --json)")
    add_tol_argument(p)
    p.add_argument("--split", type=positive_int, default=DEFAULT_SPLIT,
                   help=f"number of initial tasks (subtrees of a breadth-first split; default {DEFAULT_SPLIT})")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a dask.distributed cluster")
    add_domain_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in (".graphml", ".json"):
        raise InvalidParameterError(f"The '--output' must end in .graphml or .json. Got '{args.output}' instead.")
    check_output(out, f"The output '{out}'")
    model = resolve(args.net, seed=args.seed)
    network = model.network
    domain = domain_from_args(args, network.architecture)
    progress = (not args.json) if args.progress is None else args.progress
    reporter = make_reporter(True, live=True) if progress else None  # its clock starts now, not after the split
    try:
        graph = region_graph(network, domain=domain, n_jobs=args.jobs, tol=args.tol, split=args.split,
                             progress=reporter if reporter is not None else False, scheduler=args.scheduler)
    finally:
        if reporter is not None:
            reporter.close()
    count = graph.graph["count"]
    summary = graph_summary(graph)
    summary.update(regions=count.regions, lps=count.lps, nodes=count.nodes, seconds=count.seconds)  # as count --json
    write_graph(graph, out, {**model.to_dict(), "domain": domain.to_dict()})
    if args.json:
        emit_json("graph", {"output": str(out), "domain": domain.to_dict(), **summary}, model)
        return 0
    faces = summary["faces_per_region"]
    print_network(model)
    print(f"domain         {domain.summary()}")
    print(f"nodes          {summary['regions']} regions")
    print(f"edges          {summary['edges']} (mean degree {summary['mean_degree']:.3f})")
    print(f"faces/region   mean {faces['mean']:.3f}, min {faces['min']}, max {faces['max']}")
    if summary["edges_to_uncounted"]:
        print(f"note           {summary['edges_to_uncounted']} facets border a region thinner than the tolerance (no node)")
    print(f"time           {count.seconds:.3f} s ({summary['facet_lps']} facet LPs, {count.lps} search LPs)")
    print(f"written        {out}")
    return 0
