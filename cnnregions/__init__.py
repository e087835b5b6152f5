"""cnnregions: exact linear-region counts of ReLU convolutional networks.

Counts the linear regions ``R_{N,theta}`` (Definition 1 of Xiong et al., "On the
Number of Linear Regions of Convolutional Neural Networks", ICML 2020) of a ReLU
CNN with specific weights, exactly, by a depth-first search over activation
patterns with HiGHS linear programs, and sets them beside the paper's formulas.
"""

from ._validation import InvalidParameterError
from .models import Architecture, Network, he_network, load_network, paper_architecture, save_network

__version__ = "0.1.0"

__all__ = [
    "Architecture", "InvalidParameterError", "Network", "__version__", "he_network", "load_network",
    "paper_architecture", "save_network",
]
