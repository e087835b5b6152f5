"""Receptive fields of a one-layer CNN: the sets ``S_{i,j}`` of Theorem 2.

Output position ``(i, j)`` of a convolution with kernel ``f(1) x f(2)`` and stride
``s`` sees the input coordinates ``S_{i,j} = {(a, b, c) : i s <= a < i s + f(1),
j s <= b < j s + f(2), 0 <= c < d0}`` (0-based here, 1-based in the paper).  The
constraints of ``K_N`` only involve the sizes ``|U_{(i,j) in J} S_{i,j}|``, so
input coordinates seen by exactly the same output positions are interchangeable.
:func:`incidence` groups them into *atoms* (a row class times a column class,
times all ``d0`` channels), which is what the exact algorithms for eq. (4) work on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models.architecture import Architecture
from ._checks import conv_layers, require_one_layer
from .frontier import _frontiers

__all__ = ["Incidence", "axis_classes", "covered_length", "incidence", "receptive_fields", "used_inputs"]


def covered_length(n_out: int, kernel: int, stride: int) -> int:
    """Number of input indices along one axis seen by ``n_out`` windows.

    The windows ``[k s, k s + f)`` for ``k < n_out`` cover
    ``(n_out - 1) min(s, f) + f`` indices (they overlap or touch when ``s <= f``
    and are disjoint otherwise).
    """
    return (n_out - 1) * min(stride, kernel) + kernel


def receptive_fields(arch: Architecture) -> dict[tuple[int, int], frozenset[tuple[int, int, int]]]:
    """The sets ``S_{i,j}`` of Theorem 2 for a one-layer CNN (0-based indices).

    Parameters
    ----------
    arch : Architecture
        One hidden convolution layer, no padding.

    Returns
    -------
    dict
        ``(i, j) -> frozenset of (row, column, channel)`` input coordinates.
    """
    require_one_layer(arch, "Theorem 2's receptive fields")
    (_, _, d0), (n1, n2, _) = arch.shapes
    (f1, f2), s = conv_layers(arch)[0].kernel, conv_layers(arch)[0].stride
    return {(i, j): frozenset((i * s + a, j * s + b, c) for a in range(f1) for b in range(f2) for c in range(d0))
            for i in range(n1) for j in range(n2)}


def used_inputs(arch: Architecture) -> int:
    """``|U_{(i,j)} S_{i,j}|``: the input coordinates seen by some output position.

    This is the exponent of Theorem 3: ``R_N = Theta(d1 ** used_inputs(arch))`` as
    ``d1 -> infinity``.
    """
    require_one_layer(arch, "Theorem 3")
    (_, _, d0), (n1, n2, _) = arch.shapes
    (f1, f2), s = conv_layers(arch)[0].kernel, conv_layers(arch)[0].stride
    return covered_length(n1, f1, s) * covered_length(n2, f2, s) * d0


def axis_classes(n_out: int, kernel: int, stride: int) -> list[tuple[int, int, int]]:
    """Group the covered input indices of one axis by the windows that see them.

    Returns
    -------
    list of (first_window, last_window, count)
        Index classes in increasing order: the windows seeing an index form the
        interval ``first_window..last_window``; ``count`` indices share it.
    """
    classes: dict[tuple[int, int], int] = {}
    for a in range((n_out - 1) * stride + kernel):
        lo = max(0, -((kernel - 1 - a) // stride))  # ceil((a - f + 1) / s), at least 0
        hi = min(n_out - 1, a // stride)
        if lo <= hi:
            classes[(lo, hi)] = classes.get((lo, hi), 0) + 1
    return [(lo, hi, count) for (lo, hi), count in sorted(classes.items())]


@dataclass(frozen=True)
class Incidence:
    """Output positions and the atoms of input coordinates they see.

    Attributes
    ----------
    fields : tuple of int
        Per output position, in processing order, the bit mask of the atoms it sees.
    capacities : tuple of int
        Number of input coordinates in each atom.
    transposed : bool
        True if positions are processed column by column (the order with the
        smaller frontier).
    """

    fields: tuple[int, ...]
    capacities: tuple[int, ...]
    transposed: bool = False

    @property
    def n_positions(self) -> int:
        return len(self.fields)

    def frontier_sizes(self) -> list[int]:
        """Atoms seen both by positions ``<= k`` and by positions ``> k``, for each ``k``."""
        return [mask.bit_count() for mask in _frontiers(self.fields, len(self.capacities))]


def _raster_incidence(rows: list[tuple[int, int, int]], cols: list[tuple[int, int, int]],
                      n_rows: int, n_cols: int, d0: int, transposed: bool) -> Incidence:
    # Atoms are (row class) x (column class); number them by first appearance.
    atoms = [(r, c) for r in range(len(rows)) for c in range(len(cols))]
    atoms.sort(key=lambda rc: (rows[rc[0]][0] * n_cols + cols[rc[1]][0], rc))
    capacities = tuple(d0 * rows[r][2] * cols[c][2] for r, c in atoms)
    fields = []
    for i in range(n_rows):
        for j in range(n_cols):
            mask = 0
            for bit, (r, c) in enumerate(atoms):
                if rows[r][0] <= i <= rows[r][1] and cols[c][0] <= j <= cols[c][1]:
                    mask |= 1 << bit
            fields.append(mask)
    return Incidence(tuple(fields), capacities, transposed)


def incidence(arch: Architecture) -> Incidence:
    """The position/atom incidence of a one-layer CNN, in the better raster order.

    Positions are taken row by row, or column by column when that keeps fewer
    atoms on the frontier (shared between processed and unprocessed positions).
    """
    require_one_layer(arch, "Theorem 2")
    (_, _, d0), (n1, n2, _) = arch.shapes
    (f1, f2), s = conv_layers(arch)[0].kernel, conv_layers(arch)[0].stride
    rows, cols = axis_classes(n1, f1, s), axis_classes(n2, f2, s)
    by_rows = _raster_incidence(rows, cols, n1, n2, d0, False)
    by_cols = _raster_incidence(cols, rows, n2, n1, d0, True)
    return min(by_rows, by_cols, key=lambda inc: (max(inc.frontier_sizes(), default=0), inc.transposed))
