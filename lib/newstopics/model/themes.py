"""Themes above topics: a handful of coarse groups a reader takes in at a glance, each a union of topics.

The topics are the nodes of a graph of their own, linked by the document edges between them (see
:func:`~.graph.themes_of`), and the same consensus of Leiden partitions groups them. A theme's words are chosen from
its documents as a topic's are (lift against the corpus, exclusivity, co-occurrence: :mod:`.represent`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .graph import themes_of
from .labels import OUTLIER, make_label, surface_forms
from .means import unit_means
from .represent import LiftRepresentation, presence_of

MAX_THEMES = 15


def theme_table(model, docs: pd.DataFrame, embeddings, params, themes: dict[int, int] | None = None,
                ) -> tuple[pd.DataFrame, dict[int, int]]:
    """One row per theme, and each topic's theme.

    Args:
        model: the fitted BERTopic (its clustering's graph links the topics; its vectorizer gives the words).
        docs: the documents with their ``topic`` (row i is the fit's document i and embedding row i).
        embeddings: the documents' vectors.
        params: the run's parameters (seed, ensemble size, top words).
        themes: each topic's theme when already decided (a curated or reloaded run): only the words are made.

    Returns:
        ``(table, theme_of)``: columns ``theme, label, topics, n_topics, count, share, top_words``; and
        ``{topic: theme}`` for every topic but the outliers.
    """
    topics = docs["topic"].to_numpy()
    ids = np.array(sorted(set(topics.tolist()) - {OUTLIER}), dtype=int)
    if themes is None:
        if not len(ids):
            return pd.DataFrame(columns=["theme", "label", "topics", "n_topics", "count", "share", "top_words"]), {}
        index = np.full(len(topics), -1, dtype=np.int64)
        found = topics != OUTLIER
        index[found] = np.searchsorted(ids, topics[found])
        centroids = unit_means(embeddings, topics, ids)
        sizes = np.bincount(index[found], minlength=len(ids))
        grouped = themes_of(index, getattr(model, "hdbscan_model", None), centroids, sizes, params.random_state,
                            members=max(1, params.ensemble), max_themes=MAX_THEMES)
        themes = {int(t): int(g) for t, g in zip(ids, grouped, strict=True)}
    per_doc = np.array([themes.get(int(t), -1) for t in topics])
    words = theme_words(model, docs, per_doc, params.top_n_words)
    forms = surface_forms({w for ws in words.values() for w in ws[:3]}, docs["text"].head(5000).tolist())
    rows = []
    for g in sorted(set(themes.values())):
        members = sorted(t for t, h in themes.items() if h == g)
        count = int((per_doc == g).sum())
        rows.append({"theme": g, "label": make_label(words.get(g, []), forms=forms),
                     "topics": " ".join(map(str, members)), "n_topics": len(members), "count": count,
                     "share": round(count / max(1, len(docs)), 4), "top_words": ", ".join(words.get(g, []))})
    return pd.DataFrame(rows), themes


def theme_words(model, docs: pd.DataFrame, per_doc: np.ndarray, top_n: int) -> dict[int, list[str]]:
    """Each theme's words, from its documents: the main representation's steps (lift, exclusivity, co-occurrence),
    on the document-word presence the fit already made when it is at hand."""
    main = model.representation_model.get("Main") if isinstance(model.representation_model, dict) else None
    if not isinstance(main, LiftRepresentation):
        main = LiftRepresentation(None, top_n_words=top_n)
    presence = getattr(main, "presence_", None)
    if presence is not None and presence.shape[0] == len(docs):
        labels = per_doc[main.order_]
        words = main.words_
    else:
        presence, words = presence_of(model.vectorizer_model, docs["text"].tolist())
        labels = per_doc
    chooser = LiftRepresentation(None, top_n_words=top_n, exclusivity=main.exclusivity, cooccurrence=main.cooccurrence,
                                 candidates=main.candidates)
    chosen = chooser.words_of(presence, words, labels, None)
    return {int(g): [w for w, _ in ws if w] for g, ws in chosen.items() if g != -1}
