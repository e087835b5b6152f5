"""The exceptions of cnnregions, in one place.

Every exception the package raises on purpose derives from :class:`CnnRegionsError`,
so ``except cnnregions.CnnRegionsError`` catches them all:

- :class:`InvalidParameterError`: a bad parameter, file field or weight array (also
  a ``ValueError`` and a ``TypeError``, as scikit-learn's is, so callers may catch
  either);
- :class:`ComputationTooLargeError`: an exact computation would exceed the budget
  it was given (a ``RuntimeError``: the input is valid, the budget too small);
- :class:`SolverError`: the LP solver gave no definite answer even after a cold
  re-solve (a ``RuntimeError``).

The command line prints any of them as one line on stderr (exit code 2 for the
first two, 1 for a solver failure), never as a traceback.
"""

from __future__ import annotations

__all__ = ["CertifyUnavailable", "CnnRegionsError", "ComputationTooLargeError", "ExactSolverError",
           "InvalidParameterError", "SolverError"]


class CnnRegionsError(Exception):
    """Base class of every exception cnnregions raises on purpose."""


class InvalidParameterError(CnnRegionsError, ValueError, TypeError):
    """Raised for any invalid parameter, file field or weight array.

    It derives from both ``ValueError`` and ``TypeError`` (as scikit-learn's does),
    so callers may catch either.  The message names the field, what was expected
    and what was found, e.g. ``The 'stride' of layer 2 must be a positive integer.
    Got 0 instead.``
    """


class ComputationTooLargeError(CnnRegionsError, RuntimeError):
    """An exact computation would exceed the budget it was given (e.g. eq. (4)'s ``max_states``).

    Not an :class:`InvalidParameterError`: the input is valid, and a larger budget
    (or none) computes the result.
    """


class SolverError(CnnRegionsError, RuntimeError):
    """HiGHS did not reach a definite answer even after a cold re-solve."""


class CertifyUnavailable(InvalidParameterError, ImportError):
    """``certify=True`` needs python-flint (the ``certify`` extra), which is not installed."""


class ExactSolverError(CnnRegionsError, RuntimeError):
    """The exact rational solver's answer failed its own exact check (a bug, never a tolerance)."""
