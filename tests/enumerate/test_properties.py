"""Property tests on small random architectures (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnregions import Architecture, Network, count_regions, he_network, iter_regions

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def small_networks(draw, max_neurons=16, max_layers=2):
    """A random small CNN (1-D or 2-D filters, strides, channels) with He weights."""
    height = draw(st.integers(1, 3))
    width = draw(st.integers(1, 4))
    channels = draw(st.integers(1, 2))
    layers = []
    h, w, total = height, width, 0
    for _ in range(draw(st.integers(1, max_layers))):
        f1 = draw(st.integers(1, h))
        f2 = draw(st.integers(1, w))
        stride = draw(st.integers(1, 2))
        d = draw(st.integers(1, 3))
        h2, w2 = (h - f1) // stride + 1, (w - f2) // stride + 1
        if total + h2 * w2 * d > max_neurons:
            break
        layers.append({"channels": d, "kernel": [f1, f2], "stride": stride})
        h, w, total = h2, w2, total + h2 * w2 * d
    if not layers:
        layers = [{"channels": 1, "kernel": [1, 1], "stride": 1}]
    arch = Architecture({"height": height, "width": width, "channels": channels}, layers)
    return he_network(arch, seed=draw(st.integers(0, 2**31 - 1)))


def _sample_patterns(net, rng, n=4000):
    dim = net.architecture.input_dim
    pts = np.concatenate([rng.normal(0, s, size=(n, dim)) for s in (0.1, 1.0, 3.0, 10.0)])
    return {p.tobytes() for p in net.activation_patterns(pts)}


@SETTINGS
@given(small_networks())
def test_sampled_patterns_are_enumerated_and_witnesses_reproduce_them(net):
    regions = list(iter_regions(net))
    enumerated = {r.pattern.tobytes() for r in regions}
    assert len(enumerated) == len(regions)
    sampled = _sample_patterns(net, np.random.default_rng(0))
    assert sampled <= enumerated
    for region in regions:
        z = np.concatenate(net.preactivations(region.witness[None, :]), axis=1)[0]
        assert np.array_equal(z > 0, region.pattern)
        assert region.radius > 0


def _permute_filters(net, layer, perm):
    W, b = list(net.weights), list(net.biases)
    W[layer], b[layer] = W[layer][perm], b[layer][perm]
    if layer + 1 < len(W):
        W[layer + 1] = W[layer + 1][:, perm]
    return Network(net.architecture, tuple(W), tuple(b))


@SETTINGS
@given(small_networks(), st.randoms(use_true_random=False))
def test_count_invariant_under_permuting_filters(net, random):
    layer = random.randrange(net.architecture.depth)
    perm = list(range(net.architecture.layers[layer].channels))
    random.shuffle(perm)
    assert count_regions(_permute_filters(net, layer, perm)).regions == count_regions(net).regions


@pytest.mark.parametrize("c", [1e-4, 1e-2, 0.3, 7.0, 1e2, 1e4])
@pytest.mark.parametrize("seed", [3, 4])
def test_count_invariant_under_scaling_the_input(c, seed):
    arch = Architecture({"height": 2, "width": 3, "channels": 1},
                        [{"channels": 3, "kernel": [2, 2], "stride": 1},
                         {"channels": 2, "kernel": [1, 2], "stride": 1}])
    net = he_network(arch, seed=seed)
    W = list(net.weights)
    W[0] = W[0] * c  # x -> x / c: the first layer's weights, not its bias
    assert count_regions(net.with_weights(W, net.biases)).regions == count_regions(net).regions


@pytest.mark.parametrize("c", [1e-4, 1e-2, 0.3, 7.0, 1e2, 1e4])
@pytest.mark.parametrize("layer", [0, 1])
def test_count_invariant_under_rescaling_a_layer(c, layer):
    arch = Architecture({"height": 2, "width": 3, "channels": 1},
                        [{"channels": 2, "kernel": [2, 2], "stride": 1},
                         {"channels": 3, "kernel": [1, 2], "stride": 1},
                         {"channels": 2, "kernel": [1, 1], "stride": 1}])
    net = he_network(arch, seed=11)
    W, b = list(net.weights), list(net.biases)
    W[layer], b[layer] = W[layer] * c, b[layer] * c
    W[layer + 1] = W[layer + 1] / c  # ReLU is positively homogeneous
    assert count_regions(net.with_weights(W, b)).regions == count_regions(net).regions


@pytest.mark.parametrize("engine", ["kernel", "reference"])
@pytest.mark.parametrize("name, seed", [("example4-d5", 1), ("pitfall2d-d3", 0)])
def test_parallel_equals_serial(name, seed, engine):
    from cnnregions import paper_architecture

    net = he_network(paper_architecture(name), seed=seed)
    # With a set budget every task is searched with a fresh state: the LPs too are the same.
    serial = count_regions(net, n_jobs=1, split=16, budget=1600, engine=engine)
    parallel = count_regions(net, n_jobs=2, split=16, budget=1600, engine=engine)
    assert (parallel.regions, parallel.lps, parallel.nodes) == (serial.regions, serial.lps, serial.nodes)
    assert parallel.subtrees == serial.subtrees > 1
    # With the default budget a serial count searches its initial tasks whole: the LPs may differ.
    auto = count_regions(net, n_jobs=2, split=16, engine=engine)
    assert (auto.regions, auto.nodes) == (serial.regions, serial.nodes)
