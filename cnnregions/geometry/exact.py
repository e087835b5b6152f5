"""Exact rational decisions where floats are in doubt.

Every float64 number is a dyadic rational ``m 2^e``, so the rows of
:mod:`.lines` have exact values computable in integers: each layer's matrix is
scaled by one power of two to integers, and a layer's rows on a piece are
``(integer matrix) * 2^E`` with one exponent ``E`` per layer (EXACTNESS.md, section 1).
Only signs and zero crossings matter here, so the positive factor ``2^E`` is dropped.

Vertices of pieces are intersections of such lines, hence rational: they are held as
python-flint ``fmpq`` when it is installed (C speed), else :class:`fractions.Fraction`.
These routines run only for the rare decisions the float bounds cannot certify: a line
through a vertex, nearly parallel lines, slivers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..models.network import Network
from .lines import LineLayers


def _rational_type() -> Any:
    """python-flint's ``fmpq`` (optional: the same exact rationals, computed in C), else ``Fraction``."""
    try:
        from flint import fmpq
    except ImportError:  # pragma: no cover - exercised where python-flint is absent
        return Fraction
    return fmpq


_rational: Any = _rational_type()


def rat(numerator: int, denominator: int = 1):
    """The exact rational ``numerator / denominator``."""
    return _rational(numerator, denominator)


def from_float(x: float):
    """A float64 as the exact rational it is."""
    return _rational(*float(x).as_integer_ratio())

__all__ = ["ExactChain", "clip", "first_layer_row", "from_float", "rat", "to_float", "value"]


