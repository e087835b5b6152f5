"""Import a PyTorch ``nn.Sequential`` of Conv2d, ReLU, Flatten and Linear layers.

PyTorch is imported only when :func:`from_torch` is called (extra ``torch``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._validation import field_error
from ..errors import InvalidParameterError
from .importing import ImportResult, Op, as_float64, assemble, check_input_shape

__all__ = ["from_torch"]

SUPPORTED = "Conv2d, ReLU, Flatten, Linear"


def from_torch(module: object, input_shape: Sequence[int]) -> ImportResult:
    """Read the weights of a ReLU CNN given as a ``torch.nn.Sequential``.

    Parameters
    ----------
    module : torch.nn.Sequential
        Made of ``Conv2d`` (square stride, zero padding equal on every side,
        ``padding_mode='zeros'``, dilation 1, groups 1, bias or not), ``ReLU``,
        ``Flatten`` (``start_dim=1, end_dim=-1``) and ``Linear`` layers, in the
        order convolutions, flatten, dense layers, each convolution and dense
        layer followed by a ReLU except perhaps the last one (the output layer).
        Nested ``Sequential`` blocks are read in order.
    input_shape : (channels, height, width) or (features,)
        Shape of one input, without the batch dimension.

    Returns
    -------
    ImportResult
        ``.network``: the hidden layers as a float64 :class:`Network` (the same
        flattening and the same pre-activations as the module, in float64);
        ``.output_layer``: the trailing layer without ReLU, dropped because it
        does not change the regions, or None; ``.notes``: what was dropped.

    Raises
    ------
    InvalidParameterError
        For any other layer (naming it and its class), unsupported options, or
        shapes that do not fit ``input_shape``.

    Examples
    --------
    >>> import torch.nn as nn  # doctest: +SKIP
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
    ...                       nn.Flatten(), nn.Linear(4 * 14 * 14, 10))  # doctest: +SKIP
    >>> result = from_torch(model, (1, 28, 28))  # doctest: +SKIP
    >>> result.network.architecture.describe(), result.output_layer  # doctest: +SKIP
    ('28x28x1 -> 4@3x3/s2/p1', "layer '3' (Linear): dense 784 -> 10")
    """
    from torch import nn

    if not isinstance(module, nn.Sequential):
        raise field_error("The 'module'", f"a torch.nn.Sequential of {SUPPORTED} layers", type(module).__name__)
    channels, height, width = check_input_shape(input_shape)
    flat_input = len(input_shape) == 1
    ops = [_op(name, layer, nn) for name, layer in _children(module)]
    return assemble(ops, (channels, height, width), f"torch.nn.{type(module).__name__}", flat_input=flat_input)


def _children(module, prefix: str = "") -> Iterator[tuple[str, object]]:
    from torch import nn

    for name, child in module.named_children():
        full = f"{prefix}{name}"
        if type(child) is nn.Sequential:
            yield from _children(child, full + ".")
        else:
            yield full, child


def _tensor(t) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def _op(name: str, layer: Any, nn) -> Op:
    kind = type(layer).__name__
    label = f"layer '{name}' ({kind})"
    # Exact types: a subclass may override forward() and compute something else.
    if type(layer) is nn.Conv2d:
        return Op("conv", label, *_conv_weights(layer, label), stride=_stride(layer, label), padding=_padding(layer, label))
    if type(layer) is nn.Linear:
        weight = as_float64(_tensor(layer.weight), label, 2)
        bias = _tensor(layer.bias) if layer.bias is not None else np.zeros(weight.shape[0])
        return Op("dense", label, weight, as_float64(bias, label, 1))
    if type(layer) is nn.ReLU:
        return Op("relu", label)
    if type(layer) is nn.Flatten:
        if layer.start_dim != 1 or layer.end_dim != -1:
            raise InvalidParameterError(
                f"The {label} must flatten all but the batch dimension (start_dim=1, end_dim=-1). "
                f"Got start_dim={layer.start_dim}, end_dim={layer.end_dim} instead.")
        return Op("flatten", label)
    raise InvalidParameterError(f"The {label} must be one of {SUPPORTED}. Got the unsupported layer {kind} instead.")


def _conv_weights(layer, label: str) -> tuple[np.ndarray, np.ndarray]:
    if layer.padding_mode != "zeros":
        raise InvalidParameterError(f"The {label} must use padding_mode='zeros'. Got {layer.padding_mode!r} instead.")
    if tuple(layer.dilation) != (1, 1):
        raise InvalidParameterError(f"The {label} must have dilation 1. Got {tuple(layer.dilation)} instead.")
    if layer.groups != 1:
        raise InvalidParameterError(f"The {label} must have groups=1. Got {layer.groups} instead.")
    weight = as_float64(_tensor(layer.weight), label, 4)
    bias = _tensor(layer.bias) if layer.bias is not None else np.zeros(weight.shape[0])
    return weight, as_float64(bias, label, 1)


def _stride(layer, label: str) -> int:
    s = tuple(layer.stride)
    if s[0] != s[1]:
        raise InvalidParameterError(f"The {label} must have the same stride in both directions. Got {s} instead.")
    return int(s[0])


def _padding(layer, label: str) -> int:
    p = layer.padding
    if p == "valid":
        return 0
    if p == "same":
        # torch pads (k - 1) // 2 before and the rest after: symmetric for odd kernels
        k = tuple(layer.kernel_size)
        if k[0] != k[1] or k[0] % 2 == 0:
            raise InvalidParameterError(
                f"The {label} must have equal zero padding on every side. Got padding='same' with kernel {k} instead.")
        return (k[0] - 1) // 2
    p = tuple(p)
    if p[0] != p[1]:
        raise InvalidParameterError(f"The {label} must have equal zero padding on every side. Got padding={p} instead.")
    return int(p[0])
