"""Certified counts on hand-made networks with counts derived by hand,
degenerate nets against the brute-force reference, and the peer fixtures."""

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from cnnregions import (
    Architecture,
    Network,
    count_regions,
    he_network,
    iter_regions,
    load_network,
    paper_architecture,
)
from cnnregions.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "enumerate"))
from region_reference import reference_patterns

EPS = 2.0**-40
PLANE_IN = {"height": 1, "width": 1, "channels": 2}


def _dense(weights, biases):
    layers = [{"channels": len(b), "kernel": [1, 1], "stride": 1} for b in biases]
    arch = Architecture(PLANE_IN, layers)
    W = tuple(np.asarray(w, dtype=float).reshape(len(b), -1, 1, 1) for w, b in zip(weights, biases))
    return Network(arch, W, tuple(np.asarray(b, dtype=float) for b in biases))


def _exact_pattern(net, x):
    """Pattern at x in Fraction arithmetic (independent of cnnregions.certify); None on a hyperplane.
    (A zero is allowed only where every input and the bias are zero: identically zero, inactive.)"""
    a = [Fraction(v) for v in x]
    out = []
    for M, c in net.affine_maps:
        z = [sum(Fraction(w) * ai for w, ai in zip(row, a)) + Fraction(b) for row, b in zip(M, c)]
        if any(v == 0 and (b != 0 or any(w * ai != 0 for w, ai in zip(row, a))) for v, row, b in zip(z, M, c)):
            return None
        out.extend(v > 0 for v in z)
        a = [max(v, 0) for v in z]
    return tuple(out)


def _patterns(net, **kw):
    found = set()
    for region in iter_regions(net, certify=True, **kw):
        exact = _exact_pattern(net, region.witness)
        assert exact == tuple(region.pattern.tolist())        # witness strictly inside, checked independently
        found.add("".join("1" if v else "0" for v in region.pattern.tolist()))
    return found


def three_lines(eps):
    # x = 0, y = 0, x + y = eps
    return _dense([[[1, 0], [0, 1], [-1, -1]]], [[0, 0, eps]])


def test_three_lines_in_general_position_have_seven_regions():
    # Three lines, no two parallel, not concurrent: 1 + 3 + 3 = 7 regions, the 7th the
    # tiny triangle x > 0, y > 0, x + y < 2^-40 (pattern 111).
    result = count_regions(three_lines(EPS), certify=True)
    assert (result.regions, result.certified, result.unresolved) == (7, True, 0)
    assert "111" in _patterns(three_lines(EPS))


def test_three_concurrent_lines_have_six_regions_and_the_seventh_is_proven_empty():
    # eps = 0: three lines through the origin cut the plane into 6 sectors; the
    # pattern 111 (x > 0, y > 0, x + y < 0) is empty: 1*x + 1*y + 1*(-x-y) = 0 <= 0.
    result = count_regions(three_lines(0.0), certify=True)
    assert (result.regions, result.certified) == (6, True)
    assert result.certificates >= 1
    assert "111" not in _patterns(three_lines(0.0))


def test_a_tiny_triangle_far_below_the_tolerance_is_counted_and_the_float_count_reported():
    # A fourth line x = 1 sets the length scale near 1, so the 2^-40 triangle is far below the
    # tolerance: 7 regions of three lines, and x = 1 crosses 2 of them (not at a common point),
    # adding 3: 10.  The float search misses the triangle and says so.
    net = _dense([[[1, 0], [0, 1], [-1, -1], [-1, 0]]], [[0, 0, EPS, 1]])
    floats = count_regions(net)
    assert floats.regions == 9 and floats.unresolved > 0 and not floats.certified
    result = count_regions(net, certify=True)
    assert (result.regions, result.certified, result.float_regions) == (10, True, 9)
    assert result.missed == ("1111",) and result.added == ()  # the triangle: x, y > 0, x + y < eps, x < 1


def test_cancellation_net_has_five_regions():
    # Layer 1: z1 = x + y, z2 = x + (1 + 2^-40) y, nearly coincident lines through 0.
    # Layer 2: z3 = relu(z1) - relu(z2).  By hand, region by region:
    #   z1 < 0, z2 < 0: z3 = 0 identically -> inactive: 000
    #   z1 > 0, z2 < 0 (thin wedge, y < 0):  z3 = z1 > 0       -> 101
    #   z1 < 0, z2 > 0 (thin wedge, y > 0):  z3 = -z2 < 0      -> 010
    #   z1 > 0, z2 > 0: z3 = -2^-40 y, split by y = 0        -> 110 (y > 0), 111 (y < 0)
    # 5 regions; the two wedges hold balls of any radius far from the origin.
    net = _dense([[[1, 1], [1, 1 + EPS]], [[1, -1]]], [[0, 0], [0]])
    result = count_regions(net, certify=True)
    assert (result.regions, result.certified, result.unresolved) == (5, True, 0)
    assert _patterns(net) == {"000", "101", "010", "110", "111"}
    floats = count_regions(net)
    assert floats.regions < 5 and floats.unresolved > 0          # the float run flags what it cannot see
    assert result.float_regions == floats.regions
    # patterns written as text: the layers (2 neurons, then 1) joined by "|"
    assert all(len(p) == 4 and p[2] == "|" for p in result.missed)
    assert {p.replace("|", "") for p in result.missed} == {"000", "101", "010", "110", "111"} - _float_patterns(net)


