"""Pictures of slices: each region an exact polygon, coloured by its activation pattern.

matplotlib (extra ``plot``) is imported only when a function here is called, and
only through its object API with the Agg canvas: no ``pyplot``, no change to
matplotlib's global state or backend.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np

from .errors import InvalidParameterError
from .outfiles import image_format, save_figure
from .slices import SlicePolygon

__all__ = ["image_format", "pattern_color", "plot_line", "plot_slice", "save_figure", "save_line_plot", "save_slice_plot"]

#: Labels of the three inputs the plane goes through, at (0, 0), (1, 0), (0, 1).
POINT_LABELS = ("A", "B", "C")


def pattern_color(pattern: np.ndarray) -> tuple[float, float, float]:
    """A colour determined by the activation pattern alone (stable across runs).

    Hue, saturation and value come from a SHA-256 of the pattern's bits, so two
    regions share a colour only by a hash coincidence, and the same region has
    the same colour in every picture of the same network.
    """
    digest = hashlib.sha256(np.packbits(np.asarray(pattern, dtype=bool)).tobytes()).digest()
    hue = int.from_bytes(digest[:4], "little") / 2 ** 32
    sat = 0.25 + 0.40 * digest[4] / 255
    val = 0.75 + 0.23 * digest[5] / 255
    import colorsys

    return colorsys.hsv_to_rgb(hue, sat, val)


def plot_slice(polygons: Sequence[SlicePolygon], window: tuple[float, float, float, float], *,
               title: str | None = None, edge_width: float | None = None, figsize: tuple[float, float] = (7.0, 7.0),
               dpi: int = 150):
    """Draw the regions of a slice and return a matplotlib ``Figure``.

    Parameters
    ----------
    polygons : sequence of SlicePolygon
        From :func:`cnnregions.slices.slice_polygons`.
    window : (a_lo, a_hi, b_lo, b_hi)
        The drawn rectangle of plane coordinates.
    title : str, optional
    edge_width : float, optional
        Width of the region edges in points (default: thinner for more regions).
    figsize, dpi
        Size of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas (``fig.savefig`` works; no window opens).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import PolyCollection
        from matplotlib.figure import Figure
    except ImportError:
        raise InvalidParameterError(
            "Drawing a slice needs matplotlib (pip install 'cnnregions[plot]'). Got no matplotlib module instead.") from None
    a_lo, a_hi, b_lo, b_hi = window
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if edge_width is None:
        edge_width = float(np.clip(0.6 / np.sqrt(max(len(polygons), 1) / 100), 0.08, 0.6))
    collection = PolyCollection([p.vertices for p in polygons], facecolors=[pattern_color(p.pattern) for p in polygons],
                                edgecolors="black", linewidths=edge_width, antialiaseds=True)
    ax.add_collection(collection)
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    ax.scatter(points[:, 0], points[:, 1], s=40, c="white", edgecolors="black", linewidths=1.2, zorder=3)
    for (a, b), label in zip(points, POINT_LABELS):
        ax.annotate(label, (a, b), xytext=(5, 5), textcoords="offset points", fontsize=11, fontweight="bold",
                    zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xlim(a_lo, a_hi)
    ax.set_ylim(b_lo, b_hi)
    ax.set_aspect("equal")
    ax.set_xlabel("a   (x = A + a (B - A) + b (C - A))")
    ax.set_ylabel("b")
    ax.set_title(title if title is not None else f"{len(polygons)} linear regions on the slice", fontsize=10)
    fig.tight_layout()
    return fig


def save_slice_plot(polygons: Sequence[SlicePolygon], window: tuple[float, float, float, float],
                    path: str | os.PathLike, **kwargs) -> None:
    """:func:`plot_slice` and write the figure to ``path`` (format from its suffix, e.g. ``.png``, ``.svg``)."""
    save_figure(plot_slice(polygons, window, **kwargs), path)


def plot_line(result, *, title: str | None = None, figsize: tuple[float, float] = (9.0, 3.2), dpi: int = 150):
    """Draw the regions met by a segment (a :class:`~cnnregions.geometry.segment.SegmentRegions`).

    Each interval ``[t_k, t_k+1]`` is a bar coloured by its pattern (as in :func:`plot_slice`);
    the line above it is the number of active neurons on the interval.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InvalidParameterError(
            "Drawing a line needs matplotlib (pip install 'cnnregions[plot]'). Got no matplotlib module instead.") from None
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    t = result.breakpoints
    colours = [pattern_color(p) for p in result.patterns]
    ax.broken_barh([(t[k], t[k + 1] - t[k]) for k in range(result.regions)], (0, 1), facecolors=colours,
                   edgecolors="black", linewidths=0.2)
    active = result.patterns.sum(axis=1)
    twin = ax.twinx()
    twin.step(t, np.append(active, active[-1]), where="post", color="black", linewidth=0.8)
    twin.set_ylabel("active neurons")
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("t   (x = A + t (B - A))")
    ax.set_title(title if title is not None else f"{result.regions} linear regions on the segment", fontsize=10)
    fig.tight_layout()
    return fig


def save_line_plot(result, path: str | os.PathLike, **kwargs) -> None:
    """:func:`plot_line` and write the figure to ``path``."""
    save_figure(plot_line(result, **kwargs), path)
