"""``cnnregions region NET --point x.npy``: the linear region that holds one input."""

from __future__ import annotations

import argparse

import numpy as np

from ..models.patterns import format_pattern
from ..models.resolve import resolve
from ..regions.point import region_of
from ._common import add_net_argument, add_tol_argument, emit_json, print_network
from ._domain import load_input

__all__ = ["add_parser", "run"]

def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("region", help="the linear region of one input: pattern, halfspaces, facets, Chebyshev ball",
                       description="The linear region that holds an input: its activation pattern, its halfspaces on "
                                   "the input, which of them are facets, its Chebyshev ball and whether it is bounded.")
    add_net_argument(p)
    p.add_argument("--point", required=True, metavar="X.npy",
                   help="the input (.npy of shape (channels, height, width) or flat)")
    p.add_argument("--box", nargs=2, type=float, metavar=("LO", "HI"),
                   help="restrict to the open box LO < x_i < HI (its faces become halfspaces)")
    add_tol_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core import Box

    model = resolve(args.net, seed=args.seed)
    network = model.network
    x = load_input(args.point, network.architecture)
    domain = None
    if args.box is not None:
        domain = Box(*args.box)
        domain.bounds(network.architecture.input_dim)
    info = region_of(network, x, domain=domain, tol=args.tol)
    sizes = list(network.architecture.layer_sizes)
    if args.json:
        emit_json("region", {
            "point": str(args.point), "domain": domain.to_dict() if domain is not None else {"type": "space"},
            "pattern": format_pattern(info.pattern, sizes),
            "halfspaces": [{"neuron": int(k), "normal": info.normals[i].tolist(), "offset": float(info.offsets[i]),
                            "facet": bool(info.facets[i])} for i, k in enumerate(info.neurons)],
            "facets": info.facet_neurons,
            "chebyshev": {"center": info.center.tolist(), "radius": info.radius, "capped": info.radius_capped},
            "bounded": info.bounded, "tolerance": info.tolerance, "counted": info.counted}, model)
        return 0
    print_network(model)
    print(f"pattern        {format_pattern(info.pattern, sizes)}   (1 = active; layers joined by |)")
    print(f"halfspaces     {len(info.offsets)} (one per neuron that varies{', and the box faces' if domain else ''})")
    boxes = int(np.sum(info.facets & (info.neurons < 0)))
    print(f"facets         {int(info.facets.sum())}: neurons {info.facet_neurons}"
          + (f" and {boxes} box faces" if boxes else ""))
    capped = " (capped: at least this)" if info.radius_capped else ""
    print(f"chebyshev ball radius {info.radius:.6g}{capped}, centre {np.array2string(info.center, precision=4, threshold=8)}")
    print(f"bounded        {'yes' if info.bounded else 'no'}")
    if not info.counted:
        print(f"note           thinner than the tolerance {info.tolerance:.3g}: not counted by 'count'")
    return 0
