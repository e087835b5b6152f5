"""Checkpoint and resume (issue 4)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cnnregions import Architecture, he_network, paper_architecture, save_network
from cnnregions.cli import main
from cnnregions.enumerate import count_regions


def _stats(result):
    return result.regions, result.lps, result.nodes


def test_resume_from_a_complete_checkpoint_reuses_everything(tmp_path):
    net = he_network(paper_architecture("example4-d5"), seed=3)
    path = tmp_path / "run.jsonl"
    first = count_regions(net, checkpoint=path, split=16)
    again = count_regions(net, checkpoint=path, split=16)
    assert _stats(again) == _stats(first) == _stats(count_regions(net, split=16))
    assert first.reused_subtrees == 0 and again.reused_subtrees == again.subtrees == first.subtrees
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "cnnregions-checkpoint"
    assert len(lines) == 1 + first.subtrees


def test_partial_checkpoint_with_a_torn_last_line(tmp_path):
    net = he_network(paper_architecture("example4-d6"), seed=1)
    path = tmp_path / "run.jsonl"
    full = count_regions(net, checkpoint=path, split=32)
    lines = path.read_text().splitlines()
    kept = lines[: 1 + len(lines) // 3]
    path.write_text("\n".join(kept) + "\n" + lines[len(kept)][: len(lines[len(kept)]) // 2])  # killed mid-write
    resumed = count_regions(net, checkpoint=path, split=32)
    assert _stats(resumed) == _stats(full)
    assert resumed.reused_subtrees == len(kept) - 1 > 0
    for line in path.read_text().splitlines():  # the torn line is gone, every line parses
        json.loads(line)


def test_foreign_checkpoint_is_refused(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    count_regions(he_network(paper_architecture("example4-d2"), seed=0), checkpoint=path)
    with pytest.raises(ValueError, match="must belong to this count.*'network'"):
        count_regions(he_network(paper_architecture("example4-d2"), seed=1), checkpoint=path)
    with pytest.raises(ValueError, match="'split'"):
        count_regions(he_network(paper_architecture("example4-d2"), seed=0), checkpoint=path, split=7)
    code = main(["count", "example4-d2", "--seed", "5", "--checkpoint", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "checkpoint" in err


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    code = main(["count", "example1-d2", "--checkpoint", str(path)])
    assert code == 2 and "not one" in capsys.readouterr().err
    assert path.read_text() == "hello\nworld\n"  # never overwritten


def test_sigkill_mid_run_then_resume(tmp_path):
    arch = Architecture({"height": 1, "width": 1, "channels": 4},
                        [{"channels": 8, "kernel": [1, 1]}] * 3)
    net = he_network(arch, seed=0)
    net_path, ckpt = tmp_path / "net.npz", tmp_path / "run.jsonl"
    save_network(net, net_path)
    cmd = [sys.executable, "-m", "cnnregions", "count", str(net_path), "--checkpoint", str(ckpt), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if ckpt.exists() and ckpt.read_bytes().count(b"\n") >= 6:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    recorded = ckpt.read_bytes().count(b"\n") - 1
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout)
    full = count_regions(net)
    assert (resumed["regions"], resumed["lps"], resumed["nodes"]) == _stats(full)
    assert resumed["reused_subtrees"] >= recorded >= 5
    assert resumed["reused_subtrees"] < resumed["subtrees"]
