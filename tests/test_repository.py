"""The checkout stays clean after the README's quick start and a docs build."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", [".venv/bin/python", ".venv-ci/bin/python", "site/index.html", "build/lib/x.py",
                                  "dist/cnnregions-0.1.0.tar.gz", "cnnregions.egg-info/PKG-INFO",
                                  "bench/results/slice.json"])
def test_quick_start_and_build_outputs_are_ignored(path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
    assert ignored.returncode == 0, f"{path} would show in git status"
