"""The kernel needs numba (a core dependency); skip its tests where it is missing."""

import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

# The independent brute-force reference of the enumerate tests (``region_reference``).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "enumerate"))
