"""Parameter checks with one error format for the whole package.

Every message names the field, what was expected and what was found, in the
style of scikit-learn::

    The 'stride' of layer 2 must be a positive integer. Got 0 instead.

The CLI prints these messages as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import InvalidParameterError

__all__ = ["check_int", "check_jobs", "check_path", "describe", "field_error"]


def describe(value: object) -> str:
    """Short, readable rendering of an offending value for an error message."""
    if isinstance(value, np.ndarray):
        text = f"an array of shape {value.shape} and dtype {value.dtype}"
    elif isinstance(value, numbers.Integral) and int(value).bit_length() > 256:
        # str() of a huge int is slow, and refused past 4300 digits: say how large it is instead
        text = f"an integer of about {int(int(value).bit_length() * 0.30103) + 1} digits"
    elif isinstance(value, np.generic):  # a numpy scalar: 1.0, not np.float64(1.0)
        text = repr(value.item())
    else:
        text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return text


def field_error(field: str, expected: str, got: object) -> InvalidParameterError:
    """Build the package's standard error for ``field`` (already quoted by the caller)."""
    return InvalidParameterError(f"{field} must be {expected}. Got {describe(got)} instead.")


def check_jobs(value: object, field: str = "The 'n_jobs'") -> int:
    """``value`` if it is a positive integer or -1 (all cores); booleans and floats are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not (
            int(value) >= 1 or int(value) == -1):
        raise field_error(field, "a positive integer or -1 (all cores)", value)
    return int(value)


def check_path(value: object, field: str) -> None:
    """Refuse anything but a ``str`` or ``os.PathLike`` where a file path is expected."""
    import os

    if not isinstance(value, (str, os.PathLike)):
        raise field_error(field, "a file path (str or os.PathLike)", value)


def check_int(value: object, field: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum`` (and ``<= maximum``).

    Booleans and floats (even ``2.0``) are refused: a size given as a float is
    almost always a mistake in a hand-written file.
    """
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise field_error(field, kind, value)
    number = int(value)
    if number < minimum:
        raise field_error(field, kind, value)
    if maximum is not None and number > maximum:
        raise field_error(field, f"at most {maximum:,}", value)
    return number
