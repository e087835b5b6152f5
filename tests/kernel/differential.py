"""Run the reference search and the kernel on one problem and compare what they find."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")  # the kernel's tests skip where numba is missing

# The independent brute-force reference of the enumerate tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "enumerate"))
from region_reference import region_radius  # noqa: E402

from cnnregions.kernel import KernelSearch  # noqa: E402
from cnnregions.lpsearch.search import Search  # noqa: E402
from cnnregions.run.tasks import split_tree  # noqa: E402

__all__ = ["assert_same_tree", "budgeted_totals", "patterns", "random_rows", "region_radius"]


def patterns(search):
    """Sorted patterns of every region of ``search``'s tree, and the search (for its statistics)."""
    found = [search.pattern.tobytes() for _ in search.dfs(search.root())]
    return sorted(found), search


def assert_same_tree(problem, **kernel_options):
    """Identical sorted patterns and node counts from both engines; returns the kernel search."""
    ref, rs = patterns(Search(problem))
    ker, ks = patterns(KernelSearch(problem, **kernel_options))
    assert len(set(ker)) == len(ker)  # no region twice
    assert ker == ref
    assert ks.nodes == rs.nodes
    assert ks.regions == rs.regions == len(ref)
    return ks


def budgeted_totals(problem, budget, split=4):
    """Regions and nodes of the kernel's tree searched as the tasks do: a split, then budgeted
    searches resumed from their leftover nodes, each on a fresh kernel state."""
    top = KernelSearch(problem)
    regions, nodes = 0, 0
    todo = split_tree(top, split)
    regions += top.regions
    nodes += top.nodes
    while todo:
        node = todo.pop()
        search = KernelSearch(problem)
        search.count(node, budget)
        regions += search.regions
        nodes += search.nodes
        todo.extend(search.leftover)
    return regions, nodes


def random_rows(rng, m, n, offset=1.0):
    a = rng.normal(size=(m, n))
    a /= np.linalg.norm(a, axis=1)[:, None]
    return a, rng.normal(size=m) * offset
