"""Runs as a researcher looks for them: every run listed with its true status, a finished run loaded back.

:func:`list_runs` reads every run folder (hidden staging folders of batch runs too) and shows each run's status as
it truly is: a ``running`` run whose process is gone is ``abandoned``. :func:`load_run` returns a finished run's
tables, embeddings and model, so analysis can go on in a notebook without refitting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import find_run, runs_dir
from .folder import RUN_JSON, read_run_json, run_status

EMBEDDINGS = "embeddings.npy"
TABLES = ("documents", "topics", "themes", "articles", "cleaning", "duplicates", "metrics", "topic_quality")


def age(started: str | None) -> str:
    """How long ago an ISO time was, in the largest unit that fits: '40 s', '12 min', '3 h', '2 d'."""
    if not started:
        return ""
    seconds = (datetime.now(timezone.utc) - datetime.fromisoformat(started)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size:.0f} {unit}"
    return f"{seconds:.0f} s"


def list_runs(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per run under ``folder`` (default: the runs folder), newest first.

    Columns: ``run_id``, ``status`` (``abandoned`` for a run whose process is gone), ``corpus``, ``topics``,
    ``documents``, ``age``, ``parent_run``, ``error``, ``folder``.
    """
    folder = Path(folder) if folder is not None else runs_dir()
    rows = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        meta = read_run_json(path)
        if not path.is_dir() or not meta:
            continue
        params = meta.get("params") or {}
        corpus = params.get("corpus") or params.get("model_run") or params.get("run") or ""
        rows.append({"run_id": meta.get("run_id", path.name), "status": run_status(meta),
                     "corpus": Path(str(corpus)).name if corpus else "",
                     "topics": (meta.get("results") or {}).get("topics"),
                     "documents": (meta.get("corpus") or {}).get("documents"), "started": meta.get("started", ""),
                     "age": age(meta.get("started")), "parent_run": meta.get("parent_run"),
                     "error": meta.get("error"), "folder": str(path)})
    table = pd.DataFrame(rows, columns=["run_id", "status", "corpus", "topics", "documents", "started", "age",
                                        "parent_run", "error", "folder"])
    return table.sort_values("started", ascending=False).drop(columns="started").reset_index(drop=True)


class EmbeddingMismatchError(RuntimeError):
    """A run's embedding model is not, byte for byte, the one its vectors and topics were made with."""


def check_embedding(meta: dict, embedder) -> str:
    """Check that ``embedder`` (the model a finished run names, as it is on this machine now) is the one the run
    recorded in run.json (``embedding.sha256``, the full content hash of the model's files): the run's vectors, its
    topics' embeddings and any new vector must come from the same model. Returns a note of what was checked (recorded
    in the embedder's ``describe()``, so a run made from this one says so).

    A run made before run.json recorded the content hash (its ``identity`` then hashed only each large file's size,
    first and last MiB) cannot be checked: it passes, and the note says it was not checked.

    Raises:
        EmbeddingMismatchError: the model's files differ from the run's; the message names both identities, the
            model and what to do.
    """
    recorded = meta.get("embedding") or {}
    run_id = meta.get("run_id", "?")
    digest = recorded.get("sha256")
    if not digest:
        return (f"not checked: run {run_id} recorded no content hash of its model's files (made before newstopics "
                "recorded one)")
    if digest != embedder.digest:
        where = f"at {embedder.path}" if embedder.path else "(no such folder here)"
        raise EmbeddingMismatchError(
            f"run {run_id} was embedded with model {recorded.get('name', embedder.name)!r} of identity "
            f"{recorded.get('identity')} (files at {recorded.get('path')}), but that model's files {where} now have "
            f"identity {embedder.key}: its vectors and topics would not match new ones. Use the same model files the "
            "run was made with, or fit a new run with this model.")
    return f"same model files as run {run_id} (sha256 {digest})"


