"""Where regions are counted: the whole input space (default), a box, a plane, or a segment.

Every domain is a :class:`Domain` and does its own work; the search and the
command line only call these methods, so a new domain is one new class here:

- :meth:`~Domain.input_map`: the affine map ``x = origin + basis @ v`` from the
  domain's own coordinates ``v`` to the network's flattened input (identity for
  the whole space and for a box; the plane's two coordinates for a :class:`Plane`);
- :meth:`~Domain.rows`: the constraint rows ``a . v + b > 0`` present at the root
  of the search (the faces of a :class:`Box`, or of a :class:`Plane`'s window);
- :meth:`~Domain.bounding_box` and :meth:`~Domain.root_ball`: the box the domain
  spans (None if unbounded) and a ball inside it, in its own coordinates;
- :meth:`~Domain.digest`: what identifies it in a checkpoint;
- :meth:`~Domain.to_dict` and :meth:`~Domain.summary`: its description in the
  JSON output and in one line of text.
"""

from __future__ import annotations

import abc
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["Box", "Domain", "Plane", "Segment", "Space"]


class Domain(abc.ABC):
    """A part of the input space to count regions in (see the module docstring)."""

    @abc.abstractmethod
    def input_map(self, dim: int) -> tuple[np.ndarray, np.ndarray | None]:
        """``(origin, basis)`` with ``x = origin + basis @ v``; ``basis`` None for the identity."""

    @abc.abstractmethod
    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """The root constraints ``A v + b > 0`` as ``(A, b)``, rows of ``A`` unit vectors."""

    @abc.abstractmethod
    def bounding_box(self, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(lo, hi)`` of the domain's coordinates ``v``, or None if it is unbounded."""

    @abc.abstractmethod
    def root_ball(self, dim: int) -> tuple[np.ndarray, float]:
        """A ball ``(center, radius)`` inside the domain (radius ``inf`` if it holds any ball)."""

    def exact_frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The three points a plane's coordinates are measured from (``x = x0 + a (x1 - x0) + b (x2 - x0)``,
        the differences taken exactly by the certifier); None when ``input_map`` is exact as it is."""
        return None

    @abc.abstractmethod
    def digest(self) -> str | None:
        """A hex digest identifying the domain (checkpoints refuse another domain's work)."""

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, with a ``"type"`` entry."""

    @abc.abstractmethod
    def summary(self) -> str:
        """One line of text, e.g. ``open box -1 < x_i < 1``."""

    def _hash(self, *parts: object) -> str:
        digest = hashlib.sha256(type(self).__name__.encode())
        for part in parts:
            if isinstance(part, np.ndarray):
                digest.update(np.ascontiguousarray(part, dtype="<f8").tobytes())
            else:
                digest.update(repr(part).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Space(Domain):
    """All of the input space (the default domain: Definition 1 counts over all of it)."""

    def input_map(self, dim: int) -> tuple[np.ndarray, None]:
        return np.zeros(dim), None

    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((0, dim)), np.zeros(0)

    def bounding_box(self, dim: int) -> None:
        return None

    def root_ball(self, dim: int) -> tuple[np.ndarray, float]:
        return np.zeros(dim), math.inf

    def digest(self) -> None:
        return None  # what checkpoints of the whole space have always recorded

    def to_dict(self) -> dict[str, Any]:
        return {"type": "space"}

    def summary(self) -> str:
        return "all of the input space"


def _vector(value: object, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise InvalidParameterError(f"The '{name}' must be an array of real numbers. Got dtype {arr.dtype} instead.")
    arr = np.array(arr, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The '{name}' must be finite. Got {arr[~np.isfinite(arr)][0]} instead.")
    arr.setflags(write=False)
    return arr


def _difference(x: np.ndarray, y: np.ndarray, x_name: str, y_name: str) -> np.ndarray:
    """``x - y``, refused in one line if it overflows float64 (points near its largest number, opposite signs)."""
    with np.errstate(over="ignore", invalid="ignore"):
        d = x - y
    if not np.all(np.isfinite(d)):
        i = int(np.argmax(~np.isfinite(d)))
        raise InvalidParameterError(
            f"The difference '{x_name} - {y_name}' must be within float64's range. Got {x[i]:.3g} - {y[i]:.3g} at "
            f"coordinate {i}, which overflows, instead: scale the points down.")
    return d


def _labels(labels: object, count: int, what: str) -> tuple[str, ...] | None:
    """``labels`` as ``count`` strings naming ``what``'s points in descriptions (None stays None)."""
    if labels is None:
        return None
    if isinstance(labels, str) or len(labels) != count:  # type: ignore[arg-type]
        words = {2: "two", 3: "three"}
        raise InvalidParameterError(f"The {what} 'labels' must be {words[count]} strings. Got {labels!r} instead.")
    return tuple(str(label) for label in labels)  # type: ignore[attr-defined]


def _input_size(point: np.ndarray, dim: int, what: str) -> None:
    """One line if ``point`` (one of ``what``) is not an input of size ``dim``."""
    if point.size != dim:
        raise InvalidParameterError(f"The {what} must have the input size {dim}. Got size {point.size} instead.")


@dataclass(frozen=True, eq=False)
class Box(Domain):
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

    def input_map(self, dim: int) -> tuple[np.ndarray, None]:
        return np.zeros(dim), None

    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """Faces as ``(A, b)`` with unit rows: ``x_i - lo_i > 0`` and ``hi_i - x_i > 0``."""
        lo, hi = self.bounds(dim)
        eye = np.eye(dim)
        return np.vstack([eye, -eye]), np.concatenate([-lo, hi])

    def bounding_box(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        return self.bounds(dim)

    def root_ball(self, dim: int) -> tuple[np.ndarray, float]:
        lo, hi = self.bounds(dim)
        with np.errstate(over="ignore"):  # bounds near float64's largest number: halve first
            center, width = (lo + hi) / 2, hi - lo
        center = np.where(np.isfinite(center), center, lo / 2 + hi / 2)
        half = np.where(np.isfinite(width), width / 2, hi / 2 - lo / 2)
        return center, float(np.min(half))

    def digest(self) -> str:
        return self._hash(self.lo, self.hi)

    def to_dict(self) -> dict[str, Any]:
        def value(arr: np.ndarray) -> float | list[float]:
            return float(arr[0]) if arr.size == 1 else arr.tolist()
        return {"type": "box", "lo": value(self.lo), "hi": value(self.hi)}

    def summary(self) -> str:
        if self.lo.size == 1 and self.hi.size == 1:
            return f"open box {self.lo[0]:g} < x_i < {self.hi[0]:g}"
        return (f"open box lo < x < hi (lo from {self.lo.min():g} to {self.lo.max():g}, "
                f"hi from {self.hi.min():g} to {self.hi.max():g})")


@dataclass(frozen=True, eq=False)
class Plane(Domain):
    """The 2-D plane through three inputs ``x0, x1, x2``.

    Points of the plane are ``x0 + a (x1 - x0) + b (x2 - x0)``; the search runs on
    the coordinates ``(a, b)``, so the three inputs sit at ``(0, 0)``, ``(1, 0)``
    and ``(0, 1)``.  ``window = (a_lo, a_hi, b_lo, b_hi)`` optionally restricts the
    count to a rectangle of the plane (the whole plane by default).  ``labels``
    (e.g. the files the points came from) only name the points in descriptions.
    """

    x0: np.ndarray
    x1: np.ndarray
    x2: np.ndarray
    window: tuple[float, float, float, float] | None = None
    labels: tuple[str, str, str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        pts = [_vector(p, name) for p, name in ((self.x0, "x0"), (self.x1, "x1"), (self.x2, "x2"))]
        if not (pts[0].size == pts[1].size == pts[2].size):
            raise InvalidParameterError(
                f"The three plane points must have the same size. Got sizes {[p.size for p in pts]} instead.")
        basis = np.stack([_difference(pts[1], pts[0], "x1", "x0"), _difference(pts[2], pts[0], "x2", "x0")], axis=1)
        if np.linalg.matrix_rank(basis / np.abs(basis).max(initial=1.0)) < 2:  # normalised: no overflow in the SVD
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
        object.__setattr__(self, "labels", _labels(self.labels, 3, "plane"))

    def _check(self, dim: int) -> None:
        _input_size(self.x0, dim, "plane points")

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

    def bounding_box(self, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
        self._check(dim)
        if self.window is None:
            return None
        a_lo, a_hi, b_lo, b_hi = self.window
        return np.array([a_lo, b_lo]), np.array([a_hi, b_hi])

    def root_ball(self, dim: int) -> tuple[np.ndarray, float]:
        self._check(dim)
        if self.window is None:
            return np.zeros(2), math.inf
        a_lo, a_hi, b_lo, b_hi = self.window
        return np.array([(a_lo + a_hi) / 2, (b_lo + b_hi) / 2]), min(a_hi - a_lo, b_hi - b_lo) / 2

    def digest(self) -> str:
        return self._hash(self.x0, self.x1, self.x2, self.window)

    def exact_frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.x0, self.x1, self.x2

    def to_dict(self) -> dict[str, Any]:
        return {"type": "plane", "points": list(self.labels) if self.labels is not None else None,
                "window": list(self.window) if self.window is not None else None}

    def summary(self) -> str:
        window = ("whole plane" if self.window is None
                  else "window a in ({:g}, {:g}), b in ({:g}, {:g})".format(*self.window))
        through = "three points" if self.labels is None else ", ".join(self.labels)
        return f"plane through {through} ({window})"


@dataclass(frozen=True, eq=False)
class Segment(Domain):
    """The segment from input ``a`` to input ``b``: points ``a + t (b - a)``, ``0 <= t <= 1``.

    Counted by walking the segment (:mod:`cnnregions.geometry.segment`), never by the LP
    search: the regions counted are those the segment meets in more than a point.
    ``labels`` (e.g. the files the ends came from) only name the ends in descriptions.
    """

    a: np.ndarray
    b: np.ndarray
    labels: tuple[str, str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        a, b = _vector(self.a, "a"), _vector(self.b, "b")
        if a.size != b.size:
            raise InvalidParameterError(f"The segment ends must have the same size. Got sizes {a.size} and {b.size} instead.")
        if np.array_equal(a, b):
            raise InvalidParameterError("The segment ends 'a' and 'b' must differ. Got the same point twice instead.")
        _difference(b, a, "b", "a")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "labels", _labels(self.labels, 2, "segment"))

    def _check(self, dim: int) -> None:
        _input_size(self.a, dim, "segment ends")

    def input_map(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``origin = a`` and the one-column basis ``b - a`` (float64, taken as exact)."""
        self._check(dim)
        return self.a, (self.b - self.a)[:, None]

    def rows(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(dim)
        return np.array([[1.0], [-1.0]]), np.array([0.0, 1.0])

    def bounding_box(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(dim)
        return np.zeros(1), np.ones(1)

    def root_ball(self, dim: int) -> tuple[np.ndarray, float]:
        self._check(dim)
        return np.array([0.5]), 0.5

    def digest(self) -> str:
        return self._hash(self.a, self.b)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "segment", "points": list(self.labels) if self.labels is not None else None}

    def summary(self) -> str:
        ends = "a to b" if self.labels is None else " to ".join(self.labels)
        return f"segment from {ends}"
