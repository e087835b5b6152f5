"""The compiled search kernel: the reference LP search's tree in numba-compiled code.

:class:`KernelEngine` (:mod:`.engine`) is the tree engine counts use by default;
its per-process state, :class:`KernelSearch` (:mod:`.search`), is a drop-in for
:class:`cnnregions.lpsearch.search.Search` in float mode (the LP solver and its
proofs: :mod:`.lp`; the search: :mod:`.dfs`; its state: :mod:`.state`).  Problems
above :data:`KERNEL_MAX_DIM` dimensions stay on the reference search; certified counts
prove their decisions about the exact rows (:mod:`.certified`).  ``KernelSearch`` is imported
on first use; it loads the kernel's native build (:mod:`.native`, without numba) or numba's
compiled code (:mod:`.build`), chosen in one place (:mod:`.entries`).
"""

from .engine import KERNEL_BUDGET, KERNEL_MAX_DIM, KernelEngine, serves

__all__ = ["KERNEL_BUDGET", "KERNEL_MAX_DIM", "KernelEngine", "KernelSearch", "serves"]


def __getattr__(name: str):
    if name == "KernelSearch":
        from .search import KernelSearch

        return KernelSearch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
