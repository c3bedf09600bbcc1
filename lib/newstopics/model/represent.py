"""A topic's words: the words its documents use far more often than the corpus does, and that occur together.

:class:`LiftRepresentation` is BERTopic's main representation (what ``get_topic`` returns and ``topics.csv`` calls
``top_words``). For each topic and single word:

1. **Lift.** ``p * log(p / p_corpus)``, where ``p`` is the share of the topic's documents that contain the word and
   ``p_corpus`` the share of all documents. Each document counts by the square of its agreement (the share of the
   ensemble's partitions that keep it with its neighbours in the topic), so documents the ensemble keeps together
   describe the topic and documents that drift between topics count little.
2. **Exclusivity.** A word describes a topic only where its lift is at least half its best lift in any topic, so a
   word shared by two topics is left to the one it describes best.
3. **Co-occurrence.** Of the 30 best words, the top words are chosen one by one, each by the mean of its scaled lift
   and its mean NPMI of *document* co-occurrence (over the fitted corpus) with the words already chosen: words that
   appear in the same documents make a topic a reader can recognise.

Only the fitted documents are used (never evaluation counts or labels); the same method runs on every corpus.
Single words only, so that BERTopic and the NMF/LDA baselines are scored on the same kind of terms; two-word phrases
stay in the KeyBERT and MMR keywords (and the labels made from them). Measured on BBC News (K = 10..50, 3 seeds):
with the consensus clustering, c-TF-IDF words scored NPMI 0.183, lift with exclusivity 0.208, and with the
co-occurrence step 0.218 (NMF in the same run: 0.209); ``bench/results/bbc_news.md``.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .. import speedups

EXCLUSIVITY = 0.6  # a word describes topics where its lift is at least this share of its best lift
COOCCURRENCE = 0.5  # weight of document co-occurrence against lift when the top words are chosen
CANDIDATES = 30  # words considered per topic for the co-occurrence step
AGREEMENT_POWER = 2.0  # documents count by their agreement to this power


def _base():
    return speedups.import_bertopic().representation.BaseRepresentation


class LiftRepresentation(_base()):
    """Topic words by agreement-weighted document-frequency lift, exclusivity and document co-occurrence.

    Args:
        clustering: the fitted :class:`~.graph.GraphConsensus` (for each document's agreement), or None to
            weigh every document alike.
        top_n_words: words per topic.
        exclusivity, cooccurrence, candidates: see the module notes.
    """

    def __init__(self, clustering=None, top_n_words: int = 10, exclusivity: float = EXCLUSIVITY,
                 cooccurrence: float = COOCCURRENCE, candidates: int = CANDIDATES):
        self.clustering = clustering
        self.top_n_words = top_n_words
        self.exclusivity = exclusivity
        self.cooccurrence = cooccurrence
        self.candidates = candidates
        self.tokens = None  # the fitted documents tokenized (:class:`~.terms.Tokens`), while the fit runs

    def extract_topics(self, topic_model, documents, c_tf_idf, topics):
        """BERTopic's hook: ``{topic: [(word, score), ...]}`` for the topics of ``documents``."""
        labels = documents["Topic"].to_numpy().astype(int)
        order = documents["ID"].to_numpy() if "ID" in documents else np.arange(len(labels))
        tokens = getattr(self, "tokens", None)
        if tokens is not None and len(order) == len(tokens):  # the fitted documents, all of them (ids 0..n-1)
            if not np.array_equal(order, np.arange(len(order))):  # in order, as BERTopic keeps them: no copy
                tokens = tokens.take(order)
            presence, words = presence_of(topic_model.vectorizer_model, None, tokens)
        else:
            presence, words = presence_of(topic_model.vectorizer_model, documents["Document"].tolist())
        self.presence_, self.words_, self.order_ = presence, words, order  # kept for the themes' words
        return self.words_of(presence, words, labels, self._weights(documents, labels))

    def words_of(self, presence: sparse.csr_matrix, words: np.ndarray, labels: np.ndarray,
                 weights: np.ndarray | None) -> dict:
        """``{topic: [(word, score), ...]}`` for documents with these word ``presence`` rows (:func:`presence_of`),
        topics (``labels``) and weights (None: every document alike)."""
        ids, lift = topic_lift(presence, labels, weights)
        # only the candidate words' columns are read for their co-occurrence: those, by column (the whole matrix by
        # column was a second copy of it, 420 MB at 1,000,000 paragraphs)
        wanted = sorted({c for cols, _ in self.candidate_words(ids, lift).values() for c in cols})
        at = {c: i for i, c in enumerate(wanted)}
        by_column = presence[:, wanted].tocsc()
        return self.choose(ids, lift, words, lambda cols: document_npmi(by_column[:, [at[c] for c in cols]]))

    def candidate_words(self, ids: list[int], lift: np.ndarray) -> dict[int, tuple[list[int], np.ndarray]]:
        """Per topic, the columns of its candidate words, best lift first after the exclusivity step, and their
        scores (all columns)."""
        found = np.array([t != -1 for t in ids])
        best = lift[found].max(axis=0) if found.any() else lift.max(axis=0)
        out = {}
        for row, topic in enumerate(ids):
            score = lift[row].copy()
            if topic != -1:
                score[score < self.exclusivity * best] = 0.0
            ranked = np.argsort(-score, kind="stable")[:max(self.candidates, self.top_n_words)]
            out[topic] = ([j for j in ranked if score[j] > 0], score)
        return out

    def choose(self, ids: list[int], lift: np.ndarray, words: np.ndarray, npmi_of) -> dict:
        """``{topic: [(word, score), ...]}`` from the lift matrix; ``npmi_of(columns)`` gives the document NPMI
        between those columns' words (see :func:`document_npmi`)."""
        out = {}
        for topic, (chosen, score) in self.candidate_words(ids, lift).items():
            if self.cooccurrence > 0 and topic != -1 and len(chosen) > 1:
                chosen = self._by_cooccurrence(npmi_of(chosen), chosen, score[chosen] / score[chosen].max())
            chosen = chosen[:self.top_n_words]
            out[topic] = [(str(words[j]), float(score[j])) for j in chosen]
            out[topic] += [("", 1e-5)] * (self.top_n_words - len(out[topic]))
        return out

    def _weights(self, documents, labels: np.ndarray) -> np.ndarray | None:
        """Each document's agreement to the power 2, when the clustering saw exactly these documents."""
        c = self.clustering
        if c is None or getattr(c, "labels_", None) is None or len(labels) != len(c.labels_):
            return None
        order = documents["ID"].to_numpy() if "ID" in documents else np.arange(len(labels))
        in_fit_order = np.full(len(labels), -1)
        in_fit_order[order] = labels
        return agreement_weights(c.agreement(in_fit_order))[order]

    def _by_cooccurrence(self, npmi: np.ndarray, chosen: list[int], scaled: np.ndarray) -> list[int]:
        """The candidates re-ordered greedily by scaled lift and mean document-NPMI with the words already picked."""
        picked = [0]
        while len(picked) < min(self.top_n_words, len(chosen)):
            rest = [i for i in range(len(chosen)) if i not in picked]
            value = [(1 - self.cooccurrence) * scaled[i] + self.cooccurrence * npmi[i, picked].mean() for i in rest]
            picked.append(rest[int(np.argmax(value))])
        return [chosen[i] for i in picked] + [c for i, c in enumerate(chosen) if i not in picked]


def agreement_weights(agreement) -> np.ndarray:
    """Each document's weight in its topic's words: its agreement to the power :data:`AGREEMENT_POWER`; a document
    without agreement (no neighbour in its own topic: joined by its mean vector, or placed by a rule) weighs 0, it
    does not describe the topic."""
    return np.nan_to_num(np.asarray(agreement, dtype=float), nan=0.0) ** AGREEMENT_POWER


def presence_of(vectorizer, texts, tokens=None) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Which single words each document contains (0/1), over a fitted vectorizer's vocabulary, and those words.

    With the model's phrase analyzer the words are read alone (:class:`~.terms.Tokens`), without making the two-word
    phrases the vectorizer would count and this would drop: the same matrix, in about half the time; ``tokens``: the
    texts already tokenized so (then ``texts`` is not read)."""
    vocabulary = np.asarray(vectorizer.get_feature_names_out())
    single = vocabulary[[" " not in w for w in vocabulary]]
    if tokens is None and not hasattr(vectorizer.analyzer, "words"):
        presence = vectorizer.transform(list(texts)).tocsr()[:, np.flatnonzero([" " not in w for w in vocabulary])]
        presence = presence.tocsr()
        presence.data[:] = 1.0
        return presence, single
    if tokens is None:
        from .terms import Tokens

        tokens = Tokens.of(texts, vectorizer.analyzer)
    return tokens.presence(single), single


def topic_lift(presence: sparse.csr_matrix, labels: np.ndarray,
               weights: np.ndarray | None) -> tuple[list[int], np.ndarray]:
    """``(topic ids, lift matrix)``: per topic and word, ``p log(p / p_corpus)`` (negative lifts as 0).

    ``p`` is the weighted share of the topic's documents containing the word; ``p_corpus`` the share of all documents.
    """
    labels = np.asarray(labels)
    ids = sorted(set(labels.tolist()))
    # whole counts in any float width are exact: summed as float64 from here on
    p_corpus = np.asarray(presence.sum(axis=0), dtype=np.float64).ravel() / presence.shape[0]
    code = np.searchsorted(ids, labels)
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64).copy()
    total = np.bincount(code, w, minlength=len(ids))
    alike = np.isin(code, np.flatnonzero((total <= 0) | (np.asarray(ids) == -1)))  # outliers, or no weight at all
    w[alike] = 1.0
    total = np.bincount(code, w, minlength=len(ids))
    # every topic's weighted word sums in one product (topics x documents by documents x words): no topic's rows
    # copied out of the matrix (a theme of 600,000 documents was a copy of 370 MB)
    by_topic = sparse.csr_matrix((w, (code, np.arange(len(labels)))), shape=(len(ids), len(labels)))
    sums = np.asarray((by_topic @ presence).todense(), dtype=np.float64)
    return ids, np.vstack([lift_of(sums[i] / total[i], p_corpus) for i in range(len(ids))])


def lift_of(p: np.ndarray, p_corpus: np.ndarray) -> np.ndarray:
    """``p log(p / p_corpus)`` per word, negative lifts (and words never seen) as 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where((p > 0) & (p_corpus > 0), p * np.log(p / p_corpus), 0.0)
    return np.maximum(lift, 0.0)


def document_npmi(presence: sparse.spmatrix) -> np.ndarray:
    """NPMI between the columns of a document x word presence matrix, by document co-occurrence (0 where unseen)."""
    return npmi_from_counts((presence.T @ presence).toarray().astype(np.float64), presence.shape[0])


def npmi_from_counts(co: np.ndarray, n: int) -> np.ndarray:
    """NPMI between words from their document co-occurrence counts (``co``, the diagonal their own counts) in ``n``
    documents; 0 where a word is unseen."""
    co = co / n
    p = np.diag(co).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log((co + 1e-12) / (np.outer(p, p) + 1e-24)) / -np.log(co + 1e-12)
    out[np.outer(p, p) == 0] = 0.0
    return out
