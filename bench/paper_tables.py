"""The paper's Tables 1 and 2 with exact counts, and exact counting vs sampling.

For Table 1 (Example 1: input 1x3x1, d1 filters 1x2, d1 = 1..8), Table 2 (Example 4:
input 1x4x1, 2 filters 1x2, then d2 filters 1x2x2, d2 = 1..8) and the 2-D networks
where eq. (4) overcounts (input 3x3x1, d filters 2x2), per d:

- the exact count R_{N,theta} for K He-initialised weight draws (mean, min, max);
- the best count found by searching over theta (``cnnregions study``: the best
  draws, then the default search strategy of cnnregions.study): an empirical lower
  bound on R_N, beside Theorem 5's lower bound;
- the sampling estimate (the paper's method, Section 6) at a stated budget;
- the bounds (exact integers from cnnregions.theory) and the paper's printed values;
- exact vs sampling on the first draw: points sampling needs to find 50/90/99% of
  the exact regions, and the time of both methods.

    python bench/paper_tables.py                 # the full report (see --help for the budgets)
    python bench/paper_tables.py --quick --out DIR

Writes paper_tables.md, paper_tables.json and paper_tables.png (matplotlib) to --out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from cnnregions import count_regions, he_network, iter_regions, paper_architecture
from cnnregions.sampling import points_to_coverage, sample_regions
from cnnregions.study import DEFAULT_STRATEGY, STRATEGIES, run_study

#: The paper's printed values (NOTES.md).
PAPER = {
    "example1": {"table": "Table 1", "rows": {
        "R_N (eq. 4)": [4, 15, 40, 85, 156, 259, 400, 585],
        "Theorem 1 (as FC)": [4, 15, 42, 93, 176, 299, 470, 697]}},
    "example4": {"table": "Table 2", "rows": {
        "upper": [220, 880, 3520, 13585, 46640, 138050, 356180, 819115],
        "sampling (paper)": [170, 261, 685, 1186, 1796, 2725, 3398, 4822],
        "lower": [32, 120, 320, 680, 1248, 2072, 3200, 4680]}},
}
BOUND_KEYS = {"example1": ("eq4", "theorem1", "lemma2"),
              "example4": ("theorem5_upper_table2", "theorem5_upper", "theorem5_lower"),
              "pitfall2d": ("eq4", "theorem1", "lemma2")}


def study(family: str, d: int, args) -> dict:
    arch = paper_architecture(f"{family}-d{d}")
    first = he_network(arch, seed=0)
    counted = count_regions(first)
    seconds = [counted.seconds]
    # A search of 180 counts of a 50,000-region net takes about an hour: such nets get the draws only.
    search = args.search if counted.regions <= args.search_max_regions else 0
    result = run_study(arch, draws=args.draws, search=search, strategy=args.strategy, n_jobs=args.jobs)
    bounds = result.bounds
    counts = [regions for _, regions in result.draws]
    best = result.best_regions
    sampled = sample_regions(first, args.sample_points, seed=0)
    patterns = np.array([r.pattern for r in iter_regions(first)])
    coverage = points_to_coverage(first, patterns, max_points=args.coverage_points, seed=0)
    row = {"family": family, "d": d, "neurons": arch.n_neurons, "draws": counts,
           "exact_mean": float(np.mean(counts)), "exact_min": min(counts), "exact_max": max(counts),
           "best_theta": best, "best_found": result.best_found, "search": search,
           "sampling": sampled.regions_found, "sampling_points": sampled.points,
           "exact_seconds_first": seconds[0], "sampling_seconds": sampled.seconds,
           "coverage_points": dict(zip(["50%", "90%", "99%"], coverage.points_needed)),
           "coverage_outside": coverage.outside, "coverage_seconds": coverage.seconds,
           "coverage_found": coverage.found, "exact_first": counts[0]}
    for key in BOUND_KEYS[family]:
        row[key] = bounds.get(key)
    printed = PAPER.get(family)
    if printed and d <= 8:
        row["paper"] = {name: values[d - 1] for name, values in printed["rows"].items()}
    return row


def _search_budget(args) -> str:
    if hasattr(args, "search"):
        return f"{args.search} exact counts of `cnnregions study`'s search ({args.strategy})"
    return f"a local search of {args.search_steps} steps"  # a report saved before `study` existed (local search only)


def markdown(rows: list[dict], args) -> str:
    out = [f"Exact counts for {args.draws} He-initialised draws per network (seeds 0..{args.draws - 1}), best theta "
           f"after {_search_budget(args)}, sampling at {args.sample_points:,} points "
           f"(max over the paper's stds 3..13, seed 0, first draw).", ""]
    for family, title in (("example1", "Table 1 (Example 1: input 1x3x1, d1 filters 1x2)"),
                          ("example4", "Table 2 (Example 4: input 1x4x1; 2 filters 1x2; d2 filters 1x2x2)"),
                          ("pitfall2d", "2-D filters where eq. (4) overcounts (input 3x3x1, d filters 2x2)")):
        fam = [r for r in rows if r["family"] == family]
        if not fam:
            continue
        keys = BOUND_KEYS[family]
        paper_cols = list(PAPER[family]["rows"]) if family in PAPER else []
        head = ["d", "exact mean", "exact min..max", "best theta", "sampling"] + list(keys) + [f"paper: {c}" for c in paper_cols]
        out += [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
        for r in fam:
            best = f"{r['best_theta']} (draws only)" if r.get("search", 1) == 0 else str(r["best_theta"])
            cells = [str(r["d"]), f"{r['exact_mean']:.1f}", f"{r['exact_min']}..{r['exact_max']}", best,
                     str(r["sampling"])] + [str(r[k]) for k in keys] + [str(r.get("paper", {}).get(c, "")) for c in paper_cols]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += ["### Exact counting vs sampling (first draw of each network)", "",
            "| network | exact regions | exact s | points for 50% | 90% | 99% | sampling s (to 99% or budget) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cov = r["coverage_points"]
        cells = [f"{r['family']}-d{r['d']}", str(r["exact_first"]), f"{r['exact_seconds_first']:.3f}"]
        cells += [f"{v:,}" if v is not None else f"> {args.coverage_points:,}" for v in cov.values()]
        cells.append(f"{r['coverage_seconds']:.2f}")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = [f for f in ("example1", "example4", "pitfall2d") if any(r["family"] == f for r in rows)]
    fig, axes = plt.subplots(1, len(families), figsize=(5.2 * len(families), 4.2), squeeze=False)
    for ax, family in zip(axes[0], families):
        fam = [r for r in rows if r["family"] == family]
        d = [r["d"] for r in fam]
        for key, style in zip(BOUND_KEYS[family], ("-", "--", ":")):
            values = [r[key] for r in fam]
            if all(v is not None for v in values):
                ax.plot(d, values, style, color="grey", label=key)
        ax.fill_between(d, [r["exact_min"] for r in fam], [r["exact_max"] for r in fam], alpha=0.25, color="C0")
        ax.plot(d, [r["exact_mean"] for r in fam], "o-", color="C0", label="exact (mean, min-max)")
        ax.plot(d, [r["best_theta"] for r in fam], "^-", color="C2", label="best theta found")
        ax.plot(d, [r["sampling"] for r in fam], "s-", color="C1", label="sampling (this run)")
        if family == "example4":
            ax.plot(d, [r["paper"]["sampling (paper)"] for r in fam if "paper" in r], "x--", color="C3",
                    label="sampling (paper, 2e9 points)")
        ax.set_yscale("log")
        ax.set_xticks(d)
        ax.set_xlabel("d2" if family == "example4" else "d1")
        ax.set_title({"example1": "Table 1 (Example 1)", "example4": "Table 2 (Example 4)",
                      "pitfall2d": "3x3 input, 2x2 filters"}[family])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("linear regions")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="d <= 3, 2 draws, small budgets (for the tests)")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--search", type=int, default=180, help="exact counts spent searching for the maximum")
    parser.add_argument("--search-max-regions", type=int, default=20_000,
                        help="no search on a network whose first draw has more regions than this (draws only)")
    parser.add_argument("--strategy", choices=STRATEGIES, default=DEFAULT_STRATEGY, help="the search (cnnregions study)")
    parser.add_argument("--jobs", type=int, default=1, help="counts in parallel (cnnregions study --jobs)")
    parser.add_argument("--sample-points", type=int, default=10_000_000)
    parser.add_argument("--coverage-points", type=int, default=200_000_000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--replot", metavar="JSON", help="only redraw the chart and tables from a saved paper_tables.json")
    args = parser.parse_args(argv)
    if args.replot:
        saved = json.loads(Path(args.replot).read_text())
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        chart(saved["rows"], out / "paper_tables.png")
        (out / "paper_tables.md").write_text(markdown(saved["rows"], argparse.Namespace(**saved["settings"])))
        return
    ds, ds2 = range(1, 9), (2, 3, 4)
    if args.quick:
        ds, ds2 = range(1, 4), (2,)
        args.draws, args.search, args.sample_points, args.coverage_points = 2, 4, 20_000, 200_000
    start = time.perf_counter()
    rows = []
    for family, values in (("example1", ds), ("example4", ds), ("pitfall2d", ds2)):
        for d in values:
            rows.append(study(family, d, args))
            r = rows[-1]
            print(f"{family}-d{d}: exact {r['exact_min']}..{r['exact_max']} (mean {r['exact_mean']:.1f}), "
                  f"best {r['best_theta']}, sampling {r['sampling']}, 99% after "
                  f"{r['coverage_points']['99%']} points  [{time.perf_counter() - start:.0f} s]", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "paper_tables.json").write_text(json.dumps({"schema_version": 1, "benchmark": "paper_tables",
                                                       "settings": vars(args), "rows": rows,
                                                       "seconds": time.perf_counter() - start}, indent=2))
    (out / "paper_tables.md").write_text(markdown(rows, args))
    chart(rows, out / "paper_tables.png")
    print(f"wrote {out}/paper_tables.md, .json, .png in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
