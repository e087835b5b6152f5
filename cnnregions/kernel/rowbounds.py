"""Bounds of the kernel's first-layer and domain rows against the exact rows, measured exactly.

A certified count on the kernel (:mod:`.certified`) proves its decisions about the
exact rows of :class:`~cnnregions.certify.exact_network.ExactNetwork` from the float
rows it computes with.  In search coordinates ``u = v / scale`` the exact map of a
first-layer neuron is ``z(u) = scale a_v . u + b`` (``(a_v, b)``: its exact row in the
domain's coordinates ``v``).  For every first-layer neuron this module measures, in
exact integer arithmetic (every float is a dyadic rational), and rounds up:

- ``EA``, ``EC``: ``max_q |LA_q - scale a_v,q|`` and ``|LC - b|`` (the unnormalised map the
  kernel composes deeper layers from; :func:`.certified.bound_neuron` carries the bounds on);
- ``ENA``, ``ENC``: the same for the row ``(NH, CH)`` the kernel branches on, against the exact
  row divided by ``||LA||`` (any positive multiple of the exact row has the same sides);
- ``NZ``: the coordinates (bits) where the float or the exact gradient is non-zero (deeper
  layers: the union over their active inputs, ``dfs._compute_layer``);

and for every domain row ``a . v + b > 0`` (``a . u + fl(b / scale) > 0`` in the search),
``ERB = |fl(b / scale) - b / scale|``.
"""

from __future__ import annotations

import math

import numpy as np

from ..certify.dyadic import as_ints, shift
from ..core.problem import SearchProblem
from ..errors import InvalidParameterError
from .state import XS

__all__ = ["fill_first_layer"]


def _up(value: int, exp: int) -> float:
    """A float ``>= value * 2**exp`` (``value >= 0``)."""
    if value == 0:
        return 0.0
    drop = max(value.bit_length() - 60, 0)
    top = (value >> drop) + (1 if drop else 0)
    try:
        out = math.ldexp(float(top), exp + drop)
    except OverflowError:
        return math.inf
    return float(np.nextafter(out, np.inf))


def _row_max(diff: np.ndarray, exp: int) -> np.ndarray:
    """Per row, a float upper bound on ``max |diff| * 2**exp`` (object ints)."""
    return np.array([_up(max((abs(int(v)) for v in row), default=0), exp) for row in diff])


def fill_first_layer(st, problem: SearchProblem, layer0: tuple[np.ndarray, ...]) -> None:
    """Set ``EA, EC, ENA, ENC, NZ`` of the first layer's neurons and ``ERB`` of the domain's rows in ``st`` (:class:`.state.XS`).

    ``layer0`` is the first layer as the kernel holds it: ``(a, c, nhat, chat, const, active)``.
    """
    net = problem.exact
    if net is None:
        raise InvalidParameterError("The problem's 'exact' network must be set for a certified count. Got None instead.")
    a, c, nhat, chat = (np.asarray(v, dtype=np.float64) for v in layer0[:4])
    s0, s1 = problem.starts[0], problem.starts[1]
    P, e1 = net.first_map()  # exact rows (a_v, b) * 2**e1, in v
    S, es = as_ints(np.array([problem.scale]))
    grad = P[:, :-1] * int(S[0])  # scale * a_v, times 2**(e1 + es)
    const = P[:, -1]              # b, times 2**e1
    eg, eb = e1 + es, e1
    # Unnormalised rows.
    ai, ea = as_ints(a)
    e = min(ea, eg)
    st.XF[XS.EA, s0:s1] = _row_max(shift(ai, ea - e) - shift(grad, eg - e), e)
    ci, ecv = as_ints(c)
    e = min(ecv, eb)
    st.XF[XS.EC, s0:s1] = _row_max((shift(ci, ecv - e) - shift(const, eb - e))[:, None], e)
    # Normalised rows, against the exact row over N = ||a|| (1 where a is zero):
    # |NH - scale a_v / N| = |NH N - scale a_v| / N.
    N = np.linalg.norm(a, axis=1)
    N = np.where(N > 0, N, 1.0)
    grow = 1.0 + 8.0 * np.finfo(float).eps  # the rounding of a float division
    hi, eh = as_ints(nhat)
    ni, en = as_ints(N)
    prod = hi * ni[:, None]
    ep = eh + en
    e = min(ep, eg)
    num = _row_max(shift(prod, ep - e) - shift(grad, eg - e), e)
    st.XF[XS.ENA, s0:s1] = num / N * grow
    ki, ek = as_ints(chat)
    prod = (ki * ni)
    ep = ek + en
    e = min(ep, eb)
    num = _row_max((shift(prod, ep - e) - shift(const, eb - e))[:, None], e)
    st.XF[XS.ENC, s0:s1] = num / N * grow
    # The coordinates where a row or its exact row may be non-zero, as bits (at most 64 dimensions).
    for i in range(s1 - s0):
        bits = sum(1 << q for q in range(a.shape[1]) if a[i, q] != 0 or grad[i, q] != 0)
        st.XI[XS.NZ, s0 + i] = np.array([bits], dtype=np.uint64).view(np.int64)[0]
    # Domain rows: |fl(b / scale) - b / scale| = |fl(b / scale) scale - b| / scale.
    if len(problem.root_rows):
        _, rows_b = net.root_rows
        rb = np.array([b for _, b in problem.root_rows], dtype=np.float64)
        bi, eb2 = as_ints(rb)
        prod = bi * int(S[0])
        ep = eb2 + es
        exact_b, ex = as_ints(np.asarray(rows_b, dtype=np.float64))
        e = min(ep, ex)
        num = _row_max((shift(prod, ep - e) - shift(exact_b, ex - e))[:, None], e)
        st.XF[XS.ERB, :len(problem.root_rows)] = num / problem.scale * grow
