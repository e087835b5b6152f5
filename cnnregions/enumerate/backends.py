"""Where the subtree tasks run: in this process, on local cores (joblib's loky
backend) or on a dask.distributed cluster (joblib's dask backend).

Every backend runs the same tasks with the same function, each task with a fresh
search state, so the count and the statistics do not depend on the backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import InvalidParameterError
from .problem import SearchProblem
from .search import Node
from .tasks import search_subtree

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "connect", "cpu_count", "run_tasks", "workers_of"]

#: Seconds allowed to reach a dask scheduler before giving up.
DEFAULT_CONNECT_TIMEOUT = 10.0

Task = tuple[int, Sequence[Node]]


def connect(scheduler, timeout: float = DEFAULT_CONNECT_TIMEOUT):
    """A ``dask.distributed.Client`` for ``scheduler`` (an address or a Client).

    Raises
    ------
    InvalidParameterError
        If the ``cluster`` extra is not installed or the scheduler cannot be
        reached within ``timeout`` seconds.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise InvalidParameterError(
            "The 'scheduler' option needs dask.distributed. Got no dask installed instead "
            "(pip install 'cnnregions[cluster]').") from None
    if isinstance(scheduler, Client):
        return scheduler
    if not isinstance(scheduler, str) or not scheduler:
        raise InvalidParameterError(
            f"The 'scheduler' must be an address such as tcp://host:8786 or a dask Client. Got {scheduler!r} instead.")
    try:
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidParameterError(
            f"The 'scheduler' must be a reachable dask scheduler. Got no answer from {scheduler!r} "
            f"within {timeout:g} s instead ({reason}).") from None


def workers_of(client) -> int:
    """Number of workers currently connected to ``client``'s scheduler."""
    return len(client.scheduler_info().get("workers", {}))


def run_tasks(problem: SearchProblem, tasks: Sequence[Task], *, n_jobs: int = 1,
              client=None, sink=None) -> Iterator[Any]:
    """Run ``tasks`` and yield their results as they finish (in any order).

    With a region ``sink`` each result is ``(SubtreeResult, output)`` (see
    :func:`~.tasks.search_subtree`).

    With a dask ``client`` the problem is broadcast to every worker once
    (joblib's ``scatter``), so each task ships only its nodes and returns only
    its statistics.
    """
    if not tasks:
        return
    if client is not None:
        from joblib import Parallel, delayed, parallel_config

        with parallel_config(backend="dask", client=client, scatter=[problem]):
            parallel = Parallel(return_as="generator_unordered", batch_size=1)
            yield from parallel(delayed(search_subtree)(problem, i, nodes, sink) for i, nodes in tasks)
        return
    if n_jobs == 1:
        for i, nodes in tasks:
            yield search_subtree(problem, i, nodes, sink)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered", batch_size="auto")
    yield from parallel(delayed(search_subtree)(problem, i, nodes, sink) for i, nodes in tasks)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
