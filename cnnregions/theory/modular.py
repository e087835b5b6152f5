"""Exact integer arithmetic by residues: primes, and the Chinese remainder theorem.

A non-negative integer ``x`` known to be below ``bound`` is recovered exactly from
its residues modulo primes whose product exceeds ``bound``.  The residues are
computed with numpy ``int64`` arithmetic, which is exact as long as no
intermediate value exceeds ``2**63``; :data:`PRIME_BITS` is chosen for that.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["PRIME_BITS", "crt", "primes_for"]

#: Bit size of the primes: residues below ``2**25``, so a product is below ``2**50`` and
#: a sum of up to ``2**13`` products stays below ``2**63``.
PRIME_BITS = 25

#: Longest sum of products :func:`primes_for`'s primes keep exact in ``int64``.
MAX_TERMS = 2 ** (63 - 2 * PRIME_BITS)


def _primes_up_to(n: int) -> np.ndarray:
    sieve = np.ones(n + 1, dtype=bool)
    sieve[:2] = False
    for p in range(2, math.isqrt(n) + 1):
        if sieve[p]:
            sieve[p * p::p] = False
    return np.flatnonzero(sieve)


def primes_for(bound: int) -> list[int]:
    """The largest primes below ``2**PRIME_BITS`` whose product exceeds ``bound``.

    Found by a segmented sieve of Eratosthenes (deterministic).
    """
    needed = max(1, bound.bit_length()) // (PRIME_BITS - 1) + 1
    small = _primes_up_to(math.isqrt(2 ** PRIME_BITS) + 1)
    primes: list[int] = []
    product, high, window = 1, 2 ** PRIME_BITS, 1 << 16
    while product <= bound:
        low = max(high - window, 2)
        if low >= high:
            raise ValueError("bound too large for the available primes")
        alive = np.ones(high - low, dtype=bool)
        for p in small:
            start = max(p * p, -(-low // p) * p)
            alive[start - low::p] = False
        for q in (low + np.flatnonzero(alive))[::-1]:
            primes.append(int(q))
            product *= int(q)
            if product > bound:
                break
        high = low
        window = max(window, 20 * (needed - len(primes)))  # primes have density ~1/17 here
    return primes


def crt(residues: list[int], primes: list[int]) -> int:
    """The unique ``x`` in ``[0, prod(primes))`` with ``x = r_i (mod p_i)`` (Garner's algorithm)."""
    x, modulus = 0, 1
    for r, p in zip(residues, primes):
        # x + modulus * k = r (mod p)
        k = (r - x) * pow(modulus % p, -1, p) % p
        x += modulus * k
        modulus *= p
    return x
