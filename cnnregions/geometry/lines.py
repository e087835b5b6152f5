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

from ..core.rescale import rescale_maps
from ..errors import InvalidParameterError
from ..models.network import Network

__all__ = ["MAX_ROW", "MAX_WINDOW", "UNIT", "FloatChain", "LineLayers", "check_window", "gamma", "round_up",
           "scaled_slice"]

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
    """A network's layer matrices as CSR operators (built once, shared by many slices or segments).

    With ``shift = k > 0`` every bias is divided by ``2^k`` (exactly, or refused): the
    network then has, on the slice ``x / 2^k``, every pre-activation divided by ``2^k``
    (ReLU is positively homogeneous), so the same signs everywhere and the same regions.
    :func:`scaled_slice` uses it to bring inputs near float64's largest number into range.
    """

    def __init__(self, network: Network, shift: int = 0) -> None:
        maps = [(M, _shifted(np.asarray(c, dtype=np.float64), shift, l))
                for l, (M, c) in enumerate(network.affine_maps, start=1)]
        if _far_from_one(maps):  # weights like 1e300 or 1e-300: exact power-of-two rescaling
            maps = rescale_maps(maps)
        self.operators = [(*_operator(M), np.asarray(c, dtype=np.float64)) for M, c in maps]
        self.sizes = [M.shape[0] for M, _ in maps]
        #: integer forms of the matrices, filled by :class:`.exact.ExactChain` on first use
        self.exact_matrices: dict = {}


def _far_from_one(maps) -> bool:
    """Whether some non-zero weight or bias lies outside ``[2^-64, 2^64]`` (then the maps are rescaled:
    :func:`~cnnregions.core.rescale.rescale_maps`, every neuron by a power of two, the same signs)."""
    for M, c in maps:
        for values in (np.asarray(M), np.asarray(c)):
            size = np.abs(values[values != 0])
            if size.size and (size.max() > 2.0 ** SLICE_EXPONENT or size.min() < 2.0 ** -SLICE_EXPONENT):
                return True
    return False


def _shifted(c: np.ndarray, shift: int, layer: int) -> np.ndarray:
    if not shift:
        return c
    out = np.ldexp(c, -shift)
    if not np.array_equal(np.ldexp(out, shift), c):
        raise InvalidParameterError(
            f"The biases of layer {layer} must stay exact when the slice's inputs (of size about 2^{shift + SLICE_EXPONENT}) "
            f"are rescaled into float64's range by 2^-{shift}. Got biases that would underflow instead: scale the "
            "inputs down.")
    return out


#: Inputs of a slice (its origin and directions) above ``2^SLICE_EXPONENT`` are rescaled.
SLICE_EXPONENT = 64


def scaled_slice(network: Network, origin: np.ndarray, basis: np.ndarray) -> tuple[LineLayers, np.ndarray, np.ndarray]:
    """The slice ``x = origin + basis @ v`` rescaled exactly into range: ``(layers, origin', basis')``.

    When an entry of ``origin`` or ``basis`` exceeds ``2^SLICE_EXPONENT``, both are divided
    by a power of two ``2^k`` bringing them below it, and the layers' biases too
    (:class:`LineLayers` with ``shift = k``): every pre-activation is divided by ``2^k``, its
    sign is unchanged, and the slice's coordinates ``v`` are the same.  Power-of-two
    scaling is exact in float64 (only exponents change) unless a value underflows, which
    is refused in one line.  Inputs near float64's largest number are thus counted as
    exactly as small ones, instead of overflowing into NaN decisions.
    """
    top = max(float(np.max(np.abs(origin), initial=0.0)), float(np.max(np.abs(basis), initial=0.0)))
    if not np.isfinite(top):
        raise InvalidParameterError(f"The slice's inputs must be finite. Got an entry of size {top} instead.")
    shift = max(0, int(np.frexp(top)[1]) - SLICE_EXPONENT)
    if not shift:
        return LineLayers(network), origin, basis
    scaled = [np.ldexp(a, -shift) for a in (origin, basis)]
    if not all(np.array_equal(np.ldexp(s, shift), a) for s, a in zip(scaled, (origin, basis))):
        raise InvalidParameterError(
            f"The slice's inputs must span less than float64's range (a factor 2^{SLICE_EXPONENT + 1000}) so they can "
            f"be rescaled exactly. Got entries from about 2^{int(np.frexp(top)[1])} down to values that would "
            "underflow instead.")
    return LineLayers(network, shift), scaled[0], scaled[1]


#: Largest row entry (and error bound) a slice's layers may reach: products of two of them,
#: and of one with a window coordinate up to :data:`MAX_WINDOW`, stay far below float64's 2^1024.
MAX_ROW_EXPONENT = 400
MAX_ROW = 2.0 ** MAX_ROW_EXPONENT
#: Largest window coordinate of a plane (its polygons' areas and vertex products stay finite).
MAX_WINDOW_EXPONENT = 200
MAX_WINDOW = 2.0 ** MAX_WINDOW_EXPONENT


def _largest(B: np.ndarray, E: np.ndarray) -> float:
    top = max(float(np.max(B, initial=0.0)), float(np.max(E, initial=0.0)))
    return top if np.isfinite(B).all() and np.isfinite(E).all() else float("inf")


def check_window(window) -> None:
    """Refuse a plane window whose coordinates, times rows up to :data:`MAX_ROW`, could overflow."""
    extent = max(abs(float(w)) for w in window)
    if not extent <= MAX_WINDOW:
        raise InvalidParameterError(
            f"The plane 'window' must stay within float64's range for exact splitting (coordinates up to "
            f"2^{MAX_WINDOW_EXPONENT}, about {MAX_WINDOW:.3g}). Got a window reaching {extent:.3g} instead: take a "
            "smaller window, or count the whole plane (no --window).")


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
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused below, in one line
            L = np.asarray(M1 @ X)
            L[:, -1] += c1
            E = np.asarray(absM1 @ np.abs(X))
            E[:, -1] += np.abs(c1)
            self.first = (L, round_up(gamma(n + 1) * E, n + 1))
            self.sizes = ops.sizes
            # Bounds valid for every pattern (act <= 1 entrywise): |L_l| <= B_l and |L~_l - L_l| <= E_l.
            B, E = np.abs(L), self.first[1]
            self.bounds = [E]
            top = _largest(B, E)
            for _, absM, n, c in self.layers:
                g = gamma(n + 1)
                E = np.asarray(absM @ (E + g * (B + E)))          # |float rows| <= B + E
                B = np.asarray(absM @ B)
                E[:, -1] += g * np.abs(c)
                B[:, -1] += np.abs(c)
                E = round_up(E, n + 2)
                B = round_up(B, n + 2)
                self.bounds.append(E)
                top = max(top, _largest(B, E))
        #: a bound on every row entry of every layer on every piece (and on its error)
        self.largest = top
        if not top <= MAX_ROW:
            raise InvalidParameterError(
                f"The network's pre-activations on the segment or plane must stay within float64's range (below "
                f"2^{MAX_ROW_EXPONENT}, so that the walk's products cannot overflow). Got rows of size up to {top:.3g} "
                "instead: scale the inputs (or the weights) down.")

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
