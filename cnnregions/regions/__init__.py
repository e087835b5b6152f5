"""The regions themselves: the region of a point (:func:`region_of`), the adjacency
graph (:func:`region_graph`) and the export of every region to Parquet
(:func:`export_regions`)."""

from .export import export_regions, read_patterns
from .graph import graph_summary, region_graph, write_graph
from .point import RegionInfo, region_of

__all__ = ["RegionInfo", "export_regions", "graph_summary", "read_patterns", "region_graph", "region_of",
           "write_graph"]
