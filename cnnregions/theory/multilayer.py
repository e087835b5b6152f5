"""Theorem 5 (bounds for L-layer CNNs) and Example 5 (fully-connected networks).

Theorem 5, for a CNN with ``L`` hidden layers, shapes ``n_l(1) x n_l(2) x d_l``:

(i) lower bound, assuming ``d_l >= d0`` for every ``l``:

    R_N >= R_{N'} * prod_{l=1}^{L-1} floor(d_l / d0) ** (n_l(1) n_l(2) d0),

where ``N'`` is the one-layer CNN with input ``n_{L-1}(1) x n_{L-1}(2) x d0`` and
``d_L`` filters ``f_L(1) x f_L(2) x d0``, stride ``s_L`` (``R_{N'}`` by eq. (4));

(ii) upper bound:

    R_N <= R_{N''} * prod_{l=2}^{L} sum_{i=0}^{n0(1) n0(2) d0} C(n_l(1) n_l(2) d_l, i),

where ``N''`` is the first layer alone (``R_{N''}`` by eq. (4)).

The paper's Table 2 prints a different upper row: its inner sums run to the
input dimension of layer ``l``, ``n_{l-1}(1) n_{l-1}(2) d_{l-1}``, instead of
``n0(1) n0(2) d0`` (e.g. 3520 instead of 3135 for Example 4 with ``d2 = 3``).
:func:`theorem5_upper` is the theorem as printed; :func:`theorem5_upper_table2` is
the table's variant.  Both are valid upper bounds on ``R_{N,theta}`` for every
``theta`` (each later layer cuts every region of the layers before it with at
most ``n_l(1) n_l(2) d_l`` hyperplanes, in a region of dimension at most the
smaller of the two numbers), so they do not need the assumption ``d_l >= d0``.
The lower bound does, and it uses eq. (4) for ``R_{N'}``: where eq. (4) is above
the true maximum (two-dimensional filters, see NOTES.md) the lower bound is the
paper's statement, not a certified value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ._checks import check_count, conv_layers, require_paper_setting
from .budget import check_result_bits
from .counting import theorem1
from .one_layer import eq4

__all__ = [
    "Example5", "Theorem5", "example5", "fully_connected_architecture", "theorem5", "theorem5_lower",
    "theorem5_lower_applies", "theorem5_n_double_prime", "theorem5_n_prime", "theorem5_upper",
    "theorem5_upper_table2",
]


def theorem5_n_prime(arch: Architecture) -> Architecture:
    """Theorem 5's ``N'``: input ``n_{L-1}(1) x n_{L-1}(2) x d0``, the last layer's filters on ``d0`` channels."""
    require_paper_setting(arch, "Theorem 5")
    h, w, _ = arch.shapes[-2]
    last = conv_layers(arch)[-1]
    return Architecture({"height": h, "width": w, "channels": arch.input.channels},
                        [{"channels": last.channels, "kernel": list(last.kernel), "stride": last.stride}])


def theorem5_n_double_prime(arch: Architecture) -> Architecture:
    """Theorem 5's ``N''``: the first hidden layer alone."""
    require_paper_setting(arch, "Theorem 5")
    return Architecture(arch.input, [arch.layers[0].to_dict()])


def theorem5_lower_applies(arch: Architecture) -> str | None:
    """``None`` if Theorem 5's lower bound applies to ``arch``, else the reason it does not."""
    require_paper_setting(arch, "Theorem 5")
    d0 = arch.input.channels
    for layer in arch.layers:
        if layer.channels < d0:
            return (f"Theorem 5's lower bound assumes d_l >= d0 = {d0} for every layer. "
                    f"Got d_{layer.index} = {layer.channels} instead.")
    return None


