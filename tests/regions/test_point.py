"""The region of a point: pattern, halfspaces, facets, Chebyshev ball, boundedness."""

import numpy as np
import pytest

from cnnregions import Architecture, Box, InvalidParameterError, Network, he_network, paper_architecture
from cnnregions.regions import region_of


def lines(W, b):
    arch = Architecture({"height": 1, "width": 1, "channels": 2}, [{"channels": len(b), "kernel": [1, 1], "stride": 1}])
    return Network(arch, [np.asarray(W, float).reshape(len(b), 2, 1, 1)], [np.asarray(b, float)])


def test_triangle_hand_derived():
    """x > 0, y > 0, 1 - x - y > 0 and the redundant x + y + 1 > 0: a bounded triangle, three facets,
    inradius area / semi-perimeter = 1 / (2 + sqrt 2), incentre (r, r)."""
    net = lines([[1, 0], [0, 1], [-1, -1], [1, 1]], [0, 0, 1, 1])
    info = region_of(net, [0.2, 0.3])
    assert info.pattern.tolist() == [True, True, True, True]
    assert info.facet_neurons == [0, 1, 2]
    assert info.bounded
    r = 1 / (2 + np.sqrt(2))
    assert info.radius == pytest.approx(r, rel=1e-7)
    assert info.center == pytest.approx([r, r], rel=1e-6)
    outside = region_of(net, [2.0, 2.0])      # x > 0, y > 0, x + y > 1: unbounded, neuron 3 still redundant
    assert not outside.bounded and outside.radius_capped
    assert outside.facet_neurons == [0, 1, 2]


@pytest.mark.parametrize("name,seed", [("example4-d3", 0), ("example4-d5", 1), ("pitfall2d-d2", 2)])
def test_pattern_facets_and_ball_against_forward_passes(name, seed):
    net = he_network(paper_architecture(name), seed=seed)
    rng = np.random.default_rng(seed)
    n = net.architecture.input_dim
    for _ in range(5):
        x = rng.normal(size=n)
        info = region_of(net, x)
        assert np.array_equal(info.pattern, net.activation_patterns(x[None])[0])
        assert info.facets.any() and set(info.facet_neurons) <= set(info.neurons.tolist())
        assert np.array_equal(net.activation_patterns(info.center[None])[0], info.pattern)
        # Random points at several scales around x and the centre: the full set of halfspaces,
        # the facets alone and the forward pass all agree on who is inside.
        pts = np.concatenate([c + rng.normal(size=(3000, n)) * s
                              for c in (x, info.center) for s in (0.01, 0.1, 1.0, 10.0)])
        inside = info.contains(pts)
        facets_only = np.all(pts @ info.normals[info.facets].T + info.offsets[info.facets] > 0, axis=1)
        same_pattern = np.all(net.activation_patterns(pts) == info.pattern, axis=1)
        assert np.array_equal(inside, same_pattern)
        assert np.array_equal(inside, facets_only)
        assert 0.0 < inside.mean() < 1.0 or info.radius_capped


def test_boundary_point_and_box():
    net = he_network(paper_architecture("example4-d3"), seed=0)
    M, c = net.affine_maps[0]
    x = np.array([0.3, -0.2, 0.5, 0.1])
    on = x - (M[0] @ x + c[0]) / (M[0] @ M[0]) * M[0]
    with pytest.raises(InvalidParameterError, match="hyperplane of neuron 0 .*in no open region"):
        region_of(net, on)
    boxed = region_of(net, x * 0.1, domain=Box(-0.1, 0.1))
    assert boxed.bounded and np.any(boxed.neurons < 0)
    with pytest.raises(InvalidParameterError, match="inside the box"):
        region_of(net, x, domain=Box(-0.1, 0.1))
    with pytest.raises(InvalidParameterError, match="4 values"):
        region_of(net, [1.0, 2.0])
