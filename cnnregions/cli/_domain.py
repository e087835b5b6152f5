"""Domain options shared by ``count`` and ``plot-slice``: ``--box``, ``--plane``, ``--window``, ``--line``."""

from __future__ import annotations

import argparse

import numpy as np

from ..core import Box, Domain, Plane, Segment, Space
from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ..models.files import NpyHeader, read_npy

__all__ = ["add_domain_arguments", "domain_from_args", "load_input"]


def add_domain_arguments(parser: argparse.ArgumentParser, *, box: bool = True, plane_required: bool = False) -> None:
    """Add ``--plane A B C`` and ``--window``, and ``--box LO HI`` and ``--line A B`` unless ``box`` is False."""
    group = parser.add_mutually_exclusive_group(required=plane_required)
    if box:
        group.add_argument("--box", nargs=2, type=float, metavar=("LO", "HI"),
                           help="count only in the open box LO < x_i < HI (every input coordinate)")
        group.add_argument("--line", nargs=2, metavar=("A.npy", "B.npy"),
                           help="count the regions met by the segment from input A to input B "
                                "(x = A + t (B - A), 0 <= t <= 1), exactly, with the breakpoints t")
    group.add_argument("--plane", nargs=3, metavar=("A.npy", "B.npy", "C.npy"),
                       help="count on the plane through three inputs (each a .npy of shape (channels, height, width) "
                            "or flat); plane coordinates (a, b): x = A + a (B - A) + b (C - A)")
    parser.add_argument("--window", nargs=4, type=float, metavar=("A_LO", "A_HI", "B_LO", "B_HI"),
                        help="with --plane: only the rectangle A_LO < a < A_HI, B_LO < b < B_HI of the plane")


def load_input(path: str, architecture: Architecture) -> np.ndarray:
    """One input from a ``.npy`` file, flattened in (channels, height, width) order.

    Accepted shapes: ``(channels, height, width)``, ``(1, channels, height, width)``,
    flat ``(input_dim,)``, and ``(height, width)`` for one channel.
    """
    inp = architecture.input
    chw = (inp.channels, inp.height, inp.width)
    shapes = {(architecture.input_dim,), chw, (1, *chw)}
    if inp.channels == 1:
        shapes.add((inp.height, inp.width))

    def check(header: NpyHeader) -> None:  # before any data is read
        if header.dtype.hasobject or header.dtype.kind not in "fiu":
            raise InvalidParameterError(f"The file '{path}' must hold real numbers. Got dtype {header.dtype} instead.")
        if header.shape not in shapes:
            raise InvalidParameterError(
                f"The file '{path}' must hold one input of shape {chw} (channels, height, width) or "
                f"({architecture.input_dim},). Got shape {header.shape} instead.")

    arr = np.asarray(read_npy(path, check), dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The file '{path}' must hold finite numbers. Got {arr[~np.isfinite(arr)][0]} instead.")
    return arr


def domain_from_args(args: argparse.Namespace, architecture: Architecture) -> Domain:
    """The :class:`Box`, :class:`Plane`, :class:`Segment` or :class:`Space` (all of the input space) the options ask for.

    The domain describes itself in the output (:meth:`~cnnregions.Domain.to_dict`,
    :meth:`~cnnregions.Domain.summary`); a plane's points are labelled by their files.
    """
    box = getattr(args, "box", None)
    line = getattr(args, "line", None)
    if line is not None and args.window is None:
        a, b = (load_input(path, architecture) for path in line)
        return Segment(a, b, labels=(str(line[0]), str(line[1])))
    if args.window is not None and args.plane is None:
        raise InvalidParameterError("The '--window' must come with '--plane'. Got '--window' without a plane instead.")
    if box is not None:
        lo, hi = box
        domain = Box(lo, hi)
        domain.bounds(architecture.input_dim)  # checks lo < hi now, with the CLI's message
        return domain
    if args.plane is not None:
        points = [load_input(path, architecture) for path in args.plane]
        window = (args.window[0], args.window[1], args.window[2], args.window[3]) if args.window is not None else None
        return Plane(points[0], points[1], points[2], window=window,
                     labels=(str(args.plane[0]), str(args.plane[1]), str(args.plane[2])))
    return Space()
