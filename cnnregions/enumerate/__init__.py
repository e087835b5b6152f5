"""The exact search: LP feasibility (:mod:`.lp`), depth-first search (:mod:`.search`),
problem compilation (:mod:`.problem`), domains (:mod:`.domain`) and the parallel
driver (:mod:`.driver`)."""

from .domain import Box, Domain, Plane, Segment, Space
from .driver import DEFAULT_BUDGET, DEFAULT_SPLIT, count_regions, iter_regions
from .problem import DEFAULT_TOLERANCE
from .results import Region, RegionCount

__all__ = ["DEFAULT_BUDGET", "DEFAULT_SPLIT", "DEFAULT_TOLERANCE", "Box", "Domain", "Plane", "Region", "RegionCount",
           "Segment", "Space", "count_regions", "iter_regions"]
