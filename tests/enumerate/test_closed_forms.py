"""Counts that nobody here computed: the paper's Table 1 and Theorem 1's closed form."""

from math import comb

import pytest

from cnnregions import Architecture, count_regions, he_network, iter_regions, paper_architecture

# Table 1 (Example 1): input 1x3x1, d1 filters 1x2, R = d^3 + d^2 + d + 1.
TABLE1 = {1: 4, 2: 15, 3: 40, 4: 85, 5: 156, 6: 259, 7: 400, 8: 585}


@pytest.mark.parametrize("d", sorted(TABLE1))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_table1_one_layer_counts(d, seed):
    net = he_network(paper_architecture(f"example1-d{d}"), seed=seed)
    assert count_regions(net).regions == TABLE1[d]


def fully_connected(n0, widths):
    return Architecture({"height": 1, "width": 1, "channels": n0},
                        [{"channels": w, "kernel": [1, 1], "stride": 1} for w in widths])


@pytest.mark.parametrize("n0, n1", [(1, 5), (2, 5), (3, 6), (4, 10), (5, 3), (3, 12), (6, 8)])
def test_theorem1_one_generic_fully_connected_layer(n0, n1):
    expected = sum(comb(n1, i) for i in range(n0 + 1))
    net = he_network(fully_connected(n0, [n1]), seed=n0 * 100 + n1)
    assert count_regions(net).regions == expected


def test_iter_regions_and_count_regions_agree_on_example4():
    net = he_network(paper_architecture("example4-d3"), seed=5)
    patterns = [r.pattern.tobytes() for r in iter_regions(net)]
    assert len(patterns) == len(set(patterns)) == count_regions(net).regions


def test_count_does_not_depend_on_the_split():
    net = he_network(paper_architecture("example4-d4"), seed=2)
    counts = {count_regions(net, split=s).regions for s in (1, 3, 16, 200)}
    assert len(counts) == 1
