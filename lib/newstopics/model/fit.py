"""The topic model's entry point: embed through the cache, fit BERTopic, return plain tables."""
from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..memory import let_go, take
from ..params import Params
from .build import build_model
from .labels import OUTLIER, topic_table
from .means import topic_means
from .sample import NEIGHBOURS, fit_rows, unit, vote
from .sizing import Sizing, size_for
from .words import corpus_words


@contextlib.contextmanager
def quiet_bertopic():
    """Hold back BERTopic's warning that topics set by hand must be the pipeline's last step: here they are (the
    topic embeddings are set right after, as at fit time), and the warning would print as a red box in every report.
    """
    log = logging.getLogger("BERTopic")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


@dataclass
class TopicResult:
    """A fitted topic model and what it says of the corpus.

    Attributes:
        model: the fitted ``bertopic.BERTopic``.
        documents: the corpus documents with ``topic``, ``fitted`` (whether the model was fitted on it, or it was
            assigned: see :mod:`.sample`), ``agreement`` (for a fitted document, the share of the ensemble's fits that
            put it with its topic's other documents; for an assigned one, the share of its nearest fitted documents in
            its topic; empty for fitted outliers and reassigned documents), ``reassigned`` and ``label``.
        topics: one row per topic (see :func:`~.labels.topic_table`), outliers (-1) first.
        embeddings: the documents' vectors, row i for document row i (for a large corpus, read-only and
            memory-mapped from the embedding cache: read them, a block at a time, never write into them).
        sizing: the settings derived from the corpus size.
        timings: seconds per step (``embed_s``, ``fit_s``, ``outliers_s``).
        outliers: the reassignment strategy and the outlier share before and after it.
        fitted_topics: each document's topic as fitted, before any outlier reassignment (what stability compares).
        ensemble: the ensemble's size and whether its fits were read from the cache.
        fit: how many documents were fitted and how many assigned, and how (``documents``, ``fitted``,
            ``assigned``, ``method``, ``neighbours``).
        fit_rows: row numbers of the fitted documents (all rows when the whole corpus was fitted).
    """

    model: Any
    documents: pd.DataFrame
    topics: pd.DataFrame
    embeddings: np.ndarray
    sizing: Sizing
    timings: dict = field(default_factory=dict)
    outliers: dict = field(default_factory=dict)
    fitted_topics: np.ndarray | None = None
    ensemble: dict = field(default_factory=dict)  # members, and whether their fits came from the ensemble cache
    fit: dict = field(default_factory=dict)
    fit_rows: np.ndarray | None = None

    def fitted_rows(self) -> np.ndarray:
        """Row numbers of the documents the model was fitted on (all of them unless it was fitted on a sample)."""
        return np.arange(len(self.documents)) if self.fit_rows is None else self.fit_rows

    def article_mix(self, by: str = "article_id") -> pd.DataFrame:
        """Share of each group's documents (``by``: article_id, source, ...) in each topic; rows sum to 1."""
        d = self.documents
        mix = pd.crosstab(d[by], d["label"], normalize="index")
        order = [lab for lab in self.topics.sort_values("topic")["label"] if lab in mix.columns]
        return mix[order]


