"""What the exact formulas refuse to compute: results too large to finish.

Every value of the paper's formulas is an exact integer of at most ``neurons``
bits (each is at most Lemma 2's ``2^neurons``).  A number of 10^5 digits is
computed and printed in well under a second; ``2^(10^12)`` would need 125 GB and
hours.  The functions of :mod:`cnnregions.theory` check their sizes first and
raise :class:`ComputationTooLargeError` (an ``InvalidParameterError``: ``bounds``
then prints the value as ``n/a`` with this reason) instead of hanging.
"""

from __future__ import annotations

import math

from .frontier import ComputationTooLargeError

__all__ = ["MAX_RESULT_BITS", "MAX_WORK", "PYTHON_STEP", "check_result_bits", "check_work"]

#: Largest result computed exactly, in bits (2^21 bits: about 631,000 decimal digits).
MAX_RESULT_BITS = 2 ** 21
#: Largest number of elementary steps (big-integer word operations or Python
#: loop iterations) a formula may take.
MAX_WORK = 10 ** 9
#: One iteration of a Python loop, in those steps.
PYTHON_STEP = 100


def _digits(bits: int) -> str:
    return f"{math.floor(bits * math.log10(2)) + 1:,}"


def check_result_bits(bits: int, what: str) -> None:
    """Refuse a result that may have ``bits`` bits when that exceeds :data:`MAX_RESULT_BITS`."""
    if bits > MAX_RESULT_BITS:
        raise ComputationTooLargeError(
            f"{what} must have at most {_digits(MAX_RESULT_BITS)} digits to be computed exactly. "
            f"Got a value of up to {_digits(bits)} digits (2^{bits:,}) instead.")


def check_work(steps: int, what: str) -> None:
    """Refuse a computation of more than :data:`MAX_WORK` elementary steps."""
    if steps > MAX_WORK:
        raise ComputationTooLargeError(
            f"{what} must take at most {MAX_WORK:.0e} steps to be computed exactly. Got about {steps:.1e} steps instead.")
