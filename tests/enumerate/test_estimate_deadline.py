"""The estimate keeps its word: the wall time is bounded by --seconds, --dives N stops after
N dives, few dives are flagged, the geometric engine's domains get no estimate, and a count
is never silent for long (progress within seconds, no estimate time on a short count)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from cnnregions import InvalidParameterError, Plane, Segment, he_network, paper_architecture
from cnnregions.cli import main
from cnnregions.models import Architecture
from cnnregions.models.io import save_network
from cnnregions.run.estimate import RELIABLE_DIVES, estimate_regions

#: A 28x28 CNN (the network of bench/bench_slice.py): one step of a dive over the whole
#: input space takes longer than a second, and its exact count takes hours.
IMAGE_NET = Architecture({"height": 28, "width": 28, "channels": 1}, [
    {"channels": 4, "kernel": [3, 3], "stride": 2, "padding": 1},
    {"channels": 8, "kernel": [3, 3], "stride": 2},
    {"type": "dense", "features": 32},
])


def test_dives_n_stops_after_n():
    net = he_network(paper_architecture("example4-d8"), seed=0)
    for n in (1, 5, 40):
        est = estimate_regions(net, max_dives=n, max_seconds=None, seed=3, bound=False)
        assert est.dives == n and est.strata == 16
    assert est.reliable == (RELIABLE_DIVES * 16 <= 40)


def test_few_dives_flagged_unreliable_and_many_not():
    net = he_network(paper_architecture("example4-d8"), seed=0)
    few = estimate_regions(net, max_dives=10, max_seconds=None, seed=0, bound=False)
    assert not few.reliable and "unreliable" in few.note
    many = estimate_regions(net, max_dives=RELIABLE_DIVES * 16, max_seconds=None, seed=0, bound=False)
    assert many.reliable and many.note == ""
    assert many.low is not None and many.high is not None and many.low <= many.regions <= many.high


def test_cli_dives_5_makes_5(capsys):
    assert main(["estimate", "example4-d8", "--dives", "5", "--estimate-seed", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dives"] == 5 and out["reliable"] is False and out["schema_version"] >= 2


def test_seconds_bound_the_wall_time_even_inside_one_dive():
    net = he_network(IMAGE_NET, seed=0)
    start = time.perf_counter()
    est = estimate_regions(net, max_seconds=0.5, seed=0)
    elapsed = time.perf_counter() - start
    # unbounded, this call runs for minutes inside its first dive; the clock stops it
    assert elapsed < 10
    assert est.dives == 0 and est.regions is None and est.forecast_seconds is None
    assert "no estimate" in est.note


def test_seconds_budget_returns_dives_it_used():
    net = he_network(paper_architecture("example4-d3"), seed=0)
    # the budget covers starting the child process on a loaded machine (spawn imports the package)
    est = estimate_regions(net, max_seconds=5.0, seed=0, bound=False)
    assert est.dives >= 1 and est.regions is not None and est.regions > 0


@pytest.mark.parametrize("domain", [Plane(np.zeros(4), np.eye(4)[0], np.eye(4)[1], (-1, 1, -1, 1)),
                                    Segment(np.zeros(4), np.ones(4))])
def test_geometric_domains_get_no_estimate(domain, capsys, tmp_path):
    net = he_network(paper_architecture("example4-d3"), seed=0)
    with pytest.raises(InvalidParameterError, match="geometric engine"):
        estimate_regions(net, domain=domain, max_seconds=1.0)
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, np.zeros((1, 1, 4)))
    np.save(b, np.ones((1, 1, 4)))
    assert main(["estimate", "example4-d3", "--line", str(a), str(b)]) == 2
    assert "geometric engine" in capsys.readouterr().err


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cnnregions.cli import main; sys.exit(main())", *args]


def test_short_count_prints_no_estimate_and_spends_nothing_on_it():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(_cli("count", "example4-d8"), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "regions        3004" in done.stdout
    assert "estimate" not in done.stderr  # the estimate waits ESTIMATE_AFTER seconds, and the count ended first


def test_long_count_logs_a_line_within_seconds(tmp_path):
    """stderr a pipe (a log): the first plain line comes within 10 s, before any task is done."""
    path = tmp_path / "image.npz"
    save_network(he_network(IMAGE_NET, seed=0), path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    start = time.perf_counter()
    proc = subprocess.Popen(_cli("count", str(path)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        first = proc.stderr.readline()
        elapsed = time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()
    assert first.startswith("progress: ") and elapsed < 10


def test_long_count_shows_progress_on_a_terminal_within_seconds(tmp_path):
    """stderr a terminal: the bar shows within 2 s of the count's start (plus the interpreter's start)."""
    pytest.importorskip("tqdm")
    pty = pytest.importorskip("pty")
    import fcntl
    import select
    import struct
    import termios

    path = tmp_path / "image.npz"
    save_network(he_network(IMAGE_NET, seed=0), path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal of 24 x 100
    start = time.perf_counter()
    proc = subprocess.Popen(_cli("count", str(path)), stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    try:
        while b"task" not in seen and time.perf_counter() - start < 30:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        elapsed = time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    assert b"task" in seen and elapsed < 10, seen  # the bar ("0task [00:02, ...]"), long before any result
