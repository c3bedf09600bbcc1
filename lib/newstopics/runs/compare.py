"""Finished runs side by side: each run's run.json read into one row, then ranked (``evaluation.rank_runs``)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from ..evaluation import OURS, rank_runs
from ..params import NAMES
from .folder import RUN_JSON, run_status


def shown_value(value) -> str:
    """A parameter as a reader writes it: text as is (``pca``, not ``"pca"``), anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def corpus_key(meta: dict) -> str:
    """A short key that is the same for runs that read the same input files (by content), whatever their path."""
    files = sorted(f"{i.get('sha256')}:{i.get('bytes')}" for i in meta.get("inputs") or [])
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:12] if files else ""


def run_row(folder: str | Path) -> dict:
    """One run's parameters, status and headline metrics, from its run.json (``npmi`` and ``nmf_npmi``: held out)."""
    meta = json.loads((Path(folder) / RUN_JSON).read_text())
    evaluation = meta.get("evaluation", {})
    scores = {r["model"]: r for r in evaluation.get("scores", [])} if evaluation.get("protocol") else {}
    ours = scores.get(OURS, {})
    stab = evaluation.get("stability", {})
    params = meta.get("params", {})
    return {
        "run_id": meta.get("run_id", Path(folder).name),
        "folder": str(folder),
        "status": run_status(meta),
        "corpus_key": corpus_key(meta),
        "doc_unit": params.get("doc_unit"),
        "top_n_words": params.get("top_n_words"),
        **{
            f"param:{k}": shown_value(meta.get("params", {}).get(k))
            for k in NAMES
            if k not in ("output_dir", "run_name", "doc_unit", "top_n_words")
        },
        "topics": (meta.get("results") or {}).get("topics"),
        "npmi": ours.get("npmi"),
        "c_v": ours.get("c_v"),
        "diversity": ours.get("diversity"),
        "outlier_share": ours.get("outlier_share"),
        "stability_ari": stab.get("ari_mean"),
        "unstable_topics": len(stab.get("unstable_topics", [])) if stab else None,
        "nmf_npmi": scores.get("NMF", {}).get("npmi"),
        "seconds": meta.get("timings", {}).get("notebook_s"),
        "error": meta.get("error"),
    }


def compare_runs(folders: list[str]) -> pd.DataFrame:
    """One row per run: the parameters that varied, the metrics, and a rank among comparable runs (``group``; 1 = best
    on ``ranked_by``; see ``rank_runs``). Runs scored before the held-out protocol have no scores here.

    Args:
        folders: run folders, each holding a run.json.
    """
    table = pd.DataFrame([run_row(f) for f in folders])
    # numbers, NaN where a run has none (a run without stability checks, a failed run): not a column of objects
    for c in ("topics", "npmi", "c_v", "diversity", "outlier_share", "stability_ari", "unstable_topics", "nmf_npmi",
              "seconds"):
        table[c] = pd.to_numeric(table[c], errors="coerce")
    params = [c for c in table.columns if c.startswith("param:")]
    varied = [c for c in params if table[c].nunique() > 1]
    table = table.drop(columns=[c for c in params if c not in varied]).rename(columns={c: c[6:] for c in varied})
    return rank_runs(table)
