"""The cone bounds (cnnregions.lpsearch.cones) never prove a sign that an LP refutes."""

import numpy as np
import pytest
from scipy.optimize import linprog

from cnnregions.lpsearch.cones import ConeStore


def _unit(rng, n, d):
    a = rng.normal(size=(n, d))
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _min_over_region(a, b, g, h):
    """min of g.u + h over {a u + b >= 0} by scipy's LP (-inf if unbounded below)."""
    res = linprog(g, A_ub=-a, b_ub=b, bounds=[(None, None)] * len(g), method="highs")
    if res.status == 3:
        return -np.inf
    assert res.status == 0
    return res.fun + h


@pytest.mark.parametrize("seed", range(6))
def test_proofs_agree_with_scipy(seed):
    rng = np.random.default_rng(seed)
    d = 2 + seed % 3
    proven_any = 0
    for _ in range(40):
        a = _unit(rng, 2 * d + 2, d)
        b = rng.uniform(0.05, 1.0, size=len(a))       # the origin is inside: non-empty
        store = ConeStore(d)
        serials = np.arange(len(a) + 1, dtype=np.int64)
        serials[-1] = -1
        for _ in range(6):
            rows = rng.choice(len(a), size=d, replace=False)
            store.add(rows, serials[rows], a[rows], b[rows])
        g = _unit(rng, 12, d)
        h = rng.normal(scale=1.5, size=12)
        proven = store.prove_positive(g, h, serials)
        for i in np.flatnonzero(proven):
            assert _min_over_region(a, b, g[i], h[i]) > 0
        proven_any += int(proven.sum())
        # A cone whose rows left the path proves nothing.
        assert not store.prove_positive(g, h, np.full_like(serials, -1)).any()
    assert proven_any > 0  # the test exercises proofs, not only refusals


def test_a_cone_proves_a_map_positive_on_it():
    # Region x > 0, y > 0 (rows e1, e2); f = x + 2y + 0.5 is positive there, f = x - y + 3 is not.
    store = ConeStore(2)
    serials = np.array([0, 1], dtype=np.int64)
    store.add(np.array([0, 1]), serials, np.eye(2), np.zeros(2))
    g = np.array([[1.0, 2.0], [1.0, -1.0]])
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    assert store.prove_positive(g, np.array([0.5, 3.0]), serials).tolist() == [True, False]
