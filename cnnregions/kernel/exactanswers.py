"""Python's answers to the kernel's questions in a certified count: the exact checks of :mod:`cnnregions.certify`.

In a certified count the kernel (:mod:`.certified`) stops for Python when it cannot
prove a decision about the exact rows: a side its LP rejected without an exact proof
(its support, centre and radius go to ``ExactChecks.side_empty``, as the reference
search's LP answer does), a side HiGHS rejected, or a region whose witness it could
not prove inside its exact rows (``ExactChecks.region``).  An exact emptiness comes back
with its certificate's support, which the kernel remembers like its own proofs.
"""

from __future__ import annotations

import math

import numpy as np

from ..certify.certifier import Certifier
from .state import IS, XS, KState

__all__ = ["ExactAnswers"]


class ExactAnswers:
    """The exact checks ``cert`` (:class:`~cnnregions.certify.certifier.ExactChecks`) answering the
    questions of the kernel state ``st`` (``rows`` domain rows)."""

    def __init__(self, st: KState, cert: Certifier, rows: int) -> None:
        self.st = st
        self.cert = cert
        self.rows = rows

    def key(self, rid: int) -> tuple[int, bool]:
        """The certifier's key of the row of id ``rid`` (see :mod:`.state`)."""
        R = self.rows
        return (-1 - rid, True) if rid < R else ((rid - R) // 2, bool((rid - R) % 2))

    def rid(self, key: tuple[int, bool]) -> int:
        j, active = key
        return -1 - j if j < 0 else self.rows + 2 * j + int(active)

    def side(self, t: float, center: np.ndarray | None, duals: np.ndarray | None) -> None:
        """Decide the pending side (``QID``, on the current path) exactly, from an LP's radius ``t``
        (NaN: no LP answer), centre and dual multipliers (one per row, the side last)."""
        st = self.st
        rid = int(st.I[IS.QID])
        ids = st.PID[:int(st.I[IS.PLEN])].tolist() + [rid]
        decision = self.cert.side_empty([self.key(i) for i in ids], duals, center, t)
        q = int(st.I[IS.NANS])
        st.AID[q] = rid
        st.AEMPTY[q] = decision.empty
        XI = st.XI
        XI[XS.ASN, q] = -1
        if decision.empty:
            st.AT[q] = 0.0 if math.isnan(t) else min(t, 0.0)
            if t > st.F[1]:
                st.F[1] = t
            if decision.support is not None:
                support = [self.rid(key) for key in decision.support if self.rid(key) != rid]
                if len(support) <= XI.shape[0] - XS.ASUP:
                    XI[XS.ASUP:XS.ASUP + len(support), q] = support
                    XI[XS.ASN, q] = len(support)
        else:
            st.AC[q] = decision.center
            st.AT[q] = decision.radius
        st.I[IS.NANS] = q + 1

    def _centre(self) -> np.ndarray:
        """The point of the pending question (search coordinates)."""
        return self.st.XF[XS.QC, :self.st.U.shape[0]].copy()

    def kernel_side(self) -> None:
        """A side the kernel's LP rejected without an exact proof: its support (``XS.QS``, ``XS.QY``), centre
        (``XS.QC``) and radius (``F[2]``) go to the exact checks."""
        st = self.st
        m = int(st.I[IS.QM])
        duals = np.zeros(m)
        n = int(st.I[IS.QSN])
        duals[st.XI[XS.QS, :n]] = st.XF[XS.QY, :n]
        t = float(st.F[2])
        self.side(t, self._centre() if t > 0 else None, duals)

    def region(self) -> None:
        """A region whose witness (``XS.QC``) the kernel could not prove inside its exact rows."""
        st = self.st
        st.I[IS.LEAF] = 1 if self.cert.region(st.PAT, self._centre()) else 2

    def rebuilt(self, s0: int, was_const: np.ndarray, const: list) -> None:
        """Rows the exact checks rebuilt from exact maps (flagged constant, found not to be) carry no
        bound: the kernel proves nothing with them (Python decides)."""
        for i in np.flatnonzero(was_const & ~np.asarray(const, dtype=bool)).tolist():
            self.st.XF[XS.ENA, s0 + i] = np.inf
            self.st.XF[XS.ENC, s0 + i] = np.inf
