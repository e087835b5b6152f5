"""``cnnregions count NET``: the exact number of linear regions."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import TYPE_CHECKING

from .._validation import InvalidParameterError
from ..models.resolve import resolve
from ..outfiles import check_output
from ..run import DEFAULT_SPLIT, count_regions
from ..run.backends import DEFAULT_CONNECT_TIMEOUT
from ..run.progress import make_reporter
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

if TYPE_CHECKING:
    from ..run.estimate import EstimateRun

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
                        "else the engine's own, larger for fewer than 8 workers, or the one a resumed checkpoint "
                        "recorded). The count and the nodes do not depend on it")
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


#: A count forecast to take longer than this (seconds) prints its estimate.
LONG_RUN = 60.0
#: Seconds a count runs before its estimate starts (a shorter count spends nothing on it).
ESTIMATE_AFTER = 5.0
#: Seconds a count runs before the estimate's child process is started (so that it is ready to dive
#: at ``ESTIMATE_AFTER``; a shorter count starts no process).
START_AFTER = 1.0
#: Wall-time budget of that estimate.
ESTIMATE_SECONDS = 1.0


class _Forecast:
    """Know before you wait, without delaying a short count.

    A thread here waits ``START_AFTER`` seconds; if the count is still running, it
    starts a child process (spawned: this process has threads by then) that sleeps
    until ``ESTIMATE_AFTER`` seconds, then dives for ``ESTIMATE_SECONDS``; the thread
    collects its dives and prints the estimate on stderr if the count is still
    running and is forecast to take over ``LONG_RUN`` seconds.  A count that ends
    first stops the thread (and the child, if any): a count of under ``START_AFTER``
    seconds spends nothing on the estimate, not even a process.
    """

    def __init__(self, network, domain, args: argparse.Namespace) -> None:
        import threading

        from ..run.backends import resolve_jobs

        self.jobs = resolve_jobs(args.jobs)
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._what = (network, domain, args.tol)
        self.run: EstimateRun | None = None
        self.thread = threading.Thread(target=self._report, name="cnnregions-forecast", daemon=True)
        self.thread.start()

    def _start(self) -> EstimateRun | None:
        """Start the estimate's child, unless the count has ended."""
        from ..run.estimate import EstimateRun

        start = min(START_AFTER, ESTIMATE_AFTER)
        network, domain, tol = self._what
        with self._lock:
            if self.done.is_set():
                return None
            self.run = EstimateRun(network, domain=domain, tol=tol, seconds=ESTIMATE_SECONDS, seed=0,
                                   delay=ESTIMATE_AFTER - start)
        return self.run

    def _report(self) -> None:
        # Nothing here until the count has run START_AFTER seconds: a count that ends first costs nothing.
        if self.done.wait(min(START_AFTER, ESTIMATE_AFTER)):
            return
        from .estimate import summary_lines

        try:
            run = self._start()
            if run is None:
                return
            est = run.result(bound=False)
        except Exception:  # noqa: BLE001 - the count itself reports any error of the network or domain
            return
        long = est.forecast_seconds is None or est.forecast_seconds / self.jobs > LONG_RUN
        if self.done.is_set() or not long:
            return
        lines = "".join(f"\n  {line}" for line in summary_lines(est, self.jobs))
        print(f"\restimate while counting (cnnregions estimate NET for more dives; --no-progress to skip):{lines}",
              file=sys.stderr, flush=True)

    def stop(self) -> None:
        with self._lock:
            self.done.set()
            run = self.run
        if run is not None:
            run.cancel()
        self.thread.join(2.0)


def _forecast(network, domain, args: argparse.Namespace, certify: bool) -> _Forecast | None:
    """The background estimate of a count on the LP search (none for the geometric engine)."""
    from ..run.engines import engine_for, tree_engine

    if engine_for(domain, certify=certify, sink=args.regions_out, engine=args.engine).name != tree_engine(args.engine).name:
        return None
    return _Forecast(network, domain, args)


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


