"""Exact checks that points lie strictly inside the regions of their patterns.

A float64 point is an exact dyadic point; the network evaluated there in exact
integer arithmetic gives every neuron's exact pre-activation.  The point is
strictly inside the region of pattern ``P`` (Definition 1, with identically zero
neurons counted inactive) iff every active neuron is ``> 0`` and every inactive one
is ``< 0`` or identically zero on the region; the latter is decided on the exact
composed map, not on the value at the point (EXACTNESS.md, section 3).  Vectorised
over a batch of points.
"""

from __future__ import annotations

import numpy as np

from .exact_network import ExactNetwork

__all__ = ["check_witnesses", "region_rows"]


def check_witnesses(net: ExactNetwork, patterns: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each ``(pattern, point)`` pair, True iff the point is strictly inside the pattern's region.

    Parameters
    ----------
    net : ExactNetwork
    patterns : ndarray of bool, shape (B, n_neurons)
    points : ndarray of float, shape (B, dim), in the domain's coordinates
    """
    patterns = np.asarray(patterns, dtype=bool).reshape(len(points), -1)
    ok = np.ones(len(patterns), dtype=bool)
    if len(patterns) == 0:
        return ok
    for row in net.root_rows_int():
        ok &= _row_values(row, points) > 0
    starts = net.starts
    for l, (Z, _) in enumerate(net.preactivations(points)):
        signs = patterns[:, starts[l]:starts[l + 1]]
        pos = Z > 0
        ok &= ~np.any(signs != pos, axis=1)
        doubtful = ~signs & (Z == 0) & ok[:, None]
        for b, i in zip(*np.nonzero(doubtful)):
            if ok[b] and any(v != 0 for v in net.layer_map(l, patterns[b])[0][i].tolist()):
                ok[b] = False
    return ok


def _row_values(row: np.ndarray, points: np.ndarray) -> np.ndarray:
    from .dyadic import as_ints, shift

    Vi, ev = as_ints(np.asarray(points, dtype=np.float64))
    e = min(ev, 0)
    values = shift(Vi, ev - e) @ row[:-1] + row[-1] * (1 << (-e))
    return np.asarray(values > 0, dtype=bool) * 1 - np.asarray(values < 0, dtype=bool) * 1


def region_rows(net: ExactNetwork, pattern: np.ndarray) -> list | None:
    """The strict rows of ``pattern``'s region (exact maps under the pattern), or None if a
    neuron's sign is impossible there (an active neuron that is constant ``<= 0``, or an
    inactive one constant ``> 0``): then the region is empty."""
    pattern = np.asarray(pattern, dtype=bool)
    rows = [list(r.tolist()) for r in net.root_rows_int()]
    for l in range(len(net.maps)):
        P, _ = net.layer_map(l, pattern)
        for i, active in enumerate(pattern[net.starts[l]:net.starts[l + 1]].tolist()):
            row = P[i].tolist()
            if all(v == 0 for v in row[:-1]):
                if (row[-1] > 0) != active:
                    return None
                continue
            rows.append(row if active else [-v for v in row])
    return rows