def _lower_factors(arch: Architecture) -> tuple[int, ...]:
    d0 = arch.input.channels
    return tuple((d // d0) ** (h * w * d0) for h, w, d in arch.shapes[1:-1])


def _upper_factors(arch: Architecture, table2: bool) -> tuple[int, ...]:
    factors = []
    for (h0, w0, c0), (h, w, d) in zip(arch.shapes[1:-1], arch.shapes[2:]):
        dim = h0 * w0 * c0 if table2 else arch.input_dim
        factors.append(theorem1(dim, h * w * d))
    return tuple(factors)


@dataclass(frozen=True)
class Theorem5:
    """All quantities of Theorem 5 for one architecture.

    Attributes
    ----------
    n_prime, n_double_prime : Architecture
        The one-layer networks ``N'`` and ``N''`` of the theorem.
    r_n_prime : int or None
        ``R_{N'}`` by eq. (4); None when the lower bound does not apply.
    r_n_double_prime : int
        ``R_{N''}`` by eq. (4).
    lower : int or None
        Eq. (8); None when some ``d_l < d0`` (``lower_reason`` says so).
    upper : int
        Eq. (9) as printed (inner sums to ``n0(1) n0(2) d0``).
    upper_table2 : int
        Table 2's variant (inner sums to ``n_{l-1}(1) n_{l-1}(2) d_{l-1}``).
    lower_factors, upper_factors, upper_table2_factors : tuple of int
        The factors multiplying ``R_{N'}`` (l = 1..L-1) and ``R_{N''}`` (l = 2..L).
    lower_reason : str or None
        Why ``lower`` is None.
    """

    n_prime: Architecture
    n_double_prime: Architecture
    r_n_prime: int | None
    r_n_double_prime: int
    lower: int | None
    upper: int
    upper_table2: int
    lower_factors: tuple[int, ...]
    upper_factors: tuple[int, ...]
    upper_table2_factors: tuple[int, ...]
    lower_reason: str | None = None


def _product(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def theorem5(arch: Architecture, *, max_states: int | None = None) -> Theorem5:
    """Theorem 5's lower and upper bounds (and Table 2's variant), exact.

    Parameters
    ----------
    arch : Architecture
        Any number of hidden layers, no padding.
    max_states : int, optional
        Budget for eq. (4) on ``N'`` and ``N''`` (see :func:`~cnnregions.theory.eq4`).

    Returns
    -------
    Theorem5
        ``lower`` is None where the theorem's assumption ``d_l >= d0`` fails.
    """
    reason = theorem5_lower_applies(arch)
    check_result_bits(arch.n_neurons, "Theorem 5's bounds")  # each is at most 2^neurons
    n_prime, n_double_prime = theorem5_n_prime(arch), theorem5_n_double_prime(arch)
    r_pp = eq4(n_double_prime, max_states=max_states)
    r_p = None if reason else (r_pp if arch.depth == 1 else eq4(n_prime, max_states=max_states))
    lower_factors = _lower_factors(arch)
    upper_factors, table2_factors = _upper_factors(arch, False), _upper_factors(arch, True)
    return Theorem5(
        n_prime=n_prime, n_double_prime=n_double_prime, r_n_prime=r_p, r_n_double_prime=r_pp,
        lower=None if r_p is None else r_p * _product(lower_factors),
        upper=r_pp * _product(upper_factors), upper_table2=r_pp * _product(table2_factors),
        lower_factors=lower_factors, upper_factors=upper_factors, upper_table2_factors=table2_factors,
        lower_reason=reason)


def theorem5_lower(arch: Architecture, *, max_states: int | None = None) -> int:
    """Theorem 5 (i), eq. (8): ``R_{N'} prod_{l<L} floor(d_l/d0)^(n_l(1) n_l(2) d0)``.

    Raises
    ------
    InvalidParameterError
        If some ``d_l < d0`` (the theorem's assumption) or a layer is padded.
    """
    reason = theorem5_lower_applies(arch)
    if reason:
        raise InvalidParameterError(reason)
    return eq4(theorem5_n_prime(arch), max_states=max_states) * _product(_lower_factors(arch))


def theorem5_upper(arch: Architecture, *, max_states: int | None = None) -> int:
    """Theorem 5 (ii), eq. (9) as printed: inner sums up to ``n0(1) n0(2) d0``."""
    r_pp = eq4(theorem5_n_double_prime(arch), max_states=max_states)
    return r_pp * _product(_upper_factors(arch, False))


def theorem5_upper_table2(arch: Architecture, *, max_states: int | None = None) -> int:
    """Table 2's upper bound: inner sums up to the layer's input dimension ``n_{l-1}(1) n_{l-1}(2) d_{l-1}``."""
    r_pp = eq4(theorem5_n_double_prime(arch), max_states=max_states)
    return r_pp * _product(_upper_factors(arch, True))


def fully_connected_architecture(d0: int, widths: Sequence[int]) -> Architecture:
    """A fully-connected ReLU network as a CNN (Example 5): input ``1x1xd0``, ``1x1`` filters."""
    d0 = check_count(d0, "The input dimension 'd0'", minimum=1)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
        raise InvalidParameterError(f"The 'widths' must be a non-empty list of positive integers. Got {widths!r} instead.")
    return Architecture({"height": 1, "width": 1, "channels": d0},
                        [{"channels": check_count(d, "The 'widths'", minimum=1), "kernel": [1, 1], "stride": 1}
                         for d in widths])


@dataclass(frozen=True)
class Example5:
    """Eq. (10) for a fully-connected network: ``lower <= R_N <= upper``.

    ``lower`` is None when some width is below ``d0`` (Theorem 5's assumption fails).
    """

    lower: int | None
    upper: int


def example5(d0: int, widths: Sequence[int]) -> Example5:
    """Example 5, eq. (10): fully-connected widths ``d_1..d_L`` on ``d0`` inputs.

    ``prod_{l<L} floor(d_l/d0)^d0 * sum_{k<=d0} C(d_L, k) <= R_N <= prod_l sum_{i<=d0} C(d_l, i)``
    (Montufar et al. 2014 for the lower bound; Serra et al. 2018 and others for the upper).
    Computed from the closed form, independently of :func:`theorem5`.
    """
    arch = fully_connected_architecture(d0, widths)
    widths = [layer.channels for layer in arch.layers]
    upper = _product(theorem1(d0, d) for d in widths)
    if min(widths) < d0:
        return Example5(None, upper)
    lower = _product((d // d0) ** d0 for d in widths[:-1]) * theorem1(d0, widths[-1])
    return Example5(lower, upper)
