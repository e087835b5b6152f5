"""Architectures of ReLU convolutional networks (Section 2 of Xiong et al., 2020).

An :class:`Architecture` is an immutable, validated value: the input shape
``n0(1) x n0(2) x d0`` and, per hidden layer, the number of filters ``d_l``, the
kernel ``(f_l(1), f_l(2))`` and the stride ``s_l``.  The paper's networks have no
padding; zero padding is accepted as an extension (``padding`` defaults to 0 and
is then left out of the JSON form, so files stay those of the paper's format).

Beyond the paper, convolution layers may be followed by fully-connected layers
(:class:`DenseLayer`): the last convolution's output is flattened in PyTorch's
``(channels, height, width)`` order and fed to dense ReLU layers, as in most
trained CNNs.  :attr:`Architecture.is_paper_setting` tells whether an
architecture is one the paper's formulas apply to (no padding, no dense layer).

Every hidden layer is followed by a ReLU, and every hidden neuron counts for the
linear regions (Definition 1).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._validation import check_int, describe, field_error
from ..errors import InvalidParameterError

__all__ = ["MAX_SIZE", "Architecture", "ConvLayer", "DenseLayer", "InputShape"]

#: Largest size, channel count, kernel, stride or padding accepted (2^31 - 1): far
#: beyond any network whose regions can be counted, and every derived size still
#: fits a numpy array index.
MAX_SIZE = 2**31 - 1


@dataclass(frozen=True)
class InputShape:
    """Input ``height x width x channels`` (``n0(1) x n0(2) x d0``)."""

    height: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        for name in ("height", "width", "channels"):
            object.__setattr__(self, name, check_int(getattr(self, name), f"The input '{name}'", minimum=1, maximum=MAX_SIZE))

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
        object.__setattr__(self, "channels",
                           check_int(self.channels, f"The 'channels' {where}", minimum=1, maximum=MAX_SIZE))
        given: object = self.kernel
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence) or len(given) != 2:
            raise field_error(f"The 'kernel' {where}", "a list of two positive integers [f1, f2]", given)
        kernel = (check_int(given[0], f"The 'kernel' {where}", minimum=1, maximum=MAX_SIZE),
                  check_int(given[1], f"The 'kernel' {where}", minimum=1, maximum=MAX_SIZE))
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", check_int(self.stride, f"The 'stride' {where}", minimum=1, maximum=MAX_SIZE))
        object.__setattr__(self, "padding", check_int(self.padding, f"The 'padding' {where}", minimum=0, maximum=MAX_SIZE))

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


@dataclass(frozen=True)
class DenseLayer:
    """One fully-connected + ReLU layer with ``features`` neurons (``torch.nn.Linear``).

    Its input is the previous layer's output (or the input) flattened in PyTorch's
    ``(channels, height, width)`` C order.  ``index`` is the 1-based position of the
    layer, used only in error messages.
    """

    features: int
    index: int = field(default=1, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "features",
                           check_int(self.features, f"The 'features' of layer {self.index}", minimum=1, maximum=MAX_SIZE))

    @property
    def channels(self) -> int:
        """Number of neurons (the depth of the layer's ``1 x 1 x features`` output)."""
        return self.features

    def to_dict(self) -> dict[str, Any]:
        return {"type": "dense", "features": self.features}


Layer = ConvLayer | DenseLayer

_CONV_KEYS = {"type", "channels", "kernel", "stride", "padding"}


def _layer_from_dict(obj: Any, index: int) -> Layer:
    if isinstance(obj, ConvLayer):
        return ConvLayer(obj.channels, obj.kernel, obj.stride, obj.padding, index=index)
    if isinstance(obj, DenseLayer):
        return DenseLayer(obj.features, index=index)
    if not isinstance(obj, Mapping):
        raise field_error(f"Layer {index}", "an object with 'channels', 'kernel' and 'stride' "
                                            "(or 'type': 'dense' and 'features')", obj)
    kind = obj.get("type", "conv")
    if kind not in ("conv", "dense"):
        raise field_error(f"The 'type' of layer {index}", "'conv' or 'dense'", kind)
    if kind == "dense":
        unknown = sorted(set(obj) - {"type", "features"}, key=str)
        if unknown:
            raise field_error(f"Layer {index}", "a dense layer with keys 'type' and 'features'", unknown[0])
        if "features" not in obj:
            raise InvalidParameterError(f"The 'features' of layer {index} is missing.")
        return DenseLayer(obj["features"], index=index)
    unknown = sorted(set(obj) - _CONV_KEYS, key=str)
    if unknown:
        raise field_error(f"Layer {index}", "an object with keys 'channels', 'kernel', 'stride' (and optional 'padding')",
                          unknown[0])
    for key in ("channels", "kernel"):
        if key not in obj:
            raise InvalidParameterError(f"The '{key}' of layer {index} is missing.")
    return ConvLayer(obj["channels"], obj["kernel"], obj.get("stride", 1), obj.get("padding", 0), index=index)


@dataclass(frozen=True, init=False)
class Architecture:
    """A ReLU CNN architecture: an input shape, hidden convolution layers, then
    optionally hidden fully-connected layers.

    Construction validates everything, including that every kernel fits its
    input (Lemma 1) and that no convolution follows a dense layer, so an invalid
    architecture cannot exist.

    Parameters
    ----------
    input : InputShape or mapping
        ``{"height": H, "width": W, "channels": C}``.
    layers : sequence of ConvLayer, DenseLayer or mappings
        ``{"channels": d, "kernel": [f1, f2], "stride": s}`` (optionally
        ``"padding": p`` and ``"type": "conv"``) per convolution layer, then
        ``{"type": "dense", "features": n}`` per fully-connected layer.

    Examples
    --------
    >>> arch = Architecture({"height": 1, "width": 3, "channels": 1},
    ...                     [{"channels": 2, "kernel": [1, 2], "stride": 1}])
    >>> arch.shapes
    ((1, 3, 1), (1, 2, 2))
    >>> arch.n_neurons, arch.n_parameters
    (4, 6)
    >>> Architecture({"height": 4, "width": 4, "channels": 1},
    ...              [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1},
    ...               {"type": "dense", "features": 5}]).describe()
    '4x4x1 -> 2@3x3/s2/p1 -> fc5'
    """

    input: InputShape
    layers: tuple[Layer, ...]

    def __init__(self, input: InputShape | Mapping[str, Any],
                 layers: Sequence[Layer | Mapping[str, Any]]) -> None:
        # Mappings are accepted and converted (validated) into the frozen field types.
        object.__setattr__(self, "input", input)
        object.__setattr__(self, "layers", layers)
        self.__post_init__()

    def __post_init__(self) -> None:
        inp: object = self.input
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
        layers: object = self.layers
        if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence) or len(layers) == 0:
            raise field_error("The 'layers'", "a non-empty list of layers", layers)
        layers = tuple(_layer_from_dict(layer, i + 1) for i, layer in enumerate(layers))
        object.__setattr__(self, "input", inp)
        object.__setattr__(self, "layers", layers)
        h, w = inp.height, inp.width
        shapes = [(h, w, inp.channels)]
        dense = False
        for layer in layers:
            if isinstance(layer, DenseLayer):
                dense = True
                h, w = 1, 1
            elif dense:
                raise InvalidParameterError(
                    f"Layer {layer.index} must be a dense layer: convolutions come before the fully-connected "
                    f"layers. Got a convolution after a dense layer instead.")
            else:
                h, w = layer.output_hw(h, w)
            shapes.append((h, w, layer.channels))
        object.__setattr__(self, "_shapes", tuple(shapes))

    # -- derived sizes -------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, int, int], ...]:
        """Lemma 1: ``(n_l(1), n_l(2), d_l)`` for l = 0 (input), 1, ..., L.

        A dense layer of ``n`` features has shape ``(1, 1, n)`` (Example 5's view
        of a fully-connected layer).
        """
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
        """Lemma 4: ``sum_l (f_l(1) f_l(2) d_{l-1} d_l + d_l)``; a dense layer has
        ``features * in_features + features``."""
        return sum(math.prod(shape) + shape[0] for shape in self.weight_shapes())

    @property
    def has_padding(self) -> bool:
        """True if some layer uses zero padding (outside the paper's setting)."""
        return any(isinstance(layer, ConvLayer) and layer.padding for layer in self.layers)

    @property
    def has_dense(self) -> bool:
        """True if the architecture ends in fully-connected layers (outside the paper's setting)."""
        return any(isinstance(layer, DenseLayer) for layer in self.layers)

    @property
    def is_paper_setting(self) -> bool:
        """True iff the paper's formulas apply: convolutions only, none padded.

        Padding and dense layers are extensions of this package; the theory
        functions refuse architectures for which this is False.
        """
        return not (self.has_padding or self.has_dense)

    def weight_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Shapes of the weights: ``(d_l, d_{l-1}, f1, f2)`` for a convolution
        (``torch.nn.Conv2d.weight``), ``(features, in_features)`` for a dense layer
        (``torch.nn.Linear.weight``, ``in_features`` the flattened previous output)."""
        out: list[tuple[int, ...]] = []
        for (h, w, prev), layer in zip(self.shapes, self.layers):
            if isinstance(layer, DenseLayer):
                out.append((layer.features, h * w * prev))
            else:
                out.append((layer.channels, prev, *layer.kernel))
        return tuple(out)

    # -- (de)serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input.to_dict(), "layers": [layer.to_dict() for layer in self.layers]}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, obj: Any) -> Architecture:
        """Build from the JSON object form (see docs/formats.md)."""
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
        """Build from JSON text; malformed, too deeply nested or oversized JSON is one clear error."""
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidParameterError(f"The architecture must be valid JSON. Got a syntax error instead: {exc}.") from None
        except RecursionError:
            raise InvalidParameterError(
                "The architecture must be JSON nested a few levels deep. Got nesting too deep to parse instead.") from None
        except ValueError as exc:  # an integer of more than sys.get_int_max_str_digits() digits
            digits = re.search(r"has (\d+) digits", str(exc))
            got = f"a number of {digits.group(1)} digits" if digits else "a number too long to read"
            raise InvalidParameterError(
                f"The architecture must hold numbers of at most {len(str(MAX_SIZE))} digits. Got {got} instead.") from None
        return cls.from_dict(obj)

    def describe(self) -> str:
        """One-line human-readable summary, e.g. ``1x3x1 -> 2@1x2/s1`` or ``28x28x1 -> 4@3x3/s2/p1 -> fc32``."""
        parts = [f"{self.input.height}x{self.input.width}x{self.input.channels}"]
        for layer in self.layers:
            if isinstance(layer, DenseLayer):
                parts.append(f"fc{layer.features}")
                continue
            text = f"{layer.channels}@{layer.kernel[0]}x{layer.kernel[1]}/s{layer.stride}"
            if layer.padding:
                text += f"/p{layer.padding}"
            parts.append(text)
        return " -> ".join(parts)
