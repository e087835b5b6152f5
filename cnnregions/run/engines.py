"""The one place where a count's engine is chosen (:func:`engine_for`).

- a :class:`~cnnregions.Segment`: the geometric engine's intervals (:class:`IntervalEngine`);
  the LP search does not take segments;
- a :class:`~cnnregions.Plane` with a window: the geometric engine's polygons
  (:class:`PolygonEngine`, exact, no LP), unless the count is certified or its regions go
  to a sink (export, graph): the LP search proves and hands out regions, the polygons do not;
- anything else (all of the input space, a box, a plane without a window): the tree
  engine (:func:`tree_engine`), the LP search.

A new engine is one new class (the :class:`~cnnregions.core.engine.Engine` protocol) and one
line here.
"""

from __future__ import annotations

from ..core.domain import Domain, Plane, Segment
from ..core.engine import Engine, TreeEngine
from ..geometry.count import IntervalEngine, PolygonEngine
from ..lpsearch.engine import LPEngine

__all__ = ["engine_for", "tree_engine"]


def tree_engine() -> TreeEngine:
    """The engine of the search tree over activation patterns (counts, estimates, tasks)."""
    return LPEngine()


def engine_for(domain: Domain | None, *, certify: bool = False, sink: object = None) -> Engine:
    """The engine that counts on ``domain`` (see the module docstring)."""
    if isinstance(domain, Segment):
        return IntervalEngine()
    if isinstance(domain, Plane) and domain.window is not None and not certify and sink is None:
        return PolygonEngine()
    return tree_engine()
