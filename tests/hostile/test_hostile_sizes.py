"""Architectures too large are refused at once, with
bounded memory; ``bounds`` stays exact and refuses only what it cannot finish."""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys

import pytest

from cnnregions import Architecture, InvalidParameterError, Network, he_network, paper_architecture
from cnnregions.cli import main
from cnnregions.models.limits import check_memory, memory_needs
from cnnregions.theory import lemma2, theorem1
from cnnregions.theory.budget import MAX_RESULT_BITS
from cnnregions.theory.frontier import ComputationTooLargeError
from cnnregions.theory.summary import bounds_summary

HUGE_INPUT = {"input": {"height": 10 ** 6, "width": 10 ** 6, "channels": 1},
              "layers": [{"channels": 2, "kernel": [2, 2], "stride": 1}]}
WIDE = {"input": {"height": 1, "width": 4, "channels": 1},
        "layers": [{"channels": 2, "kernel": [1, 2], "stride": 1},
                   {"channels": 10 ** 5, "kernel": [1, 2], "stride": 1},
                   {"channels": 10 ** 5, "kernel": [1, 2], "stride": 1}]}


def _limited(args: list[str], tmp_path, env=None) -> subprocess.CompletedProcess:
    """Run the CLI with its address space capped at 3 GiB: a large allocation is a MemoryError."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))
    return subprocess.run([sys.executable, "-m", "cnnregions", *args], capture_output=True, text=True,
                          preexec_fn=cap, cwd=tmp_path, timeout=120, env=env)


@pytest.mark.parametrize("net", ["example4-d100000000", "huge.json", "wide.json"])
def test_count_refuses_networks_that_do_not_fit(net, tmp_path):
    (tmp_path / "huge.json").write_text(json.dumps(HUGE_INPUT))
    (tmp_path / "wide.json").write_text(json.dumps(WIDE))
    proc = _limited(["count", net], tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    # says how big: the memory check (this module) or the parameter cap of the file readers
    assert ("must fit in memory" in lines[0] and "matrix" in lines[0]) or "parameters" in lines[0]


def test_memory_needs_counts_the_dense_matrices():
    arch = Architecture(HUGE_INPUT["input"], HUGE_INPUT["layers"])
    needs = memory_needs(arch)
    rows, cols = 2 * (10 ** 6 - 1) ** 2, 10 ** 12
    assert needs.largest_map == (1, rows, cols)
    assert needs.maps >= 8 * rows * cols


def test_limit_from_environment(monkeypatch):
    arch = paper_architecture("example4-d8")
    net = he_network(arch, seed=0)
    monkeypatch.setenv("CNNREGIONS_MEMORY_LIMIT", "100")
    with pytest.raises(InvalidParameterError, match="CNNREGIONS_MEMORY_LIMIT"):
        he_network(arch, seed=0)
    with pytest.raises(InvalidParameterError, match="must fit in memory"):
        Network(arch, net.weights, net.biases).affine_maps  # noqa: B018
    monkeypatch.setenv("CNNREGIONS_MEMORY_LIMIT", "lots")
    with pytest.raises(InvalidParameterError, match="positive number of bytes"):
        check_memory(arch)


def test_plane_is_suggested_when_the_search_is_what_does_not_fit(monkeypatch):
    arch = Architecture({"height": 40, "width": 40, "channels": 1},
                        [{"channels": 2, "kernel": [40, 40], "stride": 1}])
    needs = memory_needs(arch)
    monkeypatch.setenv("CNNREGIONS_MEMORY_LIMIT", str(needs.weights + needs.maps + 1))
    with pytest.raises(InvalidParameterError, match="--plane"):
        check_memory(arch)
    check_memory(arch, dim=2, stage="maps")


def test_bounds_refuses_2_to_the_10_to_12_and_keeps_the_rest(tmp_path, capsys):
    (tmp_path / "huge.json").write_text(json.dumps(HUGE_INPUT))
    assert main(["bounds", str(tmp_path / "huge.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["neurons"] == 2 * (10 ** 6 - 1) ** 2
    assert out["lemma2"] is None and "digits" in out["not_applicable"]["lemma2"]
    assert out["theorem3_exponent"] == 10 ** 12  # what can be computed still is, exactly
    with pytest.raises(ComputationTooLargeError):
        lemma2(Architecture(HUGE_INPUT["input"], HUGE_INPUT["layers"]))


def test_bounds_keeps_numbers_of_100000_digits_exact():
    # 2^332,190 has 100,000 digits: well within the limit
    arch = Architecture({"height": 1, "width": 332_191, "channels": 1},
                        [{"channels": 1, "kernel": [1, 2], "stride": 1}])
    assert arch.n_neurons == 332_190 < MAX_RESULT_BITS
    summary = bounds_summary(arch)
    assert summary["lemma2"] == 2 ** 332_190
    assert summary["lemma2"].bit_length() == 332_191
    assert 10 ** 99_999 <= summary["lemma2"] < 10 ** 100_000  # 100,000 digits


@pytest.mark.parametrize("n0, n1", [(1, 5), (3, 4), (5, 5), (7, 40), (40, 7), (100, 250)])
def test_theorem1_incremental_sum_is_exact(n0, n1):
    assert theorem1(n0, n1) == sum(math.comb(n1, i) for i in range(min(n0, n1) + 1))
    if n0 >= n1:
        assert theorem1(n0, n1) == 2 ** n1  # every subset of hyperplanes: the closed form


def test_eq4_refuses_an_incidence_table_it_cannot_finish():
    arch = Architecture({"height": 100, "width": 100, "channels": 1},
                        [{"channels": 30, "kernel": [3, 3], "stride": 1}, {"channels": 30, "kernel": [3, 3], "stride": 1}])
    summary = bounds_summary(arch)
    assert summary["lemma2"] == 2 ** arch.n_neurons
    assert summary["theorem5_upper"] is None and "steps" in summary["not_applicable"]["theorem5_upper"]
