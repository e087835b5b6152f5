"""The engine seam: one choice of engine per domain, a tree engine plugged in through its
searcher, and statistics that add up (Stats is a monoid: the zero, ``+``, the sum of the tasks)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnregions import Box, Plane, Segment, Space, count_regions, he_network, iter_regions, paper_architecture
from cnnregions.core.stats import Stats
from cnnregions.geometry.count import IntervalEngine, PolygonEngine
from cnnregions.lpsearch.engine import LPEngine
from cnnregions.lpsearch.search import Search
from cnnregions.run import engines

POINTS = [np.eye(4)[0], np.eye(4)[1], np.eye(4)[2]]


@pytest.mark.parametrize(("domain", "certify", "sink", "engine"), [
    (None, False, None, LPEngine),
    (Space(), False, None, LPEngine),
    (Box(-1, 1), True, None, LPEngine),
    (Plane(*POINTS), False, None, LPEngine),
    (Plane(*POINTS, window=(-1, 1, -1, 1)), False, None, PolygonEngine),
    (Plane(*POINTS, window=(-1, 1, -1, 1)), True, None, LPEngine),      # certified: the LP search proves
    (Plane(*POINTS, window=(-1, 1, -1, 1)), False, object(), LPEngine),  # regions to a sink: the LP search
    (Segment(POINTS[0], POINTS[1]), False, None, IntervalEngine),
])
def test_each_domain_has_one_engine(domain, certify, sink, engine):
    if engine is LPEngine:  # the tree engine: the LP search, or an engine built on it (a compiled kernel)
        engine = type(engines.tree_engine())
        assert issubclass(engine, LPEngine)
    assert type(engines.engine_for(domain, certify=certify, sink=sink)) is engine


def test_only_the_segment_engine_refuses_a_sink():
    assert LPEngine().refusal(object()) is None
    assert "Segment" in IntervalEngine().refusal(object())


def test_geometric_engines_refuse_the_options_they_would_ignore():
    """One pass leaves nothing to resume; a segment's walk is exact already: refused, not ignored."""
    assert LPEngine().refusal(None, checkpoint=True, certify=True) is None
    for engine in (IntervalEngine(), PolygonEngine()):
        assert engine.refusal() is None
        assert engine.refusal(checkpoint=True).startswith("The 'checkpoint' must be None")
    assert IntervalEngine().refusal(certify=True).startswith("The 'certify' must be False")


class _Recording(LPEngine):
    """A tree engine with its own search state: the LP search, counted (as a kernel would plug in)."""

    made: list = []

    def searcher(self, problem, *, immediate=False):
        self.made.append(immediate)
        return Search(problem, immediate=immediate)


def test_a_tree_engine_plugs_in_through_its_searcher(monkeypatch):
    net = he_network(paper_architecture("example4-d3"), seed=1)
    monkeypatch.setitem(engines.TREE_ENGINES, "kernel", LPEngine)          # the reference search state
    plain = count_regions(net, budget=40)
    monkeypatch.setitem(engines.TREE_ENGINES, "kernel", _Recording)
    _Recording.made = []
    seam = count_regions(net, budget=40)
    assert (seam.regions, seam.lps, seam.nodes, seam.tasks) == (plain.regions, plain.lps, plain.nodes, plain.tasks)
    assert len(_Recording.made) == seam.tasks + 1          # the split's searcher, then one per task
    _Recording.made = []
    assert sum(1 for _ in iter_regions(net)) == plain.regions and _Recording.made == [True]


def test_the_statistics_of_the_tasks_sum_to_the_count():
    net = he_network(paper_architecture("example4-d4"), seed=0)
    whole = count_regions(net, budget=None, split=1)
    pieces = count_regions(net, budget=30, split=4)
    assert pieces.tasks > whole.tasks
    assert (pieces.regions, pieces.nodes) == (whole.regions, whole.nodes)   # LPs may differ with the budget
    assert math.isclose(pieces.smallest_radius, whole.smallest_radius)


counts = st.integers(0, 10**6)
radii = st.floats(0, 1e3) | st.just(math.inf)
stats = st.builds(Stats, regions=counts, lps=counts, nodes=counts, min_radius=radii, max_rejected=st.floats(0, 1e3),
                  tasks=counts, max_task_seconds=st.floats(0, 1e3), certified=st.booleans(), unresolved=counts,
                  certificates=counts, exact_decisions=counts, disagreements=counts)


@given(stats, stats, stats)
def test_stats_add_like_a_monoid(a, b, c):
    assert a + Stats() == a == Stats() + a
    assert a + b == b + a
    integral = ("regions", "lps", "nodes", "tasks", "unresolved", "certificates", "exact_decisions", "disagreements")
    left, right = (a + b) + c, a + (b + c)
    assert all(getattr(left, k) == getattr(right, k) for k in integral)
    assert (left.min_radius, left.max_rejected, left.certified) == (right.min_radius, right.max_rejected, right.certified)
    assert left.regions == a.regions + b.regions + c.regions and left.certified == (a.certified and b.certified
                                                                                    and c.certified)
