"""The kernel needs numba (a core dependency); skip its tests where it is missing."""

import pytest

pytest.importorskip("numba")
