"""Benchmark of the parallel backends, of checkpointing and of adaptive splitting.

(a) Real runs on this machine, on one network of 100,000+ regions (fully
connected 5 -> 10 -> 10 -> 10, He initialisation, seed 0; every backend gives
the identical count, LPs and nodes): one job, two local jobs (loky), a dask
LocalCluster of two worker processes, and two local jobs with a checkpoint.
(b) A replay of the task CPU times recorded in the checkpoints (default settings,
and the old fixed split of 64 subtrees with no budget) on P = 2..512 simulated
workers: list scheduling in the order tasks become ready, a task's children
ready only when it has finished, the parent's breadth-first split first.

    python bench/bench_cluster.py [--quick] [--net FILE.npz] [--runs serial,loky,dask,checkpoint,old]
    python bench/bench_cluster.py --replay run.ckpt [--split-seconds S]
    python bench/bench_cluster.py --simulate 128 --net FILE.npz   # the tasks of a 128-worker run, replayed

``--simulate P`` runs, serially in this process, exactly the tasks a run on P workers would
run (the default engine, its budget and task cut for P workers: :func:`budget_for`,
:func:`cut_for`), records each task's CPU time and replays them on P simulated workers.

Writes ``bench/results/cluster.json`` and ``bench/results/cluster.md`` (or
``cluster-NAME.*`` for ``--net``), rewritten after every run.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import tempfile
import time
from pathlib import Path

from cnnregions import Architecture, count_regions, he_network, load_network
from cnnregions.core.problem import build_problem
from cnnregions.lpsearch.search import Search
from cnnregions.run import DEFAULT_BUDGET, DEFAULT_SPLIT
from cnnregions.run.engines import tree_engine
from cnnregions.run.tasks import Task, TaskOptions, budget_for, cut_for, make_tasks, run_task, split_tree

WORKERS = (2, 4, 8, 16, 32, 64, 128, 256, 512)


def network(quick: bool):
    widths = [8, 8, 8] if quick else [10, 10, 10]
    arch = Architecture({"height": 1, "width": 1, "channels": 5 if not quick else 4},
                        [{"channels": w, "kernel": [1, 1]} for w in widths])
    return he_network(arch, seed=0)


def recorded_tasks(path, key: str = "cpu_seconds") -> list[tuple[tuple[int, ...], float]]:
    """(piece, CPU seconds) of every task recorded in a checkpoint.

    CPU time, not wall-clock time: on a shared, busy machine a task's wall time
    includes the time its process waited for a core, which a dedicated worker
    would not."""
    lines = Path(path).read_text().splitlines()[1:]
    return [(tuple(r["piece"]), r.get(key, r["seconds"])) for r in map(json.loads, lines)]


def simulate(tasks, workers: int, start: float = 0.0) -> float:
    """Makespan of a list schedule of ``tasks`` on ``workers``: tasks are taken in
    the order they become ready (initial tasks at ``start``, a child when its
    parent ends), each by the worker free first."""
    children: dict[tuple[int, ...], list] = {}
    for piece, seconds in tasks:
        children.setdefault(piece[:-1], []).append((piece, seconds))
    ready = [(start, i, piece, s) for i, (piece, s) in enumerate(children.get((), []))]
    heapq.heapify(ready)
    free = [start] * workers
    order, end = len(ready), start
    while ready:
        at, _, piece, seconds = heapq.heappop(ready)
        finish = max(heapq.heappop(free), at) + seconds
        heapq.heappush(free, finish)
        end = max(end, finish)
        for child, s in children.get(piece, []):
            heapq.heappush(ready, (finish, order, child, s))
            order += 1
    return end


def cluster_tasks(net, workers: int, split: int = DEFAULT_SPLIT) -> tuple[list[tuple[tuple[int, ...], float]], float]:
    """The tasks a run on ``workers`` workers searches (default engine; its budget and cut for
    ``workers``), run here one after the other: ``(piece, CPU seconds)`` of each, and the CPU
    seconds of the parent's split."""
    engine = tree_engine()
    problem = build_problem(net, None)
    warm = engine.searcher(problem)  # the engine's one-time load (a worker pays it once, before its first task)
    warm.count(warm.root(), 1)
    start = time.process_time()
    initial = make_tasks(split_tree(engine.searcher(problem), split), split)
    split_cpu = time.process_time() - start
    options = cut_for(TaskOptions(budget=budget_for(engine.default_budget(problem), workers), engine=engine), workers)
    queue = [Task((i,), tuple(nodes)) for i, nodes in enumerate(initial)]
    done, regions = [], 0
    while queue:
        task = queue.pop(0)
        result = run_task(problem, task, options)
        done.append((task.piece, result.stats.cpu_seconds))
        regions += result.stats.regions
        queue.extend(Task(task.piece + (j,), tuple(nodes)) for j, nodes in enumerate(result.children))
    return done, split_cpu


def replay(tasks, split_seconds: float) -> dict:
    work = sum(s for _, s in tasks)
    longest = max(s for _, s in tasks)
    rows = {}
    for p in WORKERS:
        makespan = simulate(tasks, p, split_seconds)
        rows[p] = {"speedup": (work + split_seconds) / makespan, "efficiency": (work + split_seconds) / makespan / p}
    return {"tasks": len(tasks), "sum_task_seconds": work, "max_task_seconds": longest,
            "sum_over_max": work / longest, "split_seconds": split_seconds, "workers": rows}


def split_seconds(net, split: int) -> float:
    """CPU seconds of the parent's breadth-first split (CPU time, like the tasks')."""
    start = time.process_time()
    make_tasks(split_tree(Search(build_problem(net, None)), split), split)
    return time.process_time() - start


