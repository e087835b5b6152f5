"""Adaptive splitting: tasks stop at a work budget and hand back their unexplored nodes."""

from math import comb

import pytest

from cnnregions import Architecture, count_regions, he_network, load_network, paper_architecture
from cnnregions.core.problem import build_problem
from cnnregions.lpsearch.search import Search
from cnnregions.run.tasks import Task, TaskOptions, run_task

TABLE1 = {3: 40, 5: 156, 8: 585}  # Example 1 (Table 1): d^3 + d^2 + d + 1


def fully_connected(n0, widths):
    return Architecture({"height": 1, "width": 1, "channels": n0},
                        [{"channels": w, "kernel": [1, 1], "stride": 1} for w in widths])


@pytest.mark.parametrize("d", sorted(TABLE1))
@pytest.mark.parametrize("budget", [1, 20, 300, None])
def test_table1_counts_for_every_budget(d, budget):
    result = count_regions(he_network(paper_architecture(f"example1-d{d}"), seed=1), budget=budget, split=1)
    assert result.regions == TABLE1[d]


def test_theorem1_count_with_tiny_tasks():
    n0, n1 = 3, 12
    result = count_regions(he_network(fully_connected(n0, [n1]), seed=7), budget=10, split=2)
    assert result.regions == sum(comb(n1, i) for i in range(n0 + 1))
    assert result.tasks > 20  # the budget did cut the tree into many tasks


@pytest.mark.parametrize("name, seed", [("example4-d6", 0), pytest.param("pitfall2d-d3", 1, marks=pytest.mark.slow)])
def test_count_and_nodes_do_not_depend_on_budget_or_split(name, seed):
    net = he_network(paper_architecture(name), seed=seed)
    runs = [count_regions(net, budget=b, split=s) for b, s in [(None, 1), (None, 64), (5, 1), (100, 4), (1600, 64)]]
    assert len({(r.regions, r.nodes) for r in runs}) == 1
    assert runs[2].tasks > runs[0].tasks == 1


def test_same_budget_gives_identical_statistics_and_pieces():
    net = he_network(fully_connected(4, [8, 8]), seed=3)
    a, b = (count_regions(net, budget=40, split=3) for _ in range(2))
    assert (a.regions, a.lps, a.nodes, a.tasks) == (b.regions, b.lps, b.nodes, b.tasks)


def test_peer_oracle_count_with_the_default_budget(oracles_dir):
    import json

    manifest = json.loads((oracles_dir / "relucent-fixtures" / "manifest.json").read_text())
    name = "ckpt4630_d4_w8_nh2"
    net = load_network(oracles_dir / "relucent-fixtures" / f"{name}.npz")
    result = count_regions(net, budget=200, split=4)
    assert result.regions == manifest["networks"][name]["regions"]
    assert result.tasks > 4


def test_a_stopped_task_leaves_nodes_that_finish_the_subtree():
    """One task run to the end equals the same task cut at every budget, its children searched after."""
    net = he_network(paper_architecture("example4-d5"), seed=4)
    problem = build_problem(net, None)
    root = Search(problem).root()
    whole = run_task(problem, Task((0,), (root,)), TaskOptions(budget=None))
    assert whole.children == []
    for budget in (1, 7, 60):
        queue, regions, nodes, tasks = [Task((0,), (root,))], 0, 0, 0
        while queue:
            task = queue.pop()
            result = run_task(problem, task, TaskOptions(budget=budget))
            children = result.children
            assert result.piece == task.piece
            regions, nodes, tasks = regions + result.stats.regions, nodes + result.stats.nodes, tasks + 1
            queue.extend(Task(task.piece + (j,), tuple(c)) for j, c in enumerate(children))
            for child in children:
                for node in child:
                    assert 0 < node.k < problem.n_neurons and len(node.prefix) == node.k
        assert (regions, nodes) == (whole.stats.regions, whole.stats.nodes)
        assert tasks > 1


@pytest.mark.parametrize("budget", [0, -3, 2.5, "100", True])
def test_bad_budget_is_refused(budget):
    net = he_network(paper_architecture("example1-d2"), seed=0)
    with pytest.raises(ValueError, match="'budget' must be a positive integer or None"):
        count_regions(net, budget=budget)


# -- progress: inside long subtrees, plain lines in logs, rates of this run only --------


def test_progress_moves_inside_one_large_subtree():
    calls = []
    net = he_network(paper_architecture("example4-d6"), seed=0)
    result = count_regions(net, split=1, budget=100, progress=lambda done, known, regions: calls.append((done, regions)))
    assert len(calls) == result.tasks > 10  # one initial task, yet many reports with regions growing
    assert calls[-1] == (result.tasks, result.regions)
    assert [r for _, r in calls] == sorted(r for _, r in calls)


def test_progress_writes_plain_lines_when_stderr_is_not_a_terminal(monkeypatch):
    import io

    from cnnregions.core.stats import Stats
    from cnnregions.run import progress

    monkeypatch.setattr(progress, "LINE_SECONDS", 0.0)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    stream = io.StringIO()
    report = progress.make_reporter(True, Stats(regions=500, nodes=900, tasks=3), stream=stream)
    report.update(Stats(regions=500, nodes=950, tasks=5), 7)
    report.update(Stats(regions=520, nodes=990, tasks=6), 6)
    report.close()
    text = stream.getvalue()
    assert "\r" not in text and len(text.splitlines()) == 2
    assert text.splitlines()[0].startswith("progress: 5 tasks done, 7 queued; 500 regions (0/s)")  # reused: not a rate


def test_rates_after_a_complete_resume_count_no_reused_regions(tmp_path):
    net = he_network(paper_architecture("example4-d4"), seed=1)
    path = tmp_path / "run.ckpt"
    first = count_regions(net, checkpoint=path, budget=50)
    again = count_regions(net, checkpoint=path, budget=50)
    assert first.regions_per_second > 0 and first.reused_regions == 0
    assert again.reused_regions == again.regions == first.regions and again.regions_per_second == 0


def test_bad_progress_and_checkpoint_arguments_are_refused():
    net = he_network(paper_architecture("example1-d2"), seed=0)
    with pytest.raises(ValueError, match=r"'progress' must be True, False or a callable progress\(.*\)\. Got 'yes' instead"):
        count_regions(net, progress="yes")
    with pytest.raises(TypeError, match=r"'checkpoint' must be None or a file path \(str or os\.PathLike\)\. Got 123 instead"):
        count_regions(net, checkpoint=123)
