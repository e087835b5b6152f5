"""Checkpoint and resume: across backends and budgets, refusals of damaged, foreign and locked files."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cnnregions import Architecture, count_regions, he_network, paper_architecture, save_network
from cnnregions.cli import main
from cnnregions.kernel.engine import KernelEngine
from cnnregions.run.tasks import budget_for


def _stats(result):
    return result.regions, result.lps, result.nodes


def test_resume_from_a_complete_checkpoint_reuses_everything(tmp_path):
    net = he_network(paper_architecture("example4-d5"), seed=3)
    path = tmp_path / "run.jsonl"
    first = count_regions(net, checkpoint=path, split=16, budget=100)
    again = count_regions(net, checkpoint=path, split=16, budget=100)
    assert _stats(again) == _stats(first) == _stats(count_regions(net, split=16, budget=100))
    assert first.reused_tasks == 0 and again.reused_tasks == again.tasks == first.tasks > 16
    assert again.regions_per_second == 0  # nothing was computed in the second run
    assert again.sum_task_seconds == pytest.approx(first.sum_task_seconds)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "cnnregions-checkpoint"
    assert len(lines) == 1 + first.tasks


def test_partial_checkpoint_with_a_torn_last_line(tmp_path):
    net = he_network(paper_architecture("example4-d6"), seed=1)
    path = tmp_path / "run.jsonl"
    full = count_regions(net, checkpoint=path, split=32, budget=200)
    lines = path.read_text().splitlines()
    kept = lines[: 1 + len(lines) // 3]
    path.write_text("\n".join(kept) + "\n" + lines[len(kept)][: len(lines[len(kept)]) // 2])  # killed mid-write
    resumed = count_regions(net, checkpoint=path, split=32, budget=200)
    assert _stats(resumed) == _stats(full) and resumed.tasks == full.tasks
    assert resumed.reused_tasks == len(kept) - 1 > 0
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


def _kill_when_recorded(cmd, ckpt, lines, env=None):
    """Start ``cmd``, SIGKILL it once ``ckpt`` holds ``lines`` lines; return the number of records then."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if ckpt.exists() and ckpt.read_bytes().count(b"\n") >= lines:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    return ckpt.read_bytes().count(b"\n") - 1


def _fc_net(tmp_path):
    arch = Architecture({"height": 1, "width": 1, "channels": 4},
                        [{"channels": 8, "kernel": [1, 1]}] * 3)
    net = he_network(arch, seed=0)
    net_path = tmp_path / "net.npz"
    save_network(net, net_path)
    return net, net_path


@pytest.mark.slow  # 30-60 s; the default run resumes after SIGTERM and after a full disk (test_hostile_signals, below)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigkill_mid_run_then_resume(tmp_path, jobs):
    net, net_path = _fc_net(tmp_path)
    ckpt = tmp_path / "run.jsonl"
    cmd = [sys.executable, "-m", "cnnregions", "count", str(net_path), "--checkpoint", str(ckpt), "--json",
           "--jobs", jobs, "--budget", "400", "--split", "8"]
    recorded = _kill_when_recorded(cmd, ckpt, 12)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout)
    full = count_regions(net, budget=400, split=8)
    assert (resumed["regions"], resumed["lps"], resumed["nodes"], resumed["tasks"]) == (*_stats(full), full.tasks)
    assert resumed["reused_tasks"] >= recorded >= 10
    assert resumed["reused_tasks"] < resumed["tasks"]
    assert resumed["sum_task_seconds"] > 0 and resumed["max_task_seconds"] <= resumed["sum_task_seconds"]


# -- a second writer, damaged or forged records, an old version, unwritable places -----


def _small_run(path, **kw):
    net = he_network(paper_architecture("example4-d4"), seed=1)
    return count_regions(net, checkpoint=path, split=4, budget=50, **kw)


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    from cnnregions.run.checkpoint import Checkpoint

    path = tmp_path / "run.jsonl"
    first = _small_run(path)
    header = json.loads(path.read_text().splitlines()[0])
    identity = {k: v for k, v in header.items() if k not in ("format", "version")}
    net = he_network(paper_architecture("example4-d4"), seed=1)
    from cnnregions.core.problem import build_problem
    from cnnregions.run.checkpoint import NodeShape

    problem = build_problem(net, None)
    shape = NodeShape(problem.n_neurons, problem.dim, tuple(int(s) for s in problem.starts))
    before = path.read_bytes()
    with Checkpoint.open(path, identity, shape, header["subtrees"]):
        with pytest.raises(ValueError, match="must not be in use by another count"):
            _small_run(path)
        code = subprocess.run([sys.executable, "-m", "cnnregions", "count", "example4-d4", "--seed", "1",
                               "--split", "4", "--budget", "50", "--checkpoint", str(path)],
                              capture_output=True, text=True, timeout=120, check=False)
        assert code.returncode == 2 and len(code.stderr.strip().splitlines()) == 1
        assert "in use by another count" in code.stderr
    assert path.read_bytes() == before
    assert _stats(_small_run(path)) == _stats(first)  # once released, it resumes


