"""``cnnregions plot-line NET --line A B -o line.png``: the regions met by a segment, as a coloured bar."""

from __future__ import annotations

import argparse

from ..core import Segment
from ..geometry.count import segment_regions
from ..models.resolve import resolve
from ..outfiles import check_output
from ..plots import image_format, save_line_plot
from ._common import add_net_argument, emit_json, print_network
from ._domain import load_input

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot-line", help="draw the linear regions met by the segment between two inputs",
                       description="Walk the segment x = A + t (B - A), 0 <= t <= 1, exactly (breakpoints of every "
                                   "neuron, layer by layer) and draw its intervals coloured by activation pattern, "
                                   "with the number of active neurons on each (needs the 'plot' extra).")
    add_net_argument(p)
    p.add_argument("--line", nargs=2, required=True, metavar=("A.npy", "B.npy"), help="the two ends of the segment")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="image to write (.png, .svg, .pdf)")
    p.add_argument("--title", help="title of the picture (default: the number of regions)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output(args.output, f"The output '{args.output}'")  # before any work
    image_format(args.output)
    model = resolve(args.net, seed=args.seed)
    network = model.network
    a, b = (load_input(path, network.architecture) for path in args.line)
    result = segment_regions(network, Segment(a, b, labels=(str(args.line[0]), str(args.line[1]))))
    save_line_plot(result, args.output, title=args.title)
    if args.json:
        emit_json("plot-line", {"points": [str(p) for p in args.line], "regions": result.regions,
                                "breakpoints": result.breakpoints.tolist(), "seconds": result.seconds,
                                "output": str(args.output)}, model)
        return 0
    print_network(model)
    print(f"regions        {result.regions} on the segment ({result.crossings} breakpoints, "
          f"{result.exact_decisions} exact decisions)")
    print(f"time           {result.seconds:.3f} s")
    print(f"written        {args.output}")
    return 0
