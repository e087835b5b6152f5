"""Certified counts: exact arithmetic behind the float search.

- :mod:`.dyadic`: float64 arrays as exact integers times a power of two;
- :mod:`.exact_network`: a network's composed layer maps under a pattern, exactly;
- :mod:`.witness`: vectorised exact checks that points lie strictly inside regions;
- :mod:`.motzkin`: emptiness certificates (Motzkin transposition), checked exactly;
- :mod:`.simplex`: an exact rational simplex that decides one strict system;
- :mod:`.certifier`: the object the search calls at each of its decision points.

python-flint (extra ``certify``) is needed for certificates and exact decisions;
nothing is imported from it until they are used.
"""

from .certifier import Certifier, CertifyUnavailable, require_flint
from .exact_network import ExactNetwork
from .motzkin import certificate_on_support, check_certificate, check_point
from .simplex import StrictDecision, decide_strict
from .witness import check_witnesses, region_rows

__all__ = ["Certifier", "CertifyUnavailable", "ExactNetwork", "StrictDecision", "certificate_on_support",
           "check_certificate", "check_point", "check_witnesses", "decide_strict", "region_rows", "require_flint"]
