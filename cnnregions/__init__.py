"""cnnregions: exact linear-region counts of ReLU convolutional networks.

Counts the linear regions ``R_{N,theta}`` (Definition 1 of Xiong et al., "On the
Number of Linear Regions of Convolutional Neural Networks", ICML 2020) of a ReLU
CNN with specific weights, exactly, by a depth-first search over activation
patterns with HiGHS linear programs, and sets them beside the paper's formulas.

>>> import cnnregions as cr
>>> net = cr.he_network(cr.paper_architecture("example1-d2"), seed=0)
>>> cr.count_regions(net).regions  # d^3 + d^2 + d + 1 (Example 1, Table 1)
15
"""

from .core import Box, Domain, Plane, Region, RegionCount, Segment, Space
from .errors import (
    CertifyUnavailable,
    CnnRegionsError,
    ComputationTooLargeError,
    ExactSolverError,
    InvalidParameterError,
    SolverError,
)
from .models import (
    Architecture,
    Network,
    ResolvedNetwork,
    he_network,
    load_network,
    paper_architecture,
    resolve,
    resolve_network,
    save_network,
)
from .run import count_regions, iter_regions


def __getattr__(name: str) -> str:
    """``__version__``, read on first use from the installed metadata (one place for the version:
    pyproject.toml); importing :mod:`importlib.metadata` costs a count about 20 ms."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("cnnregions")
        except PackageNotFoundError:  # a source tree run without installing
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Architecture", "Box", "CertifyUnavailable", "CnnRegionsError", "ComputationTooLargeError", "Domain",
    "ExactSolverError", "InvalidParameterError",
    "Network", "Plane", "Region", "RegionCount", "ResolvedNetwork", "Segment", "SolverError", "Space", "__version__",
    "count_regions", "he_network", "iter_regions", "load_network", "paper_architecture", "resolve", "resolve_network",
    "save_network",
]
