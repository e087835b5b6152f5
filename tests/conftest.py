"""Shared fixtures (where the read-only oracle data lives) and file-format test helpers."""

from pathlib import Path

import numpy as np
import pytest

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles"


@pytest.fixture(scope="session", autouse=True)
def compiled_kernel() -> None:
    """Load the compiled kernel (the first time after install: compile it, about a minute) in every
    test process before any test, through each of its entry points, so that no test's time
    includes a compilation."""
    from cnnregions import Box, count_regions, he_network, iter_regions, paper_architecture

    net = he_network(paper_architecture("example4-d2"), seed=0)
    count_regions(net)
    count_regions(net, domain=Box(-1.0, 1.0), budget=64)
    sum(1 for _ in iter_regions(net))


@pytest.fixture(scope="session")
def oracles_dir() -> Path:
    """``../shared/oracles`` next to the checkout; tests that need it skip when it is absent."""
    if not (ORACLES / "relucent-fixtures" / "manifest.json").is_file():
        pytest.skip(f"oracle data not found at {ORACLES}")
    return ORACLES


# -- helpers shared by the file-format tests (import them: ``from conftest import npz_entries``) ------

def npz_entries(network, **overrides):
    """The entries of ``network``'s ``.npz`` file, some replaced (``key=array``) or left out (``key=None``)."""
    entries = {"architecture": np.array(network.architecture.to_json())}
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        entries[f"W{l}"] = np.array(w)
        entries[f"b{l}"] = np.array(b)
    for key, value in overrides.items():
        if value is None:
            del entries[key]
        else:
            entries[key] = value
    return entries


def write_npz(path, network, **overrides):
    """Write ``npz_entries(network, **overrides)`` to ``path`` with ``numpy.savez``; return ``path``."""
    np.savez(path, **npz_entries(network, **overrides))
    return path


def with_value(array, index, value):
    """A writable copy of ``array`` with ``array[index] = value`` (a NaN or inf planted in weights)."""
    out = np.array(array)
    out[index] = value
    return out


def assert_one_line(message, *parts):
    """``message`` is one line holding every one of ``parts`` (the package's error format)."""
    assert "\n" not in message, message
    for part in parts:
        assert str(part) in message, (part, message)
