"""Tightness studies: R_{N,theta} over He draws, a search for the maximum, every bound.

:func:`run_study` is the API behind ``cnnregions study``; :mod:`.strategies`
holds the searches, :mod:`.evaluate` the parallel counts, :mod:`.ledger` the
checkpoint and :mod:`.report` the Markdown table and the picture.
"""

from .core import QUANTILES, StudyResult, count_draws, run_study, search_maximum
from .strategies import DEFAULT_STRATEGY, STRATEGIES

__all__ = ["DEFAULT_STRATEGY", "QUANTILES", "STRATEGIES", "StudyResult", "count_draws", "run_study",
           "search_maximum"]
