"""One written form of an activation pattern.

An activation pattern gives every hidden neuron a sign (Definition 1 of Xiong et al.,
ICML 2020): ``True``/``1`` active (``z > 0``), ``False``/``0`` inactive (identically
zero neurons included).  In memory it is a bool array over the neurons, layer 1 first,
each layer in PyTorch's ``(channels, height, width)`` order.  Written down, it has one
form for people and text formats and one for bulk storage:

- **text** (the command line's output, ``--json``, GraphML, JSON graphs): one string of
  ``0``/``1`` per layer, the layers joined by ``|`` with no spaces, e.g.
  ``"000101|1111001111111100"`` for 6 + 16 neurons (:func:`format_pattern`,
  read back by :func:`parse_pattern`);
- **packed** (Parquet files, the ``pattern`` attribute of networkx nodes, where size
  matters): :func:`numpy.packbits` of the bool array, as bytes, big-endian bit order,
  padded with zeros to a whole byte (:func:`pack_pattern`, read back by
  :func:`unpack_pattern` with the number of neurons).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import InvalidParameterError

__all__ = ["SEPARATOR", "format_pattern", "pack_pattern", "parse_pattern", "unpack_pattern"]

#: Between the layers of a pattern written as text.
SEPARATOR = "|"


def format_pattern(pattern: Sequence[bool] | np.ndarray, sizes: Sequence[int]) -> str:
    """The pattern as text: ``0``/``1`` per neuron, layers joined by ``|``.

    Examples
    --------
    >>> format_pattern([True, False, False, True, True], [2, 3])
    '10|011'
    """
    bits = np.asarray(pattern, dtype=bool)
    sizes = [int(s) for s in sizes]
    if sum(sizes) != bits.size:
        raise InvalidParameterError(f"The 'pattern' must have {sum(sizes)} entries (the layers' neurons). "
                                    f"Got {bits.size} instead.")
    text = np.where(bits, "1", "0")
    ends = np.cumsum([0, *sizes])
    return SEPARATOR.join("".join(text[a:b]) for a, b in zip(ends[:-1], ends[1:]))


def parse_pattern(text: str, sizes: Sequence[int] | None = None) -> np.ndarray:
    """The bool array of a pattern written by :func:`format_pattern` (checked against ``sizes`` if given).

    Examples
    --------
    >>> parse_pattern("10|011", [2, 3]).tolist()
    [True, False, False, True, True]
    """
    if not isinstance(text, str):
        raise InvalidParameterError(f"The 'pattern' must be a string of 0/1 layers joined by '|'. Got {text!r} instead.")
    layers = text.split(SEPARATOR)
    if any(set(layer) - {"0", "1"} for layer in layers):
        raise InvalidParameterError(f"The 'pattern' must be a string of 0/1 layers joined by '|'. Got {text!r} instead.")
    if sizes is not None and [len(layer) for layer in layers] != [int(s) for s in sizes]:
        raise InvalidParameterError(f"The 'pattern' must have layers of {list(sizes)} neurons. "
                                    f"Got {[len(layer) for layer in layers]} instead.")
    return np.array([c == "1" for c in "".join(layers)], dtype=bool)


def pack_pattern(pattern: Sequence[bool] | np.ndarray) -> bytes:
    """The pattern packed 8 neurons to a byte (:func:`numpy.packbits`)."""
    return np.packbits(np.asarray(pattern, dtype=bool)).tobytes()


def unpack_pattern(packed: bytes, n_neurons: int) -> np.ndarray:
    """The bool array of a packed pattern of ``n_neurons`` neurons.

    Examples
    --------
    >>> unpack_pattern(pack_pattern([True, False, True]), 3).tolist()
    [True, False, True]
    """
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8))
    if not 0 <= len(bits) - int(n_neurons) < 8:
        raise InvalidParameterError(f"The packed 'pattern' must hold {n_neurons} neurons. "
                                    f"Got {len(packed)} bytes instead.")
    return bits[:n_neurons].astype(bool)
