"""Array copies of the compiled kernel, as plain loops (compiled).

numba checks the shapes of a slice assignment ``a[:] = b`` at run time and builds
its error message in allocated memory; these loops need no check (the kernel's
arrays have matching shapes by construction, :mod:`.state`), so the kernel's
machine code allocates nothing and needs no runtime (:mod:`.native`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["copy", "copy_rows"]


@njit(cache=True)
def copy(dst: np.ndarray, src: np.ndarray) -> None:
    """``dst[:n] = src[:n]`` for one-dimensional arrays of ``n = len(src)`` entries."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@njit(cache=True)
def copy_rows(dst: np.ndarray, src: np.ndarray, n: int | np.integer) -> None:
    """``dst[:n] = src[:n]`` for two-dimensional arrays of equal width."""
    for i in range(n):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]
