"""A whole batch run, as ``newstopics report`` makes it: validate, execute the notebook, render, land the folder.

The notebook runs through papermill into a hidden staging folder (``.<run-id>.partial``); the HTML report
is rendered there; the status is recorded; only then is the folder moved into the runs folder, so a folder
you see is complete. A failed or interrupted run lands too, marked so, with its executed notebook.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .. import speedups
from ..params import validate as validate_report
from ..paths import notebook as project_notebook
from ..paths import runs_dir as default_runs_dir
from .engine import engine_name
from .folder import (
    EXECUTED_NOTEBOOK,
    PREPARED,
    REPORT,
    RunError,
    claim_new_folder,
    now,
    read_run_json,
    this_process,
    update_run_json,
)
from .render import prepare_render, render_html

BATCH_ENV = {"NEWSTOPICS_BATCH": "1"}  # batch mode: no progress bars inside the report; see speedups


@contextlib.contextmanager
def kernel_env():
    """While a batch run starts kernels: papermill starts this interpreter's kernel (whatever kernels the user has
    elsewhere), offline and in batch mode. The kernels inherit this process's environment, so it is set here and
    put back afterwards: a researcher who starts a sweep from a JupyterLab kernel keeps an interactive kernel. (Runs
    start from the main thread only, as their SIGTERM handler must; a nested use restores what the outer one set.)"""
    own = str(Path(sys.prefix) / "share" / "jupyter")
    paths = os.environ.get("JUPYTER_PATH", "")
    values = {"JUPYTER_PATH": paths if own in paths.split(os.pathsep) else os.pathsep.join(filter(None, [own, paths])),
              "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
              "TRANSFORMERS_OFFLINE": os.environ.get("TRANSFORMERS_OFFLINE", "1"),
              "TOKENIZERS_PARALLELISM": os.environ.get("TOKENIZERS_PARALLELISM", "false"), **BATCH_ENV}
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def execute(values: dict[str, Any], *, notebook: str | Path | None = None, runs_dir: str | Path | None = None,
            progress: bool = True, validate=validate_report) -> Path:
    """Run a notebook with ``values`` as parameters; return the finished run folder.

    Args:
        values: parameter values by name (validated before anything starts).
        notebook: the notebook to run (default: ``topics``, the report).
        runs_dir: where run folders go (default: ``paths.runs_dir()``).
        progress: show papermill's progress bar.
        validate: the notebook's parameter check (``params.validate`` for the report).

    Returns:
        The run folder, holding ``report.html``, ``notebook.ipynb``, ``run.json`` and the tables.

    Raises:
        ParameterError: a parameter is wrong; nothing was started.
        RunError: the notebook failed or was interrupted; the message names the run's folder.
    """
    speedups.hide_notebook_extras()
    params = validate(values)
    runs_dir = Path(runs_dir) if runs_dir is not None else default_runs_dir()
    # papermill first, here: it imports jupyter_client and nbclient, which the report writer's imports reach too, and
    # two threads importing one package at once can fail ("partially initialized module", seen in 1 of ~10 runs)
    import papermill  # noqa: F401

    # While the kernel works this process only waits: load the report writer meanwhile (about 1 s).
    threading.Thread(target=prepare_render, daemon=True).start()
    # From here on SIGTERM behaves like Ctrl-C: the run is recorded as interrupted, not lost.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        staging, run_id = claim_new_folder(runs_dir, params, hidden=True)
        final = runs_dir / run_id
        update_run_json(staging, run_id=run_id, status=PREPARED, started=now(), params=params.to_dict(),
                        process=this_process(), notebook=str(final / EXECUTED_NOTEBOOK))
        t0 = time.perf_counter()
        ended = threading.Event()
        if progress and getattr(params, "cluster", ""):
            threading.Thread(target=_announce_dashboard, args=(staging, ended), daemon=True).start()
        with kernel_env():
            try:
                status, error = _run_notebook(Path(notebook or project_notebook("topics")), staging, params,
                                              progress)
            finally:
                ended.set()
        timings = {"notebook_s": round(time.perf_counter() - t0, 3)}
        if (staging / EXECUTED_NOTEBOOK).exists() and status != "interrupted":
            t1 = time.perf_counter()
            try:
                render_html(staging / EXECUTED_NOTEBOOK, staging / REPORT)
            except KeyboardInterrupt:  # stopped while rendering: the run still lands, as interrupted
                status, error = "interrupted", "the run was interrupted while its report was rendered"
            except Exception as exc:
                if status == "succeeded":
                    status, error = "failed", f"report rendering failed: {type(exc).__name__}: {exc}"
            timings["render_s"] = round(time.perf_counter() - t1, 3)
        if status != "succeeded":
            _drop_partial_files(staging)
        # the kernel records its own speed-ups; this process adds the engine it ran the notebook with
        update_run_json(staging, status=status, error=error, finished=now(), timings=timings, process=this_process(),
                        speedups={"papermill_engine": speedups.NOTES.get("papermill_engine")},
                        params={**read_run_json(staging).get("params", {}), "output_dir": str(final)})
        os.replace(staging, final)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if status != "succeeded":
        raise RunError(f"run {status}: {error}\n  its folder, with the executed notebook and run.json: {final}")
    return final


def _announce_dashboard(staging: Path, ended: threading.Event, every_s: float = 0.5) -> None:
    """Print the Dask dashboard's link once the kernel has recorded it, so a batch run can be watched while it
    lasts (the notebook shows it too, but a batch run's notebook is read after the cluster has stopped)."""
    while not ended.wait(every_s):
        info = read_run_json(staging).get("cluster")  # {} while run.json is being replaced
        if info:
            if info.get("dashboard"):
                from tqdm.auto import tqdm

                tqdm.write(f"the Dask dashboard, while the run lasts: {info['dashboard']}", file=sys.stderr)
            return


def _run_notebook(notebook: Path, staging: Path, params, progress: bool) -> tuple[str, str | None]:
    """Execute the notebook into the staging folder: (status, error)."""
    import tempfile

    import papermill as pm

    # the kernel's IPC sockets live in a private folder, removed however the kernel ends (done, failed, interrupted)
    ipc = tempfile.TemporaryDirectory(prefix="newstopics-kernel-", ignore_cleanup_errors=True)
    try:
        pm.execute_notebook(
            str(notebook), str(staging / EXECUTED_NOTEBOOK),
            parameters={**params.to_dict(), "output_dir": str(staging.resolve())},
            kernel_name="python3", progress_bar=progress, cwd=str(Path.cwd()), engine_name=engine_name(),
            shutdown_kernel="immediate",  # every output is on disk when the last cell ends; a graceful stop costs ~1 s
            **kernel_manager(Path(ipc.name)),
        )
    except pm.PapermillExecutionError as exc:
        return "failed", f"{exc.ename}: {exc.evalue}"
    except KeyboardInterrupt:
        return "interrupted", "the run was interrupted (SIGINT or SIGTERM) before it finished"
    except Exception as exc:  # kernel died, notebook missing, ...
        traceback.print_exc()
        return "failed", f"{type(exc).__name__}: {exc}"
    finally:
        ipc.cleanup()
    return "succeeded", None


def kernel_manager(folder: Path) -> dict:
    """A kernel manager that talks to the kernel over local IPC sockets in ``folder`` (private to this kernel; the
    caller removes it when the kernel ends): a local kernel needs no TCP port, and jupyter_client no longer warns on
    every run that TCP traffic is unencrypted. ``{}`` (papermill's own manager) where IPC is not available."""
    try:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import default

        if os.name != "posix":
            return {}

        class IPCKernelManager(AsyncKernelManager):
            @default("transport")
            def _default_transport(self):
                return "ipc"

            @default("ip")
            def _default_ip(self):
                return str(folder / "ipc")

        return {"kernel_manager_class": IPCKernelManager}
    except Exception:  # jupyter_client changed: papermill's default manager (TCP)
        return {}


def _drop_partial_files(folder: Path) -> None:
    """Remove temporary files a stopped kernel may have left; finished tables stay."""
    for p in folder.glob(".*.tmp*"):
        p.unlink(missing_ok=True) if p.is_file() else shutil.rmtree(p, ignore_errors=True)
