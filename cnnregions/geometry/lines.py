"""Every neuron's pre-activation on a low-dimensional slice, in floats with proven error bounds.

On a slice ``x = origin + basis @ v`` (``v`` has ``k`` coordinates: 2 for a plane, 1 for a
segment) and on a piece where the activation pattern of the earlier layers is fixed, the
pre-activation of every neuron of layer ``l`` is affine in ``v``:
``z_l(v) = L[:, :k] @ v + L[:, k]`` with ``L_1 = M_1 [basis | origin] + [0 | c_1]`` and
``L_l = M_l diag(act_{l-1}) L_{l-1} + [0 | c_l]`` (Xiong et al., 2020, Section 2: a
region's map is the product of the layers restricted to its active neurons).

The rows are computed in float64 together with a bound ``E`` with ``|L~ - L| <= E``
entrywise, where ``L`` is the exact value for the float64 (dyadic) weights, inputs and
basis.  The bound is the classical one for inner products in any summation order,
``|fl(a . b) - a . b| <= gamma_n |a| . |b|`` with ``gamma_n = n u / (1 - n u)`` and
``u = 2^-53`` (Higham, *Accuracy and Stability of Numerical Algorithms*, 2002, eq. 3.5),
where ``n`` is the number of terms (the nonzeros of a row, plus the bias).  Carried
through a layer: ``|L~_l - L_l| <= |M_l| act (E_{l-1} + gamma |L~_{l-1}|) + gamma |c_l|``;
the bound itself is a sum of non-negative terms, computed in floats and then rounded up
by a relative ``2 gamma_n`` (:func:`round_up`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..models.network import Network

__all__ = ["UNIT", "FloatChain", "LineLayers", "gamma", "round_up"]

#: Unit roundoff of float64.
UNIT = 2.0 ** -53
#: Added to every bound: covers underflow (products below the smallest normal number).
TINY = 2.0 ** -1000


def gamma(n: int) -> float:
    """``n u / (1 - n u)``: relative error bound of an ``n``-term float64 sum of products."""
    return n * UNIT / (1 - n * UNIT)


def round_up(bound: np.ndarray, terms: int) -> np.ndarray:
    """A float bound computed as a sum of ``terms`` non-negative products, rounded up."""
    return bound * (1 + 2 * gamma(terms + 2)) + TINY


def _operator(matrix: np.ndarray):
    """The matrix and its absolute value as CSR, and its longest row (terms of an inner product).

    CSR products run single-threaded in scipy: a multi-threaded BLAS on a busy machine
    was measured 100x slower on these small products than one thread.
    """
    csr = sp.csr_matrix(matrix)
    return csr, abs(csr), int(np.diff(csr.indptr).max(initial=0))


class LineLayers:
    """A network's layer matrices as CSR operators (built once, shared by many slices or segments)."""

    def __init__(self, network: Network) -> None:
        self.operators = [(*_operator(M), np.asarray(c, dtype=np.float64)) for M, c in network.affine_maps]
        self.sizes = [M.shape[0] for M, _ in network.affine_maps]
        #: integer forms of the matrices, filled by :class:`.exact.ExactChain` on first use
        self.exact_matrices: dict = {}


class FloatChain:
    """The layers of a network restricted to a slice, with error bounds.

    Parameters
    ----------
    network : Network
    origin : ndarray, shape (input_dim,)
    basis : ndarray, shape (input_dim, k)

    Attributes
    ----------
    first : (L, E)
        Layer 1's rows ``(n_1, k + 1)`` and their error bounds (the same on every piece).
    sizes : list of int
        Neurons per layer.
    """

    def __init__(self, network: Network | LineLayers, origin: np.ndarray, basis: np.ndarray) -> None:
        ops = network if isinstance(network, LineLayers) else LineLayers(network)
        self.k = basis.shape[1]
        X = np.column_stack([basis, origin]).astype(np.float64)
        (M1, absM1, n, c1), *self.layers = ops.operators
        L = np.asarray(M1 @ X)
        L[:, -1] += c1
        E = np.asarray(absM1 @ np.abs(X))
        E[:, -1] += np.abs(c1)
        self.first = (L, round_up(gamma(n + 1) * E, n + 1))
        self.sizes = ops.sizes
        # Bounds valid for every pattern (act <= 1 entrywise): |L_l| <= B_l and |L~_l - L_l| <= E_l.
        B, E = np.abs(L), self.first[1]
        self.bounds = [E]
        for _, absM, n, c in self.layers:
            g = gamma(n + 1)
            E = np.asarray(absM @ (E + g * (B + E)))          # |float rows| <= B + E
            B = np.asarray(absM @ B)
            E[:, -1] += g * np.abs(c)
            B[:, -1] += np.abs(c)
            E = round_up(E, n + 2)
            B = round_up(B, n + 2)
            self.bounds.append(E)

    def next_lines(self, layer: int, L: np.ndarray, act: np.ndarray) -> np.ndarray:
        """Rows of layer ``layer + 1`` (0-based ``layer``) on ``K`` pieces at once.

        Rows are stored neuron-major, ``(n, K, k + 1)``, so that the product with the
        layer's matrix is one (sparse) matrix product with no copy.  Their error bounds
        do not depend on the pattern: ``bounds[layer + 1]``.

        Parameters
        ----------
        layer : int
            0-based index of the layer whose rows ``L`` are given.
        L : ndarray, shape (n_layer, K, k + 1), or (n_layer, k + 1) when the same for every piece
        act : ndarray of bool, shape (K, n_layer)
            Each piece's activation pattern of that layer.

        Returns
        -------
        ndarray, shape (n_{layer+1}, K, k + 1)
        """
        M, _, _, c = self.layers[layer]
        K = act.shape[0]
        m, w = L.shape[0], L.shape[-1]
        if L.ndim == 2:  # the same rows on every piece: one product per column of L, with the pattern
            a = np.ascontiguousarray(act.T, dtype=np.float64)
            out = np.stack([np.asarray(S @ a) for S in self._scaled(layer, L)], axis=2)
        else:
            X = np.multiply(L, act.T[:, :, None], dtype=np.float64).reshape(m, K * w)
            out = np.asarray(M @ X).reshape(-1, K, w)
        out[:, :, -1] += c[:, None]
        return out

    def _scaled(self, layer: int, L: np.ndarray) -> list:
        """``M diag(L[:, i])`` for every column ``i`` (cached for the shared first-layer rows)."""
        key = (layer, id(L))
        if getattr(self, "_scaled_key", None) != key:
            M = self.layers[layer][0]
            self._scaled_cache = [sp.csr_matrix(M.multiply(L[:, i][None, :])) for i in range(L.shape[1])]
            self._scaled_key = key
        return self._scaled_cache
