"""``KernelSearch`` where the run machinery uses ``Search``: tasks, budgets, deepening, region sinks."""

import numpy as np
import pytest

pytest.importorskip("numba")

import cnnregions.enumerate.driver as driver
import cnnregions.enumerate.tasks as tasks
from cnnregions import he_network, paper_architecture
from cnnregions.enumerate import count_regions, iter_regions
from cnnregions.kernel import KernelSearch


@pytest.fixture
def kernel_engine(monkeypatch):
    """The driver and the tasks build a KernelSearch wherever they build a Search."""
    monkeypatch.setattr(tasks, "Search", KernelSearch)
    monkeypatch.setattr(driver, "Search", KernelSearch)


@pytest.mark.parametrize("split, budget", [(1, None), (4, 64), (16, 1600)])
def test_count_regions_through_tasks(split, budget, monkeypatch):
    net = he_network(paper_architecture("example4-d4"), seed=11)
    ref = count_regions(net, split=split, budget=budget)
    monkeypatch.setattr(tasks, "Search", KernelSearch)
    monkeypatch.setattr(driver, "Search", KernelSearch)
    ker = count_regions(net, split=split, budget=budget)
    assert (ker.regions, ker.nodes) == (ref.regions, ref.nodes)


def test_iter_regions_yields_the_reference_regions(kernel_engine):
    net = he_network(paper_architecture("example4-d3"), seed=12)
    found = sorted((r.pattern.tobytes(), tuple(np.round(r.witness, 6))) for r in iter_regions(net))
    assert len(found) == len({p for p, _ in found}) == count_regions(net).regions


def test_region_sink_gets_every_region_once(kernel_engine):
    net = he_network(paper_architecture("example4-d3"), seed=13)
    seen = []

    class Writer:
        def add(self, pattern, witness, radius, split_neurons):
            seen.append(np.asarray(pattern).tobytes())

        def finish(self):
            return None

    class Sink:
        def start(self, problem, piece):
            return Writer()

        def collect(self, piece, output):
            pass

    problem = driver.build_problem(net)
    search = KernelSearch(problem)
    nodes = tasks.split_tree(search, 4, Writer().add)
    for node in nodes:
        result = tasks.run_task(problem, tasks.Task((0,), (node,)), tasks.TaskOptions(budget=None, sink=Sink()))
        assert result[1] == []
    assert len(seen) == len(set(seen)) == count_regions(net).regions
