"""Screening by interval arithmetic: neurons whose hyperplane misses a box.

In a bounded domain (an open :class:`~.domain.Box`, or a :class:`~.domain.Plane`
with a window) every region is bounded.  A neuron whose hyperplane misses a box
that holds the region keeps one sign on the whole region, which the search then
knows without an LP.  The search screens the first layer against the domain's
own box once (:class:`~.layers.Layers`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .lp import FEASIBILITY_TOLERANCE

__all__ = ["mark_missing_box"]

#: Absolute widening of a box, per unit of ``1 + |coordinate|``: the LP's feasibility
#: tolerance, by which a bounding-box LP may misplace a face (or a row be violated).
_ABSOLUTE_PAD = FEASIBILITY_TOLERANCE
#: Widening relative to the box's width: a hundredfold safety margin over the LP's tolerance.
_RELATIVE_PAD = 100 * FEASIBILITY_TOLERANCE


def mark_missing_box(nhat: np.ndarray, chat: np.ndarray, const: list, active_const: list,
                     candidates: Iterable[int], lo: np.ndarray, hi: np.ndarray) -> None:
    """Mark constant the ``candidates`` whose hyperplane ``nhat_i . u + chat_i = 0`` misses ``[lo, hi]``.

    Parameters
    ----------
    nhat, chat : ndarray
        A layer's unit normals and offsets (search coordinates).
    const, active_const : list of bool
        The layer's flags, updated in place: ``const[i] = True`` and
        ``active_const[i]`` the neuron's sign on the box.
    candidates : iterable of int
        Indices to test (ascending).
    lo, hi : ndarray
        The box; nothing is marked unless both are finite.

    Notes
    -----
    The box is widened by more than the LP's feasibility tolerance first
    (:data:`_ABSOLUTE_PAD`, :data:`_RELATIVE_PAD`, both derived from
    :data:`~.lp.FEASIBILITY_TOLERANCE`), so a neuron is only marked when the
    Chebyshev LP would also have found its other side empty.
    """
    idx = np.fromiter(candidates, dtype=np.intp)
    if idx.size == 0 or not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return
    pad = _RELATIVE_PAD * (hi - lo) + _ABSOLUTE_PAD * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    mid, half = (lo + hi) / 2, (hi - lo) / 2 + pad
    values = nhat[idx] @ mid + chat[idx]
    misses = np.abs(values) > np.abs(nhat[idx]) @ half
    for i, positive in zip(idx[misses].tolist(), (values[misses] > 0).tolist()):
        const[i] = True
        active_const[i] = positive
