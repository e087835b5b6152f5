"""Architectures of ReLU convolutional networks (Section 2 of Xiong et al., 2020).

An :class:`Architecture` is an immutable, validated value: the input shape
``n0(1) x n0(2) x d0`` and, per hidden layer, the number of filters ``d_l``, the
kernel ``(f_l(1), f_l(2))`` and the stride ``s_l``.  The paper's networks have no
padding; zero padding is accepted as an extension (``padding`` defaults to 0 and
is then left out of the JSON form, so files stay those of the paper's format).

Every hidden layer is followed by a ReLU, and every hidden neuron counts for the
linear regions (Definition 1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._validation import InvalidParameterError, check_int, describe, field_error

__all__ = ["Architecture", "ConvLayer", "InputShape"]


@dataclass(frozen=True)
class InputShape:
    """Input ``height x width x channels`` (``n0(1) x n0(2) x d0``)."""

    height: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        for name in ("height", "width", "channels"):
            object.__setattr__(self, name, check_int(getattr(self, name), f"The input '{name}'", minimum=1))

    @property
    def size(self) -> int:
        """Number of input coordinates ``n0(1) n0(2) d0``."""
        return self.height * self.width * self.channels

    def to_dict(self) -> dict[str, int]:
        return {"height": self.height, "width": self.width, "channels": self.channels}


@dataclass(frozen=True)
class ConvLayer:
    """One convolution + ReLU layer: ``channels`` filters of size ``kernel``, ``stride``.

    ``padding`` is zero padding on every side (0 in the paper).  ``index`` is the
    1-based position of the layer, used only in error messages.
    """

    channels: int
    kernel: tuple[int, int]
    stride: int = 1
    padding: int = 0
    index: int = field(default=1, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"of layer {self.index}"
        object.__setattr__(self, "channels", check_int(self.channels, f"The 'channels' {where}", minimum=1))
        kernel = self.kernel
        if isinstance(kernel, (str, bytes)) or not isinstance(kernel, Sequence) or len(kernel) != 2:
            raise field_error(f"The 'kernel' {where}", "a list of two positive integers [f1, f2]", kernel)
        kernel = tuple(check_int(k, f"The 'kernel' {where}", minimum=1) for k in kernel)
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", check_int(self.stride, f"The 'stride' {where}", minimum=1))
        object.__setattr__(self, "padding", check_int(self.padding, f"The 'padding' {where}", minimum=0))

    def output_hw(self, height: int, width: int) -> tuple[int, int]:
        """Lemma 1: ``n_l = floor((n_{l-1} + 2 p - f_l) / s_l) + 1`` in each direction."""
        out = []
        for n, f, axis in ((height, self.kernel[0], "height"), (width, self.kernel[1], "width")):
            span = n + 2 * self.padding
            if f > span:
                raise InvalidParameterError(
                    f"The 'kernel' of layer {self.index} must fit in its input of {axis} {span}. "
                    f"Got {describe(list(self.kernel))} instead."
                )
            out.append((span - f) // self.stride + 1)
        return out[0], out[1]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"channels": self.channels, "kernel": list(self.kernel), "stride": self.stride}
        if self.padding:
            d["padding"] = self.padding
        return d


def _layer_from_dict(obj: Any, index: int) -> ConvLayer:
    if isinstance(obj, ConvLayer):
        return ConvLayer(obj.channels, obj.kernel, obj.stride, obj.padding, index=index)
    if not isinstance(obj, Mapping):
        raise field_error(f"Layer {index}", "an object with 'channels', 'kernel' and 'stride'", obj)
    unknown = sorted(set(obj) - {"channels", "kernel", "stride", "padding"}, key=str)
    if unknown:
        raise field_error(f"Layer {index}", "an object with keys 'channels', 'kernel', 'stride' (and optional 'padding')",
                          unknown[0])
    for key in ("channels", "kernel"):
        if key not in obj:
            raise InvalidParameterError(f"The '{key}' of layer {index} is missing.")
    return ConvLayer(obj["channels"], obj["kernel"], obj.get("stride", 1), obj.get("padding", 0), index=index)


@dataclass(frozen=True)
class Architecture:
    """A ReLU CNN architecture: an input shape and hidden convolution layers.

    Construction validates everything, including that every kernel fits its
    input (Lemma 1), so an invalid architecture cannot exist.

    Parameters
    ----------
    input : InputShape or mapping
        ``{"height": H, "width": W, "channels": C}``.
    layers : sequence of ConvLayer or mappings
        ``{"channels": d, "kernel": [f1, f2], "stride": s}`` per hidden layer.

    Examples
    --------
    >>> arch = Architecture({"height": 1, "width": 3, "channels": 1},
    ...                     [{"channels": 2, "kernel": [1, 2], "stride": 1}])
    >>> arch.shapes
    ((1, 3, 1), (1, 2, 2))
    >>> arch.n_neurons, arch.n_parameters
    (4, 6)
    """

    input: InputShape
    layers: tuple[ConvLayer, ...]

    def __post_init__(self) -> None:
        inp = self.input
        if isinstance(inp, Mapping):
            missing = [k for k in ("height", "width", "channels") if k not in inp]
            if missing:
                raise InvalidParameterError(f"The input '{missing[0]}' is missing.")
            unknown = sorted(set(inp) - {"height", "width", "channels"}, key=str)
            if unknown:
                raise field_error("The 'input'", "an object with keys 'height', 'width' and 'channels'", unknown[0])
            inp = InputShape(inp["height"], inp["width"], inp["channels"])
        elif not isinstance(inp, InputShape):
            raise field_error("The 'input'", "an object with 'height', 'width' and 'channels'", inp)
        layers = self.layers
        if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence) or len(layers) == 0:
            raise field_error("The 'layers'", "a non-empty list of layers", layers)
        layers = tuple(_layer_from_dict(layer, i + 1) for i, layer in enumerate(layers))
        object.__setattr__(self, "input", inp)
        object.__setattr__(self, "layers", layers)
        h, w = inp.height, inp.width
        shapes = [(h, w, inp.channels)]
        for layer in layers:
            h, w = layer.output_hw(h, w)
            shapes.append((h, w, layer.channels))
        object.__setattr__(self, "_shapes", tuple(shapes))

    # -- derived sizes -------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, int, int], ...]:
        """Lemma 1: ``(n_l(1), n_l(2), d_l)`` for l = 0 (input), 1, ..., L."""
        return self._shapes  # type: ignore[attr-defined]

    @property
    def depth(self) -> int:
        """Number of hidden layers L."""
        return len(self.layers)

    @property
    def input_dim(self) -> int:
        """Dimension of the input space, ``n0(1) n0(2) d0``."""
        return self.input.size

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Number of neurons of each hidden layer, ``n_l(1) n_l(2) d_l``."""
        return tuple(h * w * c for h, w, c in self.shapes[1:])

    @property
    def n_neurons(self) -> int:
        """Total number of hidden neurons (the exponent of Lemma 2)."""
        return sum(self.layer_sizes)

    @property
    def n_parameters(self) -> int:
        """Lemma 4: ``sum_l (f_l(1) f_l(2) d_{l-1} d_l + d_l)``."""
        total = 0
        prev = self.input.channels
        for layer in self.layers:
            total += layer.kernel[0] * layer.kernel[1] * prev * layer.channels + layer.channels
            prev = layer.channels
        return total

    @property
    def has_padding(self) -> bool:
        """True if some layer uses zero padding (outside the paper's setting)."""
        return any(layer.padding for layer in self.layers)

    def weight_shapes(self) -> tuple[tuple[int, int, int, int], ...]:
        """Shapes ``(d_l, d_{l-1}, f1, f2)`` of the weights (``torch.nn.Conv2d`` layout)."""
        out = []
        prev = self.input.channels
        for layer in self.layers:
            out.append((layer.channels, prev, *layer.kernel))
            prev = layer.channels
        return tuple(out)

    # -- (de)serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input.to_dict(), "layers": [layer.to_dict() for layer in self.layers]}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, obj: Any) -> Architecture:
        """Build from the JSON object form (see the README's file formats)."""
        if not isinstance(obj, Mapping):
            raise field_error("The architecture", "a JSON object with 'input' and 'layers'", obj)
        for key in ("input", "layers"):
            if key not in obj:
                raise InvalidParameterError(f"The architecture's '{key}' is missing.")
        unknown = sorted(set(obj) - {"input", "layers"}, key=str)
        if unknown:
            raise field_error("The architecture", "a JSON object with keys 'input' and 'layers'", unknown[0])
        return cls(obj["input"], obj["layers"])

    @classmethod
    def from_json(cls, text: str) -> Architecture:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidParameterError(f"The architecture must be valid JSON. Got a syntax error instead: {exc}.") from None
        return cls.from_dict(obj)

    def describe(self) -> str:
        """One-line human-readable summary, e.g. ``1x3x1 -> 2@1x2/s1``."""
        parts = [f"{self.input.height}x{self.input.width}x{self.input.channels}"]
        for layer in self.layers:
            text = f"{layer.channels}@{layer.kernel[0]}x{layer.kernel[1]}/s{layer.stride}"
            if layer.padding:
                text += f"/p{layer.padding}"
            parts.append(text)
        return " -> ".join(parts)
