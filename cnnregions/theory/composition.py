"""Theorem 4: two convolution layers with no activation between them are one.

Layer 1 (``d1`` filters ``f1(1) x f1(2) x d0``, stride ``s1``) followed directly by
layer 2 (``d2`` filters ``f2(1) x f2(2) x d1``, stride ``s2``) is the single
convolution with ``d2`` filters of size

    f(k) = f1(k) + (f2(k) - 1) s1,   stride s = s1 s2.

With the paper's pre-activation ``Z = sum W X[a + i s, b + j s] + B`` the composed
filter and bias are

    W[k, c, a2 s1 + a1, b2 s1 + b1] += sum_m W2[k, m, a2, b2] W1[m, c, a1, b1],
    B[k] = B2[k] + sum_{m, a2, b2} W2[k, m, a2, b2] B1[m].
"""

from __future__ import annotations

import numpy as np

from .._validation import field_error
from ..errors import InvalidParameterError
from ..models.architecture import Architecture
from ..models.network import Network
from ._checks import check_architecture, check_count, conv_layers, require_paper_setting

__all__ = ["theorem4_architecture", "theorem4_kernel", "theorem4_network", "theorem4_weights"]


def _kernel(kernel: object, field: str) -> tuple[int, int]:
    if not isinstance(kernel, (tuple, list)) or len(kernel) != 2:
        raise field_error(field, "a pair of positive integers (f(1), f(2))", kernel)
    return check_count(kernel[0], field, minimum=1), check_count(kernel[1], field, minimum=1)


def theorem4_kernel(kernel1: tuple[int, int], stride1: int, kernel2: tuple[int, int],
                    stride2: int) -> tuple[tuple[int, int], int]:
    """Theorem 4's filter size and stride of the composed layer.

    Returns
    -------
    kernel : (int, int)
        ``f1(k) + (f2(k) - 1) s1`` for ``k = 1, 2``.
    stride : int
        ``s1 s2``.
    """
    s1 = check_count(stride1, "The 'stride1'", minimum=1)
    s2 = check_count(stride2, "The 'stride2'", minimum=1)
    f1, f2 = _kernel(kernel1, "The 'kernel1'"), _kernel(kernel2, "The 'kernel2'")
    return (f1[0] + (f2[0] - 1) * s1, f1[1] + (f2[1] - 1) * s1), s1 * s2


def _check_pair(arch: Architecture, layer: int) -> int:
    require_paper_setting(check_architecture(arch), "Theorem 4")
    layer = check_count(layer, "The 'layer'", minimum=1)
    if layer >= arch.depth:
        raise InvalidParameterError(
            f"Theorem 4 composes layer 'layer' with the next one, so 'layer' must be at most "
            f"{arch.depth - 1} for {arch.depth} hidden layers. Got {layer} instead.")
    return layer


def theorem4_architecture(arch: Architecture, layer: int = 1) -> Architecture:
    """The architecture with layers ``layer`` and ``layer + 1`` merged (Theorem 4).

    This is the architecture of the network in which the activation between
    those two layers is removed.  Its shapes (Lemma 1) match the original ones.

    Parameters
    ----------
    arch : Architecture
        At least two hidden layers, no padding.
    layer : int
        1-based index of the first of the two layers (default 1).
    """
    layer = _check_pair(arch, layer)
    first, second = conv_layers(arch)[layer - 1], conv_layers(arch)[layer]
    kernel, stride = theorem4_kernel(first.kernel, first.stride, second.kernel, second.stride)
    layers = [lay.to_dict() for lay in arch.layers]
    layers[layer - 1:layer + 1] = [{"channels": second.channels, "kernel": list(kernel), "stride": stride}]
    return Architecture(arch.input, layers)


def theorem4_weights(w1: np.ndarray, b1: np.ndarray, stride1: int,
                     w2: np.ndarray, b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the single convolution equal to ``conv2(conv1(x))`` (Theorem 4).

    Parameters
    ----------
    w1, b1 : ndarray
        Layer 1, shapes ``(d1, d0, f1(1), f1(2))`` and ``(d1,)``.
    stride1 : int
        Stride ``s1`` of layer 1 (the composed stride ``s1 s2`` does not enter the weights).
    w2, b2 : ndarray
        Layer 2, shapes ``(d2, d1, f2(1), f2(2))`` and ``(d2,)``.

    Returns
    -------
    w : ndarray, shape (d2, d0, f1(1) + (f2(1) - 1) s1, f1(2) + (f2(2) - 1) s1)
    b : ndarray, shape (d2,)
    """
    w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (w1, b1, w2, b2))
    s1 = check_count(stride1, "The 'stride1'", minimum=1)
    if w1.ndim != 4 or w2.ndim != 4 or w2.shape[1] != w1.shape[0] or b1.shape != (w1.shape[0],) \
            or b2.shape != (w2.shape[0],):
        raise field_error("The weights", "w1 (d1, d0, f, f), b1 (d1,), w2 (d2, d1, f, f), b2 (d2,)",
                          [w1.shape, b1.shape, w2.shape, b2.shape])
    (d2, _, g1, g2), (_, d0, f1, f2) = w2.shape, w1.shape
    (k1, k2), _ = theorem4_kernel((f1, f2), s1, (g1, g2), 1)
    w = np.zeros((d2, d0, k1, k2))
    for a2 in range(g1):
        for c2 in range(g2):
            w[:, :, a2 * s1:a2 * s1 + f1, c2 * s1:c2 * s1 + f2] += np.einsum("km,mcab->kcab", w2[:, :, a2, c2], w1)
    b = b2 + np.einsum("kmab,m->k", w2, b1)
    return w, b


def theorem4_network(network: Network, layer: int = 1) -> Network:
    """The network with layers ``layer`` and ``layer + 1`` composed into one (Theorem 4).

    Equal to ``network`` with the ReLU between those two layers removed; the
    other layers are kept.
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a Network", network)
    arch = theorem4_architecture(network.architecture, layer)
    i = layer - 1
    w, b = theorem4_weights(network.weights[i], network.biases[i], conv_layers(network.architecture)[i].stride,
                            network.weights[i + 1], network.biases[i + 1])
    weights = list(network.weights[:i]) + [w] + list(network.weights[i + 2:])
    biases = list(network.biases[:i]) + [b] + list(network.biases[i + 2:])
    return Network(arch, tuple(weights), tuple(biases))
