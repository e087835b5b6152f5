"""Helpers shared by the subcommands: NET arguments, JSON output, seeds."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from ..core.problem import DEFAULT_TOLERANCE
from ..core.schema import JSON_SCHEMA_VERSION
from ..models.resolve import ResolvedNetwork
from ..run.engines import DEFAULT_ENGINE, TREE_ENGINES
from ..run.settings import AUTO

__all__ = ["add_engine_argument", "add_net_argument", "add_tol_argument", "budget_units", "count_type", "emit_json",
           "float_type", "jobs_count",
           "nonnegative_count", "nonnegative_int", "positive_finite", "positive_int", "print_network",
           "tolerance"]


def _int_type(minimum: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}. Got {text!r} instead.") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {what}. Got {value} instead.")
        return value

    return parse


positive_int = _int_type(1, "a positive integer")
nonnegative_int = _int_type(0, "a non-negative integer")


def _count_type(minimum: int, what: str):
    """Counts also written as integral floats: ``1000000``, ``1e6``, ``2e9``."""
    exact = _int_type(minimum, what)

    def parse(text: str) -> int:
        try:
            int(text)
        except ValueError:
            pass
        else:
            return exact(text)  # an integer: its own message if out of range
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what} (e.g. 1000000 or 1e6). Got {text!r} instead.") from None
        if not (math.isfinite(value) and value >= minimum and value == int(value)):
            raise argparse.ArgumentTypeError(f"must be {what} (e.g. 1000000 or 1e6). Got {text} instead.")
        return int(value)

    return parse


count_type = _count_type(1, "a positive integer")
nonnegative_count = _count_type(0, "a non-negative integer")


def jobs_count(text: str) -> int:
    """``--jobs``: a positive integer, or -1 for all cores."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer or -1 (all cores). Got {text!r} instead.") from None
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"must be a positive integer or -1 (all cores). Got {value} instead.")
    return value


def float_type(what: str, accept):
    """An argparse type for floats that ``accept(value)`` allows; ``what`` names the range."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}. Got {text!r} instead.") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {what}. Got {text} instead.")
        return value

    return parse


positive_finite = float_type("a positive finite number", lambda v: math.isfinite(v) and v > 0)
#: The ``--tol`` type: a radius threshold in (0, 1), relative to the network's length scale.
tolerance = float_type("a number in (0, 1)", lambda v: 0 < v < 1)


def add_tol_argument(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--tol``, the radius threshold of the counts (default :data:`~cnnregions.core.DEFAULT_TOLERANCE`)."""
    parser.add_argument("--tol", type=tolerance, default=DEFAULT_TOLERANCE, help=help or (
        f"radius threshold relative to the network's length scale (default {DEFAULT_TOLERANCE:g})"))


def budget_units(text: str) -> int | str | None:
    """The ``--budget`` type: ``auto`` (the default), 0 (never cut a task: no budget) or a positive number of units."""
    if text == AUTO:
        return AUTO
    return nonnegative_int(text) or None


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    """``--engine``: the tree engine (:func:`cnnregions.run.engines.tree_engine`)."""
    parser.add_argument("--engine", choices=list(TREE_ENGINES), default=DEFAULT_ENGINE,
                        help=f"search engine for the whole space, a box or a plane without window: the compiled kernel "
                             f"or the reference LP search (same regions and nodes; default {DEFAULT_ENGINE})")


def add_net_argument(parser: argparse.ArgumentParser, *, weights: bool = True) -> None:
    """The NET argument (resolved by :func:`cnnregions.models.resolve`) and, with ``weights``, ``--seed``."""
    parser.add_argument(
        "net", metavar="NET",
        help="a network .npz file, an ONNX model .onnx (its output layer is dropped), an architecture .json file, "
             "or a paper network name (example1-dK, example4-dK, pitfall2d-dK)")
    if weights:
        parser.add_argument("--seed", type=nonnegative_int, default=0,
                            help="seed of the He initialisation for .json architectures and paper names (default 0)")


def emit_json(command: str, payload: dict[str, Any], model: ResolvedNetwork | None = None) -> None:
    """Print one JSON object on stdout with the schema version, the command and
    (with ``model``) the network's entries (:meth:`~cnnregions.models.ResolvedNetwork.to_dict`)."""
    out = {"schema_version": JSON_SCHEMA_VERSION, "command": command}
    out.update(payload)
    if model is not None:
        out.update(model.to_dict())
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


def print_network(model: ResolvedNetwork, label: str = "network", width: int = 15) -> None:
    """The text lines about the network: what it is, where its weights came from, a dropped output layer."""
    print(f"{label:<{width}}{model.describe()}")
    if model.output_layer:
        print(f"{'output layer':<{width}}{model.output_layer}: no ReLU, not counted")
