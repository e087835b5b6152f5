"""The compiled kernel as a tree engine (:class:`KernelEngine`).

It is the LP search's engine (:class:`~cnnregions.lpsearch.engine.LPEngine`: the same tree,
tasks, checkpoints and sinks) with another per-process search state: a
:class:`~.search.KernelSearch`, which searches the same tree in compiled code and hands to
HiGHS only the sides it cannot prove (and, in a certified count, to the exact checks).
Problems of more than :data:`~.search.KERNEL_MAX_DIM` dimensions get the reference search.

The kernel's module loads its native build (llvmlite, a few tens of milliseconds) or, without one,
imports numba and its compiled cache (about half a second); it is imported on the first search, so
that a count on another engine never pays for it.
"""

from __future__ import annotations

from ..core.engine import Searcher
from ..core.node import WORK_PER_LP
from ..core.problem import SearchProblem
from ..lpsearch.engine import LPEngine

__all__ = ["KERNEL_BUDGET", "KERNEL_MAX_DIM", "KernelEngine", "serves"]

#: Largest search dimension the kernel serves: its LPs are dense (above it, HiGHS's sparse
#: solver on the reference search is the faster choice).
KERNEL_MAX_DIM = 64
#: Work budget of a task on the kernel (``WORK_PER_LP`` units per LP, one per node): a unit of
#: work costs the kernel about 20 times less than the reference search, so that a task still
#: lasts some tens of milliseconds and its round trip to a worker stays a few per cent.
KERNEL_BUDGET = 4000 * WORK_PER_LP


def serves(problem: SearchProblem) -> bool:
    """Whether the kernel searches ``problem`` (float mode or certified, at most :data:`KERNEL_MAX_DIM` dimensions)."""
    return problem.dim <= KERNEL_MAX_DIM


class KernelEngine(LPEngine):
    """The LP search's tree, searched by the compiled kernel where it serves the problem."""

    name = "kernel"

    def default_budget(self, problem: SearchProblem) -> int:
        """:data:`KERNEL_BUDGET`, also for the problems the reference search serves here (a wide
        input): a checkpoint written by one count on this engine is then resumed by any other,
        float or certified."""
        return KERNEL_BUDGET

    def searcher(self, problem: SearchProblem, *, immediate: bool = False) -> Searcher:
        if not serves(problem):
            return super().searcher(problem, immediate=immediate)
        from .search import KernelSearch  # numba and the compiled cache load here, on first use

        return KernelSearch(problem, immediate=immediate)

    def renew(self, searcher: Searcher) -> Searcher:
        """The kernel's search state restored in place (:meth:`~.search.KernelSearch.renew`); the
        reference search's for a problem the kernel does not serve."""
        if not serves(searcher.problem):
            return super().renew(searcher)
        return searcher.renew()  # type: ignore[attr-defined]