@dataclass
class RunData:
    """A finished run's results, read back from its folder (see :func:`load_run`).

    Attributes:
        folder: the run folder.
        meta: its run.json.
        tables: name -> table (``documents``, ``topics``, ``themes``, ``articles``, ``cleaning``, ``duplicates``,
            ``metrics``, ``topic_quality``: those the run wrote).
        embeddings: the documents' vectors, row i for ``documents`` row i (None if the run saved none).
    """

    folder: Path
    meta: dict
    tables: dict = field(default_factory=dict)
    embeddings: np.ndarray | None = None

    @property
    def documents(self) -> pd.DataFrame:
        return self.tables["documents"]

    @property
    def topics(self) -> pd.DataFrame:
        return self.tables["topics"]

    @property
    def themes(self) -> pd.DataFrame:
        """One row per theme (runs made before themes existed: an empty table)."""
        return self.tables.get("themes", pd.DataFrame(columns=["theme", "label", "topics", "n_topics", "count"]))

    @cached_property
    def comparisons(self) -> dict:
        """The comparisons the run made, by column (``compare_by``): each a
        :class:`~newstopics.analysis.groups.GroupComparison` with its tables (``prevalence``, ``residuals``,
        ``distinctive``, ``passages``, ...) and ``sentences()``."""
        from ..analysis.groups import read_comparisons

        return read_comparisons(self.folder, self.meta.get("compare_by") or [])

    @cached_property
    def time(self) -> dict[str, pd.DataFrame]:
        """The time line's tables the run wrote (``shares``, ``theme_shares``, ``words``, ``changes``, ``periods``;
        none when its articles had too few dates): see :mod:`newstopics.analysis.time`."""
        from ..analysis.time import read_tables

        return read_tables(self.folder)

    @property
    def params(self):
        """The report parameters its topics were fitted with, validated again (the corpus is not looked for); for a
        curated run, those of the run it was curated from (``fit_params`` in run.json)."""
        from ..params import NAMES, validate

        recorded = self.meta.get("fit_params") or self.meta.get("params") or {}  # names of older versions left out
        return validate({k: v for k, v in recorded.items() if k in NAMES and k != "output_dir"}, check_corpus=False)

    @property
    def sizing(self):
        """The settings the run derived from its corpus size (run.json's ``derived``)."""
        from ..model.sizing import Sizing

        return Sizing.from_dict(self.meta.get("derived") or {})

    @cached_property
    def embedder(self):
        """The run's embedding model as it is on this machine, checked against the one the run recorded.

        Raises:
            EmbeddingMismatchError: the model's files are not those the run was made with (see
                :func:`check_embedding`).
        """
        from ..embed import Embedder

        embedder = Embedder(self.params.embedding_model, show_progress=False)
        embedder.checked = check_embedding(self.meta, embedder)
        return embedder

    @cached_property
    def model(self):
        """The run's BERTopic model, loaded offline from its safetensors folder (with the run's embedding model)."""
        from ..model import MODEL_DIR, load_model

        return load_model(self.folder / MODEL_DIR, self.embedder)


def _read_table(path: Path) -> pd.DataFrame:
    """A run's table: numbers as numbers (an empty cell is NaN), text as text (an empty cell is "")."""
    table = pd.read_csv(path)
    text = table.select_dtypes(include=["object", "string"]).columns
    table[text] = table[text].fillna("")
    return table


def load_run(path: str | Path, *, check_model: bool = True) -> RunData:
    """A finished run's tables, embeddings and model, to continue the analysis without refitting.

    Args:
        path: a run folder (``outputs/runs/<run-id>``, from the working directory or the project) or a run id.
        check_model: check now that the run's embedding model is on this machine with the very files the run was
            made with (their content hash; see :func:`check_embedding`). False: the tables and vectors
            load whatever the model; its ``model`` and ``embedder`` are checked when first used all the same.

    Returns:
        A :class:`RunData`; its ``model`` is loaded on first use.

    Raises:
        FileNotFoundError: the folder holds no run.
        ValueError: the run did not succeed (its status says why).
        EmbeddingMismatchError: the run's embedding model has changed since (see ``check_model``).

    Example:
        >>> run = load_run("outputs/runs/20261123-093012-seeds-3fa2")          # doctest: +SKIP
        >>> run = load_run("20261123-093012-seeds-3fa2")                       # a run id  # doctest: +SKIP
        >>> run.documents.groupby("label").size()                              # doctest: +SKIP
        >>> run.model.get_topic(0)                                             # doctest: +SKIP
    """
    folder, looked = find_run(path)
    if folder is None:
        raise FileNotFoundError(f"{path} is not a run folder (no {RUN_JSON} in {', '.join(dict.fromkeys(looked))}); "
                                "list the runs with `newstopics runs`.")
    meta = read_run_json(folder)
    status = run_status(meta)
    if status != "succeeded":
        raise ValueError(f"run {folder.name} is {status}" + (f": {meta['error']}" if meta.get("error") else "")
                         + "; only a finished run can be loaded.")
    tables = {name: _read_table(folder / f"{name}.csv") for name in TABLES if (folder / f"{name}.csv").is_file()}
    path = folder / EMBEDDINGS  # memory-mapped: a large run's vectors are read a block at a time, never whole
    vectors = np.load(path, allow_pickle=False, mmap_mode="r") if path.is_file() else None
    data = RunData(folder=folder, meta=meta, tables=tables, embeddings=vectors)
    if check_model:
        data.embedder  # noqa: B018  (checked now, before any work depends on it)
    return data
