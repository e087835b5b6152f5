"""Worker processes end when the process that started them is gone.

After ``kill -9`` of a ``count --jobs N`` run, loky's workers would finish their
subtree and then idle for minutes (loky's idle timeout) holding memory and cores.
:func:`exit_with_parent`, called at the start of every task, starts (once per
process) a daemon thread that polls the parent's pid and ends the process when
the parent has died (the process is then re-parented, so ``getppid`` changes).
In the main process (no multiprocessing parent) it does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
import time

__all__ = ["POLL_SECONDS", "exit_with_parent"]

#: Seconds between two looks at the parent.
POLL_SECONDS = 1.0
_lock = threading.Lock()
_watching: set[int] = set()  # pids of the processes that already watch their parent


def exit_with_parent(poll: float = POLL_SECONDS, parent: int | None = None) -> bool:
    """In a child process, start watching the parent; returns True if it watches.

    ``parent`` is the pid to watch (by default ``os.getppid()`` now).  A pool that
    passes its own pid also catches a parent killed before the worker got here.
    """
    # A process that has not imported multiprocessing is no child of it (a pool's workers run
    # multiprocessing's own start-up): the main process of a serial count never imports it here.
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None or multiprocessing.parent_process() is None:
        return False
    with _lock:
        pid = os.getpid()
        if pid in _watching:  # a forked copy of a watching process watches its own parent
            return True
        _watching.add(pid)
    if parent is None:
        parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)  # nothing to save: the parent held the results and the checkpoint

    threading.Thread(target=watch, name="cnnregions-lifeline", daemon=True).start()
    return True
