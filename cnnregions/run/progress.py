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

from ..core.stats import Stats

__all__ = ["LINE_SECONDS", "make_reporter"]

#: Seconds between two plain progress lines when stderr is not a terminal.
LINE_SECONDS = 10.0
#: Seconds before anything is shown (short counts stay silent).
DELAY_SECONDS = 2.0
#: Seconds between two looks of a live reporter's clock.
TICK_SECONDS = 0.5


class _Report:
    """``update(total, queued)`` after each task (``total``: the count's statistics so far);
    ``close()`` at the end."""

    def update(self, total: Stats, queued: int) -> None:
        pass

    def resume(self, base: Stats) -> None:
        """What the count held before this run searched anything (left out of the rates)."""

    def close(self) -> None:
        pass


class _Callback(_Report):
    def __init__(self, callback: Callable[[int, int, int], None]) -> None:
        self.callback = callback

    def update(self, total, queued):
        self.callback(total.tasks, total.tasks + queued, total.regions)


class _Rates(_Report):
    """Shared bookkeeping: rates over the work of this run only, and a clock.

    The clock (a daemon thread started by :meth:`live`) calls :meth:`tick` every
    ``TICK_SECONDS``, so that the display moves while no task finishes.  Also
    callable as ``progress(done, known, regions)`` (the geometric engine's form,
    which counts no tree nodes).
    """

    def __init__(self, base: Stats) -> None:
        self.start = time.perf_counter()
        self.base = base
        self.state: tuple[Stats, int] | None = None
        self.nodes = True
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

    def resume(self, base: Stats) -> None:
        self.base = base

    def __call__(self, done: int, known: int, regions: int) -> None:
        self.nodes = False
        self.update(Stats(regions=regions, tasks=done), known - done)

    def describe(self) -> str:
        if self.state is None:
            return ("starting (building the problem and splitting the top of the tree; the first count after "
                    "installing also compiles the search kernel, about a minute)")
        total, queued = self.state
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = (total.regions - self.base.regions) / elapsed
        text = f"{total.tasks} tasks done, {queued} queued; {total.regions} regions ({rate:.0f}/s)"
        if self.nodes:
            text += f", {total.nodes} nodes ({(total.nodes - self.base.nodes) / elapsed:.0f}/s)"
        return text


class _Lines(_Rates):
    """Plain lines every ``LINE_SECONDS``, the first after ``DELAY_SECONDS`` (no carriage
    returns: logs, Slurm output files)."""

    def __init__(self, stream: TextIO, base: Stats) -> None:
        super().__init__(base)
        self.stream = stream
        self.last = self.start + DELAY_SECONDS - LINE_SECONDS

    def update(self, total, queued):
        with self.lock:
            self.state = (total, queued)
            self.tick()

    def tick(self) -> None:
        now = time.perf_counter()
        if now - self.last >= LINE_SECONDS:
            self.last = now
            print(f"progress: {self.describe()}, {now - self.start:.0f} s", file=self.stream, flush=True)


class _Bar(_Rates):
    def __init__(self, stream: TextIO, base: Stats) -> None:
        super().__init__(base)
        from tqdm import tqdm

        self.bar = tqdm(total=base.tasks, initial=base.tasks, unit="task", delay=DELAY_SECONDS,
                        dynamic_ncols=True, leave=False, file=stream)

    def resume(self, base: Stats) -> None:
        super().resume(base)
        with self.lock:
            self.bar.total = max(self.bar.total or 0, base.tasks)
            self.bar.update(base.tasks - self.bar.n)

    def update(self, total, queued):
        with self.lock:
            self.state = (total, queued)
            self.bar.total = total.tasks + queued
            self.bar.update(total.tasks - self.bar.n)
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            rate = (total.regions - self.base.regions) / elapsed
            self.bar.set_postfix_str(f"queued={queued} regions={total.regions} ({rate:.0f}/s)", refresh=False)

    def tick(self) -> None:
        if self.state is None:
            self.bar.set_postfix_str("starting", refresh=False)
        if time.perf_counter() - self.start >= DELAY_SECONDS:
            self.bar.refresh()

    def close(self):
        self.closed.set()
        with self.lock:
            self.bar.close()


def make_reporter(progress: bool | Callable[[int, int, int], None], base: Stats | None = None, *,
                  stream: TextIO | None = None, live: bool = False) -> _Report:
    """The reporter for ``count_regions(progress=...)``.

    ``base`` is what the count held before this run searched anything (the split, the
    tasks reused from a checkpoint): rates leave it out.

    ``progress`` is False (nothing), True (a tqdm bar when ``stream``, stderr by
    default, is a terminal, else a plain line every ``LINE_SECONDS``), a
    callable ``progress(done_tasks, known_tasks, regions_so_far)``, or a reporter
    made earlier by this function (it is told ``base`` and returned as is).
    ``live=True`` starts the reporter's clock, so that it shows itself after
    ``DELAY_SECONDS`` even if no task has finished.
    """
    base = Stats() if base is None else base
    if isinstance(progress, _Report):
        progress.resume(base)
        return progress
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return _Report()
    stream = sys.stderr if stream is None else stream
    reporter: _Rates | None = None
    if hasattr(stream, "isatty") and stream.isatty():
        with contextlib.suppress(ImportError):  # tqdm is optional: pip install cnnregions[progress]
            reporter = _Bar(stream, base)
    if reporter is None:
        reporter = _Lines(stream, base)
    return reporter.live() if live else reporter
