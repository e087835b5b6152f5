"""A ReLU CNN with specific weights: architecture + (W_l, b_l) for every layer."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._validation import field_error
from ..errors import InvalidParameterError
from .affine import conv_matrix
from .architecture import Architecture, DenseLayer
from .files import check_parameters
from .limits import check_memory

__all__ = ["Network", "he_network"]


def _as_weight(array: object, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(array)
    except ValueError:  # ragged nested sequences
        raise InvalidParameterError(
            f"The weights '{name}' must be an array of real numbers. Got a ragged nested sequence instead.") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise field_error(f"The weights '{name}'", "an array of real numbers", arr)
    if arr.shape != shape:
        raise InvalidParameterError(
            f"The weights '{name}' must have shape {shape}. Got shape {arr.shape} instead.")
    arr = np.array(arr, dtype=np.float64)  # private copy
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise InvalidParameterError(f"The weights '{name}' must be finite. Got {bad} instead.")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Network:
    """An architecture with concrete weights and biases, validated and read-only.

    Parameters
    ----------
    architecture : Architecture
    weights : sequence of ndarray
        ``W_l`` with shape ``(d_l, d_{l-1}, f_l(1), f_l(2))`` for a convolution: the
        layout and the semantics (cross-correlation, no flipping) of
        ``torch.nn.Conv2d.weight``; ``(features, in_features)`` for a dense layer
        (``torch.nn.Linear.weight``).
    biases : sequence of ndarray
        ``b_l`` with shape ``(d_l,)`` (``(features,)`` for a dense layer).

    Notes
    -----
    The pre-activation of layer ``l`` is (Section 2 of the paper)
    ``Z^l_{i,j,k} = sum_{a,b,c} W^{l}_{k,c,a,b} X^{l-1}_{c, a + i s_l, b + j s_l} + b^l_k``
    and ``X^l = max(Z^l, 0)``; a dense layer computes ``Z^l = W_l x + b_l`` on the
    flattened ``x = X^{l-1}``.  Inputs and layers are flattened in PyTorch's
    ``(channels, height, width)`` C order.
    """

    architecture: Architecture
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        arch = self.architecture
        if not isinstance(arch, Architecture):
            raise field_error("The 'architecture'", "an Architecture", arch)
        for name, seq in (("weights", self.weights), ("biases", self.biases)):
            if isinstance(seq, np.ndarray) or not isinstance(seq, Sequence) or len(seq) != arch.depth:
                got = len(seq) if isinstance(seq, Sequence) else seq
                raise field_error(f"The '{name}'", f"a list of {arch.depth} arrays (one per layer)", got)
        weights = tuple(_as_weight(w, f"W{l + 1}", shape)
                        for l, (w, shape) in enumerate(zip(self.weights, arch.weight_shapes())))
        biases = tuple(_as_weight(b, f"b{l + 1}", (layer.channels,))
                       for l, (b, layer) in enumerate(zip(self.biases, arch.layers)))
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "biases", biases)

    # -- affine maps -----------------------------------------------------------------
    @cached_property
    def affine_maps(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Each layer as ``(M_l, c_l)`` with ``z_l = M_l x_{l-1} + c_l`` on flattened inputs."""
        check_memory(self.architecture, stage="maps")  # before building dense matrices
        maps = []
        for (h, w, _), layer, weight, bias in zip(self.architecture.shapes, self.architecture.layers,
                                                  self.weights, self.biases):
            if isinstance(layer, DenseLayer):
                matrix, offset = np.array(weight), np.array(bias)
            else:
                matrix, offset = conv_matrix(weight, bias, (h, w), layer.stride, layer.padding)
            matrix.setflags(write=False)
            offset.setflags(write=False)
            maps.append((matrix, offset))
        return tuple(maps)

    # -- forward pass ----------------------------------------------------------------
    def _flatten_inputs(self, points: np.ndarray) -> np.ndarray:
        x = np.asarray(points, dtype=np.float64)
        n = self.architecture.input_dim
        inp = self.architecture.input
        if x.ndim == 4 and x.shape[1:] == (inp.channels, inp.height, inp.width):
            return x.reshape(x.shape[0], n)
        if x.ndim == 1 and x.shape[0] == n:
            return x[None, :]
        if x.ndim == 2 and x.shape[1] == n:
            return x
        raise InvalidParameterError(
            f"The 'points' must have shape (m, {n}) or (m, {inp.channels}, {inp.height}, {inp.width}). "
            f"Got shape {x.shape} instead.")

    def preactivations(self, points: np.ndarray) -> list[np.ndarray]:
        """Pre-activations ``z_l`` of every layer for many points at once.

        Parameters
        ----------
        points : ndarray, shape (m, n) or (m, channels, height, width)

        Returns
        -------
        list of ndarray, one ``(m, n_l)`` array per layer
        """
        x = self._flatten_inputs(points)
        out = []
        for matrix, offset in self.affine_maps:
            z = x @ matrix.T + offset
            out.append(z)
            x = np.maximum(z, 0.0)
        return out

    def activation_patterns(self, points: np.ndarray) -> np.ndarray:
        """Activation patterns (``z > 0``) of many points: a bool array ``(m, n_neurons)``.

        A neuron with ``z == 0`` is reported inactive, the convention the
        enumerator uses for neurons that are identically zero on a region.
        """
        return np.concatenate([z > 0 for z in self.preactivations(points)], axis=1)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Last hidden layer's activations ``X^L`` (flattened), for many points."""
        return np.maximum(self.preactivations(points)[-1], 0.0)

    # -- identity --------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the architecture and the exact weight bytes (identifies a network)."""
        digest = hashlib.sha256(self.architecture.to_json(sort_keys=True).encode())
        for w, b in zip(self.weights, self.biases):
            digest.update(np.ascontiguousarray(w, dtype="<f8").tobytes())
            digest.update(np.ascontiguousarray(b, dtype="<f8").tobytes())
        return digest.hexdigest()

    def with_weights(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> Network:
        """A new network with the same architecture and other weights."""
        return Network(self.architecture, tuple(weights), tuple(biases))


def he_network(architecture: Architecture, seed: int | np.random.Generator | None = 0) -> Network:
    """Draw weights and biases by He initialisation, as in the paper's Section 6.

    Every weight and bias of layer ``l`` is drawn from ``N(0, 2 / fan_in)`` with
    ``fan_in = f_l(1) f_l(2) d_{l-1}`` (``in_features`` for a dense layer).

    Parameters
    ----------
    architecture : Architecture
    seed : int, numpy Generator or None
        Seed of a private ``numpy.random.default_rng`` (no global state is touched).

    Raises
    ------
    InvalidParameterError
        For an architecture with more than :data:`~.files.MAX_PARAMETERS` parameters.
    """
    if not isinstance(architecture, Architecture):
        raise field_error("The 'architecture'", "an Architecture", architecture)
    if isinstance(seed, (bool, np.bool_)) or not (seed is None or isinstance(seed, (int, np.integer, np.random.Generator))):
        raise field_error("The 'seed'", "an integer, a numpy Generator or None", seed)
    if isinstance(seed, (int, np.integer)) and seed < 0:
        raise field_error("The 'seed'", "a non-negative integer", seed)
    check_parameters(architecture)  # before drawing: refuse what would not fit in memory
    check_memory(architecture, stage="maps")  # before drawing weights nothing could use
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    weights, biases = [], []
    for shape in architecture.weight_shapes():
        std = math.sqrt(2.0 / math.prod(shape[1:]))
        weights.append(rng.normal(0.0, std, size=shape))
        biases.append(rng.normal(0.0, std, size=shape[0]))
    return Network(architecture, tuple(weights), tuple(biases))
