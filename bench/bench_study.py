"""Search strategies for the maximum of R_{N,theta} at the same budget of exact counts.

For Example 4 (input 1x4x1, 2 filters 1x2, then d2 filters 1x2x2), each d2: the
same He draws (seeds 0..D-1, counted once), then each strategy spends the same
number of exact counts searching for the maximum from the best draws.  Prints
one line per (d2, strategy) and writes a JSON file after every d2.

    python bench/bench_study.py                          # d2 = 1..8, 20 draws + 180 search counts
    python bench/bench_study.py --strategies es cma --ds 7 8 --out results/study_cmp.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cnnregions import paper_architecture
from cnnregions.compare import applicable_bounds
from cnnregions.study import STRATEGIES, count_draws, search_maximum
from cnnregions.study.evaluate import Counter


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ds", type=int, nargs="+", default=list(range(1, 9)))
    parser.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--budget", type=int, default=200, help="exact counts per d2, draws included")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--population", type=int, default=None,
                        help="candidates per generation of es and cma (default: the study's default)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "study_strategies.json"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    start = time.perf_counter()
    with Counter(n_jobs=args.jobs) as counter:
        for d in args.ds:
            arch = paper_architecture(f"example4-d{d}")
            bounds = applicable_bounds(arch)
            drawn = count_draws(arch, range(args.draws), counter)
            ranked = sorted(drawn, key=lambda item: (-item[2], item[0]))
            starts = [(net, c) for _, net, c in ranked]
            row = {"d": d, "draws": [c for _, _, c in drawn], "best_draw": ranked[0][2],
                   "theorem5_lower": bounds.get("theorem5_lower"), "theorem5_upper": bounds.get("theorem5_upper"),
                   "strategies": {}}
            for name in args.strategies:
                t = time.perf_counter()
                extra = {} if args.population is None else {"population": args.population}
                best, trajectory = search_maximum(arch, starts, args.budget - args.draws, counter, strategy=name, seed=0,
                                                  **extra)
                found = best[1] if best is not None else ranked[0][2]
                row["strategies"][name] = {"best": found, "seconds": time.perf_counter() - t,
                                           "trajectory": trajectory}
                print(f"d2={d} {name:6s} best {found:6d} (best draw {ranked[0][2]}, lower {row['theorem5_lower']}) "
                      f"{time.perf_counter() - t:7.1f} s  [{time.perf_counter() - start:.0f} s]", flush=True)
            rows.append(row)
            out.write_text(json.dumps({"benchmark": "study_strategies", "settings": vars(args), "rows": rows,
                                       "seconds": time.perf_counter() - start}, indent=1))


if __name__ == "__main__":
    main()
