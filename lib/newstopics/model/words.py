"""A sampled fit's topic words from every document: the counts behind c-TF-IDF and the lift words, summed over parts.

When the model is fitted on a sample (:mod:`.sample`), BERTopic computes its c-TF-IDF matrix and its topic words
from the fitted documents alone. Once every document has its topic, :func:`corpus_words` counts them all, a part of
:data:`CHUNK` documents at a time (on a Dask cluster's workers when there is one), and sums:

* **c-TF-IDF**: each topic's term counts, as BERTopic makes them (its text preprocessing, the model's vectorizer),
  summed over the topic's documents (BERTopic joins a topic's documents into one text first, so it also counts the
  two-word terms that span two documents' seam; these do not). The c-TF-IDF model is fitted again on the sums and
  becomes the model's ``c_tf_idf_``; ``topic_sizes_`` counts every document.
* **The main topic words** (:class:`~.represent.LiftRepresentation`): per topic, the weighted share of its documents
  that contain each single word (each weighted by its agreement squared: the ensemble's for a fitted document, the
  neighbours' vote for an assigned one), the share of all documents, and then, for each topic's candidate words,
  their document co-occurrence over all documents (a second pass). The words are chosen from these sums by the same
  steps as in the fit.

Counts of disjoint parts add up exactly (they are whole numbers, and weighted sums in float64), so the result does
not depend on how the corpus was cut or where the parts ran.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .represent import lift_of, npmi_from_counts
from .terms import PhraseAnalyzer

CHUNK = 20_000  # documents counted at a time


def corpus_words(model, texts, topics: np.ndarray, agreement: np.ndarray, client=None, chunk: int = CHUNK) -> dict:
    """Set the fitted ``model``'s c-TF-IDF matrix, topic sizes and main topic words from every document.

    Args:
        model: the BERTopic model fitted on a sample, with :class:`~.represent.LiftRepresentation` as its main
            representation.
        texts: every document's text (a list, or a pandas column), row i with ``topics[i]``.
        topics: every document's topic.
        agreement: every document's agreement with its topic (NaN counts as 1).
        client: a Dask client whose workers count the parts (None: here).
        chunk: documents per part.

    Returns:
        What was counted: documents, parts, terms.
    """
    from ..cluster import each, summed
    from ..text import in_slices

    topics = np.asarray(topics)
    weights = np.nan_to_num(np.asarray(agreement, dtype=float), nan=1.0) ** 2
    vectorizer = model.vectorizer_model
    vocabulary = vectorizer.get_feature_names_out()
    single = np.flatnonzero([" " not in w for w in vocabulary])
    singles = {w: i for i, w in enumerate(vocabulary[single])}
    ids = np.array(sorted(set(topics.tolist())))
    analyzer = vectorizer.build_analyzer()
    one_word = PhraseAnalyzer(analyzer.stop_words, (1, 1)) if isinstance(analyzer, PhraseAnalyzer) else None

    def parts():
        for start, part in in_slices(texts, chunk):
            rows = slice(start, start + len(part))
            yield {"texts": part, "topics": topics[rows], "weights": weights[rows]}

    settings = {"ids": ids, "singles": singles, "one_word": one_word or analyzer}
    first = summed(each(client, _count_part, parts(), vectorizer=vectorizer, english=model.language == "english",
                        **settings))
    counts, weighted, plain, weight, size, corpus, n = first
    counted = {"documents": int(n), "parts": -(-len(texts) // chunk), "terms": int(len(vocabulary))}
    with np.errstate(divide="ignore"):  # a two-word term seen only across a seam of BERTopic's joined texts: never
        model.ctfidf_model.fit(counts, multiplier=_multiplier(model, vocabulary))  # counted here, so no weight
    idf = model.ctfidf_model._idf_diag  # noqa: SLF001  (its infinite weights would turn new texts' rows into NaN)
    idf.data[~np.isfinite(idf.data)] = 0.0
    model.c_tf_idf_ = model.ctfidf_model.transform(counts)
    model.topic_sizes_ = {int(t): int(c) for t, c in zip(ids, size, strict=True)}

    lift = []
    for i, t in enumerate(ids):
        use_plain = t == -1 or weight[i] <= 0
        p = plain[i] / max(size[i], 1) if use_plain else weighted[i] / weight[i]
        lift.append(lift_of(p, corpus / n))
    lift = np.vstack(lift)
    main = model.representation_model.get("Main") if isinstance(model.representation_model, dict) else None
    if not hasattr(main, "candidate_words"):  # another main representation: only the c-TF-IDF is recounted
        return counted
    candidates = {int(t): chosen for t, (chosen, _) in main.candidate_words(ids.tolist(), lift).items()
                  if t != -1 and len(chosen) > 1}
    co = summed(each(client, _cooccurrence_part, parts(), candidates=candidates, **settings)) if candidates else {}
    by_columns = {tuple(candidates[t]): co[t] for t in candidates}
    model.topic_representations_ = main.choose(ids.tolist(), lift, vocabulary[single],
                                               lambda cols: npmi_from_counts(by_columns[tuple(cols)], n))
    return counted


def _presence(texts: list[str], one_word, singles: dict) -> sparse.csr_matrix:
    """Which single words of the model's vocabulary each text contains (0/1)."""
    indptr, cols = [0], []
    for t in texts:
        found = {singles[w] for w in one_word(t) if w in singles}
        cols.extend(sorted(found))
        indptr.append(len(cols))
    return sparse.csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.int64), np.asarray(indptr)),
                             shape=(len(texts), len(singles)))


