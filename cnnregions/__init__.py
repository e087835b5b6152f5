"""cnnregions: exact linear-region counts of ReLU convolutional networks.

Counts the linear regions ``R_{N,theta}`` (Definition 1 of Xiong et al., "On the
Number of Linear Regions of Convolutional Neural Networks", ICML 2020) of a ReLU
CNN with specific weights, exactly, by a depth-first search over activation
patterns with HiGHS linear programs, and sets them beside the paper's formulas.
"""

from importlib.metadata import PackageNotFoundError, version

from ._validation import InvalidParameterError
from .models import Architecture, Network, he_network, load_network, paper_architecture, save_network

try:  # one place for the version: pyproject.toml, read from the installed metadata
    __version__ = version("cnnregions")
except PackageNotFoundError:  # a source tree run without installing
    __version__ = "0+unknown"

__all__ = [
    "Architecture", "InvalidParameterError", "Network", "__version__", "he_network", "load_network",
    "paper_architecture", "save_network",
]
