"""Sweeps: every combination of a parameter grid as its own run, then one comparison page ranking them.

Without a ``cluster``, the runs go two at a time in processes of this machine. With one (set in the sweep file's
``base``: one cluster serves the whole sweep), each run is a task on the cluster's workers: the worker starts the run
as a process of its own (the notebook's kernel on the worker's machine, embedding in-process there), so a sweep of
many runs spreads over the cluster's machines, as many at once as it has worker threads. The runs folder must be
one the workers can write to (on a real cluster, a shared file system). A worker lost mid-run costs that run's
attempt: its process is stopped with it and lands as an interrupted run (with its notebook, as any interrupted run),
and the scheduler starts the run again on another worker; the comparison page ranks the finished runs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..params import grid, validate_compare
from ..paths import notebook
from ..paths import runs_dir as default_runs_dir
from ..paths import sweeps_dir as default_sweeps_dir
from .batch import execute, kernel_env
from .folder import RunError, update_run_json


def _execute_one(values: dict[str, Any], runs_dir: str) -> tuple[str, str, str]:
    """One sweep member in its own process: (folder, status, error)."""
    try:
        folder = execute(values, runs_dir=runs_dir, progress=False)
        return str(folder), "succeeded", ""
    except RunError as exc:
        folder = str(exc).rsplit(": ", 1)[-1].strip()
        return folder, "failed", str(exc).splitlines()[0]


def sweep(
    config: dict[str, Any],
    *,
    runs_dir: str | Path | None = None,
    sweeps_dir: str | Path | None = None,
    workers: int = 2,
    progress: bool = True,
) -> Path:
    """Run every combination of a sweep file as its own run (``workers`` at a time), then the comparison page.

    Args:
        config: the sweep file's content: ``{name, base: {param: value}, grid: {param: [values]}}``.
        runs_dir: where the members' run folders go (default: ``paths.runs_dir()``).
        sweeps_dir: where the comparison run goes (default: ``paths.sweeps_dir()``).
        workers: runs at once (each in its own process).
        progress: show a progress bar over the members.

    Returns:
        The comparison run's folder (``report.html``, ``comparison.csv``).

    Raises:
        ParameterError: a combination is invalid; every one is checked before the first run starts.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm.auto import tqdm

    combos = grid(config)
    name = str(config.get("name") or "sweep")
    runs_dir = Path(runs_dir) if runs_dir is not None else default_runs_dir()
    sweeps_dir = Path(sweeps_dir) if sweeps_dir is not None else default_sweeps_dir()
    members = []
    for i, params in enumerate(combos):
        values = params.to_dict()
        values["run_name"] = values["run_name"] or f"{name}-{i + 1:02d}"
        values["cluster"] = ""  # on a cluster, a run is one task: it runs in-process on its worker
        members.append(values)
    results: list[tuple[str, str, str]] = []
    spec = combos[0].cluster
    if spec:
        results = _on_cluster(spec, members, runs_dir, name, progress)
    else:
        ctx = multiprocessing.get_context("spawn")
        with kernel_env(), ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
            futures = [pool.submit(_execute_one, m, str(runs_dir)) for m in members]
            for fut in tqdm(as_completed(futures), total=len(futures), desc=f"sweep {name}", disable=not progress):
                results.append(fut.result())
    folders = sorted(r[0] for r in results if r[0])
    return execute(
        {"runs": folders, "run_name": name},
        notebook=notebook("compare"),
        runs_dir=sweeps_dir,
        progress=progress,
        validate=validate_compare,
    )


def _on_cluster(spec: str, members: list[dict], runs_dir: Path, name: str,
                progress: bool) -> list[tuple[str, str, str]]:
    """The sweep's runs as tasks on the cluster ``spec`` (started for the sweep when ``local:N``); each run's run.json
    records the scheduler and the worker it ran on."""
    from tqdm.auto import tqdm

    from .. import cluster

    client = cluster.start(spec)
    try:
        scheduler = cluster.describe(client)["scheduler"]
        cluster.wait_ready()
        futures = client.map(_member_task, members, [str(runs_dir)] * len(members), pure=False)
        results = []
        for fut in tqdm(cluster.as_done(client, futures), total=len(futures), desc=f"sweep {name} on {scheduler}",
                        disable=not progress):
            try:
                folder, status, error, worker = cluster.result_of(fut, client)
            except cluster.NoWorkersError:
                raise  # the cluster is gone: the runs still pending cannot finish either
            except cluster.ClusterError as exc:  # this run's task was cancelled: it failed, the sweep goes on
                results.append(("", "failed", str(exc)))
                continue
            if folder and Path(folder).is_dir():
                update_run_json(Path(folder), sweep={"name": name, "scheduler": scheduler, "worker": worker})
            results.append((folder, status, error))
        return results
    finally:
        cluster.stop()


def _member_task(values: dict[str, Any], runs_dir: str) -> tuple[str, str, str, str]:
    """On a worker: one run, in a process of its own (a worker's task thread cannot take the run's signal handlers);
    returns (folder, status, error, worker address)."""
    from distributed import get_worker

    done = subprocess.run([sys.executable, "-c", _ONE_RUN, json.dumps(values), runs_dir, str(os.getpid())],
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    try:
        folder, status, error = json.loads(lines[-1])
    except (IndexError, ValueError):
        folder, status, error = "", "failed", f"the run's process ended with {done.returncode}: {done.stderr[-500:]}"
    return folder, status, error, get_worker().address


# One run, in a process of its own. On Linux it first asks for a SIGTERM when the worker that started it dies (and
# stops at once if that worker is already gone), so a lost worker's run stops (it lands as interrupted) instead of
# running on beside the attempt the scheduler starts elsewhere. Asked in the new process itself, not between fork and
# exec: a worker is full of threads, and code run there can deadlock.
_ONE_RUN = """
import json, os, signal, sys
if sys.platform == "linux":
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[3]):
        sys.exit("the worker that started this run is gone")
from newstopics.runs.sweeps import _execute_one
print(json.dumps(_execute_one(json.loads(sys.argv[1]), sys.argv[2])))
"""