def _check_outputs(args: argparse.Namespace) -> None:
    """The output paths and option combinations, refused before any work."""
    if args.regions_out is not None and args.checkpoint is not None:  # the export runs in one pass
        raise InvalidParameterError("The '--regions-out' must come without '--checkpoint'. Got both instead.")
    if args.regions_out is not None:
        from ..regions.export import check_export_path

        check_export_path(args.regions_out)
    if args.checkpoint is not None:
        check_output(args.checkpoint, f"The checkpoint '{args.checkpoint}'")
    _refuse_ignored_options(args)


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    model = resolve(args.net, seed=args.seed)
    network = model.network
    domain = domain_from_args(args, network.architecture)
    progress = (not args.json) if args.progress is None else args.progress
    forecast = _forecast(network, domain, args, args.certify) if progress else None
    reporter = make_reporter(True, live=True) if progress else None
    options = dict(n_jobs=args.jobs, tol=args.tol, split=args.split, budget=args.budget, progress=reporter,
                   engine=args.engine,
                   domain=domain, scheduler=args.scheduler, connect_timeout=args.connect_timeout)
    if reporter is None:
        options["progress"] = False
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            if args.regions_out is not None:  # every region to a Parquet file
                from ..regions.export import export_regions

                result = export_regions(network, args.regions_out, certify=args.certify, **options)
            else:
                result = count_regions(network, checkpoint=args.checkpoint, certify=args.certify, **options)
    finally:
        if forecast is not None:
            forecast.stop()
        if reporter is not None:
            reporter.close()
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
    print(f"time           {_time_line(result, workers)}")
    if result.backend != "geometric":
        print(f"tasks          {result.tasks} (longest {result.max_task_seconds:.3f} s, sum {result.sum_task_seconds:.3f} s: "
              f"at most {result.sum_task_seconds / max(result.max_task_seconds, 1e-9):.0f}x faster on many workers)")
    if args.regions_out:
        print(f"regions out    {args.regions_out} (Parquet: pattern, witness, radius)")
    if args.checkpoint:
        print(f"checkpoint     {args.checkpoint}: {result.reused_tasks} of {result.tasks} tasks reused")
    if result.breakpoints:  # a segment: the t in (0, 1) where the pattern changes
        inner = result.breakpoints[1:-1]
        shown = ", ".join(f"{t:.6g}" for t in inner[:20]) or "none"
        more = f", ... ({len(inner)} in all)" if len(inner) > 20 else ""
        print(f"breakpoints    {len(inner)}: t = {shown}{more}")
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


def _time_line(result, workers: str) -> str:
    """The run's time and rate; a count resumed whole from its checkpoint says so instead of a rate."""
    if result.tasks and result.reused_tasks == result.tasks:
        return (f"{result.seconds:.3f} s (resumed: all {result.tasks} tasks came from the checkpoint, "
                f"nothing was searched again)")
    reused = f", {result.reused_tasks} of {result.tasks} tasks from the checkpoint" if result.reused_tasks else ""
    from ..kernel.entries import compile_seconds  # no numba: the kernel's bookkeeping only

    compiled = compile_seconds()
    if compiled >= COMPILE_SHOWN and result.seconds > compiled:  # the first count after installing
        rate = (result.regions - result.reused_regions) / (result.seconds - compiled)
        return (f"{result.seconds:.3f} s, of which {compiled:.1f} s compiling the search kernel (once after "
                f"installing; later runs load it) ({_rate(rate)} regions/s searching, {workers}{reused})")
    return f"{result.seconds:.3f} s ({_rate(result.regions_per_second)} regions/s in this run, {workers}{reused})"


#: A kernel compile shorter than this (seconds) is not worth a mention on the time line.
COMPILE_SHOWN = 1.0


def _rate(rate: float) -> str:
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.2g}"


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
