"""SIGTERM ends a count like Ctrl-C (checkpoint kept, resume said);
workers do not outlive a parent killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnregions import count_regions, he_network, paper_architecture
from cnnregions.kernel import KERNEL_BUDGET
from cnnregions.run.lifeline import exit_with_parent

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_sigterm_ends_cleanly_and_the_run_resumes_exactly(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    cmd = [sys.executable, "-m", "cnnregions", "count", "example4-d12", "--split", "512",
           "--checkpoint", str(ckpt), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path)
    try:
        assert _wait_for(lambda: _lines(ckpt) >= 4, 240), "no subtree finished"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    if proc.returncode == 0:
        pytest.skip("the run finished before SIGTERM arrived")
    assert proc.returncode == 143 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("cnnregions count: terminated (SIGTERM)") and "run the same command again" in lines[-1]
    assert "Traceback" not in err
    done = _lines(ckpt)
    resumed = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["reused_tasks"] >= done - 1 > 0  # the header line is not a task
    # The same budget as the checkpointed run (the default for a count with a checkpoint).
    fresh = count_regions(he_network(paper_architecture("example4-d12"), seed=0), split=512, budget=KERNEL_BUDGET)
    assert (result["regions"], result["lps"], result["nodes"]) == (fresh.regions, fresh.lps, fresh.nodes)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_loky_workers_exit_after_the_parent_is_killed(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    cmd = [sys.executable, "-m", "cnnregions", "count", "example4-d20", "--jobs", "2", "--split", "256",
           "--no-progress", "--checkpoint", str(ckpt)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), cwd=tmp_path)
    try:
        # subtrees have finished: both workers have run tasks (a worker watches its parent from its first task)
        assert _wait_for(lambda: _lines(ckpt) >= 6, 240), "no subtree finished"
        workers = [p for p in _children(proc.pid) if b"LokyProcess" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _wait_for(lambda: not any(_alive(p) for p in workers), 60, step=0.5), \
            f"workers still alive: {[p for p in workers if _alive(p)]}"
    finally:
        proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


def test_lifeline_does_nothing_in_the_main_process():
    assert exit_with_parent() is False
