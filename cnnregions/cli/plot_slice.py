"""``cnnregions plot-slice NET --plane A B C -o slice.png``: a picture of the regions on a 2-D slice."""

from __future__ import annotations

import argparse
import time

from ..core import DEFAULT_TOLERANCE, Plane
from ..errors import InvalidParameterError
from ..models.resolve import resolve
from ..outfiles import check_output
from ..plots import image_format, save_slice_plot
from ..slices import DEFAULT_WINDOW, slice_polygons
from ._common import add_net_argument, emit_json, print_network
from ._domain import add_domain_arguments, domain_from_args

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot-slice", help="draw the linear regions on the plane through three inputs",
                       description="Enumerate the linear regions on the plane through three inputs A, B, C "
                                   "(x = A + a (B - A) + b (C - A)) inside a window and draw each as its exact "
                                   "polygon, coloured by activation pattern (needs the 'plot' extra).")
    add_net_argument(p)
    add_domain_arguments(p, box=False, plane_required=True)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="image to write (format from the suffix: .png, .svg, .pdf)")
    p.add_argument("--title", help="title of the picture (default: the number of regions)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output(args.output, f"The output '{args.output}'")  # before any work
    image_format(args.output)
    model = resolve(args.net, seed=args.seed)
    network = model.network
    plane = domain_from_args(args, network.architecture)
    if not isinstance(plane, Plane):
        raise InvalidParameterError(f"The 'plane' must be given (--plane A B C) to draw a slice. Got {plane!r} instead.")
    window = plane.window if plane.window is not None else DEFAULT_WINDOW
    start = time.perf_counter()
    polygons = slice_polygons(network, plane, window, tol=DEFAULT_TOLERANCE)
    seconds = time.perf_counter() - start
    area = sum(p.area for p in polygons)
    save_slice_plot(polygons, window, args.output, title=args.title)
    if args.json:
        emit_json("plot-slice", {
            "points": [str(p) for p in args.plane], "window": list(window), "regions": len(polygons),
            "area": area, "window_area": (window[1] - window[0]) * (window[3] - window[2]),
            "seconds": seconds, "output": str(args.output)}, model)
        return 0
    print_network(model)
    print("window         a in ({:g}, {:g}), b in ({:g}, {:g})".format(*window))
    print(f"regions        {len(polygons)} (polygon areas add up to {area:.6g} of "
          f"{(window[1] - window[0]) * (window[3] - window[2]):.6g})")
    print(f"time           {seconds:.3f} s")
    print(f"written        {args.output}")
    return 0
