"""A researcher's judgement applied to a finished run's topics: merge some, rename some, drop some.

The parent run is never changed: :func:`curate` works on its loaded tables, vectors and model and returns a new
:class:`~.fit.TopicResult`. A topic whose documents stay the same (renamed, or untouched) keeps its words, keywords
and label as they were; for merged topics they are computed again with the run's own vectorizer and representations
(without the fit's agreement weights, which only the fit has); topics are numbered again 0, 1, 2, ... (a saved model
needs topic ids without gaps), and ``topics.csv`` says which parent topics each one came from.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .fit import TopicResult, quiet_bertopic
from .labels import OUTLIER, topic_table
from .means import topic_means
from .themes import theme_table


def curated_topics(topics: np.ndarray, merge=None, drop=None) -> tuple[np.ndarray, dict[int, list[int]]]:
    """New topic ids after merging and dropping, and for each new id the parent topics it holds.

    Merged groups take one new id; dropped topics' documents become outliers (-1); new ids follow the smallest
    parent id of each group, so the order a researcher knows is kept.

    Example:
        >>> curated_topics(np.array([0, 1, 2, 3, -1]), merge=[[1, 3]], drop=[2])
        (array([ 0,  1, -1,  1, -1]), {0: [0], 1: [1, 3]})
    """
    topics = np.asarray(topics, dtype=int)
    group_of = {t: t for t in set(topics.tolist()) - {-1}}
    for group in merge or []:
        for t in group:
            group_of[t] = min(group)
    for t in drop or []:
        group_of[t] = OUTLIER
    kept = sorted({g for g in group_of.values() if g != OUTLIER})
    new_id = {g: i for i, g in enumerate(kept)}
    parents = {new_id[g]: sorted(t for t, h in group_of.items() if h == g) for g in kept}
    mapped = np.array([new_id.get(group_of.get(t, OUTLIER), OUTLIER) for t in topics])
    return mapped, parents


def curate(model, documents: pd.DataFrame, embeddings: np.ndarray, params, sizing, embedder, *, merge=None,
           rename=None, drop=None) -> TopicResult:
    """The run's topics merged, renamed and dropped, with words, keywords, labels and topic embeddings recomputed.

    Args:
        model: the run's loaded BERTopic model (``load_run(...).model``); it is changed in place (its topics become
            the curated ones), so curate a second time from a freshly loaded run.
        documents: the run's documents.csv (text, article metadata, topic).
        embeddings: the documents' vectors (``load_run(...).embeddings``).
        params: the run's parameters (top words, seed).
        sizing: the run's sizing (its vocabulary settings).
        embedder: the run's embedder (KeyBERT-style keywords embed words with it).
        merge: groups of parent topic ids to merge; rename: ``{parent id: label}`` (an id of a merged group names the
            merged topic); drop: parent ids whose documents become outliers.

    Returns:
        A :class:`~.fit.TopicResult`; ``topics`` has a ``parent_topics`` column.
    """
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer

    from .build import make_vectorizer
    from .represent import LiftRepresentation

    docs = documents.reset_index(drop=True)
    texts = docs["text"].tolist()
    new, parents = curated_topics(docs["topic"].to_numpy(), merge, drop)
    representation = {"Main": LiftRepresentation(None, top_n_words=params.top_n_words),
                      "KeyBERT": KeyBERTInspired(top_n_words=params.top_n_words, random_state=params.random_state),
                      "MMR": MaximalMarginalRelevance(diversity=0.3, top_n_words=params.top_n_words)}
    old = docs["topic"].to_numpy()
    unchanged = {new_id: ps[0] for new_id, ps in parents.items()
                 if len(ps) == 1 and np.array_equal(old == ps[0], new == new_id)}  # the same documents as before
    kept_words = _words_of(model, unchanged)
    model.embedding_model = embedder
    with quiet_bertopic():
        model.update_topics(texts, topics=new.tolist(), top_n_words=params.top_n_words,
                            vectorizer_model=make_vectorizer(sizing),
                            ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                            representation_model=representation)
    model.topic_embeddings_ = topic_means(embeddings, new)
    _restore_words(model, kept_words)
    names = {new_id: rename[p] for new_id, ps in parents.items() for p in ps if rename and p in rename}
    kept_labels = {new_id: docs["label"][old == parent].iloc[0] for new_id, parent in unchanged.items()
                   if new_id not in names and "label" in docs}
    out = docs.drop(columns=[c for c in ("topic", "label", "theme", "nearest_topic") if c in docs])
    out = out.assign(topic=new)
    if "agreement" in out:  # the ensemble's agreement holds for a topic with the same documents; no other has one
        out["agreement"] = out["agreement"].where(np.isin(new, list(unchanged)))
    table = topic_table(model, out, embeddings, params.top_n_words, names=names)
    themes, theme_of = theme_table(model, out, embeddings, params, themes=curated_themes(docs, new, parents))
    table.insert(1, "theme", table["topic"].map(theme_of).fillna(-1).astype(int))
    out["theme"] = out["topic"].map(theme_of).fillna(-1).astype(int)
    table["parent_topics"] = table["topic"].map(lambda t: " ".join(map(str, parents.get(t, []))))
    table.loc[table["topic"] == OUTLIER, "origin"] = "outliers"
    table["label"] = [kept_labels.get(t, label) for t, label in zip(table["topic"], table["label"], strict=True)]
    model.set_topic_labels(dict(zip(table["topic"], table["label"], strict=True)))
    out["label"] = out["topic"].map(dict(zip(table["topic"], table["label"], strict=True)))
    return TopicResult(model=model, documents=out, topics=table, embeddings=embeddings, sizing=sizing,
                       fitted_topics=new, themes=themes)


def _words_of(model, unchanged: dict[int, int]) -> dict[str, dict[int, list]]:
    """The parent's words (main representation and each aspect) of the topics whose documents stay the same, by their
    new ids."""
    aspects = {"Main": model.topic_representations_ or {}, **(getattr(model, "topic_aspects_", None) or {})}
    return {name: {new_id: list(words[parent]) for new_id, parent in unchanged.items() if parent in words}
            for name, words in aspects.items()}


def _restore_words(model, kept: dict[str, dict[int, list]]) -> None:
    """Put back the words of topics whose documents did not change: the fitted run's words come from its ensemble's
    agreement weights, which a curated run has no more, so recomputing them would change a topic only renamed."""
    for name, words in kept.items():
        target = model.topic_representations_ if name == "Main" else model.topic_aspects_.setdefault(name, {})
        target.update(words)


def curated_themes(docs: pd.DataFrame, new: np.ndarray, parents: dict[int, list[int]]) -> dict[int, int] | None:
    """Each curated topic's theme: its parents' theme, or, for a merge across themes, the theme holding most of its
    documents (ties to the lower theme id); None when the parent run has no themes (they are made afresh).

    Example:
        >>> docs = pd.DataFrame({"topic": [0, 0, 1, 2, 2, 2], "theme": [0, 0, 0, 1, 1, 1]})
        >>> curated_themes(docs, np.array([0, 0, 0, 1, 1, 1]), {0: [0, 1], 1: [2]})
        {0: 0, 1: 1}
        >>> curated_themes(docs, np.array([0, 0, 1, 0, 0, 0]), {0: [0, 2], 1: [1]})
        {0: 1, 1: 0}
    """
    if "theme" not in docs:
        return None
    themes = docs["theme"].to_numpy()
    out = {}
    for new_id in parents:
        held = themes[(new == new_id) & (themes >= 0)]
        if len(held):
            values, counts = np.unique(held, return_counts=True)
            out[int(new_id)] = int(values[np.argmax(counts)])
    return out
