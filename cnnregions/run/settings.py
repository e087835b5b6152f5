"""The checked settings of one count (:class:`RunSettings`): every option of
:func:`~.driver.count_regions` validated once, in the order of its signature.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import InvalidParameterError, check_jobs, field_error
from .backends import DEFAULT_CONNECT_TIMEOUT, resolve_jobs
from .options import check_run_options
from .tasks import DEFAULT_BUDGET, TaskOptions, budget_for

__all__ = ["AUTO", "RunSettings", "check_certify"]

#: The default ``budget``: none for a serial count without a checkpoint (one search per
#: initial task: nothing to spread, nothing to record), the engine's own otherwise.
AUTO = "auto"


def check_certify(certify: object) -> bool:
    """A checked ``certify`` (python-flint required when True)."""
    if not isinstance(certify, (bool, np.bool_)):
        raise field_error("The 'certify'", "True or False", certify)
    if certify:
        from ..certify import require_flint

        require_flint()
    return bool(certify)


@dataclass(frozen=True)
class RunSettings:
    """The checked settings of one count (see :func:`~.driver.count_regions` for each).

    ``n_jobs`` is a number of local processes (-1 resolved to every core); ``tasks`` holds
    what travels with every task (budget, certify, sink, the tree engine).
    """

    n_jobs: int
    tol: float
    split: int
    tasks: TaskOptions
    progress: Any = False
    scheduler: Any = None
    checkpoint: str | os.PathLike | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    #: Whether the budget is the default (:data:`AUTO`), to be chosen by :meth:`for_problem`.
    auto_budget: bool = False

    @property
    def certify(self) -> bool:
        return self.tasks.certify

    @property
    def sink(self) -> Any:
        return self.tasks.sink

    @classmethod
    def checked(cls, *, n_jobs: object, tol: float, split: object, budget: object, progress: object,  # noqa: PLR0913  count_regions' options
                scheduler: object, checkpoint: object, connect_timeout: object, certify: object,
                sink: object) -> RunSettings:
        """Check every option (one line naming the first bad one), in the order of the signature."""
        n_jobs = check_jobs(n_jobs)
        check_run_options(progress=progress, checkpoint=checkpoint, connect_timeout=connect_timeout)
        certify = check_certify(certify)
        if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or split < 1:
            raise field_error("The 'split'", "a positive integer", split)
        if sink is not None and checkpoint is not None:
            raise InvalidParameterError("The 'checkpoint' must be None when regions are exported or collected. "
                                        "Got a checkpoint together with a region sink instead.")
        auto = isinstance(budget, str) and budget == AUTO
        tasks = TaskOptions(budget=DEFAULT_BUDGET if auto else budget, certify=certify, sink=sink)  # type: ignore[arg-type]
        return cls(resolve_jobs(n_jobs), tol, int(split), tasks, progress, scheduler, checkpoint,  # type: ignore[arg-type]
                   float(connect_timeout), auto)  # type: ignore[arg-type]

    def for_problem(self, engine: object, problem: object, workers: int,
                    recorded: tuple[bool, int | None] = (False, None)) -> RunSettings:
        """These settings with the default budget made concrete for ``workers``.

        The budget ``recorded`` in a checkpoint being resumed, if there is one (``(True,
        budget)``, see :func:`~.checkpoint.recorded_budget`), so that a count may resume with
        another number of workers; else none for a serial count without a checkpoint or
        scheduler (the tasks are the initial split's subtrees, searched whole); else the tree
        engine's own for ``problem`` (``engine.default_budget(problem)``), enlarged for few
        workers (:func:`~.tasks.budget_for`).  The regions and nodes do not depend on the
        budget; the LPs may (each task keeps its own certificates)."""
        if not self.auto_budget:
            return self
        found, budget = recorded
        if not found:
            serial = self.n_jobs == 1 and self.scheduler is None and self.checkpoint is None
            budget = None if serial else budget_for(engine.default_budget(problem), workers)  # type: ignore[attr-defined]
        return dataclasses.replace(self, tasks=dataclasses.replace(self.tasks, budget=budget), auto_budget=False)
