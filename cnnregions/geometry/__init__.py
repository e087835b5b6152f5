"""Exact geometry of low-dimensional slices: polygons split layer by layer (no LP).

- :mod:`.lines`: every neuron's pre-activation on a slice, in floats with proven error bounds;
- :mod:`.polygon`: batches of convex polygons, certified vertex signs, splits;
- :mod:`.exact`: exact rational decisions where floats are in doubt;
- :mod:`.slice2d`: the regions of a windowed plane;
- :mod:`.segment`: the regions met by a segment (breakpoints along it);
- :mod:`.count`: the entry points used by :func:`~cnnregions.count_regions`.
"""

__all__: list[str] = []   # the modules are the interface: cnnregions.geometry.count, .slice2d, .segment, ...
