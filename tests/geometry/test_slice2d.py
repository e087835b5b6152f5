"""The geometric engine on windowed planes: hand-made slices with known counts (concurrent lines,
parallel lines, slivers far below the LP search's tolerance, identically zero neurons), agreement
with the LP search where no region is thin, and the README's showcase slice (slow)."""

import numpy as np
import pytest

from cnnregions import Plane, count_regions
from cnnregions.core.problem import build_problem
from cnnregions.lpsearch.search import Search
from cnnregions.models import Architecture, Network, he_network
from cnnregions.slices import slice_polygons

XY = Plane(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]))   # plane coordinates (a, b) = input (x, y)


def dense(*layers):
    """A fully connected net on 2 inputs from (W, b) pairs."""
    arch = Architecture({"height": 1, "width": 2, "channels": 1},
                        [{"type": "dense", "features": len(b)} for _, b in layers])
    return Network(arch, [np.asarray(W, float) for W, _ in layers], [np.asarray(b, float) for _, b in layers])


def windowed(window):
    return Plane(XY.x0, XY.x1, XY.x2, window)


def lp_count(net, plane):
    """The LP search on the same domain (what count_regions ran before the engine).

    Returns the count and the largest radius of a candidate it rejected as too thin (0: none).
    """
    problem = build_problem(net, plane)
    search = Search(problem)
    return sum(1 for _ in search.dfs(search.root())), search.max_rejected * problem.scale


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_k_lines_through_one_point_make_2k_regions(k):
    p = np.array([0.25, -0.375])            # dyadic: every line passes exactly through p
    dirs = np.array([[np.cos(t), np.sin(t)] for t in np.pi * (np.arange(k) + 0.5) / k])
    W = np.round(dirs * 64) / 64
    net = dense((W, -W @ p))
    result = count_regions(net, domain=windowed((-1.0, 1.0, -1.0, 1.0)))
    assert result.regions == 2 * k
    assert result.exact_decisions > 0 or k == 2   # from the third line on, lines meet a vertex: decided exactly


def test_parallel_lines():
    # 5 vertical and 3 horizontal lines inside the window: a 6 x 4 grid; one more line outside it
    W = np.array([[1.0, 0]] * 5 + [[0, 1.0]] * 3 + [[1.0, 0]])
    b = -np.array([-0.5, -0.25, 0.0, 0.125, 0.75, -0.5, 0.0, 0.5, 3.0])
    net = dense((W, b))
    assert count_regions(net, domain=windowed((-1.0, 1.0, -1.0, 1.0))).regions == 6 * 4


def test_slivers_the_lp_search_misses():
    eps = 2.0 ** -40
    # two lines crossing at (0, 0.5) at an angle of 2^-40: four regions, two of them slivers
    # of width at most 2^-40 (far below the search's tolerance); and a strip of width 2^-45
    net = dense((np.array([[0.0, 1.0], [-eps, 1.0]]), np.array([-0.5, -0.5])))
    window = windowed((-1.0, 1.0, -1.0, 1.0))
    assert count_regions(net, domain=window).regions == 4
    assert lp_count(net, window)[0] < 4     # the LP search rejects the slivers as too thin
    strip = dense((np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([-0.5, -0.5 - 2.0 ** -45])))
    assert count_regions(strip, domain=window).regions == 3
    polygons = slice_polygons(strip, window)
    assert sorted(p.pattern.tolist() for p in polygons) == [[False, False], [True, False], [True, True]]


def test_deeper_lines_through_vertices_and_identically_zero_neurons():
    # layer 1: z1 = a, z2 = b (four quadrants); layer 2: z3 = relu(a) + relu(b) vanishes only at the
    # vertex (0, 0) of the quadrant a, b > 0 (no split); z4 = relu(a) - relu(b) splits that quadrant
    # along a = b, which ends in the vertex; on a, b < 0 both are identically zero (inactive, no split);
    # z5 = 0 * ... + 0 is identically zero everywhere.  Hand count: 4 + 1 = 5.
    net = dense((np.eye(2), np.zeros(2)), (np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]), np.zeros(3)))
    window = windowed((-1.0, 1.0, -1.0, 1.0))
    result = count_regions(net, domain=window)
    assert result.regions == 5
    polygons = slice_polygons(net, window)
    patterns = {tuple(p.pattern.tolist()) for p in polygons}
    assert (False, False, False, False, False) in patterns     # identically zero: inactive
    assert all(not p[4] for p in patterns)
    assert lp_count(net, window)[0] == 5


