"""``compare``: exact counts beside the bounds and sampling."""

import json
import re

import pytest

from cnnregions import count_regions, he_network, iter_regions, paper_architecture
from cnnregions.cli import main
from cnnregions.compare import compare_network
from cnnregions.sampling import sample_patterns, sample_regions


def _json(argv, capsys):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ["example1-d3", "example4-d3", "pitfall2d-d2"])
def test_compare_prints_the_values_of_count_and_bounds(name, capsys):
    counted = _json(["count", name, "--seed", "2", "--json"], capsys)
    bounds = _json(["bounds", name, "--json"], capsys)
    compared = _json(["compare", name, "--seed", "2", "--points", "20000", "--json"], capsys)
    assert compared["regions"] == compared["exact"]["regions"] == counted["regions"]
    assert (compared["exact"]["lps"], compared["exact"]["nodes"]) == (counted["lps"], counted["nodes"])
    for check in compared["checks"]:
        assert check["value"] == bounds[check["key"]], check["key"]
        if check["value"] is not None and check["kind"] == "upper":
            assert check["holds"] is True
    assert compared["violations"] == []
    assert compared["sampling"]["regions_found"] <= counted["regions"]


def test_a_theta_below_the_lower_bound_is_said_plainly():
    result = compare_network(he_network(paper_architecture("example4-d8"), seed=0), sample_points=0)
    lower = {c.key: c for c in result.checks}["theorem5_lower"]
    assert lower.value == 4680  # Table 2's lower row
    assert result.exact.regions < 4680 and lower.holds is False
    assert "normal" in lower.verdict and not result.violations


def test_pitfall_verdict_agrees_with_its_note_and_rows_align(capsys):
    # 3x3 input, two 2x2 filters: eq. (4) and so Theorem 5's lower bound give 256, and no theta has more than
    # 255 regions (NOTES.md, "Known pitfall"): the verdict must not call falling short of it normal
    result = compare_network(he_network(paper_architecture("pitfall2d-d2"), seed=0), sample_points=0)
    lower = {c.key: c for c in result.checks}["theorem5_lower"]
    assert lower.value == 256 and result.exact.regions == 255
    assert "normal" not in lower.verdict and "eq. (4)" in lower.verdict
    assert main(["compare", "pitfall2d-d2", "--points", "1000"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(("network", "note"))]
    ends = {re.match(r"^.*?\S\s+(\d+|n/a)   ", line).end(1) for line in rows}
    assert len(rows) == 8 and len(ends) == 1  # every value ends in the same column, the Theorem 1 row's included


def test_human_output_mentions_every_bound(capsys):
    assert main(["compare", "example1-d2", "--points", "5000"]) == 0
    out = capsys.readouterr().out
    for text in ("exact count", "Lemma 2", "eq. (4)", "Theorem 5 upper", "Theorem 5 lower", "sampling"):
        assert text in out


@pytest.mark.parametrize("d, seed", [(1, 0), (2, 5), (3, 15)])
def test_sampling_finds_every_region_of_small_one_layer_nets(d, seed):
    net = he_network(paper_architecture(f"example1-d{d}"), seed=seed)
    exact = {r.pattern.tobytes() for r in iter_regions(net)}
    assert len(exact) == d ** 3 + d ** 2 + d + 1
    sampled = sample_patterns(net, 300_000, seed=1)
    assert {p.tobytes() for p in sampled} == exact


@pytest.mark.parametrize("name, seed", [("example4-d4", 1), ("example4-d8", 0), ("pitfall2d-d3", 2)])
def test_sampling_never_reports_more_than_the_exact_count(name, seed):
    net = he_network(paper_architecture(name), seed=seed)
    exact_patterns = {r.pattern.tobytes() for r in iter_regions(net)}
    assert len(exact_patterns) == count_regions(net).regions
    result = sample_regions(net, 200_000, seed=3)
    assert result.regions_found <= result.union_found <= len(exact_patterns)
    sampled = {p.tobytes() for p in sample_patterns(net, 200_000, seed=3)}
    assert sampled <= exact_patterns
    assert len(sampled) == result.union_found
