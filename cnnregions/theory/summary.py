"""Every formula and bound of the paper for one architecture, as one JSON-ready dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ComputationTooLargeError, InvalidParameterError
from ..models.architecture import Architecture
from ._checks import check_architecture, conv_layers, paper_setting_problem
from .counting import example2, lemma2, theorem1_bound, theorem3_exponent
from .multilayer import Theorem5, theorem5, theorem5_n_prime
from .one_layer import eq4

__all__ = ["DEFAULT_MAX_STATES", "SUMMARY_KEYS", "bounds_summary", "lower_rests_on_overcount", "overlaps_in_2d"]

#: Default state budget of eq. (4) in :func:`bounds_summary` (two-dimensional filters only).
DEFAULT_MAX_STATES = 50_000

#: The numeric keys of :func:`bounds_summary`, in display order.
SUMMARY_KEYS = ("neurons", "parameters", "lemma2", "theorem1", "eq4", "theorem3_exponent",
                "theorem5_lower", "theorem5_upper", "theorem5_upper_table2")


def overlaps_in_2d(arch: Architecture) -> bool:
    """True for a one-layer CNN whose filters overlap along both axes of a 2-D output.

    Exactly the case where eq. (4) runs the two-dimensional frontier algorithm, and
    where it can exceed the true maximum number of regions (NOTES.md).
    """
    if check_architecture(arch).depth != 1 or paper_setting_problem(arch):
        return False
    (_, _, _), (n1, n2, _) = arch.shapes
    (f1, f2), s = conv_layers(arch)[0].kernel, conv_layers(arch)[0].stride
    return n1 > 1 and n2 > 1 and f1 > s and f2 > s


def bounds_summary(arch: Architecture, *, max_states: int | None = DEFAULT_MAX_STATES) -> dict[str, Any]:
    """The paper's numbers for ``arch``, exact, with None where a result does not apply.

    Parameters
    ----------
    arch : Architecture
    max_states : int or None
        Budget of eq. (4) for two-dimensional filters (None: unlimited).  When it
        is exceeded the values that need eq. (4) are None, with the reason.

    Returns
    -------
    dict
        ``neurons``, ``parameters`` (Lemma 4), ``lemma2`` (``2^neurons``),
        ``theorem1`` (one layer: Theorem 1 with the CNN seen as a fully-connected
        layer, Table 1's second row), ``example2`` (one layer with full-size
        filters, i.e. a fully-connected layer: Theorem 1's exact count with
        ``d1`` neurons), ``eq4`` (one layer: Theorem 2),
        ``theorem3_exponent`` (one layer: ``|U S|``), ``theorem5_lower`` (eq. (8)),
        ``theorem5_upper`` (eq. (9) as printed: inner sums to ``n0(1) n0(2) d0``),
        ``theorem5_upper_table2`` (Table 2's variant: inner sums to each layer's
        input dimension), ``theorem5_r_n_prime`` / ``theorem5_r_n_double_prime`` and
        the architectures ``theorem5_n_prime`` / ``theorem5_n_double_prime``;
        ``depth``, ``input_dim``, ``shapes`` (Lemma 1); ``not_applicable`` maps every
        None value to the reason; ``notes`` lists caveats; ``uncertain`` names the
        bounds that rest on eq. (4) where it can exceed the true maximum.
    """
    check_architecture(arch)
    out: dict[str, Any] = {
        "architecture": arch.to_dict(), "depth": arch.depth, "input_dim": arch.input_dim,
        "shapes": [list(shape) for shape in arch.shapes],
        "neurons": arch.n_neurons, "parameters": arch.n_parameters,
    }
    reasons: dict[str, str] = {}

    def attempt(keys: tuple[str, ...], compute: Callable[[], tuple[Any, ...]]) -> None:
        try:
            values = compute()
        except (InvalidParameterError, ComputationTooLargeError) as exc:  # does not apply, or over budget
            values = (None,) * len(keys)
            reasons.update({key: str(exc) for key in keys})
        out.update(zip(keys, values))

    attempt(("lemma2",), lambda: (lemma2(arch),))
    attempt(("theorem1",), lambda: (theorem1_bound(arch),))
    attempt(("example2",), lambda: (example2(arch),))
    attempt(("eq4",), lambda: (eq4(arch, max_states=max_states),))
    attempt(("theorem3_exponent",), lambda: (theorem3_exponent(arch),))
    computed: list[Theorem5] = []

    def theorem5_values() -> tuple[Any, ...]:
        t5 = theorem5(arch, max_states=max_states)
        computed.append(t5)
        return (t5.lower, t5.upper, t5.upper_table2, t5.r_n_prime, t5.r_n_double_prime,
                t5.n_prime.to_dict(), t5.n_double_prime.to_dict())

    attempt(("theorem5_lower", "theorem5_upper", "theorem5_upper_table2", "theorem5_r_n_prime",
             "theorem5_r_n_double_prime", "theorem5_n_prime", "theorem5_n_double_prime"), theorem5_values)
    if computed and computed[0].lower_reason:
        reasons["theorem5_lower"] = reasons["theorem5_r_n_prime"] = computed[0].lower_reason
    out["not_applicable"] = reasons
    out["notes"] = _notes(arch)
    out["uncertain"] = ["theorem5_lower"] if lower_rests_on_overcount(arch) else []
    return out


def _notes(arch: Architecture) -> list[str]:
    notes = ["theorem5_upper is Theorem 5 (ii) as printed (inner sums up to n0(1)n0(2)d0); "
             "theorem5_upper_table2 is the variant the paper's Table 2 prints (inner sums up to the "
             "input dimension n_{l-1}(1)n_{l-1}(2)d_{l-1} of each layer). Both are upper bounds."]
    problem = paper_setting_problem(arch)
    if problem:
        notes.append(f"The paper's formulas are for convolutions without padding; this network has {problem}, "
                     "so only lemma2 and (for one layer) theorem1 apply.")
        return notes
    if overlaps_in_2d(arch):
        notes.append("eq4 is an upper bound on the regions of every theta, but with filters overlapping in "
                     "both directions it can exceed the true maximum (3x3x1 input, 2x2 filters, d1=2: "
                     "eq. (4) gives 256, every theta at most 255).")
    if lower_rests_on_overcount(arch):
        notes.append("theorem5_lower uses eq. (4) for R_{N'}, whose filters overlap in both directions: "
                     "there eq. (4) can exceed the true maximum, so the lower bound is the paper's statement, "
                     "not a certified value (no theta may reach it).")
    return notes


def lower_rests_on_overcount(arch: Architecture) -> bool:
    """True when Theorem 5's lower bound rests on eq. (4) where eq. (4) can exceed the true maximum
    (filters overlapping in both directions in ``N'``, which is the network itself for one layer)."""
    if paper_setting_problem(arch):
        return False
    return overlaps_in_2d(arch if arch.depth == 1 else theorem5_n_prime(arch))
