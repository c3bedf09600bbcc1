"""Runs: where a report's work is recorded and how it is carried out.

Inside: ``folder`` (the run folder and its run.json, used by the notebooks), ``results`` (tables, vectors and model
written at the end of a run), ``catalog`` (runs listed with their true status, a finished run loaded back),
``batch`` (a batch run: papermill into a staging folder, render, land), ``engine`` (papermill's engine, saving less
often), ``render`` (the offline HTML report), ``sweeps`` (parameter grids), ``compare`` (finished runs side by side).

Names are loaded on first use, so the command line starts a run without importing the scientific stack
(pandas, scipy) that only the notebook's kernel needs.
"""
import importlib

_WHERE = {
    "compare_runs": "compare", "run_row": "compare",
    "execute": "batch", "kernel_env": "batch",
    "EXECUTED_NOTEBOOK": "folder", "REPORT": "folder", "RUN_JSON": "folder", "Run": "folder", "RunError": "folder",
    "claim_folder": "folder", "new_run_id": "folder", "read_run_json": "folder", "update_run_json": "folder",
    "versions": "folder", "run_status": "folder",
    "RunData": "catalog", "list_runs": "catalog", "load_run": "catalog",
    "external_references": "render", "render_html": "render", "render_run": "render",
    "save_result": "results", "save_curated": "results", "document_columns": "results",
    "check_embedding": "catalog", "EmbeddingMismatchError": "catalog",
    "sweep": "sweeps",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
