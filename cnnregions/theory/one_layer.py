"""Eq. (4) of Theorem 2: the maximal number of linear regions of a one-layer CNN.

    R_N = sum_{t in K_N} prod_{(i,j) in I_N} C(d1, t_{i,j}),
    K_N = { t >= 0 integer : sum_{(i,j) in J} t_{i,j} <= |U_{(i,j) in J} S_{i,j}| for all J }.

The constraints are Hall's condition: ``t`` is in ``K_N`` iff every output position
can be given ``t_{i,j}`` distinct input coordinates of its own field ``S_{i,j}``.
:func:`eq4` evaluates the sum exactly without enumerating subsets ``J``:

- filters that do not overlap in either direction (``f <= s``): positions are
  independent and ``R_N`` is a product (Example 3 is the case ``f = s = 1``);
- filters that overlap in one direction only (this includes every height-1 or
  width-1 output): each output line is a path whose fields are intervals, so
  Hall's condition reduces to contiguous runs and a one-integer dynamic program
  (:func:`path_count`) with exact big-integer convolutions gives each line;
- filters overlapping in both directions: the frontier dynamic program of
  :mod:`cnnregions.theory.frontier`.

Eq. (4) counts sets of neurons whose normal vectors satisfy Hall's condition;
every linearly independent set does, so eq. (4) is an upper bound on
``R_{N,theta}`` for every ``theta`` (a one-layer network has at most as many
regions as its neurons' normals have linearly independent subsets).  The paper
claims equality for generic weights; for two-dimensional filters this can fail
(a ``3x3x1`` input with ``2x2`` filters and ``d1 = 2``: eq. (4) gives 256, every
``theta`` at most 255, because 2-D convolution commutes), see NOTES.md.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ._checks import conv_layers, require_one_layer
from .budget import PYTHON_STEP, check_result_bits, check_work
from .fields import axis_classes, incidence, receptive_fields, used_inputs
from .frontier import hall_weighted_count
from .path import path_count

__all__ = ["eq4", "eq4_bruteforce", "eq4_polynomial"]


def _binomials(d1: int, top: int) -> list[int]:
    return [math.comb(d1, t) for t in range(min(d1, top) + 1)]


def _independent_count(arch: Architecture) -> int | None:
    """Closed form or path product when filters overlap in at most one direction."""
    (_, _, d0), (n1, n2, d1) = arch.shapes
    (f1, f2), s = conv_layers(arch)[0].kernel, conv_layers(arch)[0].stride
    if f1 <= s and f2 <= s:  # every position on its own: Example 3 generalised
        return sum(_binomials(d1, f1 * f2 * d0)) ** (n1 * n2)
    if f1 <= s or n1 == 1:  # output rows see disjoint input rows (or there is one row)
        return path_count(n2, f1 * d0, f2, s, d1) ** n1
    if f2 <= s or n2 == 1:
        return path_count(n1, f2 * d0, f1, s, d1) ** n2
    return None


def _check_eq4_work(arch: Architecture) -> None:
    """Refuse eq. (4) when its incidence table or its path product would not finish."""
    (_, _, d0), (n1, n2, _) = arch.shapes
    layer = conv_layers(arch)[0]
    (f1, f2), s = layer.kernel, layer.stride
    if f1 <= s and f2 <= s:
        return  # a closed form: one power, bounded by check_result_bits
    if f1 <= s or n1 == 1 or f2 <= s or n2 == 1:
        # a path product: one big-integer operation per position, states of the kernel's overlap
        check_work((n1 + n2) * (max(f1, f2) // s + 1) * (arch.n_neurons // 64 + 1), "Eq. (4)")
        return
    atoms = len(axis_classes(n1, f1, s)) * len(axis_classes(n2, f2, s))
    check_work(n1 * n2 * atoms * PYTHON_STEP, "Eq. (4)'s incidence table")  # a Python loop


def eq4(arch: Architecture, *, max_states: int | None = None) -> int:
    """Eq. (4) (Theorem 2): ``R_N = sum_{t in K_N} prod C(d1, t_{i,j})``, exact.

    Parameters
    ----------
    arch : Architecture
        A one-layer CNN without padding.
    max_states : int, optional
        Budget of the two-dimensional frontier dynamic program; beyond it a
        :class:`~cnnregions.errors.ComputationTooLargeError` is raised.
        Unlimited by default.  One-dimensional cases never need it.

    Returns
    -------
    int
        The paper's maximal number of regions ``R_N`` of ``arch``.  It is always
        an upper bound on ``R_{N,theta}``; where filters overlap in both
        directions it can exceed the true maximum (see the module notes).

    Raises
    ------
    InvalidParameterError
        If ``arch`` has more than one layer or padding.

    Examples
    --------
    >>> from cnnregions import paper_architecture
    >>> eq4(paper_architecture("example1-d3"))  # Example 1: d^3 + d^2 + d + 1
    40
    """
    require_one_layer(arch, "Eq. (4)")
    check_result_bits(arch.n_neurons, "Eq. (4)")  # R_N <= 2^neurons (Lemma 2)
    _check_eq4_work(arch)
    closed = _independent_count(arch)
    if closed is not None:
        return closed
    inc = incidence(arch)
    d0, d1 = arch.input.channels, arch.layers[0].channels
    f1, f2 = conv_layers(arch)[0].kernel
    weights = _binomials(d1, f1 * f2 * d0)
    return hall_weighted_count(inc.fields, inc.capacities, weights, max_states=max_states)


def eq4_bruteforce(arch: Architecture, *, limit: int = 2_000_000) -> int:
    """Eq. (4) by enumerating every ``t`` (``0 <= t_{i,j} <= |S_{i,j}|``) and every ``J``.

    For tests on tiny networks only.

    Parameters
    ----------
    arch : Architecture
        A one-layer CNN without padding.
    limit : int
        Refuse when ``(number of vectors t) * (number of subsets J)`` exceeds it.
    """
    fields = receptive_fields(arch)
    positions = sorted(fields)
    n, size = len(positions), len(fields[positions[0]])
    work = (size + 1) ** n * 2 ** n
    if work > limit:
        raise InvalidParameterError(
            f"The brute force of eq. (4) must stay within limit={limit} steps. Got {work} steps instead.")
    subsets = []
    for mask in range(1, 1 << n):
        members = [k for k in range(n) if mask >> k & 1]
        subsets.append((members, len(frozenset().union(*(fields[positions[k]] for k in members)))))
    d1 = arch.layers[0].channels
    total = 0
    for t in itertools.product(range(size + 1), repeat=n):
        if all(sum(t[k] for k in members) <= bound for members, bound in subsets):
            total += math.prod(math.comb(d1, x) for x in t)
    return total


def eq4_polynomial(arch: Architecture, *, max_states: int | None = None) -> tuple[Fraction, ...]:
    """Eq. (4) as a polynomial in ``d1`` (coefficients of ``1, d1, d1**2, ...``).

    ``K_N`` does not depend on ``d1`` and ``C(d1, t)`` is a polynomial of degree ``t``,
    so ``R_N`` is a polynomial in ``d1``; by Lemma 3 its degree is ``|U S_{i,j}|``,
    which is Theorem 3's ``R_N = Theta(d1^{|U S|})``.  Found exactly by
    interpolating eq. (4) at ``d1 = 1, 2, ..., |U S| + 1``.

    Parameters
    ----------
    arch : Architecture
        A one-layer CNN without padding; its number of filters is ignored.
    max_states : int, optional
        Budget of each eq. (4) evaluation (see :func:`eq4`).

    Returns
    -------
    tuple of Fraction
        Coefficients of ``1, d1, d1**2, ...`` (trailing zeros removed).
    """
    require_one_layer(arch, "Eq. (4)")
    degree = used_inputs(arch)
    layer = conv_layers(arch)[0]
    xs = list(range(1, degree + 2))
    ys = []
    for d in xs:
        variant = Architecture(arch.input, [{"channels": d, "kernel": list(layer.kernel), "stride": layer.stride}])
        ys.append(eq4(variant, max_states=max_states))
    # Newton's divided differences, then expand to the monomial basis.
    coef = [Fraction(y) for y in ys]
    for level in range(1, len(xs)):
        for i in range(len(xs) - 1, level - 1, -1):
            coef[i] = (coef[i] - coef[i - 1]) / (xs[i] - xs[i - level])
    poly = [Fraction(0)] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        # poly = poly * (x - xs[i]) + coef[i]
        shifted = [Fraction(0)] + poly[:-1]
        poly = [shifted[j] - xs[i] * poly[j] for j in range(len(xs))]
        poly[0] += coef[i]
    while len(poly) > 1 and poly[-1] == 0:
        poly.pop()
    return tuple(poly)
