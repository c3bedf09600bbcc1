"""Sweeps: every combination of a parameter grid as its own run, then one comparison page ranking them."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..params import grid, validate_compare
from ..paths import notebook
from ..paths import runs_dir as default_runs_dir
from ..paths import sweeps_dir as default_sweeps_dir
from .batch import execute, kernel_env
from .folder import RunError


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
        members.append(values)
    results: list[tuple[str, str, str]] = []
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
