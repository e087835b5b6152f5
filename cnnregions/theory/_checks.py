"""Checks shared by the theory functions: which architectures a result applies to.

Every result of the paper is stated for CNNs made of convolutions without
padding (no fully-connected layers); some only for one hidden layer.  A function that does not apply raises
:class:`~cnnregions.errors.InvalidParameterError` with a message naming the
result and the reason, in the package's one error format.
"""

from __future__ import annotations

import numbers

from .._validation import field_error
from ..errors import InvalidParameterError
from ..models.architecture import Architecture, ConvLayer

__all__ = ["check_architecture", "check_count", "conv_layers", "paper_setting_problem", "require_one_layer",
           "require_paper_setting"]


def check_architecture(arch: object, what: str = "The 'architecture'") -> Architecture:
    """Return ``arch`` if it is an :class:`Architecture`, else raise."""
    if not isinstance(arch, Architecture):
        raise field_error(what, "an Architecture", arch)
    return arch


def check_count(value: object, field: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum`` (no bools, no floats)."""
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise field_error(field, kind, value)
    return int(value)


def paper_setting_problem(arch: Architecture) -> str | None:
    """What takes ``arch`` outside the paper's setting (padding, a fully-connected layer), or None."""
    for layer in check_architecture(arch).layers:
        if not isinstance(layer, ConvLayer):
            return f"a fully-connected layer {layer.index}"
        if layer.padding:
            return f"padding {layer.padding} in layer {layer.index}"
    return None


def require_paper_setting(arch: Architecture, result: str) -> Architecture:
    """Raise unless every layer of ``arch`` is an unpadded convolution (the paper's setting)."""
    problem = paper_setting_problem(arch)
    if problem:
        raise InvalidParameterError(
            f"{result} applies to convolution layers without padding (the paper's setting). Got {problem} instead.")
    return arch


def require_one_layer(arch: Architecture, result: str) -> Architecture:
    """Raise unless ``arch`` has exactly one hidden layer, an unpadded convolution."""
    check_architecture(arch)
    if arch.depth != 1:
        raise InvalidParameterError(
            f"{result} applies to one-layer networks only. Got {arch.depth} hidden layers instead.")
    return require_paper_setting(arch, result)


def conv_layers(arch: Architecture) -> tuple[ConvLayer, ...]:
    """The layers of ``arch`` as convolutions (raise if one is fully connected)."""
    layers = check_architecture(arch).layers
    for layer in layers:
        if not isinstance(layer, ConvLayer):
            raise InvalidParameterError(
                f"The layers must be convolutions here. Got a fully-connected layer {layer.index} instead.")
    return layers  # type: ignore[return-value]  # every layer was just checked to be a ConvLayer
