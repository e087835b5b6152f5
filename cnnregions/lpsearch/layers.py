"""Layer data on the current region, and screening of a layer on entry.

Inside a region of the first ``l`` layers, layer ``l``'s pre-activations are
affine maps of the search coordinates (each layer refines the regions of the
previous ones, Definition 1); their hyperplanes, normalised, are the rows the
search branches on.  A neuron whose map is identically constant there
(cancellation) does not split the region; if it is identically zero it counts as
*inactive* (the strict-sign definition would otherwise leave no region at all
behind a dead or pruned filter).

On entering a layer with a ball of the region, each neuron is *screened* once:
one whose hyperplane misses the region keeps one sign on the whole subtree and
is marked constant, which saves a side test at every node of the subtree that
would decide it.  A hyperplane that cuts the witness ball cannot miss the
region; exact cone bounds from earlier LPs' multipliers prove most of the
others at once (:mod:`.cones`); one side test (:meth:`.path.Path.side`, an LP
unless it can be avoided) decides each neuron left.  (In a bounded domain the
first layer is also screened once against the domain's box, :mod:`.screening`;
the region's own bounding box, 2 dim LPs per layer entry, used to screen deeper
layers too, but the cone bounds now spare far more LPs: 991 against 3,753 on a
windowed plane of ``tests/enumerate/test_domains.py``.)  Every constant neuron goes through the certifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..certify.certifier import Certifier
from ..core.problem import CANCELLATION, SearchProblem
from .path import Path, Row
from .screening import mark_missing_box

__all__ = ["LayerData", "Layers"]


@dataclass(eq=False)
class LayerData:
    """One layer's maps ``A u + c`` on the current region, normalised, and its flags.

    ``const[i]`` says neuron ``i`` keeps one sign on the region where the layer
    was entered; ``active_const[i]`` is that sign.
    """

    a: np.ndarray
    c: np.ndarray
    nhat: np.ndarray
    chat: np.ndarray
    const: list[bool]
    active_const: list[bool]


class Layers:
    """Per-layer data on the current path; entering and screening a layer."""

    def __init__(self, problem: SearchProblem, path: Path, cert: Certifier) -> None:
        self.problem = problem
        self.path = path
        self.cert = cert
        self.starts = problem.starts
        self.layer_of = np.repeat(np.arange(len(problem.maps)), np.diff(problem.starts))
        depth = len(problem.maps)
        self.data: list[LayerData] = [None] * depth  # type: ignore[list-item]
        self._entry: list[bytes | None] = [None] * depth
        self._abs_maps = [None] + [np.abs(M) for M, _ in problem.maps[1:]]
        M, c = problem.maps[0]
        self._set(0, M, c, np.linalg.norm(M, axis=1), np.abs(c))
        if problem.root_box is not None:
            # A bounded domain: first-layer neurons whose hyperplane misses it are constant everywhere.
            data = self.data[0]
            before = list(data.const)
            mark_missing_box(data.nhat, data.chat, data.const, data.active_const, range(len(before)),
                             *problem.root_box)
            # certify: prove each flag exactly on the domain's box
            marked = [i for i, c in enumerate(data.const) if c and not before[i]]
            cert.box_screened(0, marked, data.const, data.active_const)

    def _set(self, l: int, A: np.ndarray, c: np.ndarray, noise_a: np.ndarray, noise_c: np.ndarray) -> None:
        norms = np.linalg.norm(A, axis=1)
        const = norms <= CANCELLATION * noise_a
        safe = np.where(const, 1.0, norms)
        nhat = A / safe[:, None]
        chat = c / safe
        active_const = c > CANCELLATION * noise_c
        const_list, active_list = const.tolist(), active_const.tolist()
        if any(const_list) or self.cert.exact:
            # cancellation: decide constant neurons on their exact maps
            nhat, chat = nhat.copy(), chat.copy()
            self.cert.constant_neurons(l, nhat, chat, const_list, active_list)
        self.cert.coefficients(nhat, const_list)
        self.data[l] = LayerData(A, c, nhat, chat, const_list, active_list)
        self.path.forget(l)

    def row(self, j: int, active: bool) -> Row:
        """The row "neuron ``j`` is active/inactive"."""
        l = self.layer_of[j]
        i = j - self.starts[l]
        data = self.data[l]
        if active:
            return Row(data.nhat[i].copy(), float(data.chat[i]), (j, True))
        return Row(-data.nhat[i], -float(data.chat[i]), (j, False))

    def enter(self, l: int, pattern: np.ndarray, w: np.ndarray | None = None, r: float = 0.0) -> None:
        """Layer ``l``'s pre-activations on the current region (the pattern of the
        previous layers decides them); screen the layer if a ball ``B(w, r)`` is given."""
        prev = self.data[l - 1]
        act = pattern[self.starts[l - 1]:self.starts[l]].astype(np.float64)
        M, b = self.problem.maps[l]
        absM = self._abs_maps[l]
        # Inactive neurons output 0: multiply by the 0/1 pattern rather than gather columns of M.
        Da, Dc = prev.a * act[:, None], prev.c * act
        self._set(l, M @ Da, M @ Dc + b, absM @ (np.linalg.norm(prev.a, axis=1) * act), absM @ np.abs(Dc) + np.abs(b))
        self._entry[l] = pattern[:self.starts[l]].tobytes()
        if w is not None:
            self.screen(l, w, r)

    def ensure(self, l: int, pattern: np.ndarray) -> None:
        """Enter layer ``l`` (no screening) unless its data is current for ``pattern``.

        Layer ``l`` depends on the signs of the neurons before it only; its data
        (and its LP memory) is kept if those are unchanged.
        """
        if self._entry[l] != pattern[:self.starts[l]].tobytes():
            self.enter(l, pattern)

    def screen(self, l: int, w: np.ndarray, r: float) -> None:
        """Mark constant the neurons of layer ``l`` whose hyperplane misses the region
        (which holds the ball ``B(w, r)``)."""
        data = self.data[l]
        nhat, chat, const, active_const = data.nhat, data.chat, data.const, data.active_const
        dist = nhat @ w + chat
        path = self.path
        todo = [i for i in range(len(const)) if not const[i] and abs(dist[i]) >= r]
        if not todo:
            return
        store = path.cones
        tried = -1
        if store is not None and store.size:
            # Exact cone bounds decide most of them at once, with no LP (:mod:`.cones`).
            tried = store.added
            idx = np.array(todo)
            sign = np.where(dist[idx] > 0, 1.0, -1.0)
            proven = store.prove_positive(sign[:, None] * nhat[idx], sign * chat[idx], path.serials)
            for i in idx[proven].tolist():
                const[i] = True
                active_const[i] = bool(dist[i] > 0)
                path.bound_proofs += 1
            todo = [i for i in todo if not const[i]]
        start = self.starts[l]
        for i in todo:
            retry = store is not None and store.added != tried  # an LP since added a cone
            # The witness mirrored across the hyperplane: if the region holds it, the neuron splits it.
            probe = w - (2 * dist[i]) * nhat[i]
            _, t = path.side(self.row(start + i, not dist[i] > 0), l, probe, cones=retry)
            if t <= 0:
                const[i] = True
                active_const[i] = bool(dist[i] > 0)
