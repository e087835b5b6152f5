"""The kernel engine through the run machinery: tasks, budgets, deepening, region sinks, backends."""

import numpy as np
import pytest

pytest.importorskip("numba")

import cnnregions.run.tasks as tasks
from cnnregions import he_network, paper_architecture
from cnnregions.core.problem import build_problem
from cnnregions.kernel import KernelEngine, KernelSearch
from cnnregions.run import count_regions, iter_regions
from cnnregions.run.engines import engine_for


def test_the_kernel_is_the_default_tree_engine():
    assert isinstance(engine_for(None), KernelEngine)
    net = he_network(paper_architecture("example4-d2"), seed=3)
    assert isinstance(KernelEngine().searcher(build_problem(net)), KernelSearch)
    # A certified count is searched by the kernel too.
    assert isinstance(KernelEngine().searcher(build_problem(net, certify=True)), KernelSearch)


@pytest.mark.parametrize("split, budget", [(1, None), (4, 64), (16, 1600), (16, "auto")])
def test_count_regions_through_tasks(split, budget):
    net = he_network(paper_architecture("example4-d4"), seed=11)
    ref = count_regions(net, split=split, budget=budget, engine="reference")
    ker = count_regions(net, split=split, budget=budget, engine="kernel")
    assert (ker.regions, ker.nodes) == (ref.regions, ref.nodes)


@pytest.mark.parametrize("n_jobs, budget", [(1, 512), (2, 512), (2, "auto")])
def test_every_backend_and_budget_gives_the_reference_regions_and_nodes(n_jobs, budget):
    net = he_network(paper_architecture("example4-d5"), seed=5)
    ref = count_regions(net, engine="reference")
    ker = count_regions(net, n_jobs=n_jobs, budget=budget)
    assert (ker.regions, ker.nodes) == (ref.regions, ref.nodes)


def test_iter_regions_yields_the_reference_regions():
    net = he_network(paper_architecture("example4-d3"), seed=12)
    kernel = sorted(r.pattern.tobytes() for r in iter_regions(net))
    reference = sorted(r.pattern.tobytes() for r in iter_regions(net, engine="reference"))
    assert kernel == reference
    assert len(kernel) == len(set(kernel)) == count_regions(net).regions


def test_region_sink_gets_every_region_once():
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

    problem = build_problem(net)
    search = KernelSearch(problem)
    nodes = tasks.split_tree(search, 4, Writer().add)
    for node in nodes:
        options = tasks.TaskOptions(budget=None, sink=Sink(), engine=KernelEngine())
        result = tasks.run_task(problem, tasks.Task((0,), (node,)), options)
        assert result.children == []
    assert len(seen) == len(set(seen)) == count_regions(net).regions
