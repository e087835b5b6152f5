"""Theorem 6 and Section 5: regions per parameter of different architectures.

Section 5.1 (deep vs shallow CNNs).  ``N1`` is an ``L``-layer CNN on an
``n0(1) x n0(2) x d0`` input with ``d`` filters in every layer; ``N2`` is a one-layer
CNN on the same input with ``L d^2`` filters.  Both have ``Theta(L d^2)`` parameters
(Lemma 4).  Theorem 6 states, as ``d -> infinity`` (filter sizes and ``d0`` fixed),

    R_{N1} / #params(N1) = Omega( (1/L) (d/d0)^(d0 sum_{l=1}^{L-1} n_l(1) n_l(2) - 2) ),
    R_{N2} / #params(N2) = O( (L d^2)^(d0 n0(1) n0(2) - 1) ),

the first from Theorem 5's lower bound, the second from Theorem 3.  The paper then
sets stride 1, ``1x1`` filters and an ``n x n`` input, so every ``n_l = n`` and the
rates become ``(1/L)(d/d0)^(d0 (L-1) n^2 - 2)`` and ``(L d^2)^(d0 n^2 - 1)``.

Section 5.2 (CNNs vs fully-connected networks).  ``N3`` is an ``L``-layer
fully-connected network with ``n^2 d0`` inputs and ``d`` neurons per layer
(``Theta(L d^2)`` parameters as well).  By eq. (6), Theorem 5 and eq. (10):
``R_{N1} = Omega((d/d0)^(L d0 n^2))``, ``R_{N3} = O((d^(n^2 d0) / (n^2 d0)!)^L)``, so

    R_{N1} / R_{N3} = Omega( ((n^2 d0)!)^L / d0^(L d0 n^2) ),

which eq. (11) writes, by Stirling's formula, as ``(sqrt(2 pi n^2 d0))^L (n^2/e)^(L d0 n^2)``.

The asymptotic rates hide constants, so this module also makes the comparisons
concrete for given sizes: exact parameter counts (Lemma 4), Theorem 5's lower
bound for ``N1``, eq. (4) for ``N2`` (an upper bound on ``R_{N2,theta}`` for every
``theta``) and eq. (10)'s upper bound for ``N3``, and their exact ratios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ._checks import check_count, require_one_layer, require_paper_setting
from .multilayer import fully_connected_architecture, theorem5, theorem5_lower
from .one_layer import eq4

__all__ = [
    "CnnVsFullyConnected", "DeepVsShallow", "cnn_vs_fully_connected", "deep_vs_shallow",
    "section52_ratio_rate", "theorem6_deep_rate", "theorem6_shallow_rate",
]


def theorem6_deep_rate(arch: Architecture) -> Fraction:
    """Theorem 6's rate for ``N1``: ``(1/L) (d/d0)^(d0 sum_{l=1}^{L-1} n_l(1) n_l(2) - 2)``.

    ``R_{N1} / #params(N1)`` is ``Omega`` of this as ``d -> infinity``.

    Raises
    ------
    InvalidParameterError
        Unless every layer has the same number of filters ``d >= d0`` and no padding.
    """
    require_paper_setting(arch, "Theorem 6")
    widths = {layer.channels for layer in arch.layers}
    d0 = arch.input.channels
    if len(widths) != 1 or min(widths) < d0:
        raise InvalidParameterError(
            f"Theorem 6 applies to layers with one common number of filters d >= d0 = {d0}. "
            f"Got {[layer.channels for layer in arch.layers]} instead.")
    d = widths.pop()
    exponent = d0 * sum(h * w for h, w, _ in arch.shapes[1:-1]) - 2
    return Fraction(1, arch.depth) * Fraction(d, d0) ** exponent


def theorem6_shallow_rate(arch: Architecture) -> Fraction:
    """Theorem 6's rate for a one-layer ``N2`` with ``D`` filters: ``D^(n0(1) n0(2) d0 - 1)``.

    ``R_{N2} / #params(N2)`` is ``O`` of this as ``D -> infinity`` (from Theorem 3).
    """
    require_one_layer(arch, "Theorem 6's shallow rate")
    return Fraction(arch.layers[0].channels) ** (arch.input_dim - 1)


def section52_ratio_rate(n: int, d0: int, depth: int) -> Fraction:
    """Section 5.2: ``R_{N1} / R_{N3} = Omega( ((n^2 d0)!)^L / d0^(L d0 n^2) )``.

    This is eq. (11) before Stirling's formula turns it into
    ``(sqrt(2 pi n^2 d0))^L (n^2/e)^(L d0 n^2)``.
    """
    n = check_count(n, "The input size 'n'", minimum=1)
    d0 = check_count(d0, "The input channels 'd0'", minimum=1)
    depth = check_count(depth, "The number of layers 'depth'", minimum=1)
    m = n * n * d0
    return Fraction(math.factorial(m) ** depth, d0 ** (depth * m))


def _cnn(n: int, d0: int, widths: list[int], kernel: int) -> Architecture:
    return Architecture({"height": n, "width": n, "channels": d0},
                        [{"channels": w, "kernel": [kernel, kernel], "stride": 1} for w in widths])


def _check_sizes(n: int, d0: int, d: int, depth: int, kernel: int) -> tuple[int, int, int, int, int]:
    n = check_count(n, "The input size 'n'", minimum=1)
    d0 = check_count(d0, "The input channels 'd0'", minimum=1)
    d = check_count(d, "The number of filters 'd'", minimum=1)
    depth = check_count(depth, "The number of layers 'depth'", minimum=1)
    kernel = check_count(kernel, "The 'kernel'", minimum=1)
    if d < d0:
        raise InvalidParameterError(f"The number of filters 'd' must be at least d0 = {d0} (Theorem 5). Got {d} instead.")
    if (kernel - 1) * depth >= n:
        raise InvalidParameterError(
            f"The input size 'n' must exceed depth * (kernel - 1) = {depth * (kernel - 1)} so that every "
            f"layer has an output. Got {n} instead.")
    return n, d0, d, depth, kernel


@dataclass(frozen=True)
class DeepVsShallow:
    """Section 5.1 for concrete sizes (all counts exact).

    Attributes
    ----------
    deep, shallow : Architecture
        ``N1`` (``L`` layers of ``d`` filters) and ``N2`` (one layer of ``L d^2`` filters).
    deep_parameters, shallow_parameters : int
        Lemma 4.
    deep_lower : int
        Theorem 5's lower bound on ``R_{N1}``.
    shallow_max : int
        Eq. (4) for ``N2``: the paper's ``R_{N2}``, an upper bound for every ``theta``.
    deep_lower_per_parameter, shallow_max_per_parameter : Fraction
        The two quantities Theorem 6 compares.
    deep_rate, shallow_rate : Fraction
        Theorem 6's asymptotic expressions at these sizes.
    deep_wins : bool
        ``deep_lower_per_parameter > shallow_max_per_parameter``: the deep net
        provably has more regions per parameter at these sizes.
    """

    deep: Architecture
    shallow: Architecture
    deep_parameters: int
    shallow_parameters: int
    deep_lower: int
    shallow_max: int
    deep_lower_per_parameter: Fraction
    shallow_max_per_parameter: Fraction
    deep_rate: Fraction
    shallow_rate: Fraction
    deep_wins: bool


def deep_vs_shallow(n: int, d0: int, d: int, depth: int, kernel: int = 1, *,
                    max_states: int | None = None) -> DeepVsShallow:
    """Deep vs shallow CNN of Section 5.1 / Theorem 6 with concrete sizes.

    Parameters
    ----------
    n, d0 : int
        Input ``n x n x d0``.
    d, depth : int
        ``N1`` has ``depth`` layers of ``d >= d0`` filters; ``N2`` one layer of ``depth d^2``.
    kernel : int
        Filters ``kernel x kernel``, stride 1, in both networks (1 in the paper's example).
    max_states : int, optional
        Budget of eq. (4) (only two-dimensional kernels need it).
    """
    n, d0, d, depth, kernel = _check_sizes(n, d0, d, depth, kernel)
    deep = _cnn(n, d0, [d] * depth, kernel)
    shallow = _cnn(n, d0, [depth * d * d], kernel)
    deep_lower = theorem5_lower(deep, max_states=max_states)
    shallow_max = eq4(shallow, max_states=max_states)
    deep_pp = Fraction(deep_lower, deep.n_parameters)
    shallow_pp = Fraction(shallow_max, shallow.n_parameters)
    return DeepVsShallow(deep, shallow, deep.n_parameters, shallow.n_parameters, deep_lower, shallow_max,
                         deep_pp, shallow_pp, theorem6_deep_rate(deep), theorem6_shallow_rate(shallow),
                         deep_pp > shallow_pp)


@dataclass(frozen=True)
class CnnVsFullyConnected:
    """Section 5.2 for concrete sizes (all counts exact).

    Attributes
    ----------
    cnn, fully_connected : Architecture
        ``N1`` and ``N3`` (``n^2 d0`` inputs, ``depth`` layers of ``d`` neurons).
    cnn_parameters, fc_parameters : int
        Lemma 4.
    cnn_lower : int
        Theorem 5's lower bound on ``R_{N1}``.
    fc_upper : int
        Eq. (10)'s upper bound on ``R_{N3}`` (Theorem 5's upper bound on a ``1x1`` input).
    ratio_lower : Fraction
        ``cnn_lower / fc_upper``: a lower bound on ``R_{N1} / R_{N3}``.
    per_parameter_ratio_lower : Fraction
        The same for regions per parameter.
    paper_rate : Fraction
        :func:`section52_ratio_rate` at these sizes.
    cnn_wins : bool
        ``ratio_lower > 1``.
    """

    cnn: Architecture
    fully_connected: Architecture
    cnn_parameters: int
    fc_parameters: int
    cnn_lower: int
    fc_upper: int
    ratio_lower: Fraction
    per_parameter_ratio_lower: Fraction
    paper_rate: Fraction
    cnn_wins: bool


def cnn_vs_fully_connected(n: int, d0: int, d: int, depth: int, kernel: int = 1, *,
                           max_states: int | None = None) -> CnnVsFullyConnected:
    """CNN vs fully-connected network of Section 5.2 with concrete sizes.

    Parameters are those of :func:`deep_vs_shallow`; the fully-connected network has
    ``n^2 d0`` inputs and ``depth`` hidden layers of ``d`` neurons.
    """
    n, d0, d, depth, kernel = _check_sizes(n, d0, d, depth, kernel)
    cnn = _cnn(n, d0, [d] * depth, kernel)
    fc = fully_connected_architecture(n * n * d0, [d] * depth)
    cnn_lower = theorem5_lower(cnn, max_states=max_states)
    fc_upper = theorem5(fc).upper
    ratio = Fraction(cnn_lower, fc_upper)
    per_parameter = ratio * Fraction(fc.n_parameters, cnn.n_parameters)
    return CnnVsFullyConnected(cnn, fc, cnn.n_parameters, fc.n_parameters, cnn_lower, fc_upper, ratio,
                               per_parameter, section52_ratio_rate(n, d0, depth), ratio > 1)
