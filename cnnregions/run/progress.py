"""Progress of a count: a bar on a terminal, plain periodic lines in a log.

Tasks stop after a work budget (:mod:`.tasks`), so progress moves inside long
subtrees too: every finished task brings its regions and nodes.  Rates count
only the work done in this run, not what a checkpoint supplied.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["LINE_SECONDS", "make_reporter"]

#: Seconds between two plain progress lines when stderr is not a terminal.
LINE_SECONDS = 10.0
#: Seconds before anything is shown (short counts stay silent).
DELAY_SECONDS = 2.0


class _Report:
    """``update(done, queued, regions, nodes)`` after each task; ``close()`` at the end."""

    def update(self, done: int, queued: int, regions: int, nodes: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Callback(_Report):
    def __init__(self, callback: Callable[[int, int, int], None]) -> None:
        self.callback = callback

    def update(self, done, queued, regions, nodes):
        self.callback(done, done + queued, regions)


class _Rates(_Report):
    """Shared bookkeeping: rates over the work of this run only."""

    def __init__(self, reused_regions: int, reused_nodes: int) -> None:
        self.start = time.perf_counter()
        self.base = (reused_regions, reused_nodes)

    def describe(self, done: int, queued: int, regions: int, nodes: int) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = (regions - self.base[0]) / elapsed
        node_rate = (nodes - self.base[1]) / elapsed
        return (f"{done} tasks done, {queued} queued; {regions} regions ({rate:.0f}/s), "
                f"{nodes} nodes ({node_rate:.0f}/s)")


class _Lines(_Rates):
    """Plain lines every ``LINE_SECONDS`` (no carriage returns: logs, Slurm output files)."""

    def __init__(self, stream: TextIO, reused_regions: int, reused_nodes: int) -> None:
        super().__init__(reused_regions, reused_nodes)
        self.stream = stream
        self.last = self.start + DELAY_SECONDS - LINE_SECONDS

    def update(self, done, queued, regions, nodes):
        now = time.perf_counter()
        if now - self.last >= LINE_SECONDS:
            self.last = now
            print(f"progress: {self.describe(done, queued, regions, nodes)}, {now - self.start:.0f} s",
                  file=self.stream, flush=True)


class _Bar(_Rates):
    def __init__(self, stream: TextIO, reused_tasks: int, reused_regions: int, reused_nodes: int) -> None:
        super().__init__(reused_regions, reused_nodes)
        from tqdm import tqdm

        self.bar = tqdm(total=reused_tasks, initial=reused_tasks, unit="task", delay=DELAY_SECONDS,
                        dynamic_ncols=True, leave=False, file=stream)

    def update(self, done, queued, regions, nodes):
        self.bar.total = done + queued
        self.bar.update(done - self.bar.n)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.bar.set_postfix_str(f"queued={queued} regions={regions} ({(regions - self.base[0]) / elapsed:.0f}/s)",
                                 refresh=False)

    def close(self):
        self.bar.close()


def make_reporter(progress: bool | Callable[[int, int, int], None], *, reused_tasks: int = 0,
                  reused_regions: int = 0, reused_nodes: int = 0, stream: TextIO | None = None) -> _Report:
    """The reporter for ``count_regions(progress=...)``.

    ``progress`` is False (nothing), True (a tqdm bar when ``stream``, stderr by
    default, is a terminal, else a plain line every ``LINE_SECONDS``), or a
    callable ``progress(done_tasks, known_tasks, regions_so_far)``.
    """
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return _Report()
    stream = sys.stderr if stream is None else stream
    if hasattr(stream, "isatty") and stream.isatty():
        try:
            return _Bar(stream, reused_tasks, reused_regions, reused_nodes)
        except ImportError:  # tqdm is optional: pip install cnnregions[progress]
            pass
    return _Lines(stream, reused_regions, reused_nodes)
