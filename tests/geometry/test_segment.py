"""Segments: one layer gives 1 + the number of distinct breakpoints (computed here by hand from the
weights, in exact fractions), patterns match the forward pass, counts agree with the plane through
the segment, and the CLI reports the breakpoints."""

import json
from fractions import Fraction

import numpy as np
import pytest

from cnnregions import Plane, Segment, count_regions, iter_regions
from cnnregions.cli import main
from cnnregions.geometry.count import segment_regions
from cnnregions.geometry.exact import _IntMatrix
from cnnregions.models import Architecture, Network, he_network, save_network
from cnnregions.slices import slice_polygons


def one_layer(W, b):
    arch = Architecture({"height": 1, "width": W.shape[1], "channels": 1}, [{"type": "dense", "features": len(b)}])
    return Network(arch, [W], [b])


@pytest.mark.parametrize("seed", range(5))
def test_one_layer_counts_one_plus_distinct_breakpoints(seed):
    rng = np.random.default_rng(seed)
    W = np.round(rng.normal(size=(12, 3)) * 8) / 8
    W[3] = 2 * W[2]                       # the same breakpoint twice (exact tie)
    W[5] = 0.0                            # a dead neuron: no breakpoint
    b = np.round(rng.normal(size=12) * 8) / 8
    b[3] = 2 * b[2]
    b[5] = 0.0
    a, c = np.round(rng.normal(size=(2, 3)) * 4) / 4
    # by hand: neuron j changes sign at t = -(W_j a + b_j) / (W_j (c - a)) if 0 < t < 1
    ts = set()
    for w, bias in zip(W, b):
        g = sum(Fraction(x) * (Fraction(y) - Fraction(z)) for x, y, z in zip(w, c, a))
        h = sum(Fraction(x) * Fraction(y) for x, y in zip(w, a)) + Fraction(bias)
        if g != 0 and 0 < -h / g < 1:
            ts.add(-h / g)
    net = one_layer(W, b)
    result = segment_regions(net, Segment(a, c))
    assert result.regions == 1 + len(ts)
    assert np.allclose(result.breakpoints[1:-1], sorted(float(t) for t in ts))
    assert count_regions(net, domain=Segment(a, c)).regions == 1 + len(ts)


ARCH = Architecture({"height": 6, "width": 6, "channels": 1},
                    [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1},
                     {"channels": 3, "kernel": [2, 2], "stride": 1},
                     {"type": "dense", "features": 5}])


@pytest.mark.parametrize("seed", range(4))
def test_segment_agrees_with_the_plane_through_it(seed):
    net = he_network(ARCH, seed)
    a, b, c = np.random.default_rng(seed).normal(size=(3, 36)) * 3
    result = segment_regions(net, Segment(a, b))
    mids = (result.breakpoints[1:] + result.breakpoints[:-1]) / 2
    assert np.array_equal(net.activation_patterns(a + mids[:, None] * (b - a)), result.patterns)
    # the polygons of the plane through a, b, c that the segment (a, 0 < t < 1, b = 0) crosses
    met = []
    for p in slice_polygons(net, Plane(a, b, c, (-0.5, 1.5, -0.5, 0.5))):
        v, w = p.vertices, np.roll(p.vertices, -1, axis=0)
        cross = (v[:, 1] > 0) != (w[:, 1] > 0)
        if cross.sum() == 2:
            t = v[cross, 0] + (w[cross, 0] - v[cross, 0]) * (0 - v[cross, 1]) / (w[cross, 1] - v[cross, 1])
            if min(t.max(), 1) > max(t.min(), 0):
                met.append(p.pattern)
    assert len(met) == result.regions
    assert {np.packbits(p).tobytes() for p in met} == {np.packbits(p).tobytes() for p in result.patterns}
    regions = list(iter_regions(net, domain=Segment(a, b)))
    assert len(regions) == result.regions
    assert all(np.array_equal(net.activation_patterns(r.witness)[0], r.pattern) for r in regions)


def test_exact_integer_products_with_empty_rows():
    M = np.array([[1.0, 0.5], [0.0, 0.0], [-3.0, 0.25], [0.0, 0.0]])
    X = np.array([[3, 1], [-8, 2]], dtype=object)
    m = _IntMatrix(M)
    assert (m.matmul(X) * Fraction(2) ** m.exp).tolist() == (M @ np.array([[3, 1], [-8, 2]])).tolist()


def test_bad_segments():
    with pytest.raises(ValueError, match="must differ"):
        Segment(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="same size"):
        Segment(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="input size"):
        count_regions(he_network(ARCH, 0), domain=Segment(np.zeros(3), np.ones(3)))


def test_cli_line(tmp_path, capsys):
    net = he_network(ARCH, 0)
    save_network(net, tmp_path / "net.npz")
    a, b = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    assert main(["count", str(tmp_path / "net.npz"), "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = segment_regions(net, Segment(a, b))
    assert out["regions"] == expected.regions and out["domain"]["type"] == "segment"
    # one convention in JSON and text: the t in (0, 1) where the pattern changes, regions - 1 of them
    assert out["breakpoints"] == expected.breakpoints[1:-1].tolist() and len(out["breakpoints"]) == out["regions"] - 1
    assert main(["count", str(tmp_path / "net.npz"), "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]) == 0
    text = capsys.readouterr().out
    assert f"breakpoints    {out['regions'] - 1}: t = " in text
    assert main(["count", str(tmp_path / "net.npz"), "--line", str(tmp_path / "a.npy"), str(tmp_path / "a.npy")]) == 2
    assert "must differ" in capsys.readouterr().err


def test_cli_plot_line(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    net = he_network(ARCH, 0)
    save_network(net, tmp_path / "net.npz")
    a, b = np.random.default_rng(1).normal(size=(2, 36))
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    out = tmp_path / "line.png"
    assert main(["plot-line", str(tmp_path / "net.npz"), "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"),
                 "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["regions"] == segment_regions(net, Segment(a, b)).regions
    assert out.stat().st_size > 1000


def _segment_files(tmp_path):
    net = he_network(ARCH, 0)
    save_network(net, tmp_path / "net.npz")
    a, b = np.random.default_rng(2).normal(size=(2, 1, 6, 6))
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    return net, Segment(a, b)


def test_export_and_graph_refuse_a_segment_and_write_nothing(tmp_path):
    # A segment's regions are its intervals (count --line lists their breakpoints); a sink is refused
    # in one line, never answered with an empty file beside a non-zero count.
    pytest.importorskip("pyarrow")
    pytest.importorskip("networkx")
    from cnnregions import InvalidParameterError
    from cnnregions.regions import export_regions, region_graph

    net, segment = _segment_files(tmp_path)
    assert count_regions(net, domain=segment).regions > 1
    with pytest.raises(InvalidParameterError, match="Got a Segment instead"):
        export_regions(net, tmp_path / "r.parquet", domain=segment)
    with pytest.raises(InvalidParameterError, match="Got a Segment instead"):
        region_graph(net, domain=segment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "b.npy", "net.npz"]


def test_cli_export_and_graph_refuse_a_segment(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    pytest.importorskip("networkx")
    _segment_files(tmp_path)
    line = ["--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]
    assert main(["count", str(tmp_path / "net.npz"), *line, "--regions-out", str(tmp_path / "r.parquet")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Got a Segment instead" in err[0]
    assert main(["graph", str(tmp_path / "net.npz"), *line, "-o", str(tmp_path / "g.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Got a Segment instead" in err[0]
    assert not (tmp_path / "r.parquet").exists() and not (tmp_path / "g.json").exists()
