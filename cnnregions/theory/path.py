"""Eq. (4) for one line of positions whose receptive fields are intervals.

Position ``j = 0..n-1`` sees the columns ``[j s, j s + f)``, each column holding
``c`` interchangeable input coordinates (``c = f(1) d0`` for a height-1 output).
For interval fields Hall's condition only needs contiguous runs ``a..b`` (a run's
fields cover an interval; a disconnected ``J`` splits into runs):

    sum_{j=a}^{b} t_j <= c ((b - a) m + f),   m = min(s, f).

With ``g_j = t_j - c m`` this says that every run sum of ``g`` is at most
``B = c (f - m)``.  The largest run sum ending at ``j`` is ``max(0, previous) + g_j``
(Kadane), so a dynamic program over that one integer in ``[0, B]`` counts ``K_N``;
each step is a convolution with the weights ``C(d1, t)`` followed by folding the
states below 0 onto 0.  Cost: ``n`` convolutions of length ``B + 1`` by ``T + 1``
with ``T = min(d1, c f)``.

Two exact evaluations: big Python integers (numpy object arrays), or residues
modulo word-size primes (numpy ``int64``) recombined by the Chinese remainder
theorem under a proven upper bound; the second is faster when the count and the
binomials are both large.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import field_error
from ._checks import check_count
from .modular import MAX_TERMS, crt, primes_for

__all__ = ["path_count"]

#: Use residues when (bits of the weights) * (bits of the bound) exceeds this.
_MODULAR_WORK = 1_500_000


def _binomial_prefix_sum(n: int, k: int) -> int:
    """``sum_{i=0}^{k} C(n, i)``, by the ratio of consecutive binomials."""
    term = total = 1
    for i in range(k):
        term = term * (n - i) // (i + 1)
        total += term
    return total


def _step_exact(dp: np.ndarray, weights: np.ndarray, step: int, slack: int) -> np.ndarray:
    full = np.convolve(dp, weights)
    new = np.zeros(slack + 1, dtype=object)
    new[0] = full[:step + 1].sum()
    tail = full[step + 1:step + 1 + slack]
    new[1:1 + len(tail)] = tail
    return new


def _step_modular(dp: np.ndarray, weights: np.ndarray, step: int, slack: int, p: int) -> np.ndarray:
    # Each block keeps every output a sum of at most MAX_TERMS products below 2**50.
    full = np.zeros(len(dp) + len(weights) - 1, dtype=np.int64)
    for lo in range(0, len(weights), MAX_TERMS):
        part = np.convolve(dp, weights[lo:lo + MAX_TERMS]) % p
        full[lo:lo + len(part)] += part
    full %= p
    new = np.zeros(slack + 1, dtype=np.int64)
    new[0] = full[:step + 1].sum() % p
    tail = full[step + 1:step + 1 + slack]
    new[1:1 + len(tail)] = tail
    return new


def _run(n: int, weights: list[int], step: int, slack: int, p: int | None) -> int:
    if p is None:
        w = np.array(weights, dtype=object)
        dp = np.zeros(slack + 1, dtype=object)
    else:
        w = np.array([x % p for x in weights], dtype=np.int64)
        dp = np.zeros(slack + 1, dtype=np.int64)
    dp[0] = 1
    top = 0  # largest state reached: a step raises the run sum by at most T - step
    for _ in range(n):
        new = _step_exact(dp[:top + 1], w, step, slack) if p is None else _step_modular(dp[:top + 1], w, step, slack, p)
        top = min(slack, top + max(0, len(weights) - 1 - step))
        dp = new
    return int(dp.sum()) if p is None else int(dp.sum()) % p


def path_count(n_positions: int, capacity: int, kernel: int, stride: int, d1: int, *,
               method: str = "auto") -> int:
    """Eq. (4) for one line of positions with interval fields, exact.

    Parameters
    ----------
    n_positions : int
        Number of positions on the line (``>= 1``).
    capacity : int
        Coordinates per column (``f(1) d0`` for a height-1 output).
    kernel, stride : int
        Filter length ``f`` and stride ``s`` along the line.
    d1 : int
        Number of filters.
    method : {"auto", "exact", "modular"}
        Big integers, residues modulo primes, or whichever is expected faster.

    Returns
    -------
    int
        ``sum_{t in K_N} prod_j C(d1, t_j)``.
    """
    n = check_count(n_positions, "The 'n_positions'", minimum=1)
    capacity = check_count(capacity, "The 'capacity'", minimum=1)
    kernel = check_count(kernel, "The 'kernel'", minimum=1)
    stride = check_count(stride, "The 'stride'", minimum=1)
    d1 = check_count(d1, "The 'd1'", minimum=1)
    if method not in ("auto", "exact", "modular"):
        raise field_error("The 'method'", "'auto', 'exact' or 'modular'", method)
    step = capacity * min(stride, kernel)
    slack = capacity * kernel - step
    weights = [math.comb(d1, t) for t in range(min(d1, capacity * kernel) + 1)]
    if len(weights) - 1 <= step:  # no run can ever bind: every position is free
        return sum(weights) ** n
    # Proven bounds on the count: each t_j <= T (a box), and the chosen neurons
    # number at most |U S| (Hall on all positions) among n d1.
    used = capacity * ((n - 1) * min(stride, kernel) + kernel)
    bound = sum(weights) ** n
    if used < n * d1 // 2:
        bound = min(bound, _binomial_prefix_sum(n * d1, used))
    if method == "auto":
        method = "modular" if weights[len(weights) // 2].bit_length() * bound.bit_length() > _MODULAR_WORK else "exact"
    if method == "exact":
        return _run(n, weights, step, slack, None)
    primes = primes_for(bound)
    return crt([_run(n, weights, step, slack, p) for p in primes], primes)