def _to_int(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``values == ints * 2^e`` exactly: an object array of Python ints and one exponent."""
    values = np.asarray(values, dtype=np.float64)
    mant, expo = np.frexp(values)
    nz = mant != 0
    if not nz.any():
        return np.zeros(values.shape, dtype=object), 0
    e = int(expo[nz].min()) - 53
    m = (mant * 2.0 ** 53).astype(np.int64).astype(object)          # exact: |m| < 2^53
    shifts = np.where(nz, expo - 53 - e, 0).astype(np.int64).astype(object)
    return m << shifts, e


def _shift(ints: np.ndarray, by: int) -> np.ndarray:
    return np.array([[v << by for v in row] for row in ints], dtype=object) if ints.ndim == 2 else \
        np.array([v << by for v in ints], dtype=object)


class _IntMatrix:
    """A float64 matrix as CSR with exact integer data and one exponent."""

    def __init__(self, matrix) -> None:
        csr = sp.csr_matrix(matrix, dtype=np.float64)
        self.indptr, self.indices = csr.indptr, csr.indices
        self.data, self.exp = _to_int(csr.data)
        self.shape = csr.shape

    def matmul(self, X: np.ndarray) -> np.ndarray:
        """``ints @ X`` for an object array ``X`` of Python ints, exactly."""
        out = np.zeros((self.shape[0], X.shape[1]), dtype=object)
        if not len(self.data):
            return out
        prod = self.data[:, None] * X[self.indices]
        nonempty = np.diff(self.indptr) > 0
        # segments between consecutive non-empty rows' starts hold exactly each row's products
        out[nonempty] = np.add.reduceat(prod, self.indptr[:-1][nonempty], axis=0)
        return out


def _add_bias(P: np.ndarray, pexp: int, bias: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    """Rows ``P * 2^pexp`` plus ``[0 | c]`` with ``c = ints * 2^cexp``, exactly, as (ints, exponent)."""
    c, cexp = bias
    P = P.copy()
    if cexp >= pexp:
        P[:, -1] = P[:, -1] + _shift(c, cexp - pexp)
        return P, pexp
    P = _shift(P, pexp - cexp)
    P[:, -1] = P[:, -1] + c
    return P, cexp


class ExactChain:
    """Exact integer rows of every layer on a slice (built lazily, on the first doubt).

    Parameters
    ----------
    network : Network
    origin, basis
        The slice ``x = origin + basis @ v`` (float64, taken as exact).
    """

    def __init__(self, network: Network | LineLayers, origin: np.ndarray, basis: np.ndarray) -> None:
        self._layers = network if isinstance(network, LineLayers) else LineLayers(network)
        self._maps = [(M, c) for M, _, _, c in self._layers.operators]
        self._mats = self._layers.exact_matrices
        X, xexp = _to_int(np.column_stack([basis, origin]))
        first = self.mat(0).matmul(X)
        self.first = _add_bias(first, self.mat(0).exp + xexp, _to_int(self._maps[0][1]))
        self._cache: dict[bytes, list[np.ndarray]] = {}

    def mat(self, layer: int) -> _IntMatrix:
        """Layer ``layer``'s matrix in integers (converted on first use)."""
        if layer not in self._mats:
            self._mats[layer] = _IntMatrix(self._maps[layer][0])
        return self._mats[layer]

    def rows(self, pattern: np.ndarray, layers: int) -> list[np.ndarray]:
        """Integer rows (positive multiples of the exact rows) of layers ``1..layers`` under ``pattern``.

        ``pattern`` holds (at least) the activation pattern of layers ``1..layers - 1``.
        """
        key = np.packbits(np.asarray(pattern, dtype=bool)).tobytes() + bytes([layers])
        if key in self._cache:
            return self._cache[key]
        out = [self.first[0]]
        P, pexp = self.first
        start = 0
        for l in range(1, layers):
            size = P.shape[0]
            act = np.asarray(pattern[start:start + size], dtype=bool)
            start += size
            masked = np.where(act[:, None], P, 0).astype(object)
            Q = self.mat(l).matmul(masked)
            P, pexp = _add_bias(Q, self.mat(l).exp + pexp, _to_int(self._maps[l][1]))
            out.append(P)
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = out
        return out


def first_layer_row(matrix, bias: np.ndarray, X: np.ndarray, j: int) -> list:
    """Neuron ``j``'s exact first-layer row ``M_1[j] X + [0 | c_j]`` in fractions (``matrix`` CSR)."""
    lo, hi = matrix.indptr[j], matrix.indptr[j + 1]
    terms = [(from_float(d), int(c)) for d, c in zip(matrix.data[lo:hi], matrix.indices[lo:hi])]
    row = [sum((d * from_float(X[c, i]) for d, c in terms), rat(0)) for i in range(X.shape[1])]
    row[-1] += from_float(bias[j])
    return row


def value(row, point):
    """The exact value of the integer row ``(g..., h)`` at a rational point."""
    return sum((int(g) * p for g, p in zip(row[:-1], point)), rat(int(row[-1])))


def clip(poly: list[tuple], row, sign: int) -> list[tuple]:
    """The part of the convex polygon where ``sign * row(v) >= 0``, exactly (no repeated vertices)."""
    if not poly:
        return poly
    vals = [sign * value(row, p) for p in poly]
    out = []
    n = len(poly)
    for i in range(n):
        j = (i + 1) % n
        if vals[i] >= 0:
            out.append(poly[i])
        if (vals[i] > 0 > vals[j]) or (vals[i] < 0 < vals[j]):
            t = vals[i] / (vals[i] - vals[j])
            out.append(tuple(p + t * (q - p) for p, q in zip(poly[i], poly[j])))
    dedup = [v for i, v in enumerate(out) if v != out[i - 1]] if len(out) > 1 else out
    return dedup


def to_float(points: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Rational points rounded to float64 and the (exact) rounding error, rounded up."""
    arr = np.array([[float(c) for c in p] for p in points], dtype=np.float64)
    err = np.array([max(abs(from_float(float(c)) - c) for c in p) for p in points], dtype=object)
    rad = np.array([float(e) * (1 + 2.0 ** -50) + 2.0 ** -1070 if e else 0.0 for e in err], dtype=np.float64)
    return arr, rad
