"""``cnnregions count NET``: the exact number of linear regions."""

from __future__ import annotations

import argparse
import sys
import warnings

from .._validation import InvalidParameterError
from ..models.resolve import resolve
from ..outfiles import check_output
from ..run import DEFAULT_SPLIT, count_regions
from ..run.backends import DEFAULT_CONNECT_TIMEOUT
from ._common import (
    add_engine_argument,
    add_net_argument,
    add_tol_argument,
    budget_units,
    emit_json,
    jobs_count,
    positive_finite,
    positive_int,
    print_network,
)
from ._domain import add_domain_arguments, domain_from_args

__all__ = ["LONG_RUN", "add_parser", "run"]

def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("count", help="count the linear regions of a network exactly",
                       description="Count the linear regions R_{N,theta} (Definition 1) of a ReLU CNN exactly, "
                                   "over the whole input space, in a box (--box), on a plane through three inputs (--plane; with "
                                   "--window it is split exactly by polygons, no LP) or along a segment (--line).")
    add_net_argument(p)
    p.add_argument("--jobs", type=jobs_count, default=1, metavar="N", help="worker processes (-1: all cores; default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on, shown after 2 s; off under --json)")
    add_tol_argument(p)
    p.add_argument("--split", type=positive_int, default=DEFAULT_SPLIT,
                   help=f"number of initial tasks (subtrees of a breadth-first split; default {DEFAULT_SPLIT})")
    p.add_argument("--budget", type=budget_units, default="auto", metavar="UNITS",
                   help="work after which a task hands its unexplored nodes back as new tasks, in units of "
                        "8 per LP and 1 per node (0: never; default auto: never for one job without a checkpoint, "
                        "else the engine's own). The count and the nodes do not depend on it")
    add_engine_argument(p)
    p.add_argument("--certify", action="store_true",
                   help="prove the count in exact arithmetic (witnesses, emptiness certificates, exact LPs); "
                        "needs the 'certify' extra (python-flint)")
    # -- long runs: a dask cluster, checkpoint and resume ---------------------------------
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a dask.distributed cluster (e.g. tcp://host:8786); needs the 'cluster' extra")
    p.add_argument("--connect-timeout", type=positive_finite, default=DEFAULT_CONNECT_TIMEOUT, metavar="SECONDS",
                   help="how long to try to reach the scheduler (default 10)")
    p.add_argument("--checkpoint", metavar="FILE",
                   help="append finished tasks to FILE and skip those it already holds (resume)")
    p.add_argument("--regions-out", metavar="FILE.parquet",
                   help="write every region (pattern, witness, radius) to an Apache Parquet file, streaming; "
                        "needs the 'export' extra")
    # -- domains: a box or a plane (cli/_domain.py) ---------------------------------------
    add_domain_arguments(p)
    p.set_defaults(func=run)


def _warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"cnnregions count: warning: {message}", file=sys.stderr)


#: A count forecast to take longer than this (seconds) prints its estimate first.
LONG_RUN = 60.0


def _forecast(network, domain, args: argparse.Namespace) -> None:
    """Know before you wait: a short Knuth estimate (at most about a second), printed
    on stderr when the count is forecast to take over a minute."""
    import sys

    from ..run.backends import resolve_jobs
    from ..run.estimate import estimate_regions
    from .estimate import summary_lines

    jobs = resolve_jobs(args.jobs)
    est = estimate_regions(network, domain=domain, tol=args.tol, max_dives=None, max_seconds=1.0, seed=0, bound=False)
    if est.forecast_seconds / jobs > LONG_RUN:
        print("estimate before counting (cnnregions estimate NET for more dives; --no-progress to skip):", file=sys.stderr)
        for line in summary_lines(est, jobs):
            print(f"  {line}", file=sys.stderr)


def _refuse_ignored_options(args: argparse.Namespace) -> None:
    """Options the geometric engine (segments, windowed planes) cannot honour are refused, never ignored."""
    if args.checkpoint is not None and (args.line is not None or args.window is not None):
        raise InvalidParameterError(
            "The '--checkpoint' must come without '--line' or '--window' (a segment or a windowed plane is split "
            "exactly in one pass, with nothing to resume). Got both instead.")
    if args.certify and args.line is not None:
        raise InvalidParameterError(
            "The '--certify' must come without '--line'. Got both instead: a segment's count is exact already "
            "(every breakpoint is ordered with proven float error bounds, or in rational arithmetic; no tolerance).")


