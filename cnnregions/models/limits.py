"""Memory a network needs, checked before anything large is allocated.

Three things grow with the architecture (float64, 8 bytes a number):

- the weights: Lemma 4's parameter count;
- the affine maps: every layer as a dense matrix ``n_l x n_{l-1}``
  (:func:`~.affine.conv_matrix`; building one also takes index arrays of about
  80 bytes per non-zero entry);
- the exact search: each layer's map composed down to the search coordinates
  (``n_l x dim``, a few copies) and one constraint row per neuron, ``dim`` being
  the input dimension, or 2 on a plane (``--plane``).

An architecture whose needs exceed the limit is refused with one line saying how
much it would take, before the weights are drawn or the matrices built: a
``10^6 x 10^6`` input or ``example4-d100000000`` ends at once with bounded memory
instead of a ``MemoryError`` traceback or swapping.

The limit is half of the machine's physical memory, or the number of bytes in the
environment variable ``CNNREGIONS_MEMORY_LIMIT`` (e.g. ``64e9``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .._validation import InvalidParameterError
from .architecture import Architecture, DenseLayer

__all__ = ["MemoryNeeds", "check_bytes", "check_memory", "memory_limit", "memory_needs"]

_FLOAT = 8
#: Bytes of index arrays per non-zero entry while a convolution matrix is built.
_INDEX_BYTES = 80
#: Limit when the physical memory cannot be read.
_FALLBACK_LIMIT = 4 * 2 ** 30


def memory_limit() -> int:
    """The memory limit in bytes: ``CNNREGIONS_MEMORY_LIMIT``, else half the physical memory."""
    return _limit()[0]


def _limit() -> tuple[int, str]:
    text = os.environ.get("CNNREGIONS_MEMORY_LIMIT")
    if text:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0 or value == float("inf"):
            raise InvalidParameterError(
                f"The environment variable CNNREGIONS_MEMORY_LIMIT must be a positive number of bytes (e.g. 64e9). "
                f"Got {text!r} instead.")
        return int(value), "CNNREGIONS_MEMORY_LIMIT"
    try:
        half = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
        return half, "half of this machine's; set CNNREGIONS_MEMORY_LIMIT to change it"
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return _FALLBACK_LIMIT, "set CNNREGIONS_MEMORY_LIMIT to change it"


@dataclass(frozen=True)
class MemoryNeeds:
    """Bytes needed by the weights, the affine maps and the search (for a given ``dim``)."""

    weights: int
    maps: int
    search: int
    largest_map: tuple[int, int, int]  # (layer, rows, columns)

    @property
    def total(self) -> int:
        return self.weights + self.maps + self.search


def memory_needs(arch: Architecture, dim: int | None = None) -> MemoryNeeds:
    """Estimated bytes for ``arch``; ``dim`` is the search's dimension (input dimension if None)."""
    dim = arch.input_dim if dim is None else dim
    sizes = (arch.input_dim, *arch.layer_sizes)
    dense = [rows * cols for rows, cols in zip(sizes[1:], sizes[:-1])]
    nonzero = [rows * (cols if isinstance(layer, DenseLayer) else layer.kernel[0] * layer.kernel[1] * shape[2])
               for rows, cols, layer, shape in zip(sizes[1:], sizes[:-1], arch.layers, arch.shapes)]
    layer = max(range(arch.depth), key=lambda l: dense[l])
    maps = _FLOAT * sum(dense) + _INDEX_BYTES * max(nonzero)
    n = arch.n_neurons
    search = _FLOAT * (2 * sum(dense) + 4 * (n + 1) * dim)
    return MemoryNeeds(_FLOAT * arch.n_parameters, maps, search, (layer + 1, sizes[layer + 1], sizes[layer]))


def _size(nbytes: int) -> str:
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            return f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} EiB"  # pragma: no cover


def check_memory(arch: Architecture, *, dim: int | None = None, stage: str = "search") -> MemoryNeeds:
    """Refuse ``arch`` if ``stage`` ("weights", "maps" or "search") would exceed the memory limit.

    Each stage includes the ones before it.  Raises
    :class:`~cnnregions.InvalidParameterError` naming the architecture, the bytes
    needed, the largest layer matrix and the limit.
    """
    needs = memory_needs(arch, dim)
    total = {"weights": needs.weights, "maps": needs.weights + needs.maps, "search": needs.total}[stage]
    limit, source = _limit()
    if total <= limit:
        return needs
    layer, rows, cols = needs.largest_map
    what = {"weights": "its weights", "maps": "its weights and affine maps",
            "search": "its weights, affine maps and search state"}[stage]
    hint = ("count on a plane through three inputs (--plane, two variables per LP) or in a small box (--box)"
            if stage == "search" and needs.search > needs.weights + needs.maps
            else "a smaller network is needed (--plane and --box shrink the search, not the network's own matrices)")
    raise InvalidParameterError(
        f"The network {arch.describe()} must fit in memory (limit {_size(limit)}: {source}). "
        f"Got about {_size(total)} for {what} instead (layer {layer} alone is a "
        f"{rows:,} x {cols:,} matrix); {hint}.")


def check_bytes(nbytes: int, what: str, detail: str, hint: str) -> None:
    """Refuse a step that would allocate ``nbytes`` over the memory limit, before it allocates.

    ``what`` names the step ("The region's facet search"), ``detail`` what is large
    ("a 60,006 x 60,006 Gram matrix") and ``hint`` what to do instead.
    """
    limit, source = _limit()
    if nbytes > limit:
        raise InvalidParameterError(
            f"{what} must fit in memory (limit {_size(limit)}: {source}). Got about {_size(nbytes)} for {detail} "
            f"instead; {hint}.")
