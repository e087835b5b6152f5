"""Know before you wait: Knuth's estimator against exact counts."""

from __future__ import annotations

import json

import pytest

from cnnregions import InvalidParameterError, count_regions, he_network, paper_architecture
from cnnregions.cli import main
from cnnregions.run.estimate import estimate_regions, upper_bound


def _coverage(net, exact, seeds, dives):
    hits = 0
    for seed in seeds:
        est = estimate_regions(net, max_dives=dives, max_seconds=None, seed=seed, bound=False)
        hits += est.low <= exact <= est.high
    return hits


def test_interval_covers_example1_closed_form():
    net = he_network(paper_architecture("example1-d4"), seed=1)
    assert _coverage(net, 4 ** 3 + 4 ** 2 + 4 + 1, range(6), 48) >= 5  # d^3 + d^2 + d + 1 (Example 1)


@pytest.mark.parametrize("name, seed", [("example4-d8", 0), ("pitfall2d-d3", 0)])
def test_interval_covers_exact_count_in_most_seeds(name, seed):
    # nets of 10^3 - 10^4 regions (3004 and 3998)
    net = he_network(paper_architecture(name), seed=seed)
    exact = count_regions(net).regions
    assert 1000 <= exact <= 100_000
    assert _coverage(net, exact, range(6), 64) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("name", ["example4-d12", "example4-d20", "pitfall2d-d4"])
def test_interval_covers_exact_count_on_larger_nets(name):
    net = he_network(paper_architecture(name), seed=0)
    exact = count_regions(net, n_jobs=-1).regions
    assert _coverage(net, exact, range(10), 300) >= 8


def test_same_seed_same_estimate_and_nodes_close():
    net = he_network(paper_architecture("example4-d3"), seed=0)
    a = estimate_regions(net, max_dives=32, max_seconds=None, seed=7)
    b = estimate_regions(net, max_dives=32, max_seconds=None, seed=7)
    assert (a.regions, a.low, a.high, a.nodes) == (b.regions, b.low, b.high, b.nodes)
    assert a.upper_bound is not None and a.high <= a.upper_bound
    assert a.forecast_seconds > 0 and a.dives == 32


def test_tree_smaller_than_the_strata_is_exact():
    net = he_network(paper_architecture("example1-d2"), seed=0)
    est = estimate_regions(net, strata=10 ** 6, seed=0)
    assert est.regions == est.low == est.high == 2 ** 3 + 2 ** 2 + 2 + 1 and est.dives == 0


def test_upper_bound_is_the_smallest_that_applies():
    net = he_network(paper_architecture("example1-d3"), seed=0)
    bound, name = upper_bound(net)
    assert bound == 40 and name in ("eq. (4)", "Theorem 5 (upper)", "Theorem 5 (Table 2)")


@pytest.mark.parametrize("kwargs", [{"max_dives": 0}, {"max_seconds": 0}, {"level": 1.0}, {"strata": 0},
                                    {"seed": -1}, {"max_dives": None, "max_seconds": None}])
def test_parameter_errors(kwargs):
    net = he_network(paper_architecture("example1-d2"), seed=0)
    with pytest.raises(InvalidParameterError):
        estimate_regions(net, **kwargs)


def test_cli_estimate(capsys):
    assert main(["estimate", "example4-d3", "--dives", "32", "--estimate-seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["command"] == "estimate" and out["schema_version"] >= 1
    assert out["low"] <= out["regions"] <= out["high"] and out["upper_bound"] >= 1
    assert main(["estimate", "example4-d3", "--seconds", "3"]) == 0
    text = capsys.readouterr().out
    assert "forecast" in text and "interval" in text
