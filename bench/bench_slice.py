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

Windowed planes are counted by the geometric engine (``cnnregions.geometry``).
``python bench/bench_slice.py --old ../main`` also times an older checkout's count of
the same slice in the same run (the LP search, before the geometric engine) and prints the speed
ratio; it then counts a window of 4x the area (regions/s, peak memory), times the
segment walk (breakpoints/s), and writes ``bench/results/slice.{json,md,png}`` and
``docs/slice.png``.  Every count runs in a fresh interpreter so that its peak memory
is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from cnnregions import Plane
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


def _child(code: str, pythonpath: str) -> dict:
    """Run ``code`` (which prints one JSON object) in a fresh interpreter; add its peak memory (MB)."""
    wrapped = ("import cnnregions\nassert cnnregions.__file__.startswith(" + repr(str(Path(pythonpath).resolve())) + ")\n"
               + code + "\nimport resource\n"
               + "print(json.dumps(dict(OUT, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))")
    env = dict(os.environ, PYTHONPATH=pythonpath)
    out = subprocess.run([sys.executable, "-c", wrapped], env=env, check=True, capture_output=True, text=True,
                         cwd=tempfile.gettempdir()).stdout   # not this checkout's folder: PYTHONPATH decides the version
    return json.loads(out.strip().splitlines()[-1])


COUNT = """
import json, sys
sys.path.insert(0, {bench!r})
from bench_slice import ARCH, digit_images
from cnnregions import Plane, count_regions
from cnnregions.models import he_network
net = he_network(ARCH, seed=0)
r = count_regions(net, domain=Plane(*digit_images(), {window!r}), n_jobs={jobs})
OUT = dict(regions=r.regions, seconds=r.seconds, lps=r.lps, backend=r.backend,
           exact_decisions=getattr(r, "exact_decisions", 0), regions_per_second=r.regions_per_second)
"""

