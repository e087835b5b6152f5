"""The LP search engine: LP feasibility (:mod:`.lp`), the path of rows and its LP
(:mod:`.path`), cone bounds (:mod:`.cones`), layer entry and screening (:mod:`.layers`,
:mod:`.screening`) and the depth-first search itself (:mod:`.search`)."""

__all__: list[str] = []   # the modules are the interface: cnnregions.lpsearch.search, .lp, ...