def _float_patterns(net):
    return {"".join("1" if v else "0" for v in r.pattern.tolist()) for r in iter_regions(net)}


ONE_LAYER = Architecture({"height": 1, "width": 4, "channels": 1}, [{"channels": 3, "kernel": [1, 2], "stride": 1}])
TWO_LAYER = Architecture({"height": 1, "width": 4, "channels": 1},
                         [{"channels": 2, "kernel": [1, 2], "stride": 1}, {"channels": 2, "kernel": [1, 2], "stride": 1}])


def _against_reference(net):
    expected = reference_patterns(net)
    found = {r.pattern.tobytes() for r in iter_regions(net, certify=True)}
    assert found == expected
    result = count_regions(net, certify=True, split=4)
    assert result.certified and result.regions == len(expected)


def test_duplicated_filters_certified():
    net = he_network(ONE_LAYER, seed=1)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][2], b[0][2] = W[0][0], b[0][0]
    _against_reference(Network(ONE_LAYER, tuple(W), tuple(b)))


@pytest.mark.parametrize("seed", range(6))
def test_integer_weights_with_exact_ties_certified(seed):
    rng = np.random.default_rng(seed)
    W = (rng.integers(-1, 2, size=(2, 1, 1, 2)).astype(float), rng.integers(-1, 2, size=(2, 2, 1, 2)).astype(float))
    b = (rng.integers(-1, 2, size=2).astype(float), rng.integers(-1, 2, size=2).astype(float))
    _against_reference(Network(TWO_LAYER, W, b))


def test_dead_and_opposite_filters_certified():
    W1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])
    W2 = np.array([[[[1.0, 0.0]], [[1.0, 0.0]]], [[[0.0, 2.0]], [[0.0, -1.0]]]])
    _against_reference(Network(TWO_LAYER, (W1, W2), (np.array([0.5, -0.5]), np.array([-0.2, 0.1]))))
    net = he_network(TWO_LAYER, seed=2)
    W, b = [w.copy() for w in net.weights], [x.copy() for x in net.biases]
    W[0][1], b[0][1] = 0.0, 0.0
    _against_reference(Network(TWO_LAYER, tuple(W), tuple(b)))


def _fixtures(oracles_dir, limit):
    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())
    return [(name, info["regions"]) for name, info in sorted(manifest["networks"].items()) if info["regions"] <= limit]


