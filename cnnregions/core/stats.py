"""The statistics of a count, as one mergeable value.

Every engine describes the work it did as a :class:`Stats`; a task's, a checkpoint
record's and a whole count's are the same type, and ``a + b`` is the statistics of
both pieces of work.  Each statistic is defined once, here; :class:`~.results.RegionCount`
reports the sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["Stats"]


@dataclass(frozen=True)
class Stats:
    """What some piece of counting work found and cost.  ``Stats()`` is the zero: ``s + Stats() == s``.

    Attributes
    ----------
    regions : int
        Regions found (non-empty activation patterns, Definition 1 of Xiong et al.).
    lps : int
        Linear programs solved (0 for the geometric engine).
    nodes : int
        Search-tree nodes visited, leaves included (the geometric engine: line-against-piece tests).
    min_radius : float
        Every region found contains a ball of at least this radius (``inf`` when none was found),
        in the engine's units (search coordinates for a tree engine).
    max_rejected : float
        Largest positive radius of a candidate region rejected as too thin (0 if none).
    tasks : int
        Tasks that did the work (the split that cut the tree into tasks counts none).
    max_task_seconds, sum_task_seconds : float
        The longest task's wall-clock seconds and the sum over tasks.
    cpu_seconds : float
        CPU seconds of the processes that ran the tasks.
    certified : bool
        Whether every decision was proven in exact arithmetic (the zero is certified:
        ``and`` over no work is true).
    unresolved : int
        Decisions near a threshold that were not proven (float mode).
    certificates : int
        Emptiness certificates checked exactly.
    exact_decisions : int
        Decisions made in exact rational arithmetic because floats could not settle them.
    disagreements : int
        Float decisions that the exact checks overturned (certify mode).
    """

    regions: int = 0
    lps: int = 0
    nodes: int = 0
    min_radius: float = math.inf
    max_rejected: float = 0.0
    tasks: int = 0
    max_task_seconds: float = 0.0
    sum_task_seconds: float = 0.0
    cpu_seconds: float = 0.0
    certified: bool = True
    unresolved: int = 0
    certificates: int = 0
    exact_decisions: int = 0
    disagreements: int = 0

    def __add__(self, other: Stats) -> Stats:
        if not isinstance(other, Stats):
            return NotImplemented
        return Stats(
            regions=self.regions + other.regions, lps=self.lps + other.lps, nodes=self.nodes + other.nodes,
            min_radius=min(self.min_radius, other.min_radius), max_rejected=max(self.max_rejected, other.max_rejected),
            tasks=self.tasks + other.tasks, max_task_seconds=max(self.max_task_seconds, other.max_task_seconds),
            sum_task_seconds=self.sum_task_seconds + other.sum_task_seconds,
            cpu_seconds=self.cpu_seconds + other.cpu_seconds, certified=self.certified and other.certified,
            unresolved=self.unresolved + other.unresolved, certificates=self.certificates + other.certificates,
            exact_decisions=self.exact_decisions + other.exact_decisions,
            disagreements=self.disagreements + other.disagreements)

    def as_task(self, seconds: float, cpu_seconds: float) -> Stats:
        """These statistics as one task's, which took ``seconds`` (wall clock) and ``cpu_seconds``."""
        return Stats(**{**self.to_dict(), "tasks": 1, "max_task_seconds": seconds, "sum_task_seconds": seconds,
                        "cpu_seconds": cpu_seconds})

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    # -- one task's record in a checkpoint (the keys of checkpoint format 2) ---------------
    #: A task record's integer counts, its floats, and its exactness flag.
    RECORD_COUNTS = ("regions", "lps", "nodes", "unresolved", "certificates", "exact_decisions", "disagreements")
    RECORD_FLOATS = ("min_radius", "max_rejected", "seconds", "cpu_seconds")

    def to_record(self) -> dict:
        """One task's statistics as checkpoint keys (``seconds``: the task's wall clock)."""
        record = {key: getattr(self, key) for key in self.RECORD_COUNTS}
        record.update(min_radius=self.min_radius, max_rejected=self.max_rejected, seconds=self.sum_task_seconds,
                      cpu_seconds=self.cpu_seconds, certified=self.certified)
        return record

    @classmethod
    def from_record(cls, counts: dict, floats: dict, certified: bool) -> Stats:
        """A task's statistics from validated checkpoint values (:meth:`to_record`'s keys)."""
        return cls(**{key: counts[key] for key in cls.RECORD_COUNTS}, min_radius=floats["min_radius"],
                   max_rejected=floats["max_rejected"], tasks=1, max_task_seconds=floats["seconds"],
                   sum_task_seconds=floats["seconds"], cpu_seconds=floats["cpu_seconds"], certified=certified)
