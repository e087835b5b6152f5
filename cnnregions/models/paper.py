"""The paper's example networks, by name.

=================  ==========================================================  ==========
name               architecture                                                source
=================  ==========================================================  ==========
``example1-dK``    input 1x3x1; K filters 1x2, stride 1                         Example 1, Table 1
``example4-dK``    input 1x4x1; 2 filters 1x2; K filters 1x2x2, stride 1        Example 4, Table 2
``pitfall2d-dK``   input 3x3x1; K filters 2x2, stride 1                         NOTES: eq. (4) overcounts
=================  ==========================================================  ==========

The paper's tables use K = 1..8; any K >= 1 is accepted.
"""

from __future__ import annotations

import re

from ..errors import InvalidParameterError
from .architecture import Architecture

__all__ = ["PAPER_NETWORKS", "is_paper_name", "paper_architecture"]

PAPER_NETWORKS = {
    "example1": "input 1x3x1, K filters 1x2 (Example 1, Table 1)",
    "example4": "input 1x4x1, 2 filters 1x2, then K filters 1x2x2 (Example 4, Table 2)",
    "pitfall2d": "input 3x3x1, K filters 2x2 (where eq. (4) overcounts)",
}
_NAME = re.compile(r"^(example1|example4|pitfall2d)-d([0-9]+)$")


def is_paper_name(name: str) -> bool:
    """True if ``name`` has the form of a paper network name (``example1-d3`` ...)."""
    return bool(_NAME.match(name))


def paper_architecture(name: str) -> Architecture:
    """Architecture of a paper network given by name, e.g. ``"example4-d8"``."""
    match = _NAME.match(name) if isinstance(name, str) else None
    if not match or int(match.group(2)) < 1:
        raise InvalidParameterError(
            "The network name must be one of example1-dK, example4-dK, pitfall2d-dK with K >= 1 "
            f"(e.g. example4-d8). Got {name!r} instead.")
    family, d = match.group(1), int(match.group(2))
    if family == "example1":
        return Architecture({"height": 1, "width": 3, "channels": 1},
                            [{"channels": d, "kernel": [1, 2], "stride": 1}])
    if family == "example4":
        return Architecture({"height": 1, "width": 4, "channels": 1},
                            [{"channels": 2, "kernel": [1, 2], "stride": 1},
                             {"channels": d, "kernel": [1, 2], "stride": 1}])
    return Architecture({"height": 3, "width": 3, "channels": 1},
                        [{"channels": d, "kernel": [2, 2], "stride": 1}])
