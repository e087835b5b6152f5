"""Parquet export: every region, as found, from every backend."""

import numpy as np
import pytest

from cnnregions import Box, InvalidParameterError, Plane, count_regions, he_network, paper_architecture
from cnnregions.regions import export, export_regions, read_patterns

pq = pytest.importorskip("pyarrow.parquet")


def _table(path):
    table = pq.read_table(path)
    return table, read_patterns(path), np.array(table.column("witness").to_pylist())


PLANE = Plane(*np.random.default_rng(0).normal(size=(3, 9)), window=(-1.0, 2.0, -1.0, 2.0))


@pytest.mark.parametrize("name,domain", [("example4-d3", None), ("pitfall2d-d2", Box(-1.0, 1.0)),
                                         ("pitfall2d-d2", PLANE)])
def test_every_witness_reproduces_its_pattern(tmp_path, name, domain):
    net = he_network(paper_architecture(name), seed=0)
    path = tmp_path / "regions.parquet"
    result = export_regions(net, path, domain=domain)
    table, patterns, witnesses = _table(path)
    assert table.num_rows == result.regions == count_regions(net, domain=domain).regions
    assert table.schema.field("pattern").type == "binary"
    assert str(table.schema.field("witness").type) == "list<element: double>"
    assert np.array_equal(net.activation_patterns(witnesses), patterns)
    assert len({p.tobytes() for p in patterns}) == table.num_rows
    assert np.all(np.array(table.column("radius").to_pylist()) >= result.smallest_radius)
    if isinstance(domain, Box):
        assert np.all((witnesses > -1.0) & (witnesses < 1.0))
    assert not (tmp_path / "regions.parquet.parts").exists()


def test_backends_write_the_same_file_in_row_groups(tmp_path, monkeypatch):
    """Small row groups (many flushes per worker); loky workers and one process give the same rows in
    the same order, the split's own regions included."""
    monkeypatch.setattr(export, "BATCH", 7)
    net = he_network(paper_architecture("example4-d3"), seed=1)
    serial, parallel = tmp_path / "serial.parquet", tmp_path / "parallel.parquet"
    export_regions(net, serial, split=16)
    export_regions(net, parallel, split=16, n_jobs=2)
    a, b = pq.read_table(serial), pq.read_table(parallel)
    assert a.equals(b)
    assert pq.ParquetFile(serial).num_row_groups > 2
    assert int(a.schema.metadata[b"cnnregions.n_neurons"]) == net.architecture.n_neurons


def test_refuses_checkpoint_and_bad_path(tmp_path):
    net = he_network(paper_architecture("example1-d2"), seed=0)
    with pytest.raises(InvalidParameterError, match="'checkpoint'"):
        export_regions(net, tmp_path / "r.parquet", checkpoint=tmp_path / "c.ckpt")
    with pytest.raises(InvalidParameterError, match="must be in an existing folder"):
        export_regions(net, tmp_path / "missing" / "r.parquet")


@pytest.mark.parametrize("budget", [None, 40, 400])
def test_work_budget_changes_the_parts_not_the_rows(tmp_path, budget):
    """Adaptive tasks: each piece writes its own part, the regions completed while a
    stopped task deepens its leftover included; under any budget the rows are the count's
    regions, each once, and loky workers give the same file as one process."""
    net = he_network(paper_architecture("example4-d3"), seed=3)
    serial, parallel = tmp_path / "serial.parquet", tmp_path / "parallel.parquet"
    result = export_regions(net, serial, split=4, budget=budget)
    export_regions(net, parallel, split=4, budget=budget, n_jobs=2)
    assert pq.read_table(serial).equals(pq.read_table(parallel))
    assert budget is None or result.tasks > 4    # the budget did split the tasks
    patterns = read_patterns(serial)
    assert len(patterns) == result.regions == count_regions(net, budget=None).regions
    assert len({p.tobytes() for p in patterns}) == len(patterns)
    reference = export_regions(net, tmp_path / "whole.parquet", split=1, budget=None)
    assert reference.regions == result.regions
    assert sorted(p.tobytes() for p in read_patterns(tmp_path / "whole.parquet")) == sorted(p.tobytes() for p in patterns)
