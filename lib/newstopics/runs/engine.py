"""papermill's nbclient engine, saving the executed notebook at most once a second while cells run.

papermill rewrites the whole notebook before and after every cell (55 times for the report: 3 s of JSON
encoding). This engine's manager skips saves that come less than a second after the last one; the first
save, a failing cell's and the final one always happen, so a stopped or failed run still leaves its
notebook, at most a second behind. papermill offers no hook for the manager, so the engine repeats
papermill's short ``Engine.execute_notebook``; :func:`engine_name` checks, against the installed papermill,
every method and signature that relies on, and falls back to papermill's own engine when any differs.
"""
from __future__ import annotations

import inspect

from .. import speedups

SAVE_EVERY_S = 1.0
ENGINE = "newstopics"
# papermill internals the engine relies on: name -> the parameters it must take (as of papermill 2.7)
RELIES_ON = {
    "Engine.execute_notebook": [
        "nb",
        "kernel_name",
        "output_path",
        "progress_bar",
        "log_output",
        "autosave_cell_every",
        "kwargs",
    ],
    "NotebookExecutionManager.__init__": [
        "self",
        "nb",
        "output_path",
        "log_output",
        "progress_bar",
        "autosave_cell_every",
    ],
    "NotebookExecutionManager.save": ["self", "kwargs"],
    "NotebookExecutionManager.cell_exception": ["self", "cell", "cell_index", "kwargs"],
    "NotebookExecutionManager.notebook_complete": ["self", "kwargs"],
    "NotebookExecutionManager.notebook_start": ["self", "kwargs"],
    "NotebookExecutionManager.cleanup_pbar": ["self"],
    "NotebookExecutionManager.now": ["self"],
    "NBClientEngine.execute_managed_notebook": [
        "nb_man",
        "kernel_name",
        "log_output",
        "stdout_file",
        "stderr_file",
        "start_timeout",
        "execution_timeout",
        "kwargs",
    ],
}


def mismatches() -> list[str]:
    """What of :data:`RELIES_ON` the installed papermill lacks or has changed (empty: all as expected)."""
    from papermill import engines

    out = []
    for name, expected in RELIES_ON.items():
        owner, _, attr = name.partition(".")
        method = getattr(getattr(engines, owner, None), attr, None)
        if method is None:
            out.append(f"{name} is missing")
        elif list(inspect.signature(method).parameters) != expected:
            out.append(f"{name}{inspect.signature(method)} changed")
    return out


def engine_name() -> str:
    """Register the engine and return its name, or papermill's own (``nbclient``) when papermill changed."""
    try:
        problems = mismatches() if speedups.enabled() else ["speed-ups off"]
        if problems:
            speedups.NOTES["papermill_engine"] = "papermill's own engine (" + "; ".join(problems) + ")"
            return "nbclient"
        _register()
        speedups.NOTES["papermill_engine"] = f"saves at most every {SAVE_EVERY_S:g} s"
        return ENGINE
    except Exception as exc:
        speedups.NOTES["papermill_engine"] = f"papermill's own engine ({type(exc).__name__}: {exc})"
        return "nbclient"


def _register() -> None:
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
        def execute_notebook(
            cls,
            nb,
            kernel_name,
            output_path=None,
            progress_bar=True,
            log_output=False,
            autosave_cell_every=30,
            **kwargs,
        ):
            nb_man = Manager(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, Engine)
