"""A fitted model on disk and back: safetensors only (never pickle), reloaded offline, labelling new documents."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import speedups
from ..params import Params
from .fit import TopicResult
from .labels import OUTLIER_LABEL
from .sizing import size_for

MODEL_DIR = "model"
_UNSAFE_SUFFIXES = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".joblib")


def save_model(model, folder, embedding_model_name: str) -> None:
    """Save with safetensors (never pickle); the embedding model is recorded by name only."""
    model.save(str(folder), serialization="safetensors", save_ctfidf=True, save_embedding_model=embedding_model_name)


def load_model(folder, embedder):
    """Load a saved model offline.

    Args:
        folder: a run's ``model/`` folder.
        embedder: the local :class:`~newstopics.embed.Embedder` handed to BERTopic, so it never fetches a model by name.

    Returns:
        The ``bertopic.BERTopic`` model.

    Raises:
        FileNotFoundError: the folder holds no saved model.
        ValueError: the folder holds pickled or torch files, which can run code; they are never loaded.
    """
    speedups.import_bertopic()
    from bertopic import BERTopic

    folder = Path(folder)
    if not (folder / "topics.json").exists():
        raise FileNotFoundError(f"{folder} is not a saved topic model (no topics.json); pass a run's model/ folder.")
    unsafe = [p.name for p in folder.rglob("*") if p.suffix.lower() in _UNSAFE_SUFFIXES]
    if unsafe:
        raise ValueError(f"refusing to load {folder}: it holds pickled or torch files ({', '.join(unsafe)}), which can "
                         "run code. Only safetensors models are loaded.")
    return BERTopic.load(str(folder), embedding_model=embedder)


def assign_topics(model, docs: pd.DataFrame, embedder, saved_topics: pd.DataFrame,
                  saved_themes: pd.DataFrame | None = None) -> TopicResult:
    """Topics of new documents under a saved model, with the saved run's labels.

    Args:
        model: the loaded model (:func:`load_model`).
        docs: the new documents (``Corpus.documents``).
        embedder: the embedder the model was fitted with.
        saved_topics: the saved run's ``topics.csv``; counts and shares are recomputed for the new documents.
        saved_themes: the saved run's ``themes.csv`` (each new document takes its topic's theme).

    Returns:
        A :class:`~.fit.TopicResult` of the new documents. Its ``similarity`` column is the cosine similarity of a
        document's embedding to the embedding of the topic it was given (the mean of that topic's fitted documents):
        a saved model assigns by nearest topic embedding, not by the clusterer. The fitted run's outliers have an
        embedding too, so a new document nearest to it is an outlier with a similarity like any other; the
        similarity says how close, not how likely.
    """
    texts = docs["text"].tolist()
    t0 = time.perf_counter()
    embeddings = embedder.embed(texts)
    topics, probs = model.transform(texts, embeddings=embeddings)
    out = docs.copy()
    out["topic"] = np.asarray(topics, dtype=int)
    out["similarity"] = np.round(np.asarray(probs, dtype=float), 4) if probs is not None else np.nan
    labels = dict(zip(saved_topics["topic"], saved_topics["label"], strict=True))
    out["label"] = out["topic"].map(labels).fillna(OUTLIER_LABEL)
    theme_of = dict(zip(saved_topics["topic"], saved_topics["theme"], strict=True)) if "theme" in saved_topics else {}
    out["theme"] = out["topic"].map(theme_of).fillna(-1).astype(int)
    counts = out.groupby("topic").size()
    table = saved_topics[saved_topics["topic"].isin(counts.index)].copy()
    table["count"] = table["topic"].map(counts).astype(int)
    table["share"] = (table["count"] / len(out)).round(4)
    table["representative_docs"] = [[] for _ in range(len(table))]
    themes = _theme_counts(saved_themes, out) if saved_themes is not None else pd.DataFrame()
    return TopicResult(model=model, documents=out, topics=table.reset_index(drop=True), embeddings=embeddings,
                       sizing=size_for(len(out), Params()), timings={"assign_s": round(time.perf_counter() - t0, 3)},
                       themes=themes)


def _theme_counts(saved_themes: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """The saved run's themes with their counts and shares among the new documents."""
    table = saved_themes.copy()
    counts = docs.groupby("theme").size()
    table["count"] = table["theme"].map(counts).fillna(0).astype(int)
    table["share"] = (table["count"] / max(1, len(docs))).round(4)
    return table[table["count"] > 0].reset_index(drop=True)
