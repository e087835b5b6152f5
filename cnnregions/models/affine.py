"""Convolution layers as affine maps on flattened inputs.

Flattening follows PyTorch: a tensor of shape ``(channels, height, width)`` is
flattened in C order, so neuron ``(k, i, j)`` of a layer has index
``(k * height + i) * width + j``.  Layer ``l`` is then ``z_l = M_l x_{l-1} + c_l``
with ``M_l`` of shape ``(n_l(1) n_l(2) d_l, n_{l-1}(1) n_{l-1}(2) d_{l-1})``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["conv_matrix"]


def conv_matrix(weight: np.ndarray, bias: np.ndarray, in_hw: tuple[int, int], stride: int,
                padding: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Dense matrix and bias of a 2-D cross-correlation (``torch.nn.Conv2d``).

    Parameters
    ----------
    weight : ndarray, shape (d_out, d_in, f1, f2)
    bias : ndarray, shape (d_out,)
    in_hw : (height, width) of the input
    stride, padding : int
        Zero padding is applied on every side; padded coordinates contribute
        nothing, so their columns are simply dropped.

    Returns
    -------
    matrix : ndarray, shape (d_out * h_out * w_out, d_in * h_in * w_in)
    offset : ndarray, shape (d_out * h_out * w_out,)
        The bias repeated over output positions.
    """
    d_out, d_in, f1, f2 = weight.shape
    h_in, w_in = in_hw
    h_out = (h_in + 2 * padding - f1) // stride + 1
    w_out = (w_in + 2 * padding - f2) // stride + 1
    # Index grids: output (k, i, j), input channel c, kernel offset (a, b).
    k, i, j, c, a, b = np.meshgrid(np.arange(d_out), np.arange(h_out), np.arange(w_out),
                                   np.arange(d_in), np.arange(f1), np.arange(f2), indexing="ij")
    rows_in = i * stride + a - padding
    cols_in = j * stride + b - padding
    keep = (rows_in >= 0) & (rows_in < h_in) & (cols_in >= 0) & (cols_in < w_in)
    out_index = (k * h_out + i) * w_out + j
    in_index = (c * h_in + rows_in) * w_in + cols_in
    matrix = np.zeros((d_out * h_out * w_out, d_in * h_in * w_in))
    matrix[out_index[keep], in_index[keep]] = weight[k[keep], c[keep], a[keep], b[keep]]
    offset = np.repeat(np.asarray(bias, dtype=float), h_out * w_out)
    return matrix, offset
