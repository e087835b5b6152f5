"""The search's parts: the path's one update routine, and the LP-sparing
devices (cone bounds, probes) change LPs only, never the regions found."""

import numpy as np
import pytest

from cnnregions.core.problem import build_problem
from cnnregions.lpsearch.path import Row
from cnnregions.lpsearch.search import Search
from cnnregions.models import Architecture, he_network

DEEP = Architecture({"height": 1, "width": 4, "channels": 1},
                    [{"channels": 2, "kernel": [1, 2], "stride": 1},
                     {"channels": 2, "kernel": [1, 2], "stride": 1},
                     {"channels": 2, "kernel": [1, 2], "stride": 1}])


def _patterns(problem, cones: bool):
    search = Search(problem)
    if not cones:
        search.path.cones = None
    found = {search.pattern.tobytes() for _ in search.dfs(search.root())}
    return found, search.lps, search.path.bound_proofs


@pytest.mark.parametrize("seed", range(4))
def test_cone_bounds_change_no_region(seed):
    problem = build_problem(he_network(DEEP, seed))
    with_cones, lps, proofs = _patterns(problem, cones=True)
    without, lps_plain, none = _patterns(problem, cones=False)
    assert with_cones == without and len(without) > 20
    assert none == 0 and proofs > 0          # the bounds are exercised
    assert lps < lps_plain                   # and they spare LPs


def test_path_set_keeps_rows_keys_and_serials_consistent():
    problem = build_problem(he_network(DEEP, 0))
    path = Search(problem).path
    rows = [Row(np.eye(problem.dim)[i % problem.dim], 0.5, (i, True)) for i in range(5)]
    for i, row in enumerate(rows):
        path.set(i, row)
    assert len(path) == 5 and path.keys == {r.key for r in rows}
    serials = path.serials[:5].copy()
    assert (serials >= 0).all() and len(set(serials.tolist())) == 5
    path.set(2)                                           # truncate
    assert len(path) == 2 and path.keys == {rows[0].key, rows[1].key}
    assert (path.serials[2:5] == -1).all()
    path.set(2, rows[4])                                  # push again: a new serial
    assert path.splits() == (rows[0].key, rows[1].key, rows[4].key)
    assert path.serials[2] not in serials.tolist()
    np.testing.assert_array_equal(path.a[2], rows[4].a)
