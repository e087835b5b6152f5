"""Validation of the run options of :func:`~.driver.count_regions`.

Each check raises the package's one-line :class:`~cnnregions.InvalidParameterError`
naming the parameter, what it must be and what it got, instead of a raw
``TypeError`` deep inside (``checkpoint=123``) or a silent acceptance
(``progress='yes'``).
"""

from __future__ import annotations

import math
import os

import numpy as np

from .._validation import field_error

__all__ = ["check_run_options"]


def check_run_options(*, progress: object, checkpoint: object, connect_timeout: object) -> None:
    """Check ``progress``, ``checkpoint`` and ``connect_timeout`` of ``count_regions``.

    Raises
    ------
    InvalidParameterError
        ``progress`` not a bool or a callable; ``checkpoint`` not None, a str or a
        path (an empty string included); ``connect_timeout`` not a positive finite number.
    """
    if not (isinstance(progress, (bool, np.bool_)) or callable(progress)):
        raise field_error("The 'progress'", "True, False or a callable progress(done, total, regions)", progress)
    if checkpoint is not None and (not isinstance(checkpoint, (str, os.PathLike)) or os.fspath(checkpoint) in ("", b"")):
        raise field_error("The 'checkpoint'", "None or a file path (str or os.PathLike)", checkpoint)
    if (isinstance(connect_timeout, (bool, np.bool_)) or not isinstance(connect_timeout, (int, float, np.integer, np.floating))
            or not math.isfinite(connect_timeout) or connect_timeout <= 0):
        raise field_error("The 'connect_timeout'", "a positive finite number of seconds", connect_timeout)