ARCH = Architecture({"height": 6, "width": 6, "channels": 1},
                    [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1},
                     {"channels": 3, "kernel": [2, 2], "stride": 1},
                     {"type": "dense", "features": 5}])


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_the_lp_search_where_no_region_is_thin(seed):
    net = he_network(ARCH, seed)
    x0, x1, x2 = np.random.default_rng(seed).normal(size=(3, 36))
    plane = Plane(x0, x1, x2, (-0.5, 1.5, -0.5, 1.5))
    expected, rejected = lp_count(net, plane)
    if rejected > 0:
        pytest.skip("the LP search rejected a thin candidate: its count is not a reference here")
    result = count_regions(net, domain=plane)
    assert result.regions == expected
    assert result.backend == "geometric" and result.lps == 0


def test_parallel_jobs_give_the_same_polygons():
    net = he_network(ARCH, 0)
    x0, x1, x2 = np.random.default_rng(0).normal(size=(3, 36))
    plane = Plane(x0, x1, x2, (-3.0, 4.0, -3.0, 4.0))
    one = count_regions(net, domain=plane)
    two = count_regions(net, domain=plane, n_jobs=2)
    assert one.regions == two.regions
    a = sorted(np.packbits(p.pattern).tobytes() for p in slice_polygons(net, plane))
    b = sorted(np.packbits(p.pattern).tobytes() for p in slice_polygons(net, plane, n_jobs=2))
    assert a == b and len(a) == one.regions


def test_unwindowed_planes_keep_the_lp_search():
    net = he_network(ARCH, 0)
    x0, x1, x2 = np.random.default_rng(0).normal(size=(3, 36))
    result = count_regions(net, domain=Plane(x0, x1, x2))
    assert result.backend == "serial" and result.lps > 0


@pytest.mark.slow
def test_showcase_slice_has_the_region_the_lp_search_misses():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_slice import ARCH as BENCH
    from bench_slice import WINDOW, digit_images

    net = he_network(BENCH, seed=0)
    plane = Plane(*digit_images(), WINDOW)
    polygons = slice_polygons(net, plane)
    assert len(polygons) >= 35027          # the LP search finds 35,026
    assert len({np.packbits(p.pattern).tobytes() for p in polygons}) == len(polygons)
    area = (WINDOW[1] - WINDOW[0]) * (WINDOW[3] - WINDOW[2])
    assert abs(sum(p.area for p in polygons) / area - 1) < 1e-9


def test_batch_sizes_do_not_change_the_regions(monkeypatch):
    from cnnregions.geometry import count as gcount
    from cnnregions.geometry import slice2d

    net = he_network(ARCH, 1)
    x0, x1, x2 = np.random.default_rng(1).normal(size=(3, 36))
    plane = Plane(x0, x1, x2, (-2.0, 3.0, -2.0, 3.0))
    expected = sorted(np.packbits(p.pattern).tobytes() for p in slice_polygons(net, plane))
    monkeypatch.setattr(slice2d, "BLOCK", 3)
    monkeypatch.setattr(slice2d, "CLASSIFY", 5)
    monkeypatch.setattr(slice2d, "CHUNK", 7)
    monkeypatch.setattr(gcount, "TASK_PIECES", 11)
    got = sorted(np.packbits(p.pattern).tobytes() for p in slice_polygons(net, plane))
    assert got == expected


def test_exact_decisions_without_python_flint(monkeypatch):
    from fractions import Fraction

    from cnnregions.geometry import exact

    monkeypatch.setattr(exact, "_rational", Fraction)     # the pure-Python fallback
    test_k_lines_through_one_point_make_2k_regions(5)
    test_deeper_lines_through_vertices_and_identically_zero_neurons()
