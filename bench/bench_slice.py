"""Bench: the linear regions of a small MNIST-sized CNN on the plane through three images.

The network is the issue's "trained-style" CNN on 28x28x1 inputs::

    Conv2d(1, 4, 3, stride=2, padding=1) -> ReLU -> Conv2d(4, 8, 3, stride=2) -> ReLU
    -> Flatten -> Linear(288, 32) -> ReLU -> Linear(32, 10)

with He-initialised weights (seed 0; no training data, nothing downloaded).  The
last Linear has no ReLU: it is the output layer and does not change the regions,
so the counted network has 784 + 288 + 32 = 1104 hidden neurons.  The three
inputs are synthetic digit-like images (a "0", a "1" and a "7" drawn with numpy),
and the regions are counted on the plane through them,
``x = A + a (B - A) + b (C - A)``, in a window around the three images.

Run ``python bench/bench_slice.py`` (about a minute on two cores); it prints the
figures and writes ``bench/results/slice.{json,md,png}`` and ``docs/slice.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from cnnregions.enumerate import Plane, count_regions
from cnnregions.models import Architecture, he_network
from cnnregions.plots import save_slice_plot
from cnnregions.slices import slice_polygons

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOCS = HERE.parent / "docs"

ARCH = Architecture({"height": 28, "width": 28, "channels": 1}, [
    {"channels": 4, "kernel": [3, 3], "stride": 2, "padding": 1},
    {"channels": 8, "kernel": [3, 3], "stride": 2},
    {"type": "dense", "features": 32},
])
WINDOW = (-0.25, 1.25, -0.25, 1.25)


def _stroke(img: np.ndarray, points: np.ndarray, width: float = 1.6) -> None:
    """Draw a thick polyline (anti-aliased by distance) into a 28x28 image."""
    rows, cols = np.mgrid[0:28, 0:28]
    grid = np.stack([rows, cols], axis=-1).astype(float)
    for p, q in zip(points[:-1], points[1:]):
        d = q - p
        t = np.clip(((grid - p) @ d) / max(d @ d, 1e-12), 0, 1)
        dist = np.linalg.norm(grid - (p + t[..., None] * d), axis=-1)
        img[:] = np.maximum(img, np.clip(1.5 - dist / width, 0, 1))


def digit_images() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three digit-like 1x28x28 images in [0, 1]: a "0", a "1" and a "7"."""
    zero, one, seven = (np.zeros((28, 28)) for _ in range(3))
    angle = np.linspace(0, 2 * np.pi, 40)
    _stroke(zero, np.column_stack([14 + 9 * np.sin(angle), 14 + 6 * np.cos(angle)]))
    _stroke(one, np.array([[5.0, 12.0], [4.0, 15.0], [23.0, 15.0]]))
    _stroke(seven, np.array([[5.0, 7.0], [5.0, 21.0], [23.0, 11.0]]))
    return tuple(img[None] for img in (zero, one, seven))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to time (default 1 2)")
    parser.add_argument("--window", type=float, nargs=4, default=WINDOW, metavar=("A_LO", "A_HI", "B_LO", "B_HI"))
    args = parser.parse_args()
    network = he_network(ARCH, seed=0)
    a, b, c = digit_images()
    window = tuple(args.window)
    plane = Plane(a, b, c, window)
    runs = []
    for jobs in args.jobs:
        result = count_regions(network, domain=plane, n_jobs=jobs)
        runs.append({"jobs": jobs, "regions": result.regions, "seconds": round(result.seconds, 2), "lps": result.lps,
                     "lps_per_region": round(result.lps_per_region, 2),
                     "regions_per_second": round(result.regions_per_second, 1)})
        print(f"count   jobs={jobs}: {result.regions} regions in {result.seconds:.1f} s "
              f"({result.regions_per_second:.0f} regions/s, {result.lps_per_region:.2f} LPs/region)")
    assert len({r["regions"] for r in runs}) == 1, "the count must not depend on the number of jobs"
    start = time.perf_counter()
    polygons = slice_polygons(network, plane)
    polygon_seconds = time.perf_counter() - start
    area = sum(p.area for p in polygons)
    window_area = (window[1] - window[0]) * (window[3] - window[2])
    print(f"slice   {len(polygons)} polygons in {polygon_seconds:.1f} s (search + polygons, 1 job); "
          f"areas add up to {area:.12g} of {window_area:.12g}")
    RESULTS.mkdir(exist_ok=True)
    picture = RESULTS / "slice.png"
    start = time.perf_counter()
    save_slice_plot(polygons, window, picture, title=f"{len(polygons)} linear regions on the plane through three digit images\n"
                    f"CNN {ARCH.describe()} (+ output layer), {ARCH.n_neurons} hidden neurons", dpi=160)
    draw_seconds = time.perf_counter() - start
    DOCS.mkdir(exist_ok=True)
    shutil.copyfile(picture, DOCS / "slice.png")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    record = {"architecture": ARCH.describe() + " (+ output Linear 32 -> 10, not counted)",
              "hidden_neurons": ARCH.n_neurons, "window": list(window), "runs": runs,
              "polygons": len(polygons), "polygon_seconds": round(polygon_seconds, 2),
              "draw_seconds": round(draw_seconds, 2), "area": area, "window_area": window_area,
              "cores": cores, "load_average_1min": round(load, 2)}
    (RESULTS / "slice.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = ["| jobs | regions | seconds | regions/s | LPs/region |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['jobs']} | {r['regions']} | {r['seconds']:.1f} | {r['regions_per_second']:.0f} | "
              f"{r['lps_per_region']:.2f} |" for r in runs]
    lines += ["", f"Network {record['architecture']}; plane through three digit-like images, window {list(window)}; "
              f"{cores} cores, 1-minute load average {load:.2f} at the end.",
              f"Slice picture: {len(polygons)} exact polygons in {polygon_seconds:.1f} s, drawn in {draw_seconds:.1f} s; "
              f"their areas add up to {area:.12g} (window {window_area:.12g})."]
    (RESULTS / "slice.md").write_text("\n".join(lines) + "\n")
    print(f"wrote   {picture}, {DOCS / 'slice.png'}, {RESULTS / 'slice.json'}, {RESULTS / 'slice.md'}")


if __name__ == "__main__":
    main()
