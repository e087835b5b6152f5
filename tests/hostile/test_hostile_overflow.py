"""Inputs near float64's largest number at the ends of every domain, and wide networks on the
paths that build per-region matrices: a right answer or one line, never NaN decisions.

The property behind the rescaling: ReLU is positively homogeneous, so the network with
every bias times ``2^k`` has, at the input ``2^k x``, every pre-activation times ``2^k``:
the same signs.  A segment (or plane) with its points times ``2^k`` therefore meets the
same regions, at the same parameters ``t`` (or ``(a, b)``), as the original segment on
the original network; with ``k`` near 1020 its ends are of size 1e308.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from _run import assert_one_error_line, run_cli

from cnnregions import Box, InvalidParameterError, Plane, Segment, count_regions, he_network, paper_architecture
from cnnregions.cli import main
from cnnregions.geometry.count import segment_regions
from cnnregions.models.network import Network
from cnnregions.regions.point import region_of

NET = "example4-d8"


def _scaled_biases(network: Network, k: int) -> Network:
    return Network(network.architecture, network.weights, tuple(np.ldexp(b, k) for b in network.biases))


def _ends(seed: int, dim: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, dim), rng.uniform(-2, 2, dim)


@pytest.mark.parametrize("k", [0, 500, 1000, 1020])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_segment_scaled_by_a_power_of_two_meets_the_same_regions(seed, k):
    network = he_network(paper_architecture(NET), seed)
    a, b = _ends(seed)
    base = segment_regions(network, Segment(a, b))
    with np.errstate(all="raise"):  # no overflow, no NaN anywhere in the walk
        big = segment_regions(_scaled_biases(network, k), Segment(np.ldexp(a, k), np.ldexp(b, k)))
    assert big.regions == base.regions
    assert np.array_equal(big.patterns, base.patterns)
    assert np.allclose(big.breakpoints, base.breakpoints, rtol=1e-12, atol=0)
    assert np.all(np.diff(big.breakpoints) > 0)


@pytest.mark.parametrize("k", [600, 1015])
def test_a_windowed_plane_scaled_by_a_power_of_two_has_the_same_regions(k):
    network = he_network(paper_architecture(NET), 3)
    rng = np.random.default_rng(3)
    points = [rng.uniform(-1, 1, 4) for _ in range(3)]
    window = (-2.0, 3.0, -2.5, 2.0)
    base = count_regions(network, domain=Plane(*points, window=window)).regions
    with np.errstate(all="raise"):
        big = count_regions(_scaled_biases(network, k), domain=Plane(*(np.ldexp(p, k) for p in points), window=window))
    assert big.regions == base and big.backend == "geometric"
    assert np.isfinite(big.smallest_radius)


def test_the_issue_segment_at_1e308_is_counted_without_nan(tmp_path, capsys):
    """Ends of size 1e308 in one direction: the count of the same segment with the biases scaled
    down to match (the regions do not change), and finite increasing breakpoints."""
    network = he_network(paper_architecture(NET), 0)
    a, b = _ends(7)
    a, b = a / np.abs(a).max() * 1e308, b / np.abs(b).max() * 0.5e308
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    assert main(["count", NET, "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert "warning" not in captured.err
    breakpoints = np.array(out["breakpoints"])
    assert np.all(np.isfinite(breakpoints)) and np.all(np.diff(breakpoints) > 0)
    k = 1000  # the same segment 2^-1000 smaller, on the network with biases 2^-1000 smaller
    reference = segment_regions(_scaled_biases(network, -k), Segment(np.ldexp(a, -k), np.ldexp(b, -k)))
    assert out["regions"] == reference.regions
    # The JSON lists the interior breakpoints; the API's intervals include the ends 0 and 1.
    assert np.allclose(breakpoints, reference.breakpoints[1:-1], rtol=1e-12, atol=0)


def test_segment_ends_whose_difference_overflows_are_refused_in_one_line(tmp_path, capsys):
    np.save(tmp_path / "a.npy", np.full(4, 1e308))
    np.save(tmp_path / "b.npy", np.full(4, -1e308))
    assert main(["count", NET, "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "'b - a'" in err and "overflows" in err and "nan" not in err


def test_a_plane_through_huge_points_is_not_called_collinear(tmp_path, capsys):
    rng = np.random.default_rng(4)
    names = []
    for i, scale in enumerate((1e308, -1e308, 0.5e308)):
        np.save(tmp_path / f"p{i}.npy", rng.uniform(0.5, 1, 4) * scale)
        names.append(str(tmp_path / f"p{i}.npy"))
    for extra in ([], ["--window", "0", "1", "0", "1"]):
        assert main(["count", NET, "--plane", *names, "--no-progress", *extra]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "collinear" not in err and "overflows" in err, err
    with pytest.raises(InvalidParameterError, match="collinear"):  # real collinear points still are
        Plane(np.zeros(4), np.full(4, 1e307), np.full(4, 2e307))


def test_a_plane_through_huge_points_in_one_direction_is_refused_or_counted(tmp_path, capsys):
    """Points of size 1e308 whose differences stay finite: the LP search refuses them in one line
    (its first layer cannot be squared); the windowed plane rescales them and counts."""
    rng = np.random.default_rng(5)
    names = []
    for i in range(3):
        np.save(tmp_path / f"p{i}.npy", rng.uniform(0.2, 1, 4) * 0.5e308)
        names.append(str(tmp_path / f"p{i}.npy"))
    assert main(["count", NET, "--plane", *names, "--no-progress"]) == 2
    assert "float64's range" in capsys.readouterr().err
    assert main(["count", NET, "--plane", *names, "--window", "-1", "1", "-1", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] >= 1


@pytest.mark.parametrize("command", ["count", "plot-slice"])
def test_a_window_of_1e308_is_refused_in_one_line(tmp_path, capsys, command):
    if command == "plot-slice":
        pytest.importorskip("matplotlib")
    names = []
    for i, point in enumerate(([0.1, 0.2, 0.3, 0.4], [1, 0, 0.5, 0], [0, 1, 0, 0.5])):
        np.save(tmp_path / f"p{i}.npy", np.array(point))
        names.append(str(tmp_path / f"p{i}.npy"))
    argv = [command, NET, "--plane", *names, "--window", "-1e308", "1e308", "-1e308", "1e308"]
    argv += ["-o", str(tmp_path / "s.png")] if command == "plot-slice" else ["--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "'window'" in err and "Traceback" not in err
    assert not (tmp_path / "s.png").exists()


def test_a_box_of_1e100_counts_the_whole_space_and_one_of_1e308_is_refused(capsys):
    network = he_network(paper_architecture("example4-d3"), 0)
    with np.errstate(all="raise"):
        assert count_regions(network, domain=Box(-1e100, 1e100)).regions == count_regions(network).regions
    for lo, hi in (("-1.7e308", "1.7e308"), ("1e308", "1.7e308")):
        assert main(["count", "example4-d3", "--box", lo, hi, "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "bounds must stay within" in err and "warning" not in err


@pytest.mark.parametrize("argv, expected", [
    (["--box", "-inf", "1"], "The 'lo' must be finite. Got -inf"),
    (["--box", "-1", "inf"], "The 'hi' must be finite. Got inf"),
    (["--box", "-nan", "1"], "must be finite"),
])
def test_non_finite_box_bounds_reach_the_box_check(capsys, argv, expected):
    assert main(["count", "example4-d3", *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err and "expected 2 arguments" not in err


def test_a_point_whose_preactivations_overflow_is_refused_without_nan(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.full(4, 1.7e308))
    assert main(["region", NET, "--point", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "overflow" in err and "nan" not in err
    network = he_network(paper_architecture(NET), 0)
    with np.errstate(all="raise"):
        info = region_of(network, np.full(4, 1e300))  # large but in range: a region, no NaN
    assert np.isfinite(info.radius) and info.contains(np.full((1, 4), 1e300))[0]


# -- wide networks: sized before anything large is allocated --------------------------------------
#: Address-space cap of the subprocess: far below what the unsized paths tried (26.8 GiB).
MEMORY_CAP = 3 * 2 ** 30


@pytest.mark.parametrize("argv, what", [
    (["region", "example4-d30000", "--point", "{a}"], "facet search must fit in memory"),
    (["count", "example4-d30000", "--no-progress", "--line", "{a}", "{b}"], "walk must fit in memory"),
])
def test_wide_networks_are_sized_before_allocating(tmp_path, argv, what):
    np.save(tmp_path / "a.npy", np.array([0.1, -0.4, 0.3, 0.2]))
    np.save(tmp_path / "b.npy", np.array([-0.5, 0.2, 0.1, -0.3]))
    argv = [str(tmp_path / f"{part[1]}.npy") if part in ("{a}", "{b}") else part for part in argv]
    start = time.monotonic()
    run = run_cli(argv, limits={"RLIMIT_AS": MEMORY_CAP}, env={"CNNREGIONS_MEMORY_LIMIT": "1e9"}, timeout=120)
    assert_one_error_line(run, what, "limit 954 MiB")
    assert "MemoryError" not in run.err and time.monotonic() - start < 100


def test_sampling_at_a_std_that_would_overflow_is_refused_not_counted_from_nan(capsys):
    """A point of size 1e308 overflows the forward pass: its NaN signs would be patterns of no
    region.  A std whose points stay in range gives the far-field patterns of the network, the
    same at 1e150 and 1e200 (biases negligible there)."""
    assert main(["sample", NET, "--points", "2000", "--std", "1e308"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "'stds'" in err and "warning" not in err.lower()
    found = []
    for std in ("1e150", "1e200"):
        assert main(["sample", NET, "--points", "2000", "--std", std, "--json"]) == 0
        found.append(json.loads(capsys.readouterr().out)["regions_found"])
    assert found[0] == found[1]


def test_estimate_and_region_refuse_a_box_beyond_the_search_range(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.array([0.1, 0.2, 0.3, 0.4]))
    for argv in (["estimate", NET, "--box", "-1e308", "1e308"],
                 ["region", NET, "--point", str(tmp_path / "x.npy"), "--box", "-1e308", "1e308"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "bounds must stay within" in err


@pytest.mark.parametrize("exponent", [996, -996])
def test_extreme_weights_on_a_segment_and_a_window_count_like_the_unscaled_network(exponent):
    """Layer 1 times 2^e and layer 2 divided by it (the same regions, ReLU being positively
    homogeneous): the geometric engine rescales the neurons exactly, as the LP search does."""
    network = he_network(paper_architecture(NET), 0)
    (w1, w2), (c1, c2) = network.weights, network.biases
    scaled = Network(network.architecture, (np.ldexp(w1, exponent), np.ldexp(w2, -exponent)),
                     (np.ldexp(c1, exponent), c2))
    rng = np.random.default_rng(0)
    segment = Segment(rng.normal(size=4), rng.normal(size=4))
    plane = Plane(*(rng.normal(size=4) for _ in range(3)), window=(-3.0, 3.0, -3.0, 3.0))
    with np.errstate(all="raise"):
        for domain in (segment, plane):
            assert count_regions(scaled, domain=domain).regions == count_regions(network, domain=domain).regions
