"""A finished run's results on disk: tables, metrics, the model (safetensors), and what run.json records of them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..model import MODEL_DIR, save_model
from .folder import Run

DOCUMENT_COLUMNS = ["doc_id", "article_id", "position", "topic", "label", "agreement", "title", "source", "published",
                    "author", "url", "n_words", "text"]


def save_result(run: Run, corpus, result, embedder, evaluation=None) -> dict[str, Path]:
    """Write the run's tables and model: documents.csv, topics.csv, articles.csv, cleaning.csv,
    duplicates.csv, metrics.csv and topic_quality.csv (when evaluated), model/.

    Args:
        run: the run folder.
        corpus: the :class:`~newstopics.corpus.Corpus` the run read.
        result: the :class:`~newstopics.model.TopicResult`.
        embedder: the embedder (its name is saved with the model; its statistics go to run.json).
        evaluation: the :class:`~newstopics.evaluation.Evaluation`, if any.

    Returns:
        What was written: name -> path.
    """
    docs = result.documents[DOCUMENT_COLUMNS]
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
        derived={**result.sizing.to_dict(), "ensemble": result.ensemble},
        embedding=embedder.describe(),
        results={
            "topics": int(len(found)),
            "outlier_share": float(round((result.documents["topic"] == -1).mean(), 4)),
            "labels": dict(zip(found["topic"].astype(str), found["label"], strict=True)),
        },
        timings=result.timings,
    )
    return written

