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

from ..core.stats import Stats

__all__ = ["LINE_SECONDS", "make_reporter"]

#: Seconds between two plain progress lines when stderr is not a terminal.
LINE_SECONDS = 10.0
#: Seconds before anything is shown (short counts stay silent).
DELAY_SECONDS = 2.0


class _Report:
    """``update(total, queued)`` after each task (``total``: the count's statistics so far);
    ``close()`` at the end."""

    def update(self, total: Stats, queued: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Callback(_Report):
    def __init__(self, callback: Callable[[int, int, int], None]) -> None:
        self.callback = callback

    def update(self, total, queued):
        self.callback(total.tasks, total.tasks + queued, total.regions)


class _Rates(_Report):
    """Shared bookkeeping: rates over the work of this run only."""

    def __init__(self, base: Stats) -> None:
        self.start = time.perf_counter()
        self.base = base

    def describe(self, total: Stats, queued: int) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = (total.regions - self.base.regions) / elapsed
        node_rate = (total.nodes - self.base.nodes) / elapsed
        return (f"{total.tasks} tasks done, {queued} queued; {total.regions} regions ({rate:.0f}/s), "
                f"{total.nodes} nodes ({node_rate:.0f}/s)")


class _Lines(_Rates):
    """Plain lines every ``LINE_SECONDS`` (no carriage returns: logs, Slurm output files)."""

    def __init__(self, stream: TextIO, base: Stats) -> None:
        super().__init__(base)
        self.stream = stream
        self.last = self.start + DELAY_SECONDS - LINE_SECONDS

    def update(self, total, queued):
        now = time.perf_counter()
        if now - self.last >= LINE_SECONDS:
            self.last = now
            print(f"progress: {self.describe(total, queued)}, {now - self.start:.0f} s",
                  file=self.stream, flush=True)


class _Bar(_Rates):
    def __init__(self, stream: TextIO, base: Stats) -> None:
        super().__init__(base)
        from tqdm import tqdm

        self.bar = tqdm(total=base.tasks, initial=base.tasks, unit="task", delay=DELAY_SECONDS,
                        dynamic_ncols=True, leave=False, file=stream)

    def update(self, total, queued):
        self.bar.total = total.tasks + queued
        self.bar.update(total.tasks - self.bar.n)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = (total.regions - self.base.regions) / elapsed
        self.bar.set_postfix_str(f"queued={queued} regions={total.regions} ({rate:.0f}/s)",
                                 refresh=False)

    def close(self):
        self.bar.close()


def make_reporter(progress: bool | Callable[[int, int, int], None], base: Stats | None = None, *,
                  stream: TextIO | None = None) -> _Report:
    """The reporter for ``count_regions(progress=...)``.

    ``base`` is what the count held before this run searched anything (the split, the
    tasks reused from a checkpoint): rates leave it out.

    ``progress`` is False (nothing), True (a tqdm bar when ``stream``, stderr by
    default, is a terminal, else a plain line every ``LINE_SECONDS``), or a
    callable ``progress(done_tasks, known_tasks, regions_so_far)``.
    """
    if callable(progress):
        return _Callback(progress)
    if not progress:
        return _Report()
    stream = sys.stderr if stream is None else stream
    base = Stats() if base is None else base
    if hasattr(stream, "isatty") and stream.isatty():
        try:
            return _Bar(stream, base)
        except ImportError:  # tqdm is optional: pip install cnnregions[progress]
            pass
    return _Lines(stream, base)
