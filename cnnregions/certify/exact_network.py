"""A network's layers as exact integer affine maps (EXACTNESS.md, sections 1 and 3).

Coordinates are the domain's own (``v``): the input ``x`` itself for the whole space
and for a box, the plane's ``(a, b)`` with ``x = x0 + a (x1 - x0) + b (x2 - x0)``
(the differences taken exactly) for a plane.  Under an activation pattern of the
layers before it, layer ``l``'s pre-activations are ``P_l @ (v, 1) * 2**e_l`` with
``P_l`` an integer matrix: products of the float weights, restricted to the active
neurons (Definition 1 of Xiong et al., 2020), with no rounding anywhere.
"""

from __future__ import annotations

import numpy as np

from .dyadic import as_ints, shift, strip_twos

__all__ = ["ExactNetwork"]

_CACHE_PER_LAYER = 64


def _combine(prod: np.ndarray | None, ep: int, bias: np.ndarray | None, eb: int) -> tuple[np.ndarray, int]:
    """``prod * 2**ep`` plus ``bias * 2**eb`` added to the last column, as ints and one exponent."""
    if prod is None:
        if bias is None:
            raise ValueError("nothing to combine")
        return strip_twos(bias, eb)
    if bias is None:
        return strip_twos(prod, ep)
    e = min(ep, eb)
    out = shift(prod, ep - e)
    out[..., -1] = out[..., -1] + shift(bias, eb - e)
    return strip_twos(out, e)


def _nonzero(ints: np.ndarray) -> bool:
    return any(v != 0 for v in ints.ravel().tolist())


class ExactNetwork:
    """Exact integer maps of a network restricted to a domain.

    Parameters
    ----------
    maps : sequence of (M_l, c_l)
        The network's own float layer maps (``Network.affine_maps``): exact dyadics.
    plane : (x0, x1, x2) or None
        For a plane domain, its three points (the search runs on ``(a, b)``).
    root_rows : (A, b) or None
        Domain constraints ``A v + b > 0`` (float, exact).
    root_box : (lo, hi) or None
        The domain as a box of ``v`` (a box domain, a plane's window).
    """

    def __init__(self, maps, plane=None, root_rows=None, root_box=None) -> None:
        self.maps = tuple((np.asarray(M, dtype=np.float64), np.asarray(c, dtype=np.float64)) for M, c in maps)
        self.plane = None if plane is None else tuple(np.asarray(p, dtype=np.float64).ravel() for p in plane)
        self.root_rows = root_rows
        self.root_box = root_box
        self.starts = tuple(np.cumsum([0] + [M.shape[0] for M, _ in self.maps]).tolist())
        self.dim = 2 if self.plane is not None else self.maps[0][0].shape[1]
        self._reset()

    def _reset(self) -> None:
        self._ints: dict[int, tuple] = {}
        self._layer_cache: list[dict] = [{} for _ in self.maps]
        self._root: list | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in ("_ints", "_layer_cache", "_root"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._reset()

    # -- integer data (converted once, on first use) -----------------------------------
    def weights(self, l: int) -> tuple[np.ndarray, int, np.ndarray, int]:
        """Layer ``l``'s ``M`` and ``c`` as ``(M_int, e_M, c_int, e_c)``."""
        got = self._ints.get(l)
        if got is None:
            M, c = self.maps[l]
            got = (*as_ints(M), *as_ints(c))
            self._ints[l] = got
        return got

    def first_map(self) -> tuple[np.ndarray, int]:
        """Layer 1 in ``v`` coordinates: ``[A | c]`` as ints and an exponent."""
        got = self._ints.get(-1)
        if got is None:
            Mi, em, ci, ec = self.weights(0)
            if self.plane is None:
                prod = np.concatenate([Mi, np.zeros((Mi.shape[0], 1), dtype=object)], axis=1)
            else:
                pts, ep = as_ints(np.stack(self.plane))
                basis = np.stack([pts[1] - pts[0], pts[2] - pts[0], pts[0]], axis=1)  # x = [B | x0] (v, 1)
                prod = Mi @ basis
                em = em + ep
            got = _combine(prod, em, ci if _nonzero(ci) else None, ec)
            self._ints[-1] = got
        return got

    def root_rows_int(self) -> list[np.ndarray]:
        """Domain rows ``(a, b)`` as integer vectors (each row scaled on its own)."""
        if self._root is None:
            rows = []
            if self.root_rows is not None:
                A, b = self.root_rows
                for i in range(len(b)):
                    rows.append(as_ints(np.r_[A[i], b[i]])[0])
            self._root = rows
        return self._root

    # -- composed maps ---------------------------------------------------------------
    def layer_map(self, l: int, prefix: np.ndarray) -> tuple[np.ndarray, int]:
        """``(P_l, e_l)``: layer ``l``'s pre-activations on the region of ``prefix``.

        ``prefix`` holds the signs of the neurons of layers ``0..l-1`` (True =
        active; an identically zero neuron is inactive).  Row ``i`` of ``P_l`` is
        neuron ``i``'s exact map ``(a, b)`` times ``2**-e_l``.
        """
        if l == 0:
            return self.first_map()
        key = np.asarray(prefix[:self.starts[l]], dtype=bool).tobytes()
        cache = self._layer_cache[l]
        got = cache.get(key)
        if got is not None:
            return got
        prev, ep = self.layer_map(l - 1, prefix)
        act = np.asarray(prefix[self.starts[l - 1]:self.starts[l]], dtype=bool)
        Mi, em, ci, ec = self.weights(l)
        prod = Mi[:, act] @ prev[act] if act.any() else None
        if prod is not None and not _nonzero(prod):
            prod = None
        bias = ci if _nonzero(ci) else None
        if prod is None and bias is None:
            got = (np.zeros((Mi.shape[0], self.dim + 1), dtype=object), 0)
        elif prod is None:
            out = np.zeros((Mi.shape[0], self.dim + 1), dtype=object)
            out[:, -1] = bias
            got = strip_twos(out, ec)
        else:
            got = _combine(prod, em + ep, bias, ec)
        if len(cache) >= _CACHE_PER_LAYER:
            cache.clear()
        cache[key] = got
        return got

    def layer_of(self, j: int) -> int:
        return int(np.searchsorted(self.starts, j, side="right") - 1)

    def row(self, j: int, prefix: np.ndarray) -> np.ndarray:
        """Neuron ``j``'s exact map ``(a, b)`` (up to a positive power of two) on ``prefix``'s region."""
        l = self.layer_of(j)
        return self.layer_map(l, prefix)[0][j - self.starts[l]]

    # -- exact forward pass ------------------------------------------------------------
    def preactivations(self, points: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Exact pre-activations of every layer at ``points`` (``(B, dim)`` floats in ``v``).

        Returns one ``(Z_int, e)`` per layer with ``z = Z_int * 2**e`` exactly.
        """
        V = np.asarray(points, dtype=np.float64).reshape(-1, self.dim)
        Vi, ev = as_ints(V)
        e = min(ev, 0)
        X = np.empty((V.shape[0], self.dim + 1), dtype=object)
        X[:, :-1] = shift(Vi, ev - e)
        X[:, -1] = 1 << (-e)
        P1, e1 = self.first_map()
        Z, ez = X @ P1.T, e + e1
        out = [(Z, ez)]
        for l in range(1, len(self.maps)):
            Mi, em, ci, ec = self.weights(l)
            act = np.where(Z > 0, Z, 0)
            prod = act @ Mi.T
            e = min(ez + em, ec)
            Z = shift(prod, ez + em - e) + shift(ci, ec - e)[None, :]
            ez = e
            out.append((Z, ez))
        return out
