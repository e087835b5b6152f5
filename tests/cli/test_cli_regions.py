"""``cnnregions region``, ``cnnregions graph`` and ``count --regions-out`` from the command line."""

import json

import numpy as np
import pytest

from cnnregions.cli import main
from cnnregions.models import he_network, paper_architecture
from cnnregions.models.patterns import parse_pattern


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_region_text_json_and_boundary(tmp_path, capsys):
    x = tmp_path / "x.npy"
    np.save(x, np.array([0.3, -0.2, 0.5, 0.1]).reshape(1, 1, 4))
    code, out, err = run(["region", "example4-d3", "--point", str(x)], capsys)
    assert code == 0 and "facets" in out and "chebyshev" in out
    code, out, err = run(["region", "example4-d3", "--point", str(x), "--json"], capsys)
    payload = json.loads(out)
    net = he_network(paper_architecture("example4-d3"), seed=0)
    pattern = net.activation_patterns(np.load(x).reshape(1, -1))[0]
    # one string of 0/1 per layer (6 and 6 neurons), joined by "|", the same in the text output
    assert payload["pattern"] == "".join("1" if v else "0" for v in pattern[:6]) + "|" + "".join(
        "1" if v else "0" for v in pattern[6:])
    assert parse_pattern(payload["pattern"], [6, 6]).tolist() == pattern.tolist()
    code, text, _ = run(["region", "example4-d3", "--point", str(x)], capsys)
    assert f"pattern        {payload['pattern']} " in text
    assert set(payload["facets"]) <= {h["neuron"] for h in payload["halfspaces"]}
    assert payload["schema_version"] >= 1 and payload["command"] == "region"
    M, c = net.affine_maps[0]
    p = np.load(x).ravel()
    np.save(x, p - (M[2] @ p + c[2]) / (M[2] @ M[2]) * M[2])
    code, out, err = run(["region", "example4-d3", "--point", str(x)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "neuron 2" in err and "no open region" in err


def test_graph_json_and_graphml(tmp_path, capsys):
    nx = pytest.importorskip("networkx")
    out_json, out_xml = tmp_path / "g.json", tmp_path / "g.graphml"
    code, out, err = run(["graph", "example1-d3", "-o", str(out_json), "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    written = json.loads(out_json.read_text())
    assert summary["regions"] == len(written["nodes"]) == 40         # d^3 + d^2 + d + 1 (Example 1)
    assert summary["edges"] == len(written["edges"])
    assert summary["mean_degree"] == pytest.approx(2 * summary["edges"] / 40)
    assert set(summary["faces_per_region"]) == {"mean", "min", "max"}
    assert {"lps", "regions", "seconds", "nodes"} <= set(summary) and "count_lps" not in summary  # count's key names
    code, out, err = run(["graph", "example1-d3", "-o", str(out_xml), "--no-progress"], capsys)
    assert code == 0
    graph = nx.read_graphml(out_xml)
    assert graph.number_of_nodes() == 40 and graph.number_of_edges() == summary["edges"]
    assert nx.is_connected(graph)
    # one text form of a pattern in both files (example1-d3 has one layer: no "|")
    in_json = sorted(node["pattern"] for node in written["nodes"])
    in_xml = sorted(d["pattern"] for _, d in graph.nodes(data=True))
    assert in_json == in_xml and len(set(in_json)) == 40
    sizes = list(paper_architecture("example1-d3").layer_sizes)
    assert all(parse_pattern(p, sizes).sum() >= 0 and "|" not in p for p in in_json)
    code, out, err = run(["graph", "example1-d3", "-o", str(tmp_path / "g.txt")], capsys)
    assert code == 2 and ".graphml or .json" in err


def test_count_regions_out(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "r.parquet"
    code, out, err = run(["count", "example1-d3", "--regions-out", str(path), "--json", "--jobs", "2"], capsys)
    assert code == 0 and json.loads(out)["regions"] == 40
    assert pq.read_table(path).num_rows == 40
    code, out, err = run(["count", "example1-d3", "--regions-out", str(path), "--checkpoint", str(tmp_path / "c")],
                         capsys)
    assert code == 2 and "--checkpoint" in err


def test_graph_patterns_join_layers_with_a_bar(tmp_path, capsys):
    pytest.importorskip("networkx")
    path = tmp_path / "g.json"
    code, _, _ = run(["graph", "example4-d2", "-o", str(path), "--no-progress"], capsys)
    assert code == 0
    sizes = list(paper_architecture("example4-d2").layer_sizes)
    nodes = json.loads(path.read_text())["nodes"]
    net = he_network(paper_architecture("example4-d2"), seed=0)
    for node in nodes:  # each witness's forward pass gives its node's pattern, read back from the text
        witness = np.array(node["witness"])[None, :]
        assert parse_pattern(node["pattern"], sizes).tolist() == net.activation_patterns(witness)[0].tolist()
