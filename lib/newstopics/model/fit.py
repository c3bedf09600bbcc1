"""The topic model's entry point: embed through the cache, fit BERTopic on every document, return plain tables."""
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
from .graph import unit
from .labels import OUTLIER, topic_table
from .means import topic_means, unit_means
from .sizing import Sizing, size_for
from .terms import Tokens, analyzer_of
from .themes import theme_table


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
        documents: the corpus documents with ``topic``, ``theme``, ``agreement`` (the mean share of the ensemble's
            partitions that keep the document with its neighbours in its topic; empty for outliers, reassigned
            documents and documents of a zero-shot topic), ``nearest_topic`` (for an outlier, the topic nearest its
            vector; for the others their own topic), ``reassigned`` and ``label``.
        topics: one row per topic (see :func:`~.labels.topic_table`), outliers (-1) first, each with its ``theme``.
        themes: one row per theme (see :func:`~.themes.theme_table`): its topics, size, words and label.
        embeddings: the documents' vectors, row i for document row i (for a large corpus, read-only and
            memory-mapped from the embedding cache: read them, a block at a time, never write into them).
        sizing: the settings derived from the corpus size.
        timings: seconds per step (``embed_s``, ``fit_s``, ``outliers_s``, ``themes_s``).
        outliers: the reassignment strategy and the outlier share before and after it.
        fitted_topics: each document's topic as fitted, before any outlier reassignment (what stability compares).
        ensemble: the ensemble's size, edges and seconds.
        tokens: the documents' single words (:class:`~.terms.Tokens`), tokenized once by the model's analyzer for
            every reader that counts words (None: made when first asked for, :func:`~.terms.tokens_of`).
    """

    model: Any
    documents: pd.DataFrame
    topics: pd.DataFrame
    embeddings: np.ndarray
    sizing: Sizing
    timings: dict = field(default_factory=dict)
    outliers: dict = field(default_factory=dict)
    fitted_topics: np.ndarray | None = None
    ensemble: dict = field(default_factory=dict)
    themes: pd.DataFrame = field(default_factory=pd.DataFrame)
    tokens: Tokens | None = None

    def article_mix(self, by: str = "article_id") -> pd.DataFrame:
        """Share of each group's documents (``by``: article_id, source, ...) in each topic; rows sum to 1."""
        d = self.documents
        mix = pd.crosstab(d[by], d["label"], normalize="index")
        order = [lab for lab in self.topics.sort_values("topic")["label"] if lab in mix.columns]
        return mix[order]


