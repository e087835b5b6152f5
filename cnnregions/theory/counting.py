"""Counting results for one layer: Lemma 2, Theorem 1, Examples 1-3, Theorem 3.

All values are exact Python integers.
"""

from __future__ import annotations

import math

from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ._checks import check_architecture, check_count, conv_layers, require_one_layer
from .budget import check_result_bits, check_work
from .fields import used_inputs

__all__ = [
    "example1", "example2", "example3", "is_full_size", "is_pointwise", "lemma2", "theorem1",
    "theorem1_bound", "theorem3_exponent",
]


def lemma2(arch: Architecture) -> int:
    """Lemma 2: ``R_N <= 2 ** (number of hidden neurons)``.

    Valid for every ReLU network, whatever its depth, padding or fully-connected layers.
    """
    n = check_architecture(arch).n_neurons
    check_result_bits(n, "Lemma 2's 2^neurons")
    return 2 ** n


def theorem1(n0: int, n1: int) -> int:
    """Theorem 1: a fully-connected layer, ``n0`` inputs, ``n1`` neurons in general position.

    ``R = sum_{i=0}^{n0} C(n1, i)`` (Zaslavsky's count for ``n1`` hyperplanes in
    general position in ``R^{n0}``); for any weights it is an upper bound.

    Examples
    --------
    >>> theorem1(3, 4)  # Table 1, second row, d1 = 2
    15
    """
    n0 = check_count(n0, "The input dimension 'n0'", minimum=1)
    n1 = check_count(n1, "The number of neurons 'n1'", minimum=0)
    top = min(n0, n1)
    check_result_bits(n1, "Theorem 1's sum of binomials")
    check_work(4 * top * (n1 // 64 + 1), "Theorem 1's sum of binomials")  # a multiplication and a division per term
    total, term = 1, 1  # C(n1, 0); then C(n1, i + 1) = C(n1, i) (n1 - i) / (i + 1), exactly
    for i in range(top):
        term = term * (n1 - i) // (i + 1)
        total += term
    return total


def theorem1_bound(arch: Architecture) -> int:
    """Theorem 1 applied to a one-layer CNN seen as a fully-connected layer.

    The layer has ``n0 = n0(1) n0(2) d0`` inputs and ``n1 = n1(1) n1(2) d1``
    neurons, so ``R_{N,theta} <= sum_{i <= n0} C(n1, i)``: Table 1's second row
    ("Upper bounds by Theorem 1").  Holds for every ``theta`` of every one-layer
    network (also a padded convolution or a fully-connected layer).

    Raises
    ------
    InvalidParameterError
        If ``arch`` has more than one hidden layer.
    """
    check_architecture(arch)
    if arch.depth != 1:
        raise InvalidParameterError(
            f"Theorem 1 applies to one-layer networks only. Got {arch.depth} hidden layers instead.")
    return theorem1(arch.input_dim, arch.n_neurons)


def example1(d1: int) -> int:
    """Example 1 (Table 1, first row): input ``1x3x1``, ``d1`` filters ``1x2``, stride 1.

    ``R_N = d1^3 + d1^2 + d1 + 1``, the closed form of eq. (4) for this network.
    """
    d1 = check_count(d1, "The number of filters 'd1'", minimum=1)
    return d1 ** 3 + d1 ** 2 + d1 + 1


def is_full_size(arch: Architecture) -> bool:
    """True for a one-layer CNN whose filters cover the whole input (Example 2)."""
    require_one_layer(arch, "Example 2")
    return tuple(conv_layers(arch)[0].kernel) == (arch.input.height, arch.input.width)


def example2(arch: Architecture) -> int:
    """Example 2: full-size filters make the CNN a fully-connected layer.

    With ``f(1) = n0(1)`` and ``f(2) = n0(2)`` there is one output position, and
    eq. (4) reduces to Theorem 1 with ``d = n0(1) n0(2) d0`` inputs and ``d1`` neurons:
    ``R_N = sum_{k=0}^{d} C(d1, k)``.

    Raises
    ------
    InvalidParameterError
        If the filters are not full-size (or ``arch`` is not a one-layer CNN).
    """
    if not is_full_size(arch):
        raise InvalidParameterError(
            "Example 2 applies to filters of the input's full size "
            f"{arch.input.height}x{arch.input.width}. Got {list(conv_layers(arch)[0].kernel)} instead.")
    return theorem1(arch.input_dim, arch.layers[0].channels)


def is_pointwise(arch: Architecture) -> bool:
    """True for a one-layer CNN with ``1x1`` filters and stride 1 (Example 3)."""
    require_one_layer(arch, "Example 3")
    layer = conv_layers(arch)[0]
    return tuple(layer.kernel) == (1, 1) and layer.stride == 1


def example3(arch: Architecture) -> int:
    """Example 3: ``1x1`` filters, stride 1.

    Every ``S_{i,j}`` is the ``d0`` channels of one pixel, disjoint from the others,
    so ``K_N`` is a box and ``R_N = (sum_{t=0}^{d0} C(d1, t)) ** (n1(1) n1(2))``.

    Raises
    ------
    InvalidParameterError
        If the filters are not ``1x1`` with stride 1.
    """
    if not is_pointwise(arch):
        layer = conv_layers(arch)[0]
        raise InvalidParameterError(
            "Example 3 applies to 1x1 filters with stride 1. "
            f"Got kernel {list(layer.kernel)} and stride {layer.stride} instead.")
    (_, _, d0), (n1, n2, d1) = arch.shapes
    return sum(math.comb(d1, t) for t in range(d0 + 1)) ** (n1 * n2)


def theorem3_exponent(arch: Architecture) -> int:
    """Theorem 3: ``R_N = Theta(d1 ** E)`` as ``d1 -> infinity``, with ``E = |U S_{i,j}|``.

    ``E`` is the number of input coordinates seen by some filter position:
    ``n0(1) n0(2) d0`` (eq. (7)) when the filters cover the whole input.
    """
    require_one_layer(arch, "Theorem 3")
    return used_inputs(arch)
