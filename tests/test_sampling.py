"""The sampling estimator of Section 6 (cnnregions.sampling)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cnnregions._validation import InvalidParameterError
from cnnregions.models import resolve_network
from cnnregions.models.architecture import Architecture
from cnnregions.models.network import he_network
from cnnregions.sampling import (
    DEFAULT_STDS,
    CoverageResult,
    SamplingResult,
    points_to_coverage,
    sample_patterns,
    sample_regions,
    split_budget,
)
from cnnregions.sampling.dedup import PatternKeys


def table1(d: int) -> int:
    """Example 1 / Table 1: R_N = d^3 + d^2 + d + 1 (the generic count for random weights)."""
    return d**3 + d**2 + d + 1


def big_network(seed: int = 0):
    """100 neurons (5x5x1 -> 4@2x2 -> 4@2x2): keys of more than 64 bits (the hashed path)."""
    arch = Architecture({"height": 5, "width": 5, "channels": 1},
                        [{"channels": 4, "kernel": [2, 2], "stride": 1},
                         {"channels": 4, "kernel": [2, 2], "stride": 1}])
    assert arch.n_neurons == 100
    return he_network(arch, seed)


def reference_patterns(network, n_points, stds, seed):
    """The points the module docstring promises, pushed through Network.activation_patterns."""
    children = np.random.SeedSequence(seed).spawn(len(stds))
    per_std = []
    for std, child, budget in zip(stds, children, split_budget(n_points, len(stds))):
        x = np.random.default_rng(child).standard_normal((budget, network.architecture.input_dim)) * std
        per_std.append(np.unique(network.activation_patterns(x), axis=0))
    return per_std


def as_set(patterns: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.asarray(patterns, dtype=bool)}


# -- Table 1: finding every region, never more ---------------------------------------------
@pytest.mark.parametrize("d, weight_seed", [(1, 0), (2, 5), (3, 15)])
def test_finds_every_region_of_table1_nets(d, weight_seed):
    net = resolve_network(f"example1-d{d}", weight_seed)
    result = sample_regions(net, 300_000, seed=0)
    assert result.regions_found == table1(d)
    assert result.union_found == table1(d)
    patterns = sample_patterns(net, 300_000, seed=0)
    assert patterns.shape == (table1(d), 2 * d)
    assert len(as_set(patterns)) == table1(d)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
@pytest.mark.parametrize("weight_seed", range(4))
def test_never_more_than_table1(d, weight_seed):
    result = sample_regions(resolve_network(f"example1-d{d}", weight_seed), 60_000, seed=weight_seed)
    assert 1 <= result.regions_found <= result.union_found <= table1(d)
    assert all(s.regions_found <= result.regions_found for s in result.per_std)


# -- what is counted ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: resolve_network("example4-d8", 3), big_network],
                         ids=["example4-d8 (22 neurons)", "100 neurons"])
def test_counts_match_activation_patterns_of_the_documented_points(make):
    net = make()
    stds = (2.0, 13.0, 40.0)
    reference = reference_patterns(net, 5_003, stds, seed=11)
    result = sample_regions(net, 5_003, stds=stds, seed=11, chunk_size=1000)
    assert [s.points for s in result.per_std] == [1668, 1668, 1667]
    assert [s.regions_found for s in result.per_std] == [len(r) for r in reference]
    union = as_set(np.concatenate(reference))
    assert result.union_found == len(union)
    assert as_set(sample_patterns(net, 5_003, stds=stds, seed=11, chunk_size=1000)) == union


def test_max_and_union_semantics():
    net = resolve_network("example4-d8", 0)
    result = sample_regions(net, 60_000, seed=4)
    counts = [s.regions_found for s in result.per_std]
    assert result.stds == DEFAULT_STDS
    assert result.regions_found == max(counts)
    assert max(counts) <= result.union_found <= sum(counts)
    assert result.union_found > result.regions_found  # different stds reach different regions here
    assert result.union_found == len(sample_patterns(net, 60_000, seed=4))
    single = sample_regions(net, 10_000, stds=[7], seed=4)
    assert single.regions_found == single.union_found == single.per_std[0].regions_found


def test_budget_is_split_evenly_and_points_is_the_total():
    assert split_budget(10, 4) == (3, 3, 2, 2)
    assert split_budget(12, 6) == (2,) * 6
    assert split_budget(2, 6) == (1, 1, 0, 0, 0, 0)
    net = resolve_network("example1-d2", 0)
    result = sample_regions(net, 100_001, seed=0)
    assert result.points == 100_001 == sum(s.points for s in result.per_std)
    assert [s.points for s in result.per_std] == [16_667] + [16_667] * 4 + [16_666]
    tiny = sample_regions(net, 2, seed=0)
    assert [s.points for s in tiny.per_std] == [1, 1, 0, 0, 0, 0]
    assert [s.regions_found for s in tiny.per_std] == [1, 1, 0, 0, 0, 0]
    assert tiny.regions_found == 1 and 1 <= tiny.union_found <= 2


def test_rate_and_json_form():
    result = sample_regions(resolve_network("example1-d3", 0), 50_000, seed=0)
    assert isinstance(result, SamplingResult)
    assert result.seconds > 0
    assert result.points_per_second == pytest.approx(result.points / result.seconds)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["regions_found"] == result.regions_found
    assert data["points"] == 50_000
    assert [row["std"] for row in data["per_std"]] == list(DEFAULT_STDS)


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_same_result_other_seed_other_points():
    net = big_network(1)
    a = sample_patterns(net, 20_000, seed=7)
    b = sample_patterns(net, 20_000, seed=7)
    c = sample_patterns(net, 20_000, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)  # 100 neurons: almost every point is a new pattern
    r1 = sample_regions(net, 20_000, seed=7)
    assert r1.union_found == len(a) and r1.seed == 7
    g1 = sample_regions(net, 20_000, seed=np.random.default_rng(3))
    g2 = sample_regions(net, 20_000, seed=np.random.default_rng(3))
    assert g1.per_std == g2.per_std and g1.seed is None


def test_seed_none_reports_its_entropy_so_the_run_can_be_repeated():
    net = resolve_network("example4-d8", 0)
    first = sample_regions(net, 20_000)
    again = sample_regions(net, 20_000, seed=first.seed)
    assert isinstance(first.seed, int)
    assert again.per_std == first.per_std


@pytest.mark.parametrize("make", [lambda: resolve_network("example4-d8", 0), big_network],
                         ids=["packed ints", "hashed bytes"])
def test_chunk_size_does_not_change_the_patterns(make):
    net = make()
    base = sample_patterns(net, 6_000, seed=5)
    for chunk in (1, 7, 999, 6_000):
        assert np.array_equal(sample_patterns(net, 6_000, seed=5, chunk_size=chunk), base)
    # a memory bound too small for one point still works (one point per chunk)
    assert np.array_equal(sample_patterns(net, 6_000, seed=5, max_memory=1), base)
    assert sample_regions(net, 6_000, seed=5, max_memory=1).chunk_size == 1


def test_hash_collisions_fall_back_to_exact_comparison():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 2, size=(400, 100)).astype(bool)
    rows = np.concatenate([rows, rows[:50]])  # 50 duplicates
    packed = np.packbits(rows, axis=1, bitorder="little")
    good, first_good = PatternKeys(100).unique(packed, first=True)
    colliding = PatternKeys(100, hash_words=lambda words: np.zeros(len(words), dtype=np.uint64))
    bad, first_bad = colliding.unique(packed, first=True)
    assert len(good) == len(bad) == len(as_set(rows)) == 400
    assert set(good) == set(bad)
    assert sorted(first_good.tolist()) == sorted(first_bad.tolist()) == list(range(400))
    assert as_set(PatternKeys(100).decode(good)) == as_set(rows)


def test_keys_round_trip_for_every_width():
    rng = np.random.default_rng(1)
    for n in (1, 7, 8, 9, 63, 64, 65, 130):
        rows = np.unique(rng.integers(0, 2, size=(200, n)).astype(bool), axis=0)
        keys = PatternKeys(n)
        found, _ = keys.unique(np.packbits(rows, axis=1, bitorder="little"))
        assert len(found) == len(rows)
        assert as_set(keys.decode(found)) == as_set(rows)
        assert as_set(keys.decode(keys.of_patterns(rows))) == as_set(rows)


# -- coverage: points needed for 50/90/99 % ----------------------------------------------------
@pytest.mark.parametrize("reduce", ["max", "union"])
def test_coverage_budgets_are_exact(reduce):
    net = resolve_network("example1-d3", 15)
    cov = points_to_coverage(net, 40, max_points=2_000_000, fractions=(0.5, 0.9, 1.0), reduce=reduce, seed=2)
    assert isinstance(cov, CoverageResult)
    assert cov.found == 40 and cov.outside is None
    assert cov.points < 2_000_000  # stopped once 100 % was reached
    assert all(p is not None for p in cov.points_needed)
    assert list(cov.points_needed) == sorted(cov.points_needed)
    assert np.all(np.diff(cov.discovery) > 0) and len(cov.discovery) == 40

    def found(points):
        result = sample_regions(net, points, seed=2)
        return result.regions_found if reduce == "max" else result.union_found

    for fraction, points in zip(cov.fractions, cov.points_needed):
        need = math.ceil(fraction * 40)
        assert found(points) >= need
        assert found(points - 1) < need
    for budget in (1, 6, 100, 1234, 5000):
        assert found(budget) == int(np.sum(cov.discovery <= budget))


@pytest.mark.parametrize("reduce", ["max", "union"])
def test_coverage_curve_with_hashed_keys(reduce):
    net = resolve_network("example4-d40", 0)  # 86 neurons, patterns repeat
    assert net.architecture.n_neurons > 64
    cov = points_to_coverage(net, 10**6, max_points=20_000, fractions=(1.0,), reduce=reduce, seed=3,
                             chunk_size=777)
    assert cov.points == 20_000 and cov.points_needed == (None,)
    for budget in (1, 17, 500, 4321, 20_000):
        result = sample_regions(net, budget, seed=3)
        expected = result.regions_found if reduce == "max" else result.union_found
        assert int(np.sum(cov.discovery <= budget)) == expected
    assert cov.found == expected < 20_000


def test_coverage_against_given_patterns():
    net = resolve_network("example1-d3", 15)
    every = sample_patterns(net, 300_000, seed=0)
    assert len(every) == 40
    full = points_to_coverage(net, every, max_points=2_000_000, fractions=(1.0,), reduce="union", seed=1)
    assert full.regions == 40 and full.found == 40 and full.outside == 0
    part = points_to_coverage(net, every[5:], max_points=2_000_000, fractions=(1.0,), reduce="union", seed=1)
    assert part.regions == 35 and part.found == 35
    assert 0 <= part.outside <= 5
    assert part.points_needed[0] <= full.points_needed[0]


def test_coverage_not_reached_is_none():
    net = resolve_network("example1-d3", 15)
    cov = points_to_coverage(net, 40, max_points=6, fractions=(0.01, 0.99), seed=0)
    assert cov.points == 6
    assert cov.points_needed[0] == 1  # ceil(0.01 * 40) = 1 pattern: the first point
    assert cov.points_needed[1] is None
    assert cov.to_dict()["points_needed"][1] == {"fraction": 0.99, "points": None}


def test_share_of_regions_is_rounded_up_exactly():
    # 0.56 * 25 == 14.000000000000002 in floating point: 14 patterns are needed, not 15
    net = resolve_network("example1-d3", 15)
    cov = points_to_coverage(net, 25, max_points=2_000_000, fractions=(0.56,), reduce="union", seed=0)
    assert cov.found >= 15
    assert cov.points_needed[0] == cov.discovery[13] < cov.discovery[14]


# -- invalid parameters ----------------------------------------------------------------------------
NET = resolve_network("example1-d1", 0)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_points": 0}, "The 'n_points' must be a positive integer. Got 0 instead."),
    ({"n_points": -3}, "The 'n_points' must be a positive integer. Got -3 instead."),
    ({"n_points": 2.0}, "The 'n_points' must be a positive integer. Got 2.0 instead."),
    ({"n_points": True}, "The 'n_points' must be a positive integer. Got True instead."),
    ({"stds": ()}, "The 'stds' must be a non-empty sequence of positive finite numbers. Got () instead."),
    ({"stds": 3.0}, "The 'stds' must be a non-empty sequence of positive finite numbers. Got 3.0 instead."),
    ({"stds": "3"}, "The 'stds' must be a non-empty sequence of positive finite numbers. Got '3' instead."),
    ({"stds": (3, 0)}, "The 'stds' must be positive finite numbers. Got 0.0 instead."),
    ({"stds": (-1,)}, "The 'stds' must be positive finite numbers. Got -1.0 instead."),
    ({"stds": (float("nan"),)}, "The 'stds' must be positive finite numbers. Got nan instead."),
    ({"stds": (np.inf,)}, "The 'stds' must be positive finite numbers. Got inf instead."),
    ({"stds": ("3",)}, "The 'stds' must be positive finite numbers. Got '3' instead."),
    ({"seed": -1}, "The 'seed' must be a non-negative integer, a numpy Generator or None. Got -1 instead."),
    ({"seed": 1.5}, "The 'seed' must be a non-negative integer, a numpy Generator or None. Got 1.5 instead."),
    ({"chunk_size": 0}, "The 'chunk_size' must be a positive integer. Got 0 instead."),
    ({"max_memory": 0}, "The 'max_memory' must be a positive integer. Got 0 instead."),
])
def test_invalid_parameters(kwargs, message):
    args = {"n_points": 10, **kwargs}
    n_points = args.pop("n_points")
    for function in (sample_regions, sample_patterns):
        with pytest.raises(InvalidParameterError) as info:
            function(NET, n_points, **args)
        assert str(info.value) == message
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_invalid_network_and_coverage_parameters():
    with pytest.raises(InvalidParameterError, match=r"^The 'network' must be a Network\. Got 'example1-d1' instead\.$"):
        sample_regions("example1-d1", 10)
    with pytest.raises(InvalidParameterError, match=r"^The 'fractions' must be numbers in \(0, 1\]\. Got 0 instead\.$"):
        points_to_coverage(NET, 4, max_points=10, fractions=(0,))
    with pytest.raises(InvalidParameterError, match=r"^The 'fractions' must be numbers in \(0, 1\]\. Got 1.5 instead\.$"):
        points_to_coverage(NET, 4, max_points=10, fractions=(0.5, 1.5))
    with pytest.raises(InvalidParameterError, match=r"^The 'reduce' must be 'max' or 'union'\. Got 'mean' instead\.$"):
        points_to_coverage(NET, 4, max_points=10, reduce="mean")
    with pytest.raises(InvalidParameterError, match=r"^The 'regions' must be a positive integer\. Got 0 instead\.$"):
        points_to_coverage(NET, 0, max_points=10)
    with pytest.raises(InvalidParameterError, match=r"^The 'regions' must be a count or a non-empty bool array"):
        points_to_coverage(NET, np.zeros((3, 5), dtype=bool), max_points=10)
    with pytest.raises(InvalidParameterError, match=r"^The 'max_points' must be a positive integer\. Got 0 instead\.$"):
        points_to_coverage(NET, 4, max_points=0)
