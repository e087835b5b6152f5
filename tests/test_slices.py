"""Slices: the exact polygons of the regions on a plane tile the window, carry the right
patterns (checked by the forward pass at random points), and are drawn without global state."""

import sys

import numpy as np
import pytest

from cnnregions import InvalidParameterError, Plane, count_regions
from cnnregions.models import Architecture, he_network
from cnnregions.slices import DEFAULT_WINDOW, polygon_area, slice_polygons

ARCH = Architecture({"height": 6, "width": 6, "channels": 1},
                    [{"channels": 2, "kernel": [3, 3], "stride": 2, "padding": 1},
                     {"channels": 3, "kernel": [2, 2], "stride": 1},
                     {"type": "dense", "features": 5}])


def setup(seed, window):
    net = he_network(ARCH, seed)
    x0, x1, x2 = np.random.default_rng(seed).normal(size=(3, 36))
    return net, Plane(x0, x1, x2, window)


def containing(polygons, points):
    """For each point, the indices of the polygons that contain it (half-plane test on every edge)."""
    inside = np.zeros((len(points), len(polygons)), dtype=bool)
    for j, p in enumerate(polygons):
        v = p.vertices
        e = np.roll(v, -1, axis=0) - v
        cross = e[:, 0][None, :] * (points[:, 1:2] - v[:, 1][None, :]) - e[:, 1][None, :] * (points[:, :1] - v[:, 0][None, :])
        inside[:, j] = np.all(cross > 0, axis=1)
    return inside


@pytest.mark.parametrize(("seed", "window"), [(0, (-0.5, 1.5, -0.5, 1.5)), (1, (-3.0, 4.0, -2.0, 2.0)), (2, (0.2, 0.3, 0.6, 0.65))])
def test_polygons_tile_the_window_and_carry_their_patterns(seed, window):
    net, plane = setup(seed, window)
    polygons = slice_polygons(net, plane)
    # as many polygons as regions counted on the plane in that window
    assert len(polygons) == count_regions(net, domain=plane).regions
    area = (window[1] - window[0]) * (window[3] - window[2])
    assert abs(sum(p.area for p in polygons) / area - 1) < 1e-9
    assert all(p.area > 0 for p in polygons)            # counter-clockwise, non-degenerate
    a_lo, a_hi, b_lo, b_hi = window
    for p in polygons:
        assert np.all(p.vertices[:, 0] >= a_lo - 1e-12) and np.all(p.vertices[:, 0] <= a_hi + 1e-12)
        assert np.all(p.vertices[:, 1] >= b_lo - 1e-12) and np.all(p.vertices[:, 1] <= b_hi + 1e-12)
    # random points of the window: in exactly one polygon (up to points on edges), whose pattern is
    # the one the forward pass computes there
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(a_lo, a_hi, 3000), rng.uniform(b_lo, b_hi, 3000)])
    inside = containing(polygons, pts)
    hits = inside.sum(axis=1)
    assert np.all(hits <= 1)
    assert np.mean(hits == 1) > 0.999
    xs = plane.x0 + pts @ np.stack([plane.x1 - plane.x0, plane.x2 - plane.x0])
    patterns = net.activation_patterns(xs)
    for i in np.flatnonzero(hits == 1):
        assert np.array_equal(polygons[int(np.argmax(inside[i]))].pattern, patterns[i])


def test_default_window_and_explicit_window_override():
    net, plane = setup(0, None)
    polygons = slice_polygons(net, plane)
    a_lo, a_hi, b_lo, b_hi = DEFAULT_WINDOW
    assert abs(sum(p.area for p in polygons) - (a_hi - a_lo) * (b_hi - b_lo)) < 1e-9
    small = slice_polygons(net, plane, (0.0, 0.5, 0.0, 0.5))
    assert abs(sum(p.area for p in small) - 0.25) < 1e-9
    assert len(small) <= len(polygons)


def test_polygon_area():
    assert polygon_area(np.array([[0, 0], [2, 0], [2, 1], [0, 1]])) == 2.0
    assert polygon_area(np.array([[0, 0], [0, 1], [1, 0]])) == -0.5
    assert polygon_area(np.zeros((2, 2))) == 0.0


def test_bad_arguments():
    net, plane = setup(0, None)
    with pytest.raises(InvalidParameterError, match="'plane'"):
        slice_polygons(net, "plane")
    with pytest.raises(InvalidParameterError, match="window"):
        slice_polygons(net, plane, (1.0, 0.0, 0.0, 1.0))


def test_plot_slice_draws_without_touching_global_state(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from cnnregions.plots import pattern_color, plot_slice, save_slice_plot

    pyplot_before = "matplotlib.pyplot" in sys.modules
    rc = {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}  # raw: no backend resolution
    net, plane = setup(1, (-0.5, 1.5, -0.5, 1.5))
    polygons = slice_polygons(net, plane)
    fig = plot_slice(polygons, plane.window)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_paths()) == len(polygons)
    assert ax.get_xlim() == (-0.5, 1.5)
    path = tmp_path / "slice.png"
    save_slice_plot(polygons, plane.window, path)
    from matplotlib.image import imread

    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.std() > 0.05
    assert ("matplotlib.pyplot" in sys.modules) == pyplot_before        # no pyplot, hence no backend switch
    assert {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams} == rc
    # the colour depends on the pattern only
    assert pattern_color(polygons[0].pattern) == pattern_color(polygons[0].pattern.copy())
    assert len({pattern_color(p.pattern) for p in polygons}) > 0.9 * len(polygons)
