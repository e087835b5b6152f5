"""The LP search as an engine (:class:`LPEngine`): all of the input space, a box, a plane.

Its per-process state is a :class:`~.search.Search`, created through :meth:`LPEngine.searcher`
so that an engine with another search state (a compiled kernel) is this class with that one
method replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.domain import Domain
from ..core.engine import Counted, Runner, Searcher
from ..core.node import WORK_PER_LP
from ..core.problem import SearchProblem, build_problem
from ..core.results import Region
from ..core.stats import Stats
from .search import Search

__all__ = ["BATCH", "DEFAULT_BUDGET", "LPEngine"]

#: Default work budget of a task: 1,600 units (``WORK_PER_LP`` = 8 per LP, 1 per node), at
#: most 200 LPs, typically 50 ms on one core.  Small enough that a net of a minute's work
#: spreads over hundreds of workers, large enough that a task's fixed cost (a fresh
#: LP, the layers' maps, a round trip to the worker) stays a few per cent.
DEFAULT_BUDGET = 200 * WORK_PER_LP
#: Regions per batch handed to ``iter_regions``.
BATCH = 256


class LPEngine:
    """The depth-first LP search (:mod:`.search`); every sink works with it."""

    name = "lp"

    def default_budget(self, problem: SearchProblem) -> int:
        """A task's work budget when the count does not set one (:data:`~cnnregions.run.tasks.DEFAULT_BUDGET`)."""
        return DEFAULT_BUDGET

    def searcher(self, problem: SearchProblem, *, immediate: bool = False) -> Searcher:
        return Search(problem, immediate=immediate)

    def renew(self, searcher: Searcher) -> Searcher:
        """A new :class:`~.search.Search` for the same problem (its LP and caches are cheap to rebuild)."""
        return self.searcher(searcher.problem, immediate=searcher.cert.immediate)

    def stats(self, searcher: Searcher) -> Stats:
        cert = searcher.cert
        cert.flush()
        return Stats(regions=searcher.regions - cert.rejected, lps=searcher.lps, nodes=searcher.nodes,
                     min_radius=float(searcher.min_radius), max_rejected=float(searcher.max_rejected),
                     certified=cert.exact and cert.unresolved == 0, unresolved=cert.unresolved,
                     certificates=cert.certificates, exact_decisions=cert.exact_decisions,
                     disagreements=cert.disagreements)

    def refusal(self, sink: object = None, *, checkpoint: bool = False, certify: bool = False) -> str | None:
        return None

    def region_batches(self, network, domain: Domain | None, *, tol: float, certify: bool) -> Iterator[list[Region]]:
        problem = build_problem(network, domain, tol=tol, certify=certify)
        search = self.searcher(problem, immediate=True)
        batch: list[Region] = []
        for w, r in search.dfs(search.root()):
            batch.append(Region(search.pattern.copy(), problem.to_input(w), r * problem.scale, problem.to_domain(w)))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def count(self, network, domain: Domain | None, run: Runner) -> Counted:
        return run.tree(self, build_problem(network, domain, tol=run.tol, certify=run.certify))
