"""An independent, deliberately naive reference counter for the tests.

It tries every one of the 2^N activation patterns and asks ``scipy.optimize.linprog``
(not HiGHS through highspy, not the package's search) whether the pattern's region
contains a ball.  Exponential: only for networks with at most ~12 neurons.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


def _affine_pieces(network, pattern):
    """Every neuron's pre-activation as (a, c) with z = a.x + c, under ``pattern``."""
    dim = network.architecture.input_dim
    A, c = np.eye(dim), np.zeros(dim)
    pieces, offset = [], 0
    for M, b in network.affine_maps:
        A, c = M @ A, M @ c + b
        pieces.extend(zip(A, c))
        size = M.shape[0]
        act = np.asarray(pattern[offset:offset + size], dtype=float)
        A, c = A * act[:, None], c * act
        offset += size
    return pieces


def region_radius(network, pattern, cap=10.0):
    """Chebyshev radius of the pattern's region (None if a constant neuron contradicts it)."""
    dim = network.architecture.input_dim
    rows, rhs = [], []
    for (a, c), active in zip(_affine_pieces(network, pattern), pattern):
        norm = np.linalg.norm(a)
        if norm < 1e-12:
            # constant neuron: active iff c > 0 (identically zero counts as inactive)
            if (c > 1e-12) != bool(active):
                return None
            continue
        s = 1.0 if active else -1.0
        # s (a.x + c) / |a| >= t   <=>   -s a/|a| . x + t <= s c / |a|
        rows.append(np.r_[-s * a / norm, 1.0])
        rhs.append(s * c / norm)
    if not rows:
        return cap
    res = linprog(np.r_[np.zeros(dim), -1.0], A_ub=np.array(rows), b_ub=np.array(rhs),
                  bounds=[(None, None)] * dim + [(None, cap)], method="highs-ds")
    if res.status != 0:
        raise RuntimeError(res.message)
    return -res.fun


def reference_patterns(network, tol=1e-7):
    """Set of patterns (as bytes of a bool array) whose region holds a ball of radius > tol."""
    n = network.architecture.n_neurons
    if n > 14:
        raise ValueError("reference counter limited to 14 neurons")
    found = set()
    for bits in itertools.product([False, True], repeat=n):
        pattern = np.array(bits)
        radius = region_radius(network, pattern)
        if radius is not None and radius > tol:
            found.add(pattern.tobytes())
    return found