SEGMENT = """
import json, sys, time
sys.path.insert(0, {bench!r})
from bench_slice import ARCH, digit_images
from cnnregions import Segment
from cnnregions.geometry.count import segment_regions
from cnnregions.geometry.lines import LineLayers
from cnnregions.geometry.segment import SegmentEngine
from cnnregions.models import he_network
net = he_network(ARCH, seed=0)
a, b, c = (x.ravel() for x in digit_images())
runs = []
for name, lo, hi in (("A to B", a, b), ("A - 20 (B - A) to A + 20 (C - A)", a - 20 * (b - a), a + 20 * (c - a))):
    start = time.perf_counter()
    first = segment_regions(net, Segment(lo, hi))                 # compiles the network's layers too
    first_seconds = time.perf_counter() - start
    layers = LineLayers(net)                                          # compiled once, then walks only
    best = min((SegmentEngine(layers, lo, (hi - lo)[:, None]).run() for _ in range(5)), key=lambda r: r.seconds)
    assert best.regions == first.regions
    runs.append(dict(segment=name, regions=best.regions, crossings=best.crossings, seconds=best.seconds,
                     breakpoints_per_second=best.breakpoints_per_second, exact_decisions=best.exact_decisions,
                     first_call_seconds=first_seconds))
OUT = dict(segments=runs)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to time (default 1 2)")
    parser.add_argument("--window", type=float, nargs=4, default=WINDOW, metavar=("A_LO", "A_HI", "B_LO", "B_HI"))
    parser.add_argument("--old", metavar="PATH",
                        help="a checkout of an older version: its count of the same slice is timed in the same run")
    parser.add_argument("--no-large", action="store_true", help="skip the window of 4x the area")
    args = parser.parse_args()
    network = he_network(ARCH, seed=0)
    a, b, c = digit_images()
    window = tuple(args.window)
    plane = Plane(a, b, c, window)
    here = str(HERE.parent)
    record = {"architecture": ARCH.describe() + " (+ output Linear 32 -> 10, not counted)",
              "hidden_neurons": ARCH.n_neurons, "window": list(window), "runs": []}
    for jobs in args.jobs:
        run = _child(COUNT.format(bench=str(HERE), window=window, jobs=jobs), here)
        record["runs"].append(dict(run, jobs=jobs))
        print(f"count   jobs={jobs}: {run['regions']} regions in {run['seconds']:.2f} s "
              f"({run['regions_per_second']:.0f} regions/s, {run['exact_decisions']} exact decisions, "
              f"peak {run['peak_mb']:.0f} MB)")
    if args.old:
        old = _child(COUNT.format(bench=str(HERE), window=window, jobs=1), args.old)
        new = record["runs"][0]
        record["old"] = dict(old, path=args.old, speedup=old["seconds"] / new["seconds"])
        print(f"old     {args.old}: {old['regions']} regions in {old['seconds']:.2f} s ({old['lps']} LPs, "
              f"peak {old['peak_mb']:.0f} MB); new/old speed ratio {old['seconds'] / new['seconds']:.1f}x (1 job each)")
    if not args.no_large:
        ca, cb = (window[0] + window[1]) / 2, (window[2] + window[3]) / 2
        wa, wb = window[1] - window[0], window[3] - window[2]
        large = (ca - wa, ca + wa, cb - wb, cb + wb)
        run = _child(COUNT.format(bench=str(HERE), window=large, jobs=1), here)
        record["large_window"] = dict(run, window=list(large))
        print(f"large   window {list(large)} (4x the area): {run['regions']} regions in {run['seconds']:.2f} s "
              f"({run['regions_per_second']:.0f} regions/s, peak {run['peak_mb']:.0f} MB)")
    seg = _child(SEGMENT.format(bench=str(HERE)), here)
    record["segments"] = seg["segments"]
    for s in seg["segments"]:
        print(f"line    {s['segment']}: {s['regions']} regions, {s['crossings']} breakpoints in {s['seconds'] * 1e3:.1f} ms "
              f"({s['breakpoints_per_second']:.0f} breakpoints/s; first call with compilation "
              f"{s['first_call_seconds'] * 1e3:.0f} ms)")
    start = time.perf_counter()
    polygons = slice_polygons(network, plane)
    polygon_seconds = time.perf_counter() - start
    area = sum(p.area for p in polygons)
    window_area = (window[1] - window[0]) * (window[3] - window[2])
    print(f"slice   {len(polygons)} polygons in {polygon_seconds:.1f} s; areas add up to {area:.12g} of {window_area:.12g}")
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
    record.update({"polygons": len(polygons), "polygon_seconds": round(polygon_seconds, 2),
                   "draw_seconds": round(draw_seconds, 2), "area": area, "window_area": window_area,
                   "cores": cores, "load_average_1min": round(load, 2)})
    (RESULTS / "slice.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = ["| version | jobs | regions | seconds | regions/s | peak MB |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| new | {r['jobs']} | {r['regions']} | {r['seconds']:.2f} | {r['regions_per_second']:.0f} | {r['peak_mb']:.0f} |"
              for r in record["runs"]]
    if "old" in record:
        o = record["old"]
        lines.append(f"| old ({o['path']}) | 1 | {o['regions']} | {o['seconds']:.2f} | {o['regions_per_second']:.0f} | "
                     f"{o['peak_mb']:.0f} |")
        lines.append(f"\nSpeed ratio new/old (1 job each, same run): {o['speedup']:.1f}x.")
    if "large_window" in record:
        w = record["large_window"]
        lines.append(f"\nWindow of 4x the area {w['window']}: {w['regions']} regions in {w['seconds']:.2f} s "
                     f"({w['regions_per_second']:.0f} regions/s), peak memory {w['peak_mb']:.0f} MB.")
    for s in record["segments"]:
        lines.append(f"\nSegment {s['segment']}: {s['regions']} regions, {s['crossings']} breakpoints in "
                     f"{s['seconds'] * 1e3:.1f} ms ({s['breakpoints_per_second']:.0f} breakpoints/s; first call, with "
                     f"compiling the network, {s['first_call_seconds'] * 1e3:.0f} ms).")
    lines += ["", f"Network {record['architecture']}; plane through three digit-like images, window {list(window)}; "
              f"{cores} cores, 1-minute load average {load:.2f} at the end.",
              f"Slice picture: {len(polygons)} exact polygons in {polygon_seconds:.1f} s, drawn in {draw_seconds:.1f} s; "
              f"their areas add up to {area:.12g} (window {window_area:.12g})."]
    (RESULTS / "slice.md").write_text("\n".join(lines) + "\n")
    print(f"wrote   {picture}, {DOCS / 'slice.png'}, {RESULTS / 'slice.json'}, {RESULTS / 'slice.md'}")


if __name__ == "__main__":
    main()