def replay_table(replays: dict) -> list[str]:
    names = list(replays)
    md = ["| workers | " + " | ".join(f"{n}: speed-up | efficiency" for n in names) + " |",
          "|---:|" + "---:|---:|" * len(names)]
    for p in WORKERS:
        md.append(f"| {p} | " + " | ".join(f"{replays[n]['workers'][p]['speedup']:.1f} | "
                                           f"{100 * replays[n]['workers'][p]['efficiency']:.0f}%" for n in names) + " |")
    md.append("")
    for n, r in replays.items():
        md.append(f"- {n}: {r['tasks']} tasks, sum {r['sum_task_seconds']:.1f} s, longest {r['max_task_seconds']:.3f} s "
                  f"(sum/max {r['sum_over_max']:.0f}), parent's split {r['split_seconds']:.3f} s")
    return md


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~9,000-region network instead")
    parser.add_argument("--net", help="a network .npz instead (e.g. a peer fixture)")
    parser.add_argument("--runs", default="serial,loky,dask,checkpoint,old")
    parser.add_argument("--replay", nargs="+", metavar="CKPT", help="only replay these checkpoints' task times")
    parser.add_argument("--split-seconds", type=float, default=0.0)
    parser.add_argument("--simulate", type=int, metavar="P", help="record the tasks of a run on P workers and replay them")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    if args.replay:
        replays = {Path(p).name: replay(recorded_tasks(p), args.split_seconds) for p in args.replay}
        print("\n".join(replay_table(replays)))
        return
    if args.simulate:
        net = load_network(args.net) if args.net else network(args.quick)
        tasks, split_cpu = cluster_tasks(net, args.simulate)
        print(f"tasks cut for {args.simulate} workers:")
        print("\n".join(replay_table({f"P={args.simulate} cut": replay(tasks, split_cpu)})))
        return
    from dask.distributed import Client, LocalCluster

    net = load_network(args.net) if args.net else network(args.quick)
    name = f"cluster-{Path(args.net).stem}" if args.net else "cluster"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = args.runs.split(",")
    runs, replays = {}, {}
    load = os.getloadavg()[0]
    tmp = tempfile.mkdtemp()

    def save():
        table = {n: {"regions": r.regions, "seconds": r.seconds, "regions_per_second": r.regions_per_second,
                     "lps": r.lps, "nodes": r.nodes, "tasks": r.tasks, "max_task_seconds": r.max_task_seconds,
                     "sum_task_seconds": r.sum_task_seconds, "backend": r.backend, "workers": r.n_jobs}
                 for n, r in runs.items()}
        default = [r for n, r in runs.items() if n != "loky-2 old split 64"]
        summary = {"identical_counts_and_stats": len({(r.regions, r.lps, r.nodes) for r in default}) <= 1,
                   "load_average_at_start": load, "load_average_now": os.getloadavg()[0],
                   "budget": DEFAULT_BUDGET, "split": DEFAULT_SPLIT}
        if "serial" in runs and "loky-2" in runs:
            summary["two_jobs_speedup"] = runs["serial"].seconds / runs["loky-2"].seconds
        if "dask-2" in runs and "loky-2" in runs:
            summary["dask_overhead_vs_loky"] = runs["dask-2"].seconds / runs["loky-2"].seconds - 1
        if "loky-2+checkpoint" in runs and "loky-2" in runs:
            summary["checkpoint_overhead"] = runs["loky-2+checkpoint"].seconds / runs["loky-2"].seconds - 1
        (out / f"{name}.json").write_text(json.dumps(
            {"schema_version": 2, "benchmark": "cluster", "runs": table, "summary": summary,
             "replay": {n: {**r, "workers": {str(p): v for p, v in r["workers"].items()}} for n, r in replays.items()}},
            indent=2))
        md = [f"Real runs (this machine; load average at start {load:.1f}, now {os.getloadavg()[0]:.1f}):", "",
              "| run | regions | LPs | nodes | tasks | seconds | regions/s | sum/max task s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
        md += [f"| {n} | {r['regions']} | {r['lps']} | {r['nodes']} | {r['tasks']} | {r['seconds']:.1f} | "
               f"{r['regions_per_second']:.0f} | {r['sum_task_seconds'] / max(r['max_task_seconds'], 1e-9):.0f} |"
               for n, r in table.items()]
        md += ["", "; ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in summary.items())]
        if replays:
            md += ["", "Simulated (replay of the recorded task CPU times on P workers):", ""] + replay_table(replays)
        (out / f"{name}.md").write_text("\n".join(md) + "\n")
        print("\n".join(md), flush=True)

    if "serial" in wanted:
        runs["serial"] = count_regions(net)
        save()
    if "loky" in wanted:
        runs["loky-2"] = count_regions(net, n_jobs=2)
        save()
    if "dask" in wanted:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.wait_for_workers(2)
            runs["dask-2"] = count_regions(net, scheduler=client)
        save()
    if "checkpoint" in wanted:
        path = Path(tmp) / "default.ckpt"
        runs["loky-2+checkpoint"] = count_regions(net, n_jobs=2, checkpoint=path)
        replays[f"default (budget {DEFAULT_BUDGET}, split {DEFAULT_SPLIT})"] = replay(
            recorded_tasks(path), split_seconds(net, DEFAULT_SPLIT))
        save()
    if "old" in wanted:
        path = Path(tmp) / "old.ckpt"
        runs["loky-2 old split 64"] = count_regions(net, n_jobs=2, checkpoint=path, split=64, budget=None)
        replays["old fixed split 64"] = replay(recorded_tasks(path), split_seconds(net, 64))
        save()


if __name__ == "__main__":
    main()
