"""Building a :class:`~.network.Network` from the layers of a trained model.

The PyTorch (:mod:`.torch_import`) and ONNX (:mod:`.onnx_import`) importers only
translate their source into a list of :class:`Op` (convolution, dense, ReLU,
flatten); :func:`assemble` checks the sequence and builds the network, so both
importers accept and refuse exactly the same networks with the same messages.

Accepted sequences: convolutions, each followed by a ReLU; then, after a
flatten, dense layers each followed by a ReLU.  A last convolution or dense layer
*without* ReLU is the output layer: it does not split the input space into
regions (an affine map of the last hidden layer), so it is dropped and reported
in :attr:`ImportResult.output_layer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import check_int, field_error
from ..errors import InvalidParameterError
from .architecture import Architecture
from .network import Network

__all__ = ["ImportResult", "Op", "as_float64", "assemble", "check_input_shape"]


@dataclass(frozen=True, eq=False)
class Op:
    """One layer of a model, in the importer-neutral form :func:`assemble` reads.

    Attributes
    ----------
    kind : {"conv", "dense", "relu", "flatten"}
    label : str
        How messages name the layer, e.g. ``"layer '3' (Linear)"``.
    weight, bias : ndarray or None
        ``(d_out, d_in, f1, f2)`` and ``(d_out,)`` for a convolution,
        ``(features, in_features)`` and ``(features,)`` for a dense layer.
    stride, padding : int
        Of a convolution (square stride, equal zero padding on every side).
    """

    kind: str
    label: str
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    stride: int = 1
    padding: int = 0

    @property
    def w(self) -> np.ndarray:
        """The weight array of a conv or dense op (the others have none)."""
        if self.weight is None:
            raise InvalidParameterError(f"The {self.label} must carry weights. Got a {self.kind} layer instead.")
        return self.weight

    @property
    def b(self) -> np.ndarray:
        """The bias vector of a conv or dense op (the others have none)."""
        if self.bias is None:
            raise InvalidParameterError(f"The {self.label} must carry a bias. Got a {self.kind} layer instead.")
        return self.bias

    def describe(self) -> str:
        """Short description, e.g. ``Linear 32 -> 10`` or ``Conv 8@3x3/s2``."""
        if self.kind == "dense":
            return f"dense {self.w.shape[1]} -> {self.w.shape[0]}"
        if self.kind == "conv":
            d, _, f1, f2 = self.w.shape
            return f"conv {d}@{f1}x{f2}/s{self.stride}" + (f"/p{self.padding}" if self.padding else "")
        return self.kind


@dataclass(frozen=True, eq=False)
class ImportResult:
    """A model read into a :class:`Network`, with what was left out.

    Attributes
    ----------
    network : Network
        The hidden ReLU layers: every neuron of it counts for the regions.
    source : str
        Where the model came from (a path, or the module's class name).
    output_layer : str or None
        The trailing layer without ReLU that was dropped (the output layer, which
        does not change the regions), e.g. ``"layer '5' (Linear): dense 4 -> 2"``;
        None if the model ends in a ReLU or was not imported.
    notes : tuple of str
        Human-readable remarks on the import (one sentence each).
    """

    network: Network
    source: str
    output_layer: str | None = None
    notes: tuple[str, ...] = ()


def check_input_shape(shape: object, what: str = "The 'input_shape'") -> tuple[int, int, int]:
    """``(channels, height, width)`` from a 3-sequence, or ``(features, 1, 1)`` from a 1-sequence."""
    expected = "(channels, height, width) or (features,) of positive integers"
    if isinstance(shape, np.ndarray) and shape.ndim == 1 and len(shape) in (1, 3):
        shape = shape.tolist()
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) not in (1, 3):
        raise field_error(what, expected, shape)
    dims = [check_int(v.item() if isinstance(v, np.integer) else v, what, minimum=1) for v in shape]
    return (dims[0], 1, 1) if len(dims) == 1 else (dims[0], dims[1], dims[2])


def assemble(ops: Sequence[Op], input_shape: tuple[int, int, int], source: str, *,
             flat_input: bool = False) -> ImportResult:
    """Check a layer sequence and build its hidden network.

    Parameters
    ----------
    ops : sequence of Op
        The model's layers in order.
    input_shape : (channels, height, width)
    source : str
        For :attr:`ImportResult.source`.
    flat_input : bool
        True if the model's input is already a flat vector (then dense layers may
        come first without a flatten).

    Raises
    ------
    InvalidParameterError
        Naming the first layer that does not fit the accepted sequences.
    """
    channels, height, width = input_shape
    flat = flat_input
    size = channels * height * width
    layers: list[dict] = []
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    pending: Op | None = None       # an affine layer waiting for its ReLU
    for op in ops:
        if op.kind == "relu":
            if pending is None:
                if layers:
                    continue            # after a ReLU layer (and a flatten) values are >= 0: the identity
                raise InvalidParameterError(
                    f"The {op.label} must follow a convolution or a dense layer. Got a ReLU with no layer before it instead.")
            layers.append(_layer_dict(pending))
            weights.append(pending.w)
            biases.append(pending.b)
            pending = None
            continue
        if pending is not None:
            raise InvalidParameterError(
                f"The {pending.label} must be followed by a ReLU (or be the last layer, the output). "
                f"Got {op.label} after it instead.")
        if op.kind == "flatten":
            flat = True
            continue
        if op.kind == "conv":
            if flat:
                raise InvalidParameterError(
                    f"The {op.label} must come before the flatten and the dense layers. Got a convolution after them instead.")
            if op.w.shape[1] != channels:
                raise InvalidParameterError(
                    f"The {op.label} must have {channels} input channels. Got {op.w.shape[1]} instead.")
            kernel = op.w.shape[2:]
            height = _conv_out(height, kernel[0], op)
            width = _conv_out(width, kernel[1], op)
            channels = op.w.shape[0]
            size = channels * height * width
        elif op.kind == "dense":
            if not flat:
                raise InvalidParameterError(
                    f"The {op.label} must follow a flatten. Got a dense layer on a (channels, height, width) tensor instead.")
            if op.w.shape[1] != size:
                raise InvalidParameterError(
                    f"The {op.label} must have {size} input features (the flattened output before it). "
                    f"Got {op.w.shape[1]} instead.")
            size = channels = op.w.shape[0]
        else:  # pragma: no cover - importers only make the four kinds
            raise InvalidParameterError(f"The {op.label} must be a conv, dense, relu or flatten layer. Got {op.kind!r} instead.")
        pending = op
    output = None
    notes: list[str] = []
    if pending is not None:
        output = f"{pending.label}: {pending.describe()}"
        notes.append(f"The last layer, {output}, has no ReLU: it is the output layer and does not count "
                     f"(an affine map of the last hidden layer does not change the regions).")
    if not layers:
        raise InvalidParameterError(
            f"The model must have at least one hidden layer (a convolution or dense layer followed by a ReLU). "
            f"Got none in {source} instead.")
    in_c, in_h, in_w = input_shape
    arch = Architecture({"height": in_h, "width": in_w, "channels": in_c}, layers)
    network = Network(arch, tuple(weights), tuple(biases))
    return ImportResult(network, source, output, tuple(notes))


def _conv_out(n: int, f: int, op: Op) -> int:
    span = n + 2 * op.padding
    if f > span:
        raise InvalidParameterError(
            f"The {op.label} kernel must fit in its (padded) input of size {span}. Got size {f} instead.")
    return (span - f) // op.stride + 1


def _layer_dict(op: Op) -> dict:
    if op.kind == "dense":
        return {"type": "dense", "features": int(op.w.shape[0])}
    d, _, f1, f2 = op.w.shape
    out = {"channels": int(d), "kernel": [int(f1), int(f2)], "stride": int(op.stride)}
    if op.padding:
        out["padding"] = int(op.padding)
    return out


def as_float64(array: object, label: str, ndim: int) -> np.ndarray:
    """A private float64 copy of ``array`` with ``ndim`` dimensions, finite."""
    arr = np.array(array, dtype=np.float64)
    if arr.ndim != ndim:
        raise InvalidParameterError(f"The weights of the {label} must have {ndim} dimensions. Got shape {arr.shape} instead.")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"The weights of the {label} must be finite. Got {arr[~np.isfinite(arr)].flat[0]} instead.")
    return arr
