"""The one place where a count's engine is chosen (:func:`engine_for`).

- a :class:`~cnnregions.Segment`: the geometric engine's intervals (:class:`IntervalEngine`);
  the LP search does not take segments;
- a :class:`~cnnregions.Plane` with a window: the geometric engine's polygons
  (:class:`PolygonEngine`, exact, no LP), unless the count is certified or its regions go
  to a sink (export, graph): the LP search proves and hands out regions, the polygons do not;
- anything else (all of the input space, a box, a plane without a window): the tree
  engine named by ``engine`` (:func:`tree_engine`): the compiled kernel (``"kernel"``, the
  default: :class:`~cnnregions.kernel.KernelEngine`) or the reference LP search
  (``"reference"``: :class:`~cnnregions.lpsearch.engine.LPEngine`).  Both search the same
  tree and find the same regions and nodes; the kernel hands HiGHS only the sides it cannot
  prove (and, in a certified count, the exact checks what it cannot prove exactly), and
  serves float and certified problems of at most :data:`~cnnregions.kernel.KERNEL_MAX_DIM`
  dimensions (others get the reference search).

A new engine is one new class (the :class:`~cnnregions.core.engine.Engine` protocol) and one
line here.
"""

from __future__ import annotations

from ..core.domain import Domain, Plane, Segment
from ..core.engine import Engine, TreeEngine
from ..errors import InvalidParameterError
from ..kernel.engine import KernelEngine
from ..lpsearch.engine import LPEngine

__all__ = ["DEFAULT_ENGINE", "TREE_ENGINES", "check_engine", "engine_for", "tree_engine"]

#: The tree engines by name (``engine=`` in the API, ``--engine`` on the command line).
TREE_ENGINES: dict[str, type[TreeEngine]] = {"kernel": KernelEngine, "reference": LPEngine}
DEFAULT_ENGINE = "kernel"


def check_engine(name: object) -> str:
    """``name`` if it names a tree engine; else one line naming the choices."""
    if not isinstance(name, str) or name not in TREE_ENGINES:
        choices = ", ".join(repr(n) for n in TREE_ENGINES)
        raise InvalidParameterError(f"The 'engine' must be one of {choices}. Got {name!r} instead.")
    return name


def tree_engine(name: str = DEFAULT_ENGINE) -> TreeEngine:
    """The engine of the search tree over activation patterns (counts, estimates, tasks)."""
    return TREE_ENGINES[check_engine(name)]()


def engine_for(domain: Domain | None, *, certify: bool = False, sink: object = None,
               engine: str = DEFAULT_ENGINE) -> Engine:
    """The engine that counts on ``domain`` (see the module docstring); ``engine`` names the
    tree engine (checked even where the domain is split geometrically)."""
    check_engine(engine)
    if isinstance(domain, Segment):
        from ..geometry.count import IntervalEngine  # scipy and flint load here, on first use

        return IntervalEngine()
    if isinstance(domain, Plane) and domain.window is not None and not certify and sink is None:
        from ..geometry.count import PolygonEngine

        return PolygonEngine()
    return tree_engine(engine)