def _edit(path, number, change):
    lines = path.read_text().splitlines()
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = json.dumps(record, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


def _reseal(path, number):
    """Recompute line ``number``'s check digest, as a forger who read the code would."""
    from cnnregions.run.checkpoint import _digest

    lines = path.read_text().splitlines()
    record = json.loads(lines[number - 1])
    record["check"] = _digest(record, lines[0].encode())
    lines[number - 1] = json.dumps(record, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("change, reseal, message", [
    (lambda r: r.update(lps=r["lps"] + 1000), False, "'check' digest"),
    (lambda r: r.update(regions=-5), True, "'regions' an integer >= 0. Got -5"),
    (lambda r: r.update(lps="many"), True, "'lps' an integer >= 0. Got \"many\""),
    (lambda r: r.update(piece=[9999]), True, "one of the 4 initial tasks. Got piece \\[9999\\]"),
    (lambda r: r.update(piece=[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]), True, "a child of a task recorded on an earlier line"),
    (lambda r: r.update(seconds=float("nan")), True, "'seconds' a finite non-negative number"),
    (lambda r: r.update(regions=10**6), True, "'regions' at most 'nodes'"),
    (lambda r: r["children"].append([{"k": 1}]), True, "a node with keys"),
])
def test_forged_or_damaged_records_are_refused_naming_the_line(tmp_path, capsys, change, reseal, message):
    path = tmp_path / "run.jsonl"
    _small_run(path)
    _edit(path, 3, change)
    if reseal:
        _reseal(path, 3)
    _edit(path, 5, lambda r: None)  # a later good line: the bad one is not a torn last line
    before = path.read_bytes()
    with pytest.raises(ValueError, match="line 3 must hold " + ".*" + message):
        _small_run(path)
    code = main(["count", "example4-d4", "--seed", "1", "--split", "4", "--budget", "50", "--checkpoint", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "line 3" in err
    assert path.read_bytes() == before  # refused, not rewritten


def test_a_repeated_record_is_refused(tmp_path):
    path = tmp_path / "run.jsonl"
    _small_run(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:4] + [lines[2]] + lines[4:]) + "\n")
    with pytest.raises(ValueError, match="line 5 must hold a task recorded once. Got piece"):
        _small_run(path)


def test_a_checkpoint_of_the_previous_version_is_refused_naming_it(tmp_path):
    path = tmp_path / "old.jsonl"
    header = {"format": "cnnregions-checkpoint", "version": 1, "network": "x", "split": 64}
    path.write_text(json.dumps(header) + "\n" + json.dumps({"index": 0, "regions": 3}) + "\n")
    with pytest.raises(ValueError, match="must be a version 2 checkpoint. Got version 1 instead"):
        _small_run(path)


def test_a_device_is_refused_in_one_line(capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    code = main(["count", "example1-d2", "--checkpoint", "/dev/full"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "regular file" in err


def test_a_folder_without_write_permission_is_one_line(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code = main(["count", "example1-d2", "--checkpoint", str(folder / "run.jsonl")])
    finally:
        folder.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "must be readable and writable" in err


def _limit_file_size(limit):
    def preexec():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_full_disk_mid_run_is_one_line_and_the_file_still_resumes(tmp_path):
    """RLIMIT_FSIZE makes writes past a size fail, as on a full disk (ENOSPC and EFBIG take the same path)."""
    net, net_path = _fc_net(tmp_path)
    ckpt = tmp_path / "run.jsonl"
    cmd = [sys.executable, "-m", "cnnregions", "count", str(net_path), "--checkpoint", str(ckpt), "--json",
           "--budget", "400", "--split", "8"]
    full = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, preexec_fn=_limit_file_size(20_000))
    assert full.returncode == 2 and len(full.stderr.strip().splitlines()) == 1, full.stderr
    assert "must be writable" in full.stderr and "resume" in full.stderr
    size = ckpt.stat().st_size
    assert 0 < size <= 20_000 and ckpt.read_bytes().endswith(b"\n")  # no partial line left behind
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout)
    expected = count_regions(net, budget=400, split=8)
    assert (resumed["regions"], resumed["lps"], resumed["nodes"]) == _stats(expected)
    assert resumed["reused_tasks"] > 0


def test_a_default_budget_checkpoint_resumes_with_another_number_of_jobs(tmp_path):
    """The default budget depends on the workers (few workers get larger tasks), so a resume takes the
    budget recorded in the file: a partial run on two jobs finishes on one, with the same regions and nodes."""
    net = he_network(paper_architecture("example4-d6"), seed=1)
    path = tmp_path / "run.jsonl"
    full = count_regions(net, checkpoint=path, n_jobs=2)
    header, *records = path.read_text().splitlines()
    assert json.loads(header)["budget"] == budget_for(KernelEngine().default_budget(None), 2)
    kept = records[: len(records) // 2]
    path.write_text("\n".join([header, *kept]) + "\n")
    resumed = count_regions(net, checkpoint=path, n_jobs=1)
    assert resumed.reused_tasks == len(kept) > 0
    assert (resumed.regions, resumed.nodes) == (full.regions, full.nodes) == (count_regions(net).regions, count_regions(net).nodes)
    assert json.loads(path.read_text().splitlines()[0])["budget"] == json.loads(header)["budget"]


def test_the_default_budget_grows_as_the_workers_get_fewer():
    """Few workers need few tasks: the engine's budget (sized for many workers) times 2 * FEW_WORKERS // workers."""
    assert [budget_for(1000, w) for w in (1, 2, 3, 4, 8, 9, 16, 17, 128)] == [16000, 8000, 5000, 4000, 2000, 1000, 1000,
                                                                             1000, 1000]