def fit_topics(docs: pd.DataFrame, embedder, params: Params, embeddings: np.ndarray | None = None,
               client=None) -> TopicResult:
    """Embed (through the cache), fit BERTopic sized to the corpus on every document, and return document, topic and
    theme tables.

    Args:
        docs: one row per document, with ``doc_id``, ``article_id``, ``text`` and the article metadata
            (``Corpus.documents``).
        embedder: an :class:`~newstopics.embed.Embedder` (or any BERTopic embedder with ``embed``).
        params: the validated run parameters.
        embeddings: the documents' vectors, when already computed.
        client: a Dask client whose workers hold the consensus's neighbour graphs and run its members on a large
            corpus (None: this machine).

    Returns:
        A :class:`TopicResult`.

    Example:
        >>> result = fit_topics(corpus.documents, Embedder(), validate({"corpus": "seeds"}))  # doctest: +SKIP
        >>> result.topics[["topic", "theme", "count", "label"]]                            # doctest: +SKIP
    """
    timings: dict[str, float] = {}
    docs = docs.reset_index(drop=True)  # rows line up with embedding rows, whatever index the caller's table had
    t0 = time.perf_counter()
    if embeddings is None:
        embeddings = embedder.embed(docs["text"], verbose=True)  # a large column is read a slice at a time
    timings["embed_s"] = round(time.perf_counter() - t0, 3)

    s = size_for(len(docs), params)
    t0 = time.perf_counter()
    model = build_model(params, s, embedder, client=client)
    t1 = time.perf_counter()
    tokens = Tokens.of(docs["text"], analyzer_of(model.vectorizer_model))
    timings["tokens_s"] = round(time.perf_counter() - t1, 3)
    main = model.representation_model.get("Main") if isinstance(model.representation_model, dict) else None
    if main is not None:
        main.tokens = tokens  # the topic words read them instead of tokenizing the documents again
    # guided topics nudge the vectors BERTopic is given, in place: a copy, so the run's own vectors stay as they are
    given = np.array(embeddings, dtype=np.float32) if params.seed_topics else np.asarray(embeddings)
    # the texts as their column (Arrow strings), not a list of a Python string each (500 MB at 1,000,000 paragraphs)
    fitted, _ = model.fit_transform(docs["text"], embeddings=given)
    del given
    let_go(embeddings)
    fitted = np.asarray(fitted, dtype=int)
    timings["fit_s"] = round(time.perf_counter() - t0, 3)
    clustering = model.hdbscan_model
    ensemble = dict(getattr(clustering, "timings_", {}))
    timings.update({f"ensemble_{k}": ensemble.pop(k) for k in ("graph_s", "consensus_s") if k in ensemble})

    agreement = document_agreement(model, fitted)
    topics = fitted
    outliers = {"strategy": params.outlier_strategy, "before": float(np.mean(topics == OUTLIER)),
                "after": float(np.mean(topics == OUTLIER))}
    reassigned = np.zeros(len(topics), dtype=bool)
    if params.outlier_strategy != "none" and (topics == OUTLIER).any() and (topics != OUTLIER).any():
        t0 = time.perf_counter()
        new = reassign_outliers(model, docs["text"].tolist(), topics, embeddings, params)
        reassigned, topics = new != topics, new
        outliers["after"] = float(np.mean(topics == OUTLIER))
        timings["outliers_s"] = round(time.perf_counter() - t0, 3)

    out = docs.copy(deep=False)  # new columns on a shallow copy: the caller's table is left as it was
    out["topic"] = topics
    out["agreement"] = np.round(agreement, 4)
    out.loc[reassigned, "agreement"] = np.nan  # reassigned by a rule, not by the ensemble
    out["reassigned"] = reassigned
    out["nearest_topic"] = nearest_topics(model, topics, embeddings)
    t0 = time.perf_counter()
    table = topic_table(model, out, embeddings, params.top_n_words)
    themes, theme_of = theme_table(model, out, embeddings, params)
    timings["themes_s"] = round(time.perf_counter() - t0, 3)
    forget_presence(model)
    table.insert(1, "theme", table["topic"].map(theme_of).fillna(-1).astype(int))
    out["theme"] = out["topic"].map(theme_of).fillna(-1).astype(int)
    out["label"] = out["topic"].map(dict(zip(table["topic"], table["label"], strict=True)))
    return TopicResult(model=model, documents=out, topics=table, embeddings=embeddings, sizing=s, timings=timings,
                       outliers=outliers, fitted_topics=fitted, ensemble=ensemble, themes=themes, tokens=tokens)


def forget_presence(model) -> None:
    """Drop the document-word presence the main representation kept for the themes' words (documents x words) and
    the documents' tokens: a saved or reused model does not need them."""
    main = model.representation_model.get("Main") if isinstance(model.representation_model, dict) else None
    for name in ("presence_", "words_", "order_"):
        if hasattr(main, name):
            delattr(main, name)
    if main is not None:
        main.tokens = None  # the result keeps them (TopicResult.tokens), the model does not


def document_agreement(model, topics: np.ndarray) -> np.ndarray:
    """Each document's agreement with its topic (see ``GraphConsensus.agreement``); NaN where unknown, as for
    documents a zero-shot topic took before the ensemble saw the rest."""
    clustering = model.hdbscan_model
    if not hasattr(clustering, "agreement"):
        return np.full(len(topics), np.nan)
    return clustering.agreement(topics)


def nearest_topics(model, topics: np.ndarray, embeddings) -> np.ndarray:
    """Each document's topic, and for an outlier the topic whose mean vector is nearest its own (cosine): the topic
    the report offers for it."""
    topics = np.asarray(topics)
    out = topics.copy()
    ids = np.array(sorted(set(topics.tolist()) - {OUTLIER}))
    rows = np.flatnonzero(topics == OUTLIER)
    if not len(rows) or not len(ids):
        return out
    out[rows] = ids[np.argmax(unit(take(embeddings, rows)) @ unit_means(embeddings, topics, ids).T, axis=1)]
    return out


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
