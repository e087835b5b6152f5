"""Where regions are counted: the whole input space (default), a box, or a plane.

A domain contributes two things to the search, which is otherwise the same:

- an affine input map ``x = origin + basis @ v`` from the searched coordinates ``v``
  to the network's flattened input (identity for the whole space and for a box;
  the plane's two coordinates for a :class:`Plane`);
- constraint rows ``a . v + b > 0`` present at the root of the search (the faces
  of a :class:`Box`, or of a :class:`Plane`'s optional window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import InvalidParameterError

__all__ = ["Box", "Plane"]


def _vector(value: object, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise InvalidParameterError(f"The '{name}' must be an array of real numbers. Got dtype {arr.dtype} instead.")
    arr = np.array(arr, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The '{name}' must be finite. Got {arr[~np.isfinite(arr)][0]} instead.")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Box:
    """The open axis-aligned box ``lo < x < hi`` of the (flattened) input space.

    ``lo`` and ``hi`` are scalars (the same bound on every coordinate) or arrays
    of the input's size or shape ``(channels, height, width)``.
    """

    lo: np.ndarray
    hi: np.ndarray

    def __post_init__(self) -> None:
        lo, hi = _vector(self.lo, "lo"), _vector(self.hi, "hi")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    def bounds(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``lo`` and ``hi`` broadcast to ``dim`` coordinates, checked."""
        out = []
        for name, arr in (("lo", self.lo), ("hi", self.hi)):
            if arr.size == 1:
                arr = np.full(dim, arr[0])
            elif arr.size != dim:
                raise InvalidParameterError(
                    f"The box '{name}' must have 1 or {dim} values (the input size). Got {arr.size} instead.")
            out.append(arr)
        lo, hi = out
        if not np.all(lo < hi):
            i = int(np.argmax(~(lo < hi)))
            raise InvalidParameterError(
                f"The box must have lo < hi in every coordinate. Got lo={lo[i]} >= hi={hi[i]} at coordinate {i} instead.")
        return lo, hi

    def input_map(self, dim: int) -> tuple[np.ndarray, np.ndarray | None]:
        return np.zeros(dim), None

    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """Faces as ``(A, b)`` with unit rows: ``x_i - lo_i > 0`` and ``hi_i - x_i > 0``."""
        lo, hi = self.bounds(dim)
        eye = np.eye(dim)
        return np.vstack([eye, -eye]), np.concatenate([-lo, hi])


@dataclass(frozen=True, eq=False)
class Plane:
    """The 2-D plane through three inputs ``x0, x1, x2``.

    Points of the plane are ``x0 + a (x1 - x0) + b (x2 - x0)``; the search runs on
    the coordinates ``(a, b)``, so the three inputs sit at ``(0, 0)``, ``(1, 0)``
    and ``(0, 1)``.  ``window = (a_lo, a_hi, b_lo, b_hi)`` optionally restricts the
    count to a rectangle of the plane (the whole plane by default).
    """

    x0: np.ndarray
    x1: np.ndarray
    x2: np.ndarray
    window: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        pts = [_vector(p, name) for p, name in ((self.x0, "x0"), (self.x1, "x1"), (self.x2, "x2"))]
        if not (pts[0].size == pts[1].size == pts[2].size):
            raise InvalidParameterError(
                f"The three plane points must have the same size. Got sizes {[p.size for p in pts]} instead.")
        basis = np.stack([pts[1] - pts[0], pts[2] - pts[0]], axis=1)
        if np.linalg.matrix_rank(basis) < 2:
            raise InvalidParameterError("The three plane points must not be collinear. Got collinear points instead.")
        object.__setattr__(self, "x0", pts[0])
        object.__setattr__(self, "x1", pts[1])
        object.__setattr__(self, "x2", pts[2])
        if self.window is not None:
            w = _vector(self.window, "window")
            if w.size != 4 or not (w[0] < w[1] and w[2] < w[3]):
                raise InvalidParameterError(
                    f"The plane 'window' must be (a_lo, a_hi, b_lo, b_hi) with a_lo < a_hi and b_lo < b_hi. Got {list(w)} instead.")
            object.__setattr__(self, "window", tuple(float(v) for v in w))

    def _check(self, dim: int) -> None:
        if self.x0.size != dim:
            raise InvalidParameterError(
                f"The plane points must have the input size {dim}. Got size {self.x0.size} instead.")

    def input_map(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(dim)
        return self.x0, np.stack([self.x1 - self.x0, self.x2 - self.x0], axis=1)

    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(dim)
        if self.window is None:
            return np.zeros((0, 2)), np.zeros(0)
        a_lo, a_hi, b_lo, b_hi = self.window
        return (np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),
                np.array([-a_lo, a_hi, -b_lo, b_hi]))