def run(args: argparse.Namespace) -> int:
    if args.regions_out is not None and args.checkpoint is not None:  # the export runs in one pass
        raise InvalidParameterError("The '--regions-out' must come without '--checkpoint'. Got both instead.")
    if args.regions_out is not None:
        from ..regions.export import check_export_path

        check_export_path(args.regions_out)
    if args.checkpoint is not None:
        check_output(args.checkpoint, f"The checkpoint '{args.checkpoint}'")
    _refuse_ignored_options(args)  # before any work
    model = resolve(args.net, seed=args.seed)
    network = model.network
    domain = domain_from_args(args, network.architecture)
    progress = (not args.json) if args.progress is None else args.progress
    if progress:
        _forecast(network, domain, args)
    options = dict(n_jobs=args.jobs, tol=args.tol, split=args.split, budget=args.budget, progress=progress,
                   engine=args.engine,
                   domain=domain, scheduler=args.scheduler, connect_timeout=args.connect_timeout)
    with warnings.catch_warnings():
        warnings.showwarning = _warning_line
        if args.regions_out is not None:  # every region to a Parquet file
            from ..regions.export import export_regions

            result = export_regions(network, args.regions_out, certify=args.certify, **options)
        else:
            result = count_regions(network, checkpoint=args.checkpoint, certify=args.certify, **options)
    if result.unresolved and not result.certified:
        print(f"cnnregions count: warning: {result.unresolved} decision(s) came near the float thresholds "
              f"(tiny gradients, tiny coefficients or radii near the tolerance); the count may be off: "
              f"rerun with --certify", file=sys.stderr)
    if args.json:
        emit_json("count", {**result.to_dict(), "domain": domain.to_dict(), "regions_out": args.regions_out}, model)
        return 0
    print_network(model)
    print(f"domain         {domain.summary()}")
    print(f"neurons        {result.neurons}")
    print(f"regions        {result.regions}")
    if result.backend == "geometric":
        print(f"engine         geometric (exact splitting, no LP): {result.nodes} line tests")
    else:
        print(f"LPs            {result.lps} ({result.lps_per_region:.2f} per region)")
        print(f"search nodes   {result.nodes}")
    workers = f"{result.n_jobs} {'dask worker' if result.backend == 'dask' else 'job'}{'s' if result.n_jobs != 1 else ''}"
    print(f"time           {result.seconds:.3f} s ({result.regions_per_second:.0f} regions/s, "
          f"{workers})")
    if result.backend != "geometric":
        print(f"tasks          {result.tasks} (longest {result.max_task_seconds:.3f} s, sum {result.sum_task_seconds:.3f} s: "
              f"at most {result.sum_task_seconds / max(result.max_task_seconds, 1e-9):.0f}x faster on many workers)")
    if args.regions_out:
        print(f"regions out    {args.regions_out} (Parquet: pattern, witness, radius)")
    if args.checkpoint:
        print(f"checkpoint     {args.checkpoint}: {result.reused_tasks} of {result.tasks} tasks reused")
    breakpoints = result.breakpoints
    if breakpoints:
        shown = ", ".join(f"{t:.6g}" for t in breakpoints[1:-1][:20])
        more = f", ... ({len(breakpoints) - 2} in all)" if len(breakpoints) > 22 else ""
        print(f"breakpoints    t = {shown}{more}")
    if result.backend == "geometric":
        print(f"exact          {result.exact_decisions} decisions in rational arithmetic, no tolerance; every region "
              f"holds a ball of radius {result.smallest_radius:.3g} in the domain's coordinates")
        return 0
    print(f"certified      {_certified_line(result)}")
    if result.float_regions is not None:
        print(f"float count    {result.float_regions} (certified {result.regions}): the float search missed "
              f"{_patterns(result.missed)} and added {_patterns(result.added)}")
    print(f"thinnest       every region holds a ball of radius {result.smallest_radius:.3g} "
          f"(tolerance {result.tolerance:.3g}; largest rejected {result.largest_rejected_radius:.3g})")
    return 0


def _certified_line(result) -> str:
    if result.certified:
        return (f"yes: exact R_(N,theta) of the float64 weights ({result.certificates} emptiness certificates "
                f"checked, {result.exact_decisions} exact decisions)")
    if result.unresolved:
        return f"no: float run, {result.unresolved} decision(s) near a threshold (rerun with --certify)"
    return "no: float run with tolerances (--certify proves the count)"


def _patterns(patterns) -> str:
    if not patterns:
        return "none"
    return ", ".join(patterns[:5]) + (" ..." if len(patterns) > 5 else "")
