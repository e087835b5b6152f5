"""bench/paper_tables.py in quick mode produces the Markdown tables and the chart."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "paper_tables.py"


@pytest.mark.slow  # regenerates the whole report in quick mode (15-20 s)
def test_quick_report(tmp_path):
    pytest.importorskip("matplotlib")
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "paper_tables.md").read_text()
    assert "### Table 1" in md and "### Table 2" in md and "eq. (4) overcounts" in md
    png = (tmp_path / "paper_tables.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    rows = json.loads((tmp_path / "paper_tables.json").read_text())["rows"]
    for row in rows:
        assert row["exact_min"] <= row["exact_mean"] <= row["exact_max"] <= row["best_theta"]
        assert row["sampling"] <= row["exact_first"]
        if row["family"] == "example1":  # Table 1 is exact for every generic theta
            assert row["exact_min"] == row["exact_max"] == row["paper"]["R_N (eq. 4)"] == row["eq4"]
        if row["family"] == "example4":
            assert row["theorem5_upper_table2"] == row["paper"]["upper"]
            assert row["theorem5_lower"] == row["paper"]["lower"]
            assert row["best_theta"] <= row["theorem5_upper"]
        if row["family"] == "pitfall2d":
            assert row["eq4"] == 256 and row["best_theta"] <= 255
