"""SIGTERM handled like SIGINT: a clean ``KeyboardInterrupt`` in the main thread.

Batch systems (Slurm at the wall-time limit, ``timeout``, ``kill``) send SIGTERM.
Python's default for it is to die at once, without running ``finally`` blocks: no
message, a half-drawn progress line.  Turned into ``KeyboardInterrupt``, it unwinds
like Ctrl-C: the checkpoint is closed (every finished subtree is already fsync'd),
the progress bar is cleared, and the command says how to resume.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["terminate_as_interrupt"]


@contextmanager
def terminate_as_interrupt() -> Iterator[Callable[[], bool]]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt``; yields ``received()``.

    Does nothing outside the main thread (signal handlers can only be set there);
    the previous handler is restored on exit.
    """
    state = {"received": False}
    if threading.current_thread() is not threading.main_thread():
        yield lambda: state["received"]
        return

    def handler(signum, frame):
        if state["received"]:  # a second SIGTERM while unwinding: do not interrupt the cleanup
            return
        state["received"] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield lambda: state["received"]
    finally:
        signal.signal(signal.SIGTERM, previous)
