"""A finished run's results on disk: tables, metrics, the model (safetensors), and what run.json records of them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..model import MODEL_DIR, save_model
from .catalog import EMBEDDINGS
from .folder import Run

DOCUMENT_COLUMNS = ["doc_id", "article_id", "position", "theme", "topic", "label", "agreement", "nearest_topic",
                    "reassigned", "vote_share", "similarity", "title", "source", "published", "author", "url",
                    "n_words", "text"]


def document_columns(documents, extra: list[str] = ()) -> list[str]:
    """documents.csv's columns: ours that the table has, the corpus's own metadata columns before the text."""
    ours = [c for c in DOCUMENT_COLUMNS if c in documents.columns]
    extra = [c for c in extra if c in documents.columns and c not in ours]
    return ours[:-1] + extra + ours[-1:] if ours and ours[-1] == "text" else ours + extra


def write_embeddings(run: Run, vectors) -> Path:
    """The documents' vectors as ``embeddings.npy`` (row i for documents.csv row i), written atomically, a block at a
    time (vectors memory-mapped from the cache are not read into memory whole)."""
    import numpy as np

    from ..memory import in_blocks

    path = run.path(EMBEDDINGS)
    tmp = path.with_name(f".{path.stem}.tmp.npy")
    vectors = vectors if isinstance(vectors, np.ndarray) else np.asarray(vectors, dtype=np.float32)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
              "shape": vectors.shape}
    with open(tmp, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for _, block in in_blocks(vectors, size=65_536):
            f.write(np.ascontiguousarray(block, dtype=np.float32).tobytes())
    os.replace(tmp, path)
    return path


def write_model(run: Run, result, embedder) -> dict[str, Path]:
    """The fitted model (safetensors, ``model/``) and the documents' vectors (``embeddings.npy``), each atomically."""
    tmp = run.path(f".{MODEL_DIR}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_model(result.model, tmp, embedder.name)
    os.replace(tmp, run.path(MODEL_DIR))
    return {"model": run.path(MODEL_DIR), "embeddings": write_embeddings(run, result.embeddings)}


def headline(result) -> dict:
    """What run.json's ``results`` says of a topic result: topics, themes, outlier share, labels."""
    found = result.topics[result.topics["topic"] != -1]
    themes = getattr(result, "themes", None)
    return {"topics": int(len(found)), "themes": int(len(themes)) if themes is not None else None,
            "outlier_share": float(round((result.documents["topic"] == -1).mean(), 4)),
            "labels": dict(zip(found["topic"].astype(str), found["label"], strict=True))}


def save_result(run: Run, corpus, result, embedder, evaluation=None, tables: dict | None = None) -> dict[str, Path]:
    """Write the run's tables, vectors and model: documents.csv, topics.csv, articles.csv, cleaning.csv,
    duplicates.csv, metrics.csv and topic_quality.csv (when evaluated), the analysis's ``tables`` (file name without
    ``.csv`` -> table: the time line's and the comparisons'), embeddings.npy, model/.

    Args:
        run: the run folder.
        corpus: the :class:`~newstopics.corpus.Corpus` the run read.
        result: the :class:`~newstopics.model.TopicResult`.
        embedder: the embedder (its name is saved with the model; its statistics go to run.json).
        evaluation: the :class:`~newstopics.evaluation.Evaluation`, if any.

    Returns:
        What was written: name -> path.
    """
    docs = result.documents[document_columns(result.documents, corpus.extra_columns)]
    topics = result.topics.drop(columns=["representative_docs"])
    written = {
        "documents": run.write_csv(docs, "documents.csv"),
        "topics": run.write_csv(topics, "topics.csv"),
        "themes": run.write_csv(result.themes, "themes.csv"),
        "articles": run.write_csv(corpus.articles_table(), "articles.csv"),
        "cleaning": run.write_csv(corpus.audit, "cleaning.csv"),
        "duplicates": run.write_csv(corpus.duplicates, "duplicates.csv"),
    }
    if evaluation is not None:
        written["metrics"] = run.write_csv(evaluation.scores, "metrics.csv")
        written["topic_quality"] = run.write_csv(evaluation.per_topic, "topic_quality.csv")
        run.record(evaluation=evaluation.to_json())
    for name, table in (tables or {}).items():
        written[name] = run.write_csv(table, f"{name}.csv")
    written.update(write_model(run, result, embedder))
    run.record(
        corpus=corpus.summary(),
        inputs=corpus.inputs,
        skipped=corpus.skipped,
        derived=result.sizing.to_dict(),
        ensemble=result.ensemble,
        embedding=embedder.describe(),
        results=headline(result),
        timings=result.timings,
    )
    return written



def save_curated(run: Run, parent, result, embedder) -> dict[str, Path]:
    """Write a curated run: its own documents.csv, topics.csv, model/ and embeddings.npy, and the parent's
    articles.csv, cleaning.csv and duplicates.csv copied unchanged (the parent run itself is never touched).

    Args:
        run: the new run folder.
        parent: the parent run (:class:`~.catalog.RunData`).
        result: the curated :class:`~newstopics.model.TopicResult`.
        embedder: the parent's embedder.
    """
    columns = document_columns(result.documents, (parent.meta.get("corpus") or {}).get("metadata_columns", []))
    written = {
        "documents": run.write_csv(result.documents[columns], "documents.csv"),
        "topics": run.write_csv(result.topics.drop(columns=["representative_docs"]), "topics.csv"),
        "themes": run.write_csv(result.themes, "themes.csv"),
    }
    for name in ("articles", "cleaning", "duplicates"):
        source = parent.folder / f"{name}.csv"
        if source.exists():
            tmp = run.path(f".{name}.csv.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, run.path(f"{name}.csv"))
            written[name] = run.path(f"{name}.csv")
    written.update(write_model(run, result, embedder))
    embedding = embedder.describe()
    if not (parent.meta.get("embedding") or {}).get("sha256"):  # the vectors are the parent's, of a model unchecked
        embedding["sha256"] = None
    run.record(
        fit_params=parent.meta.get("fit_params") or parent.meta.get("params"),  # what its topics were fitted with
        corpus=parent.meta.get("corpus"),
        inputs=parent.meta.get("inputs"),
        derived=result.sizing.to_dict(),
        embedding=embedding,
        results=headline(result),
    )
    return written
