"""The exact search: LP feasibility (:mod:`.lp`), depth-first search (:mod:`.search`),
problem compilation (:mod:`.problem`), domains (:mod:`.domain`) and the parallel
driver (:mod:`.driver`)."""

from .domain import Box, Plane
from .driver import DEFAULT_SPLIT, count_regions, iter_regions
from .lp import LPStatus, SolverError
from .problem import DEFAULT_TOLERANCE
from .results import Region, RegionCount

__all__ = ["DEFAULT_SPLIT", "DEFAULT_TOLERANCE", "Box", "LPStatus", "Plane", "Region", "RegionCount",
           "SolverError", "count_regions", "iter_regions"]
