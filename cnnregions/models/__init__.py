"""Architectures, weights, file formats, importers and the conv -> affine maps."""

from .affine import conv_matrix
from .architecture import Architecture, ConvLayer, DenseLayer, InputShape
from .importing import ImportResult
from .io import load_architecture, load_network, save_architecture, save_network
from .network import Network, he_network
from .onnx_import import load_onnx
from .paper import PAPER_NETWORKS, paper_architecture
from .resolve import ResolvedNetwork, resolve, resolve_architecture, resolve_network
from .torch_import import from_torch

__all__ = [
    "PAPER_NETWORKS", "Architecture", "ConvLayer", "DenseLayer", "ImportResult", "InputShape", "Network",
    "ResolvedNetwork", "conv_matrix", "from_torch", "he_network", "load_architecture", "load_network", "load_onnx",
    "paper_architecture", "resolve", "resolve_architecture", "resolve_network", "save_architecture", "save_network",
]
