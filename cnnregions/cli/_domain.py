"""Domain options shared by ``count`` and ``plot-slice``: ``--box``, ``--plane``, ``--window``."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

import numpy as np

from .._validation import InvalidParameterError
from ..enumerate import Box, Plane
from ..models.architecture import Architecture

__all__ = ["add_domain_arguments", "describe_domain", "domain_from_args", "domain_summary", "load_input"]


def add_domain_arguments(parser: argparse.ArgumentParser, *, box: bool = True, plane_required: bool = False) -> None:
    """Add ``--plane A B C`` and ``--window``, and ``--box LO HI`` unless ``box`` is False."""
    group = parser.add_mutually_exclusive_group(required=plane_required)
    if box:
        group.add_argument("--box", nargs=2, type=float, metavar=("LO", "HI"),
                           help="count only in the open box LO < x_i < HI (every input coordinate)")
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
    p = Path(path)
    if not p.is_file():
        raise InvalidParameterError(f"The file '{path}' must exist. Got no such file instead.")
    try:
        arr = np.load(p, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InvalidParameterError(
            f"The file '{path}' must be a .npy array. Got an unreadable file instead ({' '.join(str(exc).split())[:100]}).") from None
    if not isinstance(arr, np.ndarray):
        arr.close()
        raise InvalidParameterError(f"The file '{path}' must be a single .npy array. Got a .npz archive instead.")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise InvalidParameterError(f"The file '{path}' must hold real numbers. Got dtype {arr.dtype} instead.")
    inp = architecture.input
    chw = (inp.channels, inp.height, inp.width)
    shapes = {(architecture.input_dim,), chw, (1, *chw)}
    if inp.channels == 1:
        shapes.add((inp.height, inp.width))
    if arr.shape not in shapes:
        raise InvalidParameterError(
            f"The file '{path}' must hold one input of shape {chw} (channels, height, width) or "
            f"({architecture.input_dim},). Got shape {arr.shape} instead.")
    arr = np.asarray(arr, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The file '{path}' must hold finite numbers. Got {arr[~np.isfinite(arr)][0]} instead.")
    return arr


def domain_from_args(args: argparse.Namespace, architecture: Architecture) -> Box | Plane | None:
    """The :class:`Box`, :class:`Plane` or None (all of the input space) the options ask for."""
    box = getattr(args, "box", None)
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
        return Plane(points[0], points[1], points[2], window=window)
    return None


def describe_domain(args: argparse.Namespace, domain: Box | Plane | None) -> dict:
    """The ``"domain"`` entry of the JSON output."""
    if isinstance(domain, Box):
        return {"type": "box", "lo": float(domain.lo[0]), "hi": float(domain.hi[0])}
    if isinstance(domain, Plane):
        return {"type": "plane", "points": [str(p) for p in args.plane],
                "window": list(domain.window) if domain.window is not None else None}
    return {"type": "space"}


def domain_summary(args: argparse.Namespace, domain: Box | Plane | None) -> str:
    """One line for the text output."""
    if isinstance(domain, Box):
        return f"open box {domain.lo[0]:g} < x_i < {domain.hi[0]:g}"
    if isinstance(domain, Plane):
        a, b, c = args.plane
        window = "whole plane" if domain.window is None else "window a in ({:g}, {:g}), b in ({:g}, {:g})".format(*domain.window)
        return f"plane through {a}, {b}, {c} ({window})"
    return "all of the input space"
