"""``cnnregions convert MODEL -o OUT.npz``: any NET argument to the ``.npz`` network format."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InvalidParameterError
from ..models.io import save_network
from ..models.resolve import resolve
from ..outfiles import check_output
from ._common import emit_json, nonnegative_int

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert an ONNX model (or any NET) to the .npz network format",
                       description="Write the hidden ReLU network of MODEL in the .npz network format: an ONNX "
                                   "model (its output layer, a last layer without ReLU, is dropped), a .npz "
                                   "network, or an architecture .json / paper name with He weights from --seed.")
    p.add_argument("model", metavar="MODEL", help="an .onnx model, a .npz network, an architecture .json or a paper name")
    p.add_argument("-o", "--output", required=True, metavar="OUT.npz", help="the .npz file to write")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of the He initialisation for .json architectures and paper names (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".npz":
        raise InvalidParameterError(f"The output '{out}' must end in .npz. Got suffix {out.suffix!r} instead.")
    check_output(out, f"The output '{out}'")
    model = resolve(args.model, seed=args.seed)
    network = model.network
    save_network(network, out)  # atomic: a failed write leaves no file
    if args.json:
        payload = model.to_dict()
        payload.update({"model": payload.pop("network"), "output": str(out),
                        "neurons": network.architecture.n_neurons})
        emit_json("convert", payload)
        return 0
    arch = network.architecture
    print(f"model          {args.model} ({model.provenance})")
    print(f"network        {arch.describe()} ({arch.n_neurons} hidden neurons, {arch.n_parameters} parameters)")
    if model.output_layer:
        print(f"output layer   {model.output_layer}: no ReLU, not counted, left out of the file")
    print(f"written        {out}")
    return 0
