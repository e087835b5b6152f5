"""The kernel's dense simplex and its proofs, against scipy's HiGHS and against forged certificates."""

import numpy as np
import pytest
from differential import random_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cnnregions.kernel.lp import BOXED, EMPTY, MARGIN, NONEMPTY, UNDECIDED, decide, simplex, workspace
from cnnregions.kernel.proofs import BOX, prove_empty, prove_empty_box, row_slack

TOL = 1e-7


def chebyshev_radius(A, b, cap=1.0):
    """t* of the Chebyshev LP, by scipy's HiGHS."""
    m, n = A.shape
    c = np.r_[np.zeros(n), -1.0]
    res = linprog(c, A_ub=np.hstack([-A, np.ones((m, 1))]), b_ub=b, bounds=[(None, None)] * n + [(None, cap)],
                  method="highs")
    assert res.status == 0
    return -res.fun


def _decide(A, b, tol=TOL, cap=1.0):
    ws = workspace(A.shape[1], len(b))
    answer, t, radius = decide(A, b, len(b), cap, tol, *ws)
    return answer, t, radius, ws


def _check(A, b):
    answer, t, radius, ws = _decide(A, b)
    truth = chebyshev_radius(A, b)
    if answer == NONEMPTY:
        assert truth > TOL
        u = ws[2]
        assert np.min(A @ u + b) >= radius - 1e-12 and radius > TOL
    elif answer in (EMPTY, BOXED):
        assert truth <= TOL
    if answer != UNDECIDED:
        assert abs(t - truth) < 1e-7
    return answer


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), m=st.integers(1, 24),
       offset=st.sampled_from([0.0, 0.01, 0.3, 1.0, 3.0]))
def test_against_highs_on_random_rows(seed, n, m, offset):
    A, b = random_rows(np.random.default_rng(seed), m, n, offset)
    _check(A, b)


@pytest.mark.parametrize("seed", range(40))
def test_degenerate_rows(seed):
    """Repeated rows, opposite rows, rows in a coordinate subspace, many rows through one point."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    A, b = random_rows(rng, 6, n, 0.5)
    A[1], b[1] = A[0], b[0]                   # a repeated row
    A[2], b[2] = -A[3], -b[3] + 1e-3 * seed   # an opposite pair: a slab, empty or thin
    A[4, n // 2:] = 0.0                       # a row in a coordinate subspace
    A[4] /= np.linalg.norm(A[4])
    sub = rng.normal(size=(4, n))
    sub /= np.linalg.norm(sub, axis=1)[:, None]
    point = rng.normal(size=n)
    A = np.vstack([A, sub])
    b = np.r_[b, -(sub @ point)]              # four rows through one point: t* <= 0 when they enclose it
    _check(A, b)


def test_a_simplex_around_a_point_is_nonempty_and_its_mirror_empty():
    n = 3
    A = np.vstack([np.eye(n), -np.ones((1, n)) / np.sqrt(n)])
    b = np.r_[np.zeros(n), 1.0 / np.sqrt(n)]
    answer, t, radius, ws = _decide(A, b)
    assert answer == NONEMPTY and t == pytest.approx(chebyshev_radius(A, b))
    answer, t, _, _ = _decide(A, -b - 0.1)
    assert answer in (EMPTY, BOXED) and t < 0


def test_near_the_threshold_is_left_to_highs():
    # a slab of width 2 * (TOL + MARGIN / 10): its radius is within MARGIN of the tolerance
    half = TOL + MARGIN / 10
    A = np.array([[1.0, 0.0], [-1.0, 0.0]])
    b = np.array([half, half])
    answer, t, _, _ = _decide(A, b)
    assert answer == UNDECIDED and t == pytest.approx(half)


def test_iteration_cap_or_rank_deficiency_never_decides_wrongly():
    A = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    for gap in (-1.0, -1e-3, 0.0, 1e-3, 1.0):
        b = np.array([gap, 0.0])
        _check(A, b)


def test_row_slack_bounds_the_exact_value():
    from fractions import Fraction
    rng = np.random.default_rng(3)
    for _ in range(200):
        a, u = rng.normal(size=7) * 10.0 ** rng.integers(-8, 8), rng.normal(size=7)
        b = float(rng.normal())
        s, low = row_slack(a, b, u)
        exact = sum(Fraction(float(x)) * Fraction(float(y)) for x, y in zip(a, u)) + Fraction(b)
        assert Fraction(low) <= exact


def test_row_slack_of_a_point_that_is_not_finite_proves_nothing():
    a = np.array([1.0, 0.0])
    for u in (np.array([np.nan, 0.0]), np.array([np.inf, 0.0]), np.array([-np.inf, 1.0])):
        assert row_slack(a, 0.5, u)[1] == -np.inf


def test_a_forged_certificate_is_rejected():
    """A dual basis that does not prove emptiness gives no bound: the region holds a ball."""
    n = 2
    A = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    b = np.ones(4)  # the square |u| < 1: radius 1
    T, basis, u, AB, X, y, iw = workspace(n, 4)
    ok, t, _ = simplex(A, b, 4, 1.0, T, basis, u)
    assert ok and t == pytest.approx(1.0)
    values = T[:n + 1, 4 + n + 2].copy()
    # claim the rows 0, 1, 2 (not a certificate: no non-negative combination of them vanishes)
    forged = np.array([0, 1, 2])
    assert prove_empty(A, b, 4, 1.0, forged.copy(), np.ones(3) / 3, AB, X, y, iw) > TOL
    assert prove_empty_box(A, b, 4, 1.0, forged.copy(), np.ones(3) / 3) > TOL
    # the true optimum's basis bounds t* from above by about 1, not by the tolerance
    assert prove_empty(A, b, 4, 1.0, basis.copy(), values, AB, X, y, iw) >= 1.0 - 1e-9
    # a point outside a row is not a centre: decide never returns it
    answer, _, radius, ws = _decide(A, b - 1.5)
    assert answer in (EMPTY, BOXED)


def test_box_certificate_bounds_the_residual():
    """Rows that cancel only up to rounding: the box bound grows with the residual times BOX."""
    A = np.array([[1.0, 0.0], [-1.0, 1e-13]])
    A /= np.linalg.norm(A, axis=1)[:, None]
    b = np.array([-1.0, -1.0])
    basis = np.array([0, 1, 3])
    values = np.array([0.5, 0.5, 0.0])
    bound = prove_empty_box(A, b, 2, 1.0, basis, values)
    assert bound >= -1.0 + 0.5e-13 * BOX  # the residual 0.5e-13 counts at the box's edge
    assert bound < 0
