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

from importlib.metadata import PackageNotFoundError, version

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

try:  # one place for the version: pyproject.toml, read from the installed metadata
    __version__ = version("cnnregions")
except PackageNotFoundError:  # a source tree run without installing
    __version__ = "0+unknown"

__all__ = [
    "Architecture", "Box", "CertifyUnavailable", "CnnRegionsError", "ComputationTooLargeError", "Domain",
    "ExactSolverError", "InvalidParameterError",
    "Network", "Plane", "Region", "RegionCount", "ResolvedNetwork", "Segment", "SolverError", "Space", "__version__",
    "count_regions", "he_network", "iter_regions", "load_network", "paper_architecture", "resolve", "resolve_network",
    "save_network",
]
