"""The naive reference search the benchmarks compare against.

Same tree as the package's search (neuron by neuron, layer by layer), but every
node asks a *cold* ``scipy.optimize.linprog`` for both children: no persistent
model, no witness, no screening, no certificates.  Used only by ``bench/``
(``from bench.naive_dfs import naive_count``).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def naive_count(network, tol=1e-7):
    """Return (regions, lps, nodes) of the naive search."""
    maps = network.affine_maps
    dim = network.architecture.input_dim
    stats = {"lps": 0, "nodes": 0, "regions": 0}

    def feasible(rows):
        stats["lps"] += 1
        A = np.array([np.r_[-a, 1.0] for a, _ in rows])
        b = np.array([c for _, c in rows])
        res = linprog(np.r_[np.zeros(dim), -1.0], A_ub=A, b_ub=b,
                      bounds=[(None, None)] * dim + [(None, 1.0)], method="highs")
        return res.status == 0 and -res.fun > tol

    def visit(layer, A, c, i, rows, act):
        stats["nodes"] += 1
        if i == len(c):
            if layer + 1 == len(maps):
                stats["regions"] += 1
                return
            a = np.array(act, dtype=float)
            M, b = maps[layer + 1]
            An, cn = M @ (A * a[:, None]), M @ (c * a) + b
            visit(layer + 1, An, cn, 0, rows, [])
            return
        norm = np.linalg.norm(A[i])
        if norm < 1e-12:
            visit(layer, A, c, i + 1, rows, act + [c[i] > 0])
            return
        for s in (1.0, -1.0):
            row = (s * A[i] / norm, s * c[i] / norm)  # s (a.x + c)/|a| >= t
            new = rows + [row]
            if feasible(new):
                visit(layer, A, c, i + 1, new, act + [s > 0])

    M, b = maps[0]
    visit(0, M, b, 0, [], [])
    return stats["regions"], stats["lps"], stats["nodes"]
