"""Shared fixtures: where the read-only oracle data lives (beside the repository)."""

from pathlib import Path

import pytest

ORACLES = Path(__file__).resolve().parents[1].parent / "shared" / "oracles"


@pytest.fixture(scope="session")
def oracles_dir() -> Path:
    """``../shared/oracles`` next to the checkout; tests that need it skip when it is absent."""
    if not (ORACLES / "relucent-fixtures" / "manifest.json").is_file():
        pytest.skip(f"oracle data not found at {ORACLES}")
    return ORACLES