def _members(topics: np.ndarray, ids: np.ndarray, weights: np.ndarray | None = None) -> sparse.csr_matrix:
    """Topic x document matrix: 1 (or the document's weight) where the document is in the topic."""
    rows = np.searchsorted(ids, topics)
    data = np.ones(len(topics)) if weights is None else np.asarray(weights, dtype=float)
    return sparse.csr_matrix((data, (rows, np.arange(len(topics)))), shape=(len(ids), len(topics)))


def _count_part(part: dict, vectorizer, english: bool, ids: np.ndarray, singles: dict, one_word):
    """One part: per topic its term counts (BERTopic's preprocessing), weighted and plain counts of documents holding
    each single word, its weight and size; and the part's documents holding each single word, and their number."""
    import re

    texts = part["texts"]
    cleaned = [t.replace("\n", " ").replace("\t", " ") for t in texts]
    if english:
        cleaned = [re.sub(r"[^A-Za-z0-9 ]+", "", t) for t in cleaned]
    cleaned = [t if t != "" else "emptydoc" for t in cleaned]
    members = _members(part["topics"], ids)
    by_weight = _members(part["topics"], ids, part["weights"])
    counts = (members @ vectorizer.transform(cleaned)).tocsr()
    presence = _presence(texts, one_word, singles)
    weighted = np.asarray((by_weight @ presence).todense())
    plain = np.asarray((members @ presence).todense())
    weight = np.asarray(by_weight.sum(axis=1)).ravel()
    size = np.asarray(members.sum(axis=1)).ravel()
    corpus = np.asarray(presence.sum(axis=0)).ravel()
    return counts, weighted, plain, weight, size, corpus, len(texts)


def _cooccurrence_part(part: dict, candidates: dict, ids: np.ndarray, singles: dict, one_word) -> dict:
    """One part: for each topic, how many documents hold each pair of its candidate words."""
    presence = _presence(part["texts"], one_word, singles).tocsc()
    out = {}
    for t, cols in candidates.items():
        sub = presence[:, cols]
        out[t] = (sub.T @ sub).toarray()
    return out


def _multiplier(model, words: np.ndarray) -> np.ndarray | None:
    """The c-TF-IDF weights of seed words, as BERTopic gives them at fit time."""
    ctfidf = model.ctfidf_model
    seeds = [w for ws in (model.seed_topic_list or []) for w in ws]
    if ctfidf.seed_words and seeds:
        base = [ctfidf.seed_multiplier if w in ctfidf.seed_words else 1 for w in words]
        return np.array([1.2 if w in seeds else v for v, w in zip(base, words, strict=True)])
    if ctfidf.seed_words:
        return np.array([ctfidf.seed_multiplier if w in ctfidf.seed_words else 1 for w in words])
    if seeds:
        return np.array([1.2 if w in seeds else 1 for w in words])
    return None
