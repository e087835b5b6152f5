"""The vectorised kernel: chunk sizing and the chunked forward pass (:class:`PatternSampler`)."""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..errors import InvalidParameterError
from ..models.network import Network

__all__ = ["DEFAULT_MAX_MEMORY", "MAX_AUTO_CHUNK", "PatternSampler"]

#: Default bound on the work buffers of one chunk, in bytes.
DEFAULT_MAX_MEMORY = 64 * 2**20
#: Largest chunk chosen automatically (when ``max_memory`` allows it).
MAX_AUTO_CHUNK = 1 << 13
#: OpenBLAS multiplies on one thread when m*n*k <= 65536 * 4 (its default threshold);
#: the kernel splits larger products into blocks of rows below it.
_BLAS_SERIAL_WORK = 1 << 18
#: Largest pre-activation a sampled point may reach (a margin below float64's 2^1024 for rounding).
_MAX_VALUE = 2.0 ** 1000


def _bytes_per_point(network: Network) -> int:
    """Bytes of work buffers per point of a chunk (forward pass, bits, keys, sorting)."""
    arch = network.architecture
    n_bytes = (arch.n_neurons + 7) // 8
    words = (n_bytes + 7) // 8
    return 8 * arch.input_dim + 8 * arch.n_neurons + arch.n_neurons + 2 * n_bytes + 8 * (4 * words + 4)


def _chunk(network: Network, chunk_size: object, max_memory: object) -> int:
    max_memory = check_int(max_memory, "The 'max_memory'", minimum=1)
    if chunk_size is not None:
        return check_int(chunk_size, "The 'chunk_size'", minimum=1)
    return max(1, min(MAX_AUTO_CHUNK, max_memory // _bytes_per_point(network)))


# -- the vectorised kernel -----------------------------------------------------------------
class PatternSampler:
    """Draws chunks of points and returns their packed activation patterns.

    All arrays of the forward pass are allocated once and reused (``out=``): fresh
    multi-megabyte arrays on every chunk cost more than the arithmetic (page
    faults), about 15x with a multi-threaded BLAS on skinny matrices.

    Each product is done in blocks of rows small enough (``m n k <= 2^18``) that
    OpenBLAS runs it on one thread: its threads made these skinny products 2-10x
    slower, and erratic, on the 2-core test machine under load
    (``bench/bench_sampling.py``).  Layers with more than ``2^18`` weights go one
    row at a time and may be threaded.
    """

    def __init__(self, network: Network, chunk: int) -> None:
        maps = network.affine_maps
        self.n_neurons = network.architecture.n_neurons
        self._mats = [np.ascontiguousarray(matrix.T) for matrix, _ in maps]  # (n_{l-1}, n_l)
        self._offsets = [np.asarray(offset, dtype=np.float64) for _, offset in maps]
        self._x = np.empty((chunk, network.architecture.input_dim))
        self._z = [np.empty((chunk, matrix.shape[0])) for matrix, _ in maps]
        self._bits = np.empty((chunk, self.n_neurons), dtype=bool)
        bounds = np.cumsum([0] + [matrix.shape[0] for matrix, _ in maps])
        self._cols = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        self._rows = [max(1, _BLAS_SERIAL_WORK // mat.size) for mat in self._mats]
        # |z_l| <= gain_l * max|z_{l-1}| + shift_l: a bound checked per chunk, so that no
        # pre-activation can overflow into a NaN sign (a pattern that is no region)
        self._gains = [float(np.abs(mat).sum(axis=0).max(initial=0.0)) for mat in self._mats]
        self._shifts = [float(np.abs(offset).max(initial=0.0)) for offset in self._offsets]

    def _check_range(self, top: float, std: float) -> None:
        bound = top
        for gain, shift in zip(self._gains, self._shifts):
            bound = gain * bound + shift
        if not bound <= _MAX_VALUE:
            raise InvalidParameterError(
                f"The 'stds' must keep the sampled points' pre-activations within float64's range. Got std "
                f"{std:.3g}, whose points (up to {top:.3g}) could reach {bound:.3g} instead: take a smaller std.")

    def packed(self, rng: np.random.Generator, std: float, m: int) -> np.ndarray:
        """Packed patterns (``(m, ceil(n/8))`` uint8, little bit order) of ``m`` new points."""
        x = self._x[:m]
        rng.standard_normal(out=x)
        with np.errstate(over="ignore"):  # an overflowed point is refused just below
            x *= std
        self._check_range(max(float(x.max(initial=0.0)), -float(x.min(initial=0.0))), std)
        bits = self._bits[:m]
        last = len(self._mats) - 1
        for l, (mat, offset, z, (a, b), rows) in enumerate(
                zip(self._mats, self._offsets, self._z, self._cols, self._rows)):
            z = z[:m]
            for i in range(0, m, rows):  # products small enough to stay single-threaded
                np.matmul(x[i:i + rows], mat, out=z[i:i + rows])
            z += offset
            np.greater(z, 0.0, out=bits[:, a:b])
            if l < last:
                np.maximum(z, 0.0, out=z)
            x = z
        return np.packbits(bits, axis=1, bitorder="little")