def fit_topics(docs: pd.DataFrame, embedder, params: Params, embeddings: np.ndarray | None = None,
               client=None) -> TopicResult:
    """Embed (through the cache), fit BERTopic sized to the corpus (on a sample of a large one, the other documents
    assigned: :mod:`.sample`), and return document and topic tables.

    Args:
        docs: one row per document, with ``doc_id``, ``article_id``, ``text`` and the article metadata
            (``Corpus.documents``).
        embedder: an :class:`~newstopics.embed.Embedder` (or any BERTopic embedder with ``embed``).
        params: the validated run parameters.
        embeddings: the documents' vectors, when already computed.
        client: a Dask client whose workers assign the documents outside the fitted sample (None: in-process).

    Returns:
        A :class:`TopicResult`.

    Example:
        >>> result = fit_topics(corpus.documents, Embedder(), validate({"corpus": "seeds"}))  # doctest: +SKIP
        >>> result.topics[["topic", "count", "label"]]                                      # doctest: +SKIP
    """
    timings: dict[str, float] = {}
    docs = docs.reset_index(drop=True)  # rows line up with embedding rows, whatever index the caller's table had
    n = len(docs)
    t0 = time.perf_counter()
    if embeddings is None:
        embeddings = embedder.embed(docs["text"], verbose=True)  # a large column is read a slice at a time
    timings["embed_s"] = round(time.perf_counter() - t0, 3)

    rows = fit_rows(n, params.fit_sample, params.random_state)
    s = size_for(len(rows), params)
    t0 = time.perf_counter()
    model = build_model(params, s, embedder)
    fit_texts = docs["text"].iloc[rows].tolist()
    in_fit, _ = model.fit_transform(fit_texts, embeddings=take(embeddings, rows))
    timings["fit_s"] = round(time.perf_counter() - t0, 3)
    ensemble = dict(getattr(model.hdbscan_model, "timings_", {}))
    timings.update({f"ensemble_{k}": ensemble.pop(k) for k in ("members_s", "consensus_s") if k in ensemble})

    fitted = np.full(n, OUTLIER, dtype=int)
    fitted[rows] = np.asarray(in_fit, dtype=int)
    agreement = np.full(n, np.nan)
    agreement[rows] = document_agreement(model, fitted[rows])
    is_fitted = np.zeros(n, dtype=bool)
    is_fitted[rows] = True
    sampled = len(rows) < n
    fit = {"documents": n, "fitted": int(len(rows)), "assigned": int(n - len(rows)),
           "method": "neighbours" if sampled else None, "neighbours": NEIGHBOURS if sampled else None}
    if sampled:
        t0 = time.perf_counter()
        rest = np.flatnonzero(~is_fitted)
        fitted[rest], agreement[rest] = assign_rest(embeddings, rows, fitted[rows], rest, client)
        timings["assign_s"] = round(time.perf_counter() - t0, 3)
    topics = fitted
    outliers = {"strategy": params.outlier_strategy, "before": float(np.mean(topics == OUTLIER)),
                "after": float(np.mean(topics == OUTLIER))}
    reassigned = np.zeros(len(topics), dtype=bool)
    if params.outlier_strategy != "none" and (topics == OUTLIER).any() and (topics != OUTLIER).any():
        t0 = time.perf_counter()
        new = reassign_outliers(model, docs["text"].tolist(), topics, embeddings, params)  # words from all documents
        reassigned, topics = new != topics, new
        outliers["after"] = float(np.mean(topics == OUTLIER))
        timings["outliers_s"] = round(time.perf_counter() - t0, 3)
    elif sampled:  # the words from every document, not only the fitted sample's
        t0 = time.perf_counter()
        fit["words"] = corpus_words(model, docs["text"], topics, agreement, client)
        timings["words_s"] = round(time.perf_counter() - t0, 3)

    out = docs.copy(deep=False)  # new columns on a shallow copy: the caller's table is left as it was
    out["topic"] = topics
    out["fitted"] = is_fitted
    out["agreement"] = np.round(agreement, 4)
    out.loc[reassigned, "agreement"] = np.nan  # reassigned by a rule, not by the ensemble
    out["reassigned"] = reassigned
    table = topic_table(model, out, embeddings, params.top_n_words)
    out["label"] = out["topic"].map(dict(zip(table["topic"], table["label"], strict=True)))
    return TopicResult(model=model, documents=out, topics=table, embeddings=embeddings, sizing=s, timings=timings,
                       outliers=outliers, fitted_topics=fitted, ensemble=ensemble, fit=fit,
                       fit_rows=rows if sampled else None)


def assign_rest(embeddings: np.ndarray, rows: np.ndarray, topics: np.ndarray, rest: np.ndarray,
                client=None) -> tuple[np.ndarray, np.ndarray]:
    """Topics of the documents ``rest`` by a vote of their nearest fitted documents (``rows``, with ``topics``),
    on the cluster's workers when a running ``client`` is given, and each vote's share."""
    from ..cluster import assign_on_workers, running

    fitted_unit = unit(take(embeddings, rows))
    if running(client):
        return assign_on_workers(client, embeddings, fitted_unit, topics, rows=rest)
    return vote(embeddings, fitted_unit, topics, rows=rest)


def document_agreement(model, topics: np.ndarray) -> np.ndarray:
    """Each document's agreement with its topic (see ``ConsensusClustering.agreement``); NaN where unknown, as for
    documents a zero-shot topic took before the ensemble saw the rest."""
    clustering = model.hdbscan_model
    matrix = getattr(clustering, "coassociation_", None)
    if matrix is None or len(matrix) != len(topics):
        return np.full(len(topics), np.nan)
    return clustering.agreement(topics)


def reassign_outliers(model, texts: list[str], topics: np.ndarray, embeddings: np.ndarray,
                      params: Params) -> np.ndarray:
    """Outlier documents given a topic by ``params.outlier_strategy``; the topics' words and embeddings follow.

    BERTopic's ``update_topics`` rebuilds the words but leaves ``topic_embeddings_`` with a row for the outlier topic
    that no longer exists, so a saved model would label new documents one topic off; the topic embeddings are set
    again here as BERTopic makes them at fit time: the mean embedding of each topic's documents, in topic order.
    """
    strategy = params.outlier_strategy
    new = np.asarray(model.reduce_outliers(texts, topics.tolist(), strategy=strategy,
                                           embeddings=embeddings if strategy == "embeddings" else None), dtype=int)
    let_go(embeddings)  # vectors on disk: what BERTopic read of them is not kept
    with quiet_bertopic():
        model.update_topics(texts, topics=new.tolist(), top_n_words=params.top_n_words,
                            vectorizer_model=model.vectorizer_model, ctfidf_model=model.ctfidf_model,
                            representation_model=model.representation_model)
    model.topic_embeddings_ = topic_means(embeddings, new)
    return new
