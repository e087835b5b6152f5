"""Exact power-of-two rescaling of a network's neurons before the search.

ReLU is positively homogeneous: dividing neuron ``j``'s row and bias by ``c > 0``
divides its output by ``c``, and multiplying the next layer's column ``j`` by ``c``
restores every later pre-activation.  Every pre-activation keeps its sign on every
input, so the regions (Definition 1) are the same.  With ``c`` a power of two both
steps are exact in floating point (only exponents change), barring overflow and
underflow, which is what they remove: each neuron's row (weights and bias) is scaled
so that its largest entry lies in ``[0.5, 1)``.

Networks in the usual range come out bitwise scaled by powers of two, which the
search is invariant to (it works with normalised rows, see :mod:`.search`), so their
counts and statistics do not change.  Layer 1 times ``1e300`` with layer 2 divided
by ``1e300``, weights times ``1e-300`` or denormal weights count like the unscaled
network.  What cannot be rescaled exactly, or would still overflow when layers are
composed, is refused with one line; no count is computed from overflowed values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._validation import InvalidParameterError

__all__ = ["check_search_maps", "check_search_rows", "rescale_maps"]

#: Largest binary exponent the composed maps may reach: the search squares them for
#: norms, and float64 squares overflow above 2^511; the margin leaves room for sums.
_MAX_COMPOSED_EXPONENT = 480
_NO_EXPONENT = np.iinfo(np.int64).min // 4
#: Smallest binary exponent of a composed map's weights relative to its offset: below
#: about 2^-511 their squares underflow and a neuron's gradient would read as zero.
_MIN_COMPOSED_EXPONENT = -500


def _row_exponents(mant: np.ndarray, ex: np.ndarray, mant_c: np.ndarray, ex_c: np.ndarray) -> np.ndarray:
    """Per row, the binary exponent of its largest entry (0 for an all-zero row)."""
    ex_rows = np.where(mant != 0, ex, _NO_EXPONENT).max(axis=1, initial=_NO_EXPONENT)
    top = np.maximum(ex_rows, np.where(mant_c != 0, ex_c, _NO_EXPONENT))
    return np.where(top == _NO_EXPONENT, 0, top)


def _exact_ldexp(mant: np.ndarray, ex: np.ndarray, layer: int) -> np.ndarray:
    out = np.ldexp(mant, ex)
    back_mant, back_ex = np.frexp(out)
    nonzero = mant != 0
    if not (np.array_equal(back_mant[nonzero], mant[nonzero]) and np.array_equal(back_ex[nonzero], ex[nonzero])):
        raise InvalidParameterError(
            f"The weights and bias of each neuron of layer {layer} must lie within float64's range of one another "
            f"once the layers before are rescaled (a factor 2^1021). Got a neuron whose entries differ by about "
            f"2^{int(-ex[nonzero].min())} instead: its hyperplane lies beyond what float64 can place.")
    return out


def rescale_maps(maps: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The layer maps ``(M_l, c_l)`` with every neuron rescaled by a power of two.

    Row ``j`` of layer ``l`` (and ``c_l[j]``) is divided by ``2^e_j``, ``2^e_j`` being
    the binary magnitude of its largest entry, and column ``j`` of ``M_{l+1}`` is
    multiplied by ``2^e_j``; computed on exponents (``frexp``/``ldexp``), so no
    intermediate product overflows.

    Raises
    ------
    InvalidParameterError
        If some neuron's entries span more than float64's range (not exactly
        rescalable), or if the composed maps could still overflow.
    """
    out = []
    carry = None
    bound = 0.0  # log2 of a bound on the entries of the composed maps
    low = 0  # binary exponent reached by the smallest rows of weights, relative to their offsets
    for l, (M, c) in enumerate(maps, start=1):
        mant, ex = np.frexp(np.asarray(M, dtype=np.float64))
        ex = ex.astype(np.int64)
        if carry is not None:
            ex = ex + carry[None, :]
        mant_c, ex_c = np.frexp(np.asarray(c, dtype=np.float64))
        ex_c = ex_c.astype(np.int64)
        rows = _row_exponents(mant, ex, mant_c, ex_c)
        M_new = _exact_ldexp(mant, ex - rows[:, None], l)
        c_new = _exact_ldexp(mant_c, ex_c - rows, l)
        out.append((M_new, c_new))
        carry = rows
        widest = float(np.abs(M_new).sum(axis=1).max(initial=0.0)) if M_new.size else 0.0
        bound += math.log2(max(widest, 1.0))
        weights_top = np.where(mant != 0, ex, _NO_EXPONENT).max(axis=1, initial=_NO_EXPONENT) - rows
        weights_top = weights_top[weights_top > _NO_EXPONENT // 2]  # rows with some non-zero weight
        if weights_top.size:
            low += min(int(weights_top.min()), 0)
        if low < _MIN_COMPOSED_EXPONENT:
            raise InvalidParameterError(
                f"The weights of layers 1..{l} must not be negligible beside their biases by more than float64 can "
                f"square (2^{_MIN_COMPOSED_EXPONENT}). Got weights about 2^{low} times their biases instead: those "
                f"hyperplanes lie about 10^{-low * 0.30103:.0f} times farther out than the others, beyond float64.")
        if bound > _MAX_COMPOSED_EXPONENT:
            raise InvalidParameterError(
                f"The composed affine maps of layers 1..{l} must stay within float64's range after exact "
                f"rescaling. Got a bound of 2^{bound:.0f} on their entries instead (too deep or too wide to "
                f"count in float64).")
    return out


def check_search_maps(M: np.ndarray, c: np.ndarray) -> None:
    """Refuse a first-layer map (composed with a domain's points) that float64 cannot square."""
    top = max(float(np.abs(M).max(initial=0.0)), float(np.abs(c).max(initial=0.0)))
    if not math.isfinite(top) or top > 2.0 ** _MAX_COMPOSED_EXPONENT:
        raise InvalidParameterError(
            f"The first layer composed with the domain must stay within float64's range. Got entries of size "
            f"{top:.3g} instead (are the plane's points or the box huge?).")


#: Largest binary exponent of a domain's face offsets in the search's units: the search
#: adds, halves and squares them (box screening, ball centres), which must stay finite.
_MAX_FACE_EXPONENT = 400


def check_search_rows(offsets: np.ndarray, scale: float) -> None:
    """Refuse domain faces (a box's bounds) too far out for the search's float64 arithmetic."""
    top = float(np.abs(offsets).max(initial=0.0))
    if not top <= 2.0 ** _MAX_FACE_EXPONENT:
        raise InvalidParameterError(
            f"The domain's bounds must stay within 2^{_MAX_FACE_EXPONENT} of the network's length scale "
            f"({scale:.3g}) for the search's float64 arithmetic. Got bounds of size {top * scale:.3g} instead: leave out "
            "--box to count all of the input space, or scale the inputs down.")
