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


def _task_sequence(problem, engine, budget, warm):
    """Every task of ``problem`` (split 4, ``budget``), run one after the other as one worker
    runs them; each result's statistics (without the clock) and its children's digest."""
    top = engine.searcher(problem)
    initial = tasks.make_tasks(tasks.split_tree(top, 4), 4)
    todo = [tasks.Task((i,), tuple(nodes)) for i, nodes in enumerate(initial)]
    options = tasks.TaskOptions(budget=budget, engine=engine)
    out = [((), {"regions": top.regions}, "")]
    while todo:
        task = todo.pop(0)
        result = tasks.run_task(problem, task, options, warm)
        stats = {k: v for k, v in result.stats.to_dict().items() if "seconds" not in k}
        out.append((task.piece, stats, tasks.frontier_digest(result.children)))
        todo += [tasks.Task(task.piece + (j,), tuple(nodes)) for j, nodes in enumerate(result.children)]
    return out


@pytest.mark.parametrize("spec", ["example4-d4@11", "example4-d3@2", "stride2@3", "degenerate", "fixture"])
@pytest.mark.parametrize("budget", [None, 64, 900])
def test_a_renewed_search_state_is_a_fresh_one(spec, budget, oracles_dir):
    """One worker's kept state (:class:`~cnnregions.run.tasks.WarmSearch`, renewed for each task)
    gives every task the statistics, LPs included, and the children of a fresh state."""
    from cnnregions import Architecture, load_network

    if spec == "fixture":
        net = load_network(oracles_dir / "relucent-fixtures" / "ckpt4630_d4_w8_nh2.npz")
    elif spec == "stride2@3":
        arch = Architecture({"height": 1, "width": 11, "channels": 1}, [{"channels": 3, "kernel": [1, 3], "stride": 2}])
        net = he_network(arch, seed=3)
    elif spec == "degenerate":  # repeated filters and a zero filter: constant neurons, coincident hyperplanes
        net = he_network(paper_architecture("example4-d3"), seed=4)
        weights = [w.copy() for w in net.weights]
        weights[0][1] = weights[0][0]
        weights[1][0] = 0.0
        net = type(net)(net.architecture, weights, [b.copy() for b in net.biases])
    else:
        name, seed = spec.split("@")
        net = he_network(paper_architecture(name), seed=int(seed))
    problem = build_problem(net)
    engine = KernelEngine()
    warm = tasks.WarmSearch()
    fresh = _task_sequence(problem, engine, budget, None)
    renewed = _task_sequence(problem, engine, budget, warm)
    assert renewed == fresh
    assert sum(stats["regions"] for _, stats, _ in fresh) == count_regions(net).regions
    assert warm.searcher(engine, problem) is warm.searcher(engine, problem)  # the state is kept, not rebuilt


@pytest.mark.parametrize("budget", [None, 64])
def test_a_warm_reference_search_is_a_fresh_one(budget):
    """The reference engine renews by building a new search: the same statistics, LPs included."""
    from cnnregions.lpsearch.engine import LPEngine

    problem = build_problem(he_network(paper_architecture("example4-d3"), seed=2))
    warm = tasks.WarmSearch()
    assert _task_sequence(problem, LPEngine(), budget, warm) == _task_sequence(problem, LPEngine(), budget, None)
