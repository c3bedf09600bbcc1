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


VOTERS = 15  # fitted documents nearest a new one that vote on its topic (as many as a document's graph neighbours)
SAME = 1 - 1e-6  # cosine similarity at which a new document is one of the fitted documents: it keeps that one's topic
QUERY_BLOCK = 2048  # new documents compared with the fitted ones at a time
FITTED_BLOCK = 65_536  # fitted documents read (from disk, for a large run) at a time


def nearest_fitted(queries: np.ndarray, fitted, k: int = VOTERS,
                   block: int = FITTED_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` fitted documents nearest each query by cosine similarity, exactly, in blocks (fitted vectors
    memory-mapped on disk are read a block at a time): ``(rows, similarities)``, most similar first."""
    from ..memory import in_blocks
    from .graph import unit

    k = min(k, len(fitted))
    rows = np.empty((len(queries), k), dtype=np.int64)
    sims = np.empty((len(queries), k), dtype=np.float32)
    for q0, q in in_blocks(unit(np.asarray(queries, dtype=np.float32)), size=QUERY_BLOCK):
        best_s = np.full((len(q), 0), -np.inf, dtype=np.float32)
        best_r = np.zeros((len(q), 0), dtype=np.int64)
        for f0, part in in_blocks(fitted, size=block):
            s = q @ unit(part).T
            cand_s = np.hstack([best_s, s])
            cand_r = np.hstack([best_r, np.broadcast_to(np.arange(f0, f0 + len(part)), s.shape)])
            keep = np.argpartition(-cand_s, k - 1, axis=1)[:, :k] if cand_s.shape[1] > k else np.argsort(-cand_s)
            best_s = np.take_along_axis(cand_s, keep, axis=1)
            best_r = np.take_along_axis(cand_r, keep, axis=1)
        order = np.argsort(-best_s, axis=1, kind="stable")
        rows[q0:q0 + len(q)] = np.take_along_axis(best_r, order, axis=1)
        sims[q0:q0 + len(q)] = np.take_along_axis(best_s, order, axis=1)
    return rows, sims


def vote(rows: np.ndarray, sims: np.ndarray, fitted_topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each new document's topic and vote share from its nearest fitted documents (:func:`nearest_fitted`).

    A document whose nearest fitted document has the same vector (similarity >= :data:`SAME`) is that document: it
    takes its topic, so a run's own documents get exactly their topics back, outliers included. Any other takes the
    topic with the largest sum of similarities among its neighbours (the fitted outliers vote as a topic of their
    own). The vote share is that sum over the sum for all its neighbours (similarities below 0 count as 0): how much
    of its neighbourhood holds its topic.

    Example:
        >>> rows = np.array([[0, 1, 2], [2, 1, 0]])
        >>> sims = np.array([[1.0, 0.9, 0.8], [0.6, 0.3, 0.3]], dtype=np.float32)
        >>> vote(rows, sims, np.array([-1, 5, 5]))
        (array([-1,  5]), array([0.3704, 0.75  ]))
    """
    weights = np.maximum(sims.astype(np.float64), 0.0)
    held = fitted_topics[rows]
    ids = np.unique(held)
    totals = np.stack([(weights * (held == t)).sum(axis=1) for t in ids], axis=1)
    topic = ids[np.argmax(totals, axis=1)]
    same = sims[:, 0] >= SAME
    topic[same] = held[same, 0]
    mine = (weights * (held == topic[:, None])).sum(axis=1)
    share = np.divide(mine, weights.sum(axis=1), out=np.zeros(len(topic)), where=weights.sum(axis=1) > 0)
    return topic, np.round(share, 4)


def assign_topics(model, docs: pd.DataFrame, embedder, saved_topics: pd.DataFrame,
                  saved_themes: pd.DataFrame | None = None, fitted: tuple | None = None) -> TopicResult:
    """Topics of new documents under a saved run, with the saved run's labels.

    Args:
        model: the loaded model (:func:`load_model`).
        docs: the new documents (``Corpus.documents``).
        embedder: the embedder the model was fitted with.
        saved_topics: the saved run's ``topics.csv``; counts and shares are recomputed for the new documents.
        saved_themes: the saved run's ``themes.csv`` (each new document takes its topic's theme).
        fitted: ``(vectors, topics)`` of the saved run's documents (``embeddings.npy`` and documents.csv's ``topic``).

    Returns:
        A :class:`~.fit.TopicResult` of the new documents. With ``fitted``, each document's topic is the vote of its
        :data:`VOTERS` nearest fitted documents (:func:`vote`): the topics came from a graph of nearest neighbours,
        and a run's own documents get exactly their topics back. ``vote_share`` says how much of its neighbourhood
        holds its topic. Without ``fitted`` (a bare model folder), BERTopic's own rule: the topic whose mean vector
        is nearest, and ``vote_share`` is empty. Either way ``similarity`` is the cosine similarity of the document
        to its topic's mean vector (the fitted run's outliers have a mean vector too): how close, not how likely.
    """
    from .graph import unit

    texts = docs["text"].tolist()
    t0 = time.perf_counter()
    embeddings = embedder.embed(texts)
    if fitted is not None:
        rows, sims = nearest_fitted(embeddings, fitted[0])
        topics, share = vote(rows, sims, np.asarray(fitted[1], dtype=int))
    else:
        topics, share = np.asarray(model.transform(texts, embeddings=embeddings)[0], dtype=int), np.nan
    means = unit(np.asarray(model.topic_embeddings_, dtype=np.float32))
    out = docs.copy()
    out["topic"] = topics
    out["vote_share"] = share
    out["similarity"] = np.round(np.sum(unit(embeddings) * means[topics + model._outliers], axis=1), 4)
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
