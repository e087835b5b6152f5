"""The same count on every backend: serial, local processes (loky), dask."""

import json
import socket
import subprocess
import sys
import time

import pytest

from cnnregions import Architecture, count_regions, he_network, paper_architecture
from cnnregions.cli import main

distributed = pytest.importorskip("distributed")

NETWORKS = [("example4-d4", 0), ("example4-d7", 2), ("pitfall2d-d3", 1)]


def _stats(r):
    return r.regions, r.lps, r.nodes, r.tasks


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        yield cluster, client


FC = Architecture({"height": 1, "width": 1, "channels": 3}, [{"channels": 8, "kernel": [1, 1]}] * 2)


@pytest.mark.parametrize("index", [0, *(pytest.param(i, marks=pytest.mark.slow) for i in range(1, len(NETWORKS) + 1))])
def test_serial_loky_and_dask_agree(cluster, index):
    local, client = cluster
    nets = [he_network(paper_architecture(name), seed=seed) for name, seed in NETWORKS] + [he_network(FC, seed=4)]
    for net in nets[index:index + 1]:
        serial = count_regions(net, split=24, budget=400)
        loky = count_regions(net, n_jobs=2, split=24, budget=400)
        dask = count_regions(net, scheduler=client, split=24, budget=400)
        by_address = count_regions(net, scheduler=local.scheduler_address, split=24, budget=400)
        assert _stats(serial) == _stats(loky) == _stats(dask) == _stats(by_address)
        assert serial.tasks > 24  # the budget cut tasks: children were scheduled as they came back
        assert (serial.backend, loky.backend, dask.backend) == ("serial", "loky", "dask")
        assert dask.n_jobs == 2


def test_certified_count_on_dask_matches_serial(cluster):
    _, client = cluster
    net = he_network(paper_architecture("example4-d3"), seed=0)
    serial = count_regions(net, split=8, certify=True)
    dask = count_regions(net, split=8, certify=True, scheduler=client)
    assert serial.certified and dask.certified and dask.backend == "dask"
    assert (serial.regions, serial.certificates, serial.exact_decisions) == \
        (dask.regions, dask.certificates, dask.exact_decisions)


def test_unreachable_scheduler_fails_fast_with_one_line(capsys):
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    code = main(["count", "example1-d2", "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert time.monotonic() - start < 30
    assert len(err.strip().splitlines()) == 1 and "scheduler" in err


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_processes():
    """A dask scheduler and two workers started as separate processes on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = []
    try:
        procs.append(subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                  "--no-dashboard", "--host", "127.0.0.1"]
        for _ in range(2):
            procs.append(subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_cli_against_dask_scheduler_and_workers_started_as_processes(dask_processes):
    out = subprocess.run([sys.executable, "-m", "cnnregions", "count", "example4-d6", "--seed", "3", "--budget", "200",
                          "--scheduler", dask_processes, "--json"], capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    expected = count_regions(he_network(paper_architecture("example4-d6"), seed=3), budget=200)
    assert (result["regions"], result["lps"], result["nodes"], result["tasks"]) == (
        expected.regions, expected.lps, expected.nodes, expected.tasks)
    assert result["tasks"] > 16  # tasks were cut and their children scheduled on the cluster
    assert result["backend"] == "dask" and result["n_jobs"] == 2


@pytest.mark.slow
def test_sigkill_mid_run_on_a_dask_cluster_then_resume(dask_processes, tmp_path):
    from test_checkpoint import _fc_net, _kill_when_recorded

    net, net_path = _fc_net(tmp_path)
    ckpt = tmp_path / "run.jsonl"
    cmd = [sys.executable, "-m", "cnnregions", "count", str(net_path), "--checkpoint", str(ckpt), "--json",
           "--scheduler", dask_processes, "--budget", "400", "--split", "8"]
    recorded = _kill_when_recorded(cmd, ckpt, 12)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout)
    full = count_regions(net, budget=400, split=8)
    assert (resumed["regions"], resumed["lps"], resumed["nodes"], resumed["tasks"]) == (
        full.regions, full.lps, full.nodes, full.tasks)
    assert recorded >= 10 and resumed["reused_tasks"] >= recorded
    assert resumed["reused_tasks"] < resumed["tasks"] and resumed["backend"] == "dask"


def test_a_thousand_jobs_are_capped_with_a_warning():
    import os

    out = subprocess.run([sys.executable, "-m", "cnnregions", "count", "example4-d3", "--jobs", "1000", "--split", "2",
                          "--json"], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    cores = len(os.sched_getaffinity(0))
    result = json.loads(out.stdout)
    assert result["n_jobs"] == max(2, cores) < 1000
    assert result["regions"] == count_regions(he_network(paper_architecture("example4-d3"), seed=0)).regions
    warning = [line for line in out.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and f"more than the {cores} cores" in warning[0]
