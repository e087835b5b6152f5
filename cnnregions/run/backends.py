"""Where the tasks run: in this process, on local cores (a loky process pool)
or on a dask.distributed cluster (futures, ``as_completed``).

A :class:`Pool` takes tasks at any time (the children of a task are submitted
when it comes back) and yields results as they finish.  Every backend runs the
same tasks with the same function, each with a fresh search state, so the count
and the statistics do not depend on the backend.
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any, Self

from ..core.problem import SearchProblem
from ..errors import InvalidParameterError
from .lifeline import POLL_SECONDS, exit_with_parent
from .scheduler_probe import probe_scheduler, run_within
from .tasks import Task, TaskOptions, TaskResult, WarmSearch, run_task

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "Pool", "connect", "cpu_count", "resolve_jobs", "workers_of"]

#: Seconds allowed to reach a dask scheduler before giving up.
DEFAULT_CONNECT_TIMEOUT = 10.0

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
    # The whole handshake is bounded by ``timeout`` (see .scheduler_probe).
    start = time.monotonic()
    probe_scheduler(scheduler, timeout)
    left = max(timeout - (time.monotonic() - start), 0.5)

    def refused(reason: str) -> InvalidParameterError:
        return InvalidParameterError(
            f"The 'scheduler' must be a reachable dask scheduler. Got no answer from {scheduler!r} "
            f"within {timeout:g} s instead ({reason}).")

    try:
        return run_within(lambda: Client(scheduler, timeout=left, set_as_default=False), left,
                          lambda: refused("the handshake did not complete"))
    except (OSError, TimeoutError, ValueError) as exc:
        raise refused(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def workers_of(client) -> int:
    """Number of workers currently connected to ``client``'s scheduler."""
    return len(client.scheduler_info().get("workers", {}))


def cpu_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def resolve_jobs(n_jobs: int) -> int:
    """A checked ``n_jobs`` as a number of processes: -1 means every core (:func:`cpu_count`)."""
    return cpu_count() if n_jobs == -1 else int(n_jobs)


#: What a worker thread keeps between its tasks (loky workers have one thread, dask's may have
#: several): the problem last unpickled, with its bytes, and the warm search state.
_kept = threading.local()


def _warm() -> WarmSearch:
    """This worker thread's kept search state (:class:`~.tasks.WarmSearch`)."""
    warm = getattr(_kept, "warm", None)
    if warm is None:
        warm = _kept.warm = WarmSearch()
    return warm


def _run_pickled(blob: bytes, task: Task, options: TaskOptions) -> TaskResult:
    """Worker side of the loky pool: the problem travels pickled, as bytes, and is unpickled
    once per worker and count; the worker's search state is kept across its tasks."""
    if getattr(_kept, "blob", None) != blob:
        _kept.blob, _kept.problem = blob, pickle.loads(blob)
    return run_task(_kept.problem, task, options, _warm())


def _run_scattered(problem: SearchProblem, task: Task, options: TaskOptions) -> TaskResult:
    """Worker side of a dask cluster: the problem is scattered to every worker once; the worker
    thread's search state is kept across its tasks."""
    return run_task(problem, task, options, _warm())


class Pool:
    """Runs tasks serially, on ``n_jobs`` local processes, or on a dask ``client``.

    Use :meth:`submit` for every task, and iterate :meth:`results`, which yields
    a :class:`~.tasks.TaskResult` as each task finishes, until no task is pending; tasks may
    be submitted while iterating.  Shallower pieces are started first.
    """

    def __init__(self, problem: SearchProblem, options: TaskOptions, *, n_jobs: int = 1, client=None) -> None:
        self.problem = problem
        self.options = options
        self._client = client
        self._queue: deque[Task] = deque()
        self._pending: set = set()
        self._executor = None
        self._finished: queue.SimpleQueue = queue.SimpleQueue()  # local futures, as they finish
        self._completed: Any = None  # dask's as_completed, once a task is submitted to the cluster
        self._warm = WarmSearch()  # the serial backend's search state, kept across its tasks
        if client is not None:
            # The problem is sent to every worker once; tasks carry only their nodes.
            self._problem = client.scatter(problem, broadcast=True, hash=False)
        elif n_jobs > 1:
            # joblib's own factory for loky's (process-wide) reusable executor, so that a later
            # joblib.Parallel in the same process finds an executor it can reuse.
            from joblib.executor import get_memmapping_executor

            # Workers watch the parent from their start, so that idle ones also end when it is killed.
            self._executor = get_memmapping_executor(n_jobs, initializer=exit_with_parent,
                                                     initargs=(POLL_SECONDS, os.getpid()))
            self._blob = pickle.dumps(problem, protocol=pickle.HIGHEST_PROTOCOL)

    def submit(self, task: Task) -> None:
        if self._client is not None:
            from distributed import as_completed

            future = self._client.submit(_run_scattered, self._problem, task, self.options, pure=False,
                                         priority=-len(task.piece))
            self._pending.add(future)
            if self._completed is None:
                self._completed = as_completed([future], loop=self._client.loop)
            else:
                self._completed.add(future)
        elif self._executor is not None:
            future = self._executor.submit(_run_pickled, self._blob, task, self.options)
            self._pending.add(future)
            future.add_done_callback(self._finished.put)
        else:
            self._queue.append(task)

    def results(self) -> Iterator[TaskResult]:
        """The tasks' results as they finish (each finished future is handled once: no wait over
        every pending task per result, which would cost the parent O(tasks) each time)."""
        if self._client is not None:
            while self._pending:
                done = self._completed.next_batch(block=True)
                self._pending.difference_update(done)
                ordered = sorted(done, key=lambda f: f.key)  # any order is right; this one is reproducible
                yield from self._client.gather(ordered)
        elif self._executor is not None:
            while self._pending:
                future = self._finished.get()
                self._pending.discard(future)
                yield future.result()
        else:
            while self._queue:
                yield run_task(self.problem, self._queue.popleft(), self.options, self._warm)

    def close(self) -> None:
        """Cancel what is still pending (after an error or an interrupt)."""
        if self._client is not None:
            self._client.cancel([*self._pending, self._problem])
        else:
            for future in self._pending:
                future.cancel()
        self._pending.clear()
        self._queue.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
