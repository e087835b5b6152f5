"""``cnnregions study ARCH``: R_{N,theta} over He draws, a search for the maximum, every bound."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from ..core import DEFAULT_TOLERANCE
from ..models.resolve import resolve_architecture
from ..outfiles import atomic_output, check_folder_output, check_output, write_error
from ..run.backends import DEFAULT_CONNECT_TIMEOUT
from ..study import DEFAULT_STRATEGY, STRATEGIES, StudyResult, run_study
from ._common import add_tol_argument, emit_json, jobs_count, nonnegative_int, positive_finite, positive_int

__all__ = ["add_parser", "payload", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="how tight the paper's bounds are: R_(N,theta) over draws, a search for the maximum",
                       description="Count R_(N,theta) exactly for He-initialised draws of an architecture, search over "
                                   "theta for the maximum count, and set the best count beside every bound of the "
                                   "paper with its verdict.")
    p.add_argument("net", metavar="ARCH",
                   help="an architecture .json file, a network .npz file (its architecture), or a paper network name "
                        "(example1-dK, example4-dK, pitfall2d-dK)")
    p.add_argument("--draws", type=positive_int, default=20, metavar="N",
                   help="He-initialised draws counted exactly, seeds --seed .. --seed+N-1 (default 20)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="first seed of the draws; seeds the search too (default 0)")
    p.add_argument("--search", type=nonnegative_int, default=180, metavar="STEPS",
                   help="exact counts spent searching for the maximum over theta (default 180; 0: none)")
    p.add_argument("--strategy", choices=STRATEGIES, default=DEFAULT_STRATEGY,
                   help=f"search strategy (default {DEFAULT_STRATEGY}: a (1+1) local search from the best draw, one "
                        "count at a time; es: (1+4) evolution strategy with restarts, its 4 candidates counted in "
                        "parallel; cma: CMA-ES)")
    p.add_argument("--jobs", type=jobs_count, default=1, metavar="N",
                   help="worker processes, each running whole counts (-1: all cores; default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run the counts on a dask.distributed cluster")
    p.add_argument("--connect-timeout", type=positive_finite, default=DEFAULT_CONNECT_TIMEOUT, metavar="SECONDS",
                   help=f"how long to try to reach the scheduler (default {DEFAULT_CONNECT_TIMEOUT:g})")
    p.add_argument("--checkpoint", metavar="FILE", help="record every finished count in FILE; rerun to resume")
    p.add_argument("--out", metavar="DIR", help="write study.md, study.json, study.png and best.npz to DIR")
    p.add_argument("--best-out", metavar="FILE.npz", help="write the best network found to FILE.npz")
    add_tol_argument(p, "radius threshold of every count, relative to the network's scale "
                        f"(default {DEFAULT_TOLERANCE:g})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _writable_dir(path: str) -> Path:
    what = f"The '--out' directory '{path}'"
    check_folder_output(path, what)
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise write_error(what, exc) from None
    for name in _OUT_FILES:  # refuse before hours of counting, not after
        check_output(out / name, f"The output '{out / name}'")
    return out


#: The files ``--out DIR`` writes.
_OUT_FILES = ("study.md", "study.json", "study.png", "best.npz")


def payload(args: argparse.Namespace, result: StudyResult) -> dict:
    return {"network": str(args.net), **result.to_dict()}


def run(args: argparse.Namespace) -> int:
    arch = resolve_architecture(args.net)
    out = _writable_dir(args.out) if args.out else None  # refuse before hours of counting
    best_out = args.best_out or (str(out / "best.npz") if out is not None else None)
    if args.best_out:
        check_output(args.best_out, f"The '--best-out' file '{args.best_out}'")
    if args.checkpoint:
        check_output(args.checkpoint, f"The study checkpoint '{args.checkpoint}'")
    result = run_study(arch, draws=args.draws, seed=args.seed, search=args.search, strategy=args.strategy,
                       n_jobs=args.jobs, scheduler=args.scheduler, checkpoint=args.checkpoint, best_out=best_out,
                       tol=args.tol, connect_timeout=args.connect_timeout)
    data = payload(args, result)
    if out is not None:
        from ..study.report import markdown, save_study_plot

        title = f"{args.net}: {result.architecture.describe()}"
        for name, text in (("study.json", json.dumps(data, indent=2) + "\n"),
                           ("study.md", markdown(result, str(args.net)))):
            with atomic_output(out / name, f"The output '{out / name}'") as tmp:
                tmp.write_text(text)
        save_study_plot(result, out / "study.png", title)
    if args.json:
        emit_json("study", data)
        return 0
    seeds = result.draws[0][0], result.draws[-1][0]
    print(f"network      {args.net} ({arch.describe()})")
    print(f"draws        {len(result.draws)} He draws (seeds {seeds[0]}..{seeds[1]}): mean {data['mean']:.1f}, "
          f"min {data['min']}, max {data['max']}, median {data['quantiles']['0.5']:g}")
    print(f"best theta   {result.best_regions} regions ({result.best_found}; recounted from "
          f"{result.best_file or 'a temporary file'})")
    for check in result.checks:
        value = "n/a" if check.value is None else str(check.value)
        verdict = check.verdict if check.value is not None else f"does not apply: {check.reason}"
        print(f"  {check.label:68s} {value:>12}  {verdict}")
    print(f"tightness    {result.tightness()}")
    for note in data["notes"]:
        print(f"note: {note}")
    print(f"time         {result.seconds:.1f} s ({result.counted} counts run, {result.reused} reused from the "
          f"checkpoint; {result.n_jobs} job(s), {result.backend})")
    if out is not None:
        print(f"written      {out}/study.md, study.json, study.png, best.npz")
    return 0
