"""Float64 arrays as exact integers: every float is ``m * 2**e`` (EXACTNESS.md, section 1).

An array is turned into Python integers times one common power of two, so that
sums and products of them are exact (numpy object arrays of Python ``int``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_ints", "exact_value", "shift", "strip_twos"]


def as_ints(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``values == ints * 2**exp`` exactly, with ``ints`` an object array of Python ints.

    Parameters
    ----------
    values : array_like of float64 (finite)

    Returns
    -------
    ints : ndarray of object (Python int), same shape
    exp : int
        Common exponent; trailing factors of two shared by all entries are removed.
    """
    arr = np.asarray(values, dtype=np.float64)
    out = np.zeros(arr.shape, dtype=object)
    nonzero = arr != 0
    if not np.any(nonzero):
        return out, 0
    if not np.all(np.isfinite(arr)):
        raise ValueError("The exact conversion needs finite values. Got a NaN or an infinity instead.")
    mant, ex = np.frexp(arr[nonzero])          # arr = mant * 2**ex, 0.5 <= |mant| < 1
    mant = (mant * 2.0**53).astype(np.int64)   # exact: 53-bit significands
    ex = ex.astype(np.int64) - 53
    low = int(ex.min())
    flat = [int(m) << int(s) for m, s in zip(mant.tolist(), (ex - low).tolist())]
    out[nonzero] = flat
    return strip_twos(out, low)


def strip_twos(ints: np.ndarray, exp: int) -> tuple[np.ndarray, int]:
    """Divide out the largest power of two dividing every entry (same value)."""
    flat = [v for v in ints.ravel().tolist() if v]
    if not flat:
        return ints, 0
    twos = min((v & -v).bit_length() - 1 for v in flat)
    if twos:
        ints = ints // (1 << twos)  # exact: every entry is a multiple
    return ints, exp + twos


def shift(ints: np.ndarray, k: int) -> np.ndarray:
    """``ints * 2**k`` for ``k >= 0`` (object array)."""
    if k < 0:
        raise ValueError(f"The shift must be non-negative. Got {k} instead.")
    return ints * (1 << k) if k else ints


def exact_value(ints, exp: int):
    """The exact rational ``ints * 2**exp`` as a :class:`fractions.Fraction` (for tests and reports)."""
    from fractions import Fraction

    return Fraction(int(ints)) * (Fraction(2) ** exp)
