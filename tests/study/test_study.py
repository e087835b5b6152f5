"""``cnnregions.study``: draws, searches, checkpoint and resume, the best network's file."""

import numpy as np
import pytest

from cnnregions import count_regions, he_network, paper_architecture
from cnnregions.models import load_network
from cnnregions.study import STRATEGIES, run_study
from cnnregions.study.ledger import Ledger


def _same(a, b):
    assert a.draws == b.draws
    assert (a.best_regions, a.best_found, a.trajectory) == (b.best_regions, b.best_found, b.trajectory)
    assert a.best_network.fingerprint == b.best_network.fingerprint


def test_draws_are_the_counts_of_the_same_seeds():
    arch = paper_architecture("example4-d3")
    result = run_study(arch, draws=4, seed=7, search=0)
    assert [s for s, _ in result.draws] == [7, 8, 9, 10]
    for s, regions in result.draws:
        assert regions == count_regions(he_network(arch, s)).regions
    assert result.best_regions == max(r for _, r in result.draws)
    assert result.best_found == f"He draw, seed {max(result.draws, key=lambda d: (d[1], -d[0]))[0]}"


def test_table1_every_draw_and_the_best_is_eq4():
    # Example 1 (Table 1): every generic theta has exactly d^3 + d^2 + d + 1 regions, eq. (4)'s value,
    # so no search can find more, and eq. (4) is reached (ratio 1).
    result = run_study(paper_architecture("example1-d3"), draws=3, search=6, strategy="es", population=3)
    assert {r for _, r in result.draws} == {40} and result.best_regions == 40
    checks = {c.key: c for c in result.checks}
    assert checks["eq4"].value == 40 and checks["eq4"].holds is True
    assert result.to_dict()["bounds"][[c.key for c in result.checks].index("eq4")]["ratio"] == 1.0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_keeps_the_best_and_respects_the_upper_bounds(strategy):
    pytest.importorskip("cma") if strategy == "cma" else None
    result = run_study(paper_architecture("example4-d1"), draws=3, search=12, strategy=strategy, population=4)
    best_draw = max(r for _, r in result.draws)
    assert result.best_regions >= best_draw
    assert [b for _, b in result.trajectory] == sorted(b for _, b in result.trajectory)  # the best never drops
    assert result.trajectory[-1] == (15, result.best_regions)
    assert result.counted == 15 and result.reused == 0
    assert not [c for c in result.checks if c.kind == "upper" and c.holds is False]
    assert result.best_regions == count_regions(result.best_network).regions


def test_the_best_network_file_recounts_to_the_reported_best(tmp_path):
    path = tmp_path / "best.npz"
    result = run_study(paper_architecture("example4-d2"), draws=3, search=8, population=4, best_out=path)
    loaded = load_network(path)
    assert loaded.fingerprint == result.best_network.fingerprint
    assert count_regions(loaded).regions == result.best_regions
    assert result.to_dict()["best"]["file"] == str(path)


def test_checkpoint_resume_equals_uninterrupted(tmp_path):
    arch = paper_architecture("example4-d2")
    settings = {"draws": 4, "search": 10, "population": 3, "seed": 3}
    plain = run_study(arch, **settings)
    ckpt = tmp_path / "study.ckpt"
    full = run_study(arch, checkpoint=ckpt, **settings)
    _same(plain, full)
    lines = ckpt.read_bytes().split(b"\n")
    assert len(lines) == 1 + 14 + 1  # header, one line per count, the final newline
    # a kill after 6 counts, in the middle of writing the 7th line
    ckpt.write_bytes(b"\n".join(lines[:7]) + b"\n" + lines[7][:10])
    resumed = run_study(arch, checkpoint=ckpt, **settings)
    _same(plain, resumed)
    assert (resumed.reused, resumed.counted) == (6, 8)
    again = run_study(arch, checkpoint=ckpt, **settings)  # everything recorded: nothing is counted
    _same(plain, again)
    assert (again.reused, again.counted) == (14, 0)


def test_a_checkpoint_of_another_architecture_is_refused_and_shared_draws_are_reused(tmp_path):
    ckpt = tmp_path / "study.ckpt"
    run_study(paper_architecture("example4-d1"), draws=2, search=0, checkpoint=ckpt)
    with pytest.raises(ValueError, match="must belong to this study.*'architecture'"):
        run_study(paper_architecture("example4-d2"), draws=2, search=0, checkpoint=ckpt)
    with pytest.raises(ValueError, match="must belong to this study.*'tol'"):
        run_study(paper_architecture("example4-d1"), draws=2, search=0, checkpoint=ckpt, tol=1e-6)
    more = run_study(paper_architecture("example4-d1"), draws=3, search=4, strategy="local", checkpoint=ckpt)
    assert (more.reused, more.counted) == (2, 5)  # the two draws it shares, not the other draw or the search
    other = run_study(paper_architecture("example4-d1"), draws=3, search=4, strategy="es", population=2,
                      checkpoint=ckpt)
    assert other.reused >= 3  # the draws; search candidates only where they are the same networks
    with Ledger.open(ckpt, {"architecture": paper_architecture("example4-d1").to_dict(), "tol": 1e-7}) as ledger:
        assert ledger.lookup("draw:0", "0" * 64) is None  # a record is for its own network only
        assert ledger.lookup("draw:0", he_network(paper_architecture("example4-d1"), 0).fingerprint) is not None


def test_parallel_counts_give_the_same_study():
    arch = paper_architecture("example4-d2")
    one = run_study(arch, draws=4, search=8, population=4, n_jobs=1)
    two = run_study(arch, draws=4, search=8, population=4, n_jobs=2)
    _same(one, two)
    assert two.backend == "loky"


def test_json_form_statistics():
    result = run_study(paper_architecture("example4-d1"), draws=5, search=0)
    data = result.to_dict()
    counts = np.array([d["regions"] for d in data["draws"]])
    assert data["mean"] == pytest.approx(counts.mean())
    assert (data["min"], data["max"]) == (counts.min(), counts.max())
    assert data["quantiles"]["0.5"] == pytest.approx(np.median(counts))


@pytest.mark.parametrize("field, value", [("draws", 0), ("search", -1), ("seed", -2), ("population", 1),
                                          ("strategy", "gradient")])
def test_bad_parameters(field, value):
    with pytest.raises(ValueError, match=f"'{field}' must be"):
        run_study(paper_architecture("example4-d1"), **{field: value})


def test_a_dask_cluster_gives_the_same_study():
    distributed = pytest.importorskip("distributed")
    arch = paper_architecture("example4-d1")
    serial = run_study(arch, draws=3, search=4, population=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_study(arch, draws=3, search=4, population=2, scheduler=client)
    _same(serial, on_dask)
    assert on_dask.backend == "dask"


def test_the_picture_has_whole_draws_human_labels_and_the_legend_beside_the_data():
    pytest.importorskip("matplotlib")
    from cnnregions.study.report import plot_study

    result = run_study(paper_architecture("example1-d2"), draws=3, seed=0, search=0)
    fig = plot_study(result, "Example 1, d1 = 2")
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)  # a count of draws has no fractions
    labels = [text.get_text() for text in ax.texts]
    assert labels and not any("_" in label for label in labels)  # "Theorem 5 upper", not theorem5_upper
    assert any(label.startswith("Lemma 2") for label in labels)
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # the legend sits right of the axes, over no data
