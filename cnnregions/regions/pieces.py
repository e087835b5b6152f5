"""Every neuron's pre-activation as an affine function of the domain's coordinates,
under a given activation pattern.

Inside one region the network is affine (Definition 1 of Xiong et al., 2020): with
the pattern ``P`` fixed, layer ``l``'s pre-activations are ``M_l D_{l-1} ... M_1 x +
...``, where ``D`` zeroes the inactive neurons.  This is the composition the search
performs along its path (:mod:`cnnregions.lpsearch.search`), done here for a whole
pattern at once, on the search problem's own coordinates (:meth:`AffinePieces.from_problem`);
the region of a point and the adjacency graph (:mod:`cnnregions.regions`) use it.
"""

from __future__ import annotations

import numpy as np

from ..core.problem import CANCELLATION
from ..models.network import Network

__all__ = ["AffinePieces"]


class AffinePieces:
    """Pre-activations ``z = G @ v + h`` of every neuron, for inputs ``x = origin + basis @ v``.

    Parameters
    ----------
    network : Network
    origin : ndarray or None
        The point ``v = 0`` (default the input space's origin).
    basis : ndarray (input_dim, k) or None
        The domain's directions (default the identity: ``v`` is the input itself).

    Notes
    -----
    The first layer's functions do not depend on the pattern and are computed once.
    A neuron whose gradient is below the search's cancellation threshold (relative
    to the sizes of the terms that cancelled) is *constant*: its sign is fixed and it
    bounds nothing; if its value cancels too, it is *identically zero* (inactive by
    the package's convention).
    """

    def __init__(self, network: Network, origin: np.ndarray | None = None, basis: np.ndarray | None = None) -> None:
        dim = network.architecture.input_dim
        origin = np.zeros(dim) if origin is None else np.asarray(origin, dtype=np.float64)
        (M1, b1), *rest = network.affine_maps
        A = M1 if basis is None else M1 @ basis
        col_norms = np.ones(dim) if basis is None else np.linalg.norm(basis, axis=1)
        self.first = (A, M1 @ origin + b1, np.abs(M1) @ col_norms, np.abs(M1) @ np.abs(origin) + np.abs(b1))
        self.rest = [(M, np.abs(M), b) for M, b in rest]
        self.sizes = [M1.shape[0]] + [M.shape[0] for M, _ in rest]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.dim = A.shape[1]

    @classmethod
    def from_problem(cls, problem) -> AffinePieces:
        """The pieces on a search problem's own coordinates ``u`` (scaled domain coordinates)."""
        self = cls.__new__(cls)
        (M1, c1), *rest = problem.maps
        self.first = (M1, c1, np.linalg.norm(M1, axis=1), np.abs(c1))
        self.rest = [(M, np.abs(M), b) for M, b in rest]
        self.sizes = [M1.shape[0]] + [M.shape[0] for M, _ in rest]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.dim = M1.shape[1]
        return self

    def full(self, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(G, h, varies, zero)`` for every neuron under ``pattern``.

        ``varies`` is False for neurons constant on the domain; ``zero`` is True for
        those that are moreover identically zero.
        """
        A, c, noise_a, noise_c = self.first
        G, h = [A], [c]
        varies = [np.linalg.norm(A, axis=1) > CANCELLATION * noise_a]
        zero = [np.abs(c) <= CANCELLATION * noise_c]
        offset = 0
        for (M, absM, b), size in zip(self.rest, self.sizes):
            act = pattern[offset:offset + size].astype(np.float64)
            offset += size
            Da, Dc = A * act[:, None], c * act
            noise_a = absM @ np.linalg.norm(Da, axis=1)
            noise_c = absM @ np.abs(Dc) + np.abs(b)
            A, c = M @ Da, M @ Dc + b
            G.append(A)
            h.append(c)
            varies.append(np.linalg.norm(A, axis=1) > CANCELLATION * noise_a)
            zero.append(np.abs(c) <= CANCELLATION * noise_c)
        v = np.concatenate(varies)
        return np.vstack(G), np.concatenate(h), v, np.concatenate(zero) & ~v

    def __call__(self, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(G, h, varies)``: ``z = G @ v + h`` for every neuron under ``pattern``."""
        G, h, varies, _ = self.full(pattern)
        return G, h, varies
