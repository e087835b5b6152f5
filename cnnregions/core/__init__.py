"""The types every engine shares: domains (:mod:`.domain`), results and statistics
(:mod:`.results`, :mod:`.stats`), the compiled search problem (:mod:`.problem`), the
search-tree node (:mod:`.node`), the engine protocol (:mod:`.engine`) and the JSON
schema version (:mod:`.schema`)."""

from .domain import Box, Domain, Plane, Segment, Space
from .problem import DEFAULT_TOLERANCE
from .results import Region, RegionCount

__all__ = ["DEFAULT_TOLERANCE", "Box", "Domain", "Plane", "Region", "RegionCount", "Segment", "Space"]