def test_small_peer_fixtures_certified(oracles_dir):
    cases = _fixtures(oracles_dir, 1_500)
    assert len(cases) >= 5
    for name, expected in cases:
        result = count_regions(load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz"), certify=True)
        assert (result.regions, result.certified) == (expected, True), name


@pytest.mark.slow
def test_peer_fixtures_up_to_15000_regions_certified(oracles_dir):
    cases = [c for c in _fixtures(oracles_dir, 15_000) if c[1] > 1_500]
    assert len(cases) >= 2
    for name, expected in cases:
        result = count_regions(load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz"), certify=True, n_jobs=2)
        assert (result.regions, result.certified, result.unresolved) == (expected, True, 0), name


def test_certify_with_jobs_and_domains_matches_serial():
    net = he_network(paper_architecture("example4-d3"), seed=1)
    serial = count_regions(net, certify=True, split=8, budget=1600)
    parallel = count_regions(net, certify=True, split=8, budget=1600, n_jobs=2)
    assert serial.certified and parallel.certified
    assert (serial.regions, serial.certificates, serial.exact_decisions) == \
        (parallel.regions, parallel.certificates, parallel.exact_decisions)
    assert serial.regions == count_regions(net).regions
    from cnnregions import Box

    box = count_regions(net, certify=True, domain=Box(-0.5, 0.5))
    assert box.certified and box.regions == count_regions(net, domain=Box(-0.5, 0.5)).regions


def test_certified_run_does_not_reuse_uncertified_subtrees(tmp_path):
    net = he_network(paper_architecture("example4-d4"), seed=0)
    path = tmp_path / "run.jsonl"
    floats = count_regions(net, checkpoint=path, split=8)
    certified = count_regions(net, checkpoint=path, split=8, certify=True)
    assert certified.reused_subtrees == 0 and certified.certified and certified.regions == floats.regions
    again = count_regions(net, checkpoint=path, split=8, certify=True)
    assert again.reused_subtrees == again.subtrees and again.certified and again.regions == certified.regions
    records = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    assert {r["certified"] for r in records} == {False, True}


def test_cli_certify_json_and_human(tmp_path, capsys):
    assert main(["count", "example4-d2", "--certify", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["certified"] is True and payload["unresolved"] == 0
    assert {"certificates", "exact_decisions"} <= payload.keys()
    assert main(["count", "example4-d2", "--certify", "--no-progress"]) == 0
    assert "certified      yes" in capsys.readouterr().out


def test_cli_float_run_warns_near_thresholds(tmp_path, capsys):
    from cnnregions import save_network

    path = tmp_path / "cancel.npz"
    save_network(_dense([[[1, 1], [1, 1 + EPS]], [[1, -1]]], [[0, 0], [0]]), path)
    assert main(["count", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["unresolved"] > 0
    assert "--certify" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_certify_without_python_flint_is_one_clear_error(monkeypatch, capsys):
    from cnnregions import InvalidParameterError

    monkeypatch.setitem(sys.modules, "flint", None)  # import flint now raises ImportError
    with pytest.raises(InvalidParameterError, match="python-flint"):
        count_regions(three_lines(EPS), certify=True)
    assert main(["count", "example4-d2", "--certify"]) == 2
    err = capsys.readouterr().err
    assert "python-flint" in err and len(err.strip().splitlines()) == 1
    assert count_regions(three_lines(EPS)).regions == 7  # float mode needs no python-flint


def test_cli_reports_float_and_certified_counts_side_by_side(tmp_path, capsys):
    from cnnregions import save_network

    path = tmp_path / "cancel.npz"
    save_network(_dense([[[1, 1], [1, 1 + EPS]], [[1, -1]]], [[0, 0], [0]]), path)
    assert main(["count", str(path), "--certify", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "certified      yes" in out
    floats = count_regions(load_network(path)).regions
    assert f"float count    {floats} (certified 5)" in out and "missed" in out


def test_certify_on_a_plane_with_a_window():
    from cnnregions import Plane

    net = he_network(paper_architecture("example4-d3"), seed=2)
    rng = np.random.default_rng(0)
    plane = Plane(*(rng.standard_normal(4) for _ in range(3)), window=(-2.0, 3.0, -2.0, 3.0))
    floats = count_regions(net, domain=plane)
    result = count_regions(net, domain=plane, certify=True)
    assert result.certified and result.regions == floats.regions > 10
    for region in iter_regions(net, domain=plane, certify=True):  # witnesses on the exact plane, inside the window
        a, b = region.coords
        assert -2.0 < a < 3.0 and -2.0 < b < 3.0


def test_certify_survives_a_failing_lp_solver(monkeypatch):
    """With every LP of the reference search failing, each LP question goes to the exact solver:
    same certified count (the kernel's HiGHS hand-over: tests/kernel/test_certified.py)."""
    from cnnregions.lpsearch import lp

    net = he_network(paper_architecture("example4-d2"), seed=0)
    expected = count_regions(net, certify=True).regions
    monkeypatch.setattr(lp.ChebyshevLP, "solve",
                        lambda self, rows: lp.LPResult(lp.LPStatus.FAILED, float("nan"), None))
    result = count_regions(net, certify=True, split=1, engine="reference")
    assert result.certified and result.regions == expected and result.exact_decisions > 0
    from cnnregions.errors import SolverError

    with pytest.raises(SolverError):
        count_regions(net, split=1, engine="reference")


def test_certified_statistics_add_up_over_adaptive_tasks(tmp_path):
    # Certified counts on the adaptive split: small budgets split the certified search into
    # many tasks; the count, the proof and the exact decisions do not depend on the split.
    net = he_network(paper_architecture("example4-d4"), seed=0)
    whole = count_regions(net, certify=True, budget=None, split=1)
    path = tmp_path / "run.jsonl"
    pieces = count_regions(net, certify=True, budget=50, split=4, checkpoint=path)
    assert whole.certified and pieces.certified and pieces.tasks > whole.tasks
    assert (pieces.regions, pieces.unresolved) == (whole.regions, 0)
    assert pieces.regions == count_regions(net).regions
    # A float run reuses every certified record.
    floats = count_regions(net, budget=50, split=4, checkpoint=path)
    assert floats.reused_tasks == floats.tasks == pieces.tasks and floats.regions == pieces.regions
