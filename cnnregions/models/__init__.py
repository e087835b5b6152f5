"""Architectures, weights, file formats and the conv -> affine maps."""

from .affine import conv_matrix
from .architecture import Architecture, ConvLayer, InputShape
from .io import architecture_of, load_architecture, load_network, resolve_network, save_architecture, save_network
from .network import Network, he_network
from .paper import PAPER_NETWORKS, paper_architecture

__all__ = [
    "PAPER_NETWORKS", "Architecture", "ConvLayer", "InputShape", "Network", "architecture_of", "conv_matrix",
    "he_network", "load_architecture", "load_network", "paper_architecture", "resolve_network",
    "save_architecture", "save_network",
]
