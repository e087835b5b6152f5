"""Progress of a count: a bar on a terminal, plain periodic lines in a log.

Tasks stop after a work budget (:mod:`.tasks`), so progress moves inside long
subtrees too: every finished task brings its regions and nodes.  Rates count
only the work done in this run, not what a checkpoint supplied.

A count is never silent for long: the bar and the lines have their own clock (a
daemon thread), so they appear ``DELAY_SECONDS`` after the start and then keep
coming even while no task finishes (building the problem, splitting the top of
the tree, or one long first task).  A reporter made before the count
(:func:`make_reporter` with ``live=True``) can be passed to ``count_regions`` as
its ``progress`` argument: the command line does so, so that its clock starts
with the command, not after the split.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["LINE_SECONDS", "make_reporter"]

#: Seconds between two plain progress lines when stderr is not a terminal.
LINE_SECONDS = 10.0
#: Seconds before anything is shown (short counts stay silent).
DELAY_SECONDS = 2.0
#: Seconds between two looks of a live reporter's clock.
TICK_SECONDS = 0.5


class _Report:
    """``update(done, queued, regions, nodes)`` after each task; ``close()`` at the end."""

    def update(self, done: int, queued: int, regions: int, nodes: int | None) -> None:
        pass

    def resume(self, reused_tasks: int, reused_regions: int, reused_nodes: int) -> None:
        """What a checkpoint supplied (left out of the rates)."""

    def close(self) -> None:
        pass


class _Callback(_Report):
    def __init__(self, callback: Callable[[int, int, int], None]) -> None:
        self.callback = callback

    def update(self, done, queued, regions, nodes):
        self.callback(done, done + queued, regions)


class _Rates(_Report):
    """Shared bookkeeping: rates over the work of this run only, and a clock.

    The clock (a daemon thread started by :meth:`live`) calls :meth:`tick` every
    ``TICK_SECONDS``, so that the display moves while no task finishes.  Also
    callable as ``progress(done, known, regions)`` (the geometric engine's form).
    """

    def __init__(self, reused_regions: int, reused_nodes: int) -> None:
        self.start = time.perf_counter()
        self.base = (reused_regions, reused_nodes)
        self.state: tuple[int, int, int, int | None] | None = None
        self.lock = threading.Lock()
        self.closed = threading.Event()

    def live(self) -> _Rates:
        def run() -> None:
            while not self.closed.wait(TICK_SECONDS):
                with self.lock:
                    if not self.closed.is_set():
                        self.tick()

        threading.Thread(target=run, name="cnnregions-progress", daemon=True).start()
        return self

    def tick(self) -> None:
        pass

    def close(self) -> None:
        self.closed.set()

    def resume(self, reused_tasks: int, reused_regions: int, reused_nodes: int) -> None:
        self.base = (reused_regions, reused_nodes)

    def __call__(self, done: int, known: int, regions: int) -> None:
        self.update(done, known - done, regions, None)

    def describe(self) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        if self.state is None:
            return "starting (building the problem and splitting the top of the tree)"
        done, queued, regions, nodes = self.state
        text = f"{done} tasks done, {queued} queued; {regions} regions ({(regions - self.base[0]) / elapsed:.0f}/s)"
        if nodes is not None:
            text += f", {nodes} nodes ({(nodes - self.base[1]) / elapsed:.0f}/s)"
        return text


class _Lines(_Rates):
    """Plain lines every ``LINE_SECONDS``, the first after ``DELAY_SECONDS`` (no carriage
    returns: logs, Slurm output files)."""

    def __init__(self, stream: TextIO, reused_regions: int, reused_nodes: int) -> None:
        super().__init__(reused_regions, reused_nodes)
        self.stream = stream
        self.last = self.start + DELAY_SECONDS - LINE_SECONDS

    def update(self, done, queued, regions, nodes):
        with self.lock:
            self.state = (done, queued, regions, nodes)
            self.tick()

    def tick(self) -> None:
        now = time.perf_counter()
        if now - self.last >= LINE_SECONDS:
            self.last = now
            print(f"progress: {self.describe()}, {now - self.start:.0f} s", file=self.stream, flush=True)


class _Bar(_Rates):
    def __init__(self, stream: TextIO, reused_tasks: int, reused_regions: int, reused_nodes: int) -> None:
        super().__init__(reused_regions, reused_nodes)
        from tqdm import tqdm

        self.bar = tqdm(total=reused_tasks, initial=reused_tasks, unit="task", delay=DELAY_SECONDS,
                        dynamic_ncols=True, leave=False, file=stream)

    def resume(self, reused_tasks: int, reused_regions: int, reused_nodes: int) -> None:
        super().resume(reused_tasks, reused_regions, reused_nodes)
        with self.lock:
            self.bar.total = max(self.bar.total or 0, reused_tasks)
            self.bar.update(reused_tasks - self.bar.n)

    def update(self, done, queued, regions, nodes):
        with self.lock:
            self.state = (done, queued, regions, nodes)
            self.bar.total = done + queued
            self.bar.update(done - self.bar.n)
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            self.bar.set_postfix_str(f"queued={queued} regions={regions} ({(regions - self.base[0]) / elapsed:.0f}/s)",
                                     refresh=False)

    def tick(self) -> None:
        if self.state is None:
            self.bar.set_postfix_str("starting", refresh=False)
        if time.perf_counter() - self.start >= DELAY_SECONDS:
            self.bar.refresh()

    def close(self):
        self.closed.set()
        with self.lock:
            self.bar.close()


def make_reporter(progress: bool | Callable[[int, int, int], None], *, reused_tasks: int = 0,
                  reused_regions: int = 0, reused_nodes: int = 0, stream: TextIO | None = None,
                  live: bool = False) -> _Report:
    """The reporter for ``count_regions(progress=...)``.

    ``progress`` is False (nothing), True (a tqdm bar when ``stream``, stderr by
    default, is a terminal, else a plain line every ``LINE_SECONDS``), a
    callable ``progress(done_tasks, known_tasks, regions_so_far)``, or a reporter
    made earlier by this function (it is told what the checkpoint supplied and
    returned as is).  ``live=True`` starts the reporter's clock, so that it shows
    itself after ``DELAY_SECONDS`` even if no task has finished.
    """
    if isinstance(progress, _Report):
        progress.resume(reused_tasks, reused_regions, reused_nodes)
        return progress
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return _Report()
    stream = sys.stderr if stream is None else stream
    reporter: _Rates | None = None
    if hasattr(stream, "isatty") and stream.isatty():
        with contextlib.suppress(ImportError):  # tqdm is optional: pip install cnnregions[progress]
            reporter = _Bar(stream, reused_tasks, reused_regions, reused_nodes)
    if reporter is None:
        reporter = _Lines(stream, reused_regions, reused_nodes)
    return reporter.live() if live else reporter
