"""``cnnregions bounds ARCH``: the paper's formulas and bounds for an architecture, exact."""

from __future__ import annotations

import argparse
import math
import sys
from contextlib import contextmanager
from typing import Any

from ..models.architecture import Architecture
from ..models.resolve import resolve_architecture
from ..theory.summary import DEFAULT_MAX_STATES, bounds_summary
from ._common import emit_json, nonnegative_int

__all__ = ["add_parser", "run"]

#: Values with more digits than this are shown rounded in the table (``--json`` is always exact).
_TABLE_DIGITS = 40


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bounds", help="the paper's formulas and bounds for an architecture, exact",
                       description="Print Lemma 2, Theorem 1, eq. (4) and Theorem 5's bounds (as printed and as in "
                                   "the paper's Table 2) for an architecture, as exact integers.")
    p.add_argument("net", metavar="ARCH",
                   help="an architecture .json file, a network .npz file (its weights are ignored), or a paper "
                        "network name (example1-dK, example4-dK, pitfall2d-dK)")
    p.add_argument("--json", action="store_true", help="print one JSON object (exact integers, null where a "
                                                       "result does not apply)")
    p.add_argument("--max-states", type=nonnegative_int, default=DEFAULT_MAX_STATES, metavar="N",
                   help="state budget of eq. (4) for filters overlapping in two directions; beyond it the values "
                        f"that need eq. (4) are left out (0: unlimited; default {DEFAULT_MAX_STATES})")
    p.set_defaults(func=run)


@contextmanager
def _unlimited_int_digits():
    """Let exact integers of any size be printed (Python limits int -> str to 4300 digits)."""
    getter = getattr(sys, "get_int_max_str_digits", None)
    if getter is None:  # pragma: no cover - Python without the limit
        yield
        return
    old = getter()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def _format(value: Any) -> str:
    if value is None:
        return "n/a"
    if value.bit_length() <= _TABLE_DIGITS * 3.32:
        return str(value)
    digits = int(math.log10(value)) + 1
    head = value // 10 ** (digits - 4)
    if head >= 10 ** 4:  # log10 rounding at a power of ten
        digits += 1
        head //= 10
    return f"~{head // 1000}.{head % 1000:03d}e+{digits - 1} ({digits} digits)"


def _describe(arch_dict: dict | None) -> str:
    return Architecture.from_dict(arch_dict).describe() if arch_dict else "?"


def _table(summary: dict) -> list[tuple[str, str, str]]:
    reasons = summary["not_applicable"]
    n0 = summary["input_dim"]

    def row(label: str, key: str, comment: str) -> tuple[str, str, str]:
        value = summary[key]
        return label, _format(value), (reasons.get(key, "") if value is None else comment)

    prime, double = summary.get("theorem5_n_prime"), summary.get("theorem5_n_double_prime")
    example2 = [row("Example 2", "example2", "full-size filters: the exact count of Theorem 1 with d1 neurons")]
    return example2 * (summary.get("example2") is not None) + [
        row("Lemma 2", "lemma2", "2^neurons, any network"),
        row("Theorem 1", "theorem1", f"the layer as fully connected: sum_(i<={n0}) C({summary['neurons']}, i) "
                                     "(Table 1, second row)"),
        row("eq. (4)", "eq4", "Theorem 2: the paper's maximum for one layer"),
        row("Theorem 3 exponent", "theorem3_exponent", "R_N = Theta(d1^|U S|)"),
        row("Theorem 5 lower", "theorem5_lower",
            f"eq. (8): R_N' = {_format(summary.get('theorem5_r_n_prime'))} with N' = {_describe(prime)}"),
        row("Theorem 5 upper", "theorem5_upper",
            f"eq. (9) as printed: inner sums to n0(1)n0(2)d0 = {n0}; R_N'' = "
            f"{_format(summary.get('theorem5_r_n_double_prime'))} with N'' = {_describe(double)}"),
        row("Theorem 5 upper, Table 2", "theorem5_upper_table2",
            "the variant Table 2 prints: inner sums to each layer's input dimension"),
    ]


def run(args: argparse.Namespace) -> int:
    arch = resolve_architecture(args.net)
    summary = bounds_summary(arch, max_states=args.max_states or None)
    if args.json:
        with _unlimited_int_digits():
            emit_json("bounds", {"network": str(args.net), **summary})
        return 0
    shapes = " -> ".join("x".join(map(str, shape)) for shape in summary["shapes"])
    print(f"network      {args.net} ({arch.describe()})")
    print(f"shapes       {shapes} (Lemma 1)")
    print(f"neurons      {summary['neurons']}")
    print(f"parameters   {summary['parameters']} (Lemma 4)")
    print()
    rows = _table(summary)
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    for label, value, comment in rows:
        print(f"{label:<{width}}  {value:>{value_width}}  {comment}".rstrip())
    for note in summary["notes"]:
        print(f"note: {note}")
    return 0
