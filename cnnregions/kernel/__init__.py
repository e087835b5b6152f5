"""The compiled search kernel: the reference LP search's tree in numba-compiled code.

:class:`KernelSearch` is a drop-in for :class:`cnnregions.enumerate.search.Search`
in float mode (the LP solver and its proofs: :mod:`.lp`; the search: :mod:`.dfs`;
its state: :mod:`.state`).  Problems above :data:`KERNEL_MAX_DIM` dimensions and
certified counts stay on the reference engine.
"""

from .search import KERNEL_MAX_DIM, KernelSearch

__all__ = ["KERNEL_MAX_DIM", "KernelSearch"]
