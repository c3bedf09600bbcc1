"""The comparison every model is scored by, in the report and in ``bench/bbc_benchmark.py`` alike: words chosen on one
half of the documents, coherence counted on the other.

1. The documents are split at random (seeded by ``random_state``) into half A and half B.
2. Every model chooses its words on half A only:

   * ours: the run's topics (made from every document's *vector*: the clustering reads no word counts), their
     documents in half A, words by the run's own main representation (lift, exclusivity, then the co-occurrence
     step), and again without the co-occurrence step ("lift only");
   * NMF and LDA (``baselines``): fitted on half A's words with as many topics as ours.
3. NPMI and C_v are counted on half B, documents no word choice saw; diversity is over the chosen words.

Why held out rather than giving every model the same re-ranking: our co-occurrence step picks words that occur in the
same documents, and NPMI then rewards words that occur in the same windows of the same documents. Scored on the
documents that chose them, any model gains from such a step, and how much depends on how closely the step imitates the
score, not on the topics. Scored on documents the choice never saw, a word list earns its coherence only where the
co-occurrence generalises: the question a reader of new coverage cares about. The cost is noise on small corpora
(on the 145 seed paragraphs each half holds about 72): the report states the halves' sizes beside the scores.

Paragraphs of one article can fall in both halves; that holds for every model alike. The vocabulary (which words
pass ``min_df``) is the run's, set on all documents, for ours; NMF and LDA set theirs on half A.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.represent import COOCCURRENCE, LiftRepresentation, presence_of
from .baselines import LDA_ITERATIONS, baseline_topics
from .coherence import Scores, WindowCounts, count_windows, score_topics, single_words

HALF = 0.5  # share of the documents in half A (words chosen); the rest, half B, is scored
OURS = "BERTopic"
OURS_LIFT_ONLY = "BERTopic, lift only"


def halves(n: int, random_state: int, share: float = HALF) -> np.ndarray:
    """A boolean mask: True for the documents of half A (``round(share * n)`` of them, drawn at random).

    Example:
        >>> a = halves(10, 0)
        >>> int(a.sum()), bool((a == halves(10, 0)).all()), bool((a == halves(10, 1)).all())
        (5, True, False)
    """
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(random_state).permutation(n)[:round(share * n)]] = True
    return mask


@dataclass
class Comparison:
    """The protocol's outcome.

    Attributes:
        scores: model name -> :class:`~.coherence.Scores` (coherence on half B, diversity of the half-A words).
        words: model name -> ``{topic: words chosen on half A}``.
        counts: window counts of every scored term over *all* documents (half A + half B), for in-sample figures.
        sizes: documents in half A and half B.
    """

    scores: dict[str, Scores]
    words: dict[str, dict[int, list[str]]]
    counts: tuple[WindowCounts, WindowCounts]
    sizes: dict

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([s.row() for s in self.scores.values()])


def compare_models(texts, analyzer, vectorizer, labels: np.ndarray, weights: np.ndarray | None, *, top_n: int,
                   random_state: int, min_df: int = 1, baselines: bool = True, outlier_share: float = 0.0,
                   fit_seconds: float = 0.0, shown: dict[int, list[str]] | None = None,
                   peers: dict[str, dict[int, list[str]]] | None = None, lda_iterations: int = LDA_ITERATIONS,
                   client=None, tokens=None) -> Comparison:
    """Every model's words chosen on half A, scored on half B (see the module notes).

    Args:
        texts: the documents (a list or a pandas column), in the order of ``labels``.
        analyzer: the topic model's analyzer (its tokens are what NPMI counts).
        vectorizer: the topic model's fitted vectorizer (our words come from its vocabulary).
        labels: each document's topic (-1: outlier).
        weights: each document's weight in our words (agreement squared), or None.
        top_n: words per topic.
        random_state: seeds the halves and the baselines.
        min_df: the baselines' minimum document frequency.
        baselines: also fit NMF and LDA with as many topics as ours.
        outlier_share: our share of documents in no topic (the baselines have none).
        fit_seconds: our fit's seconds, for the table.
        shown: the report's own topic words, also counted (over all documents) so their in-sample coherence needs
            no second pass.
        peers: other models' words, already chosen on half A (:func:`halves` with this ``random_state``), scored
            beside ours (the benchmark's Top2Vec).
        lda_iterations: LDA's EM passes.
        client: a Dask client whose workers count the windows.
        tokens: ``texts`` already tokenized by ``analyzer`` (:class:`~newstopics.model.terms.Tokens`, row i for text
            i): our words and the windows are read from them instead of tokenizing the texts again.
    """
    # a column as it is held (a pyarrow one: no Python string per text, 1,000,000 of them at once before), its rows
    # numbered 0..n-1 for the halves' masks; half A becomes a list only where its texts are read
    texts = texts.reset_index(drop=True) if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    labels = np.asarray(labels, dtype=int)
    in_a = halves(len(texts), random_state)
    if tokens is not None and len(tokens) != len(texts):
        raise ValueError(f"{len(tokens):,} tokenized documents for {len(texts):,} texts")
    a_tokens, b_tokens = (None, None) if tokens is None else (tokens.take(in_a), tokens.take(~in_a))
    a_texts = texts[in_a].tolist() if tokens is None or baselines else None
    presence, vocab = presence_of(vectorizer, a_texts, a_tokens)
    a_weights = None if weights is None else np.asarray(weights)[in_a]
    words: dict[str, dict[int, list[str]]] = {}
    for name, cooccurrence in ((OURS, COOCCURRENCE), (OURS_LIFT_ONLY, 0.0)):
        rep = LiftRepresentation(None, top_n_words=top_n, cooccurrence=cooccurrence)
        chosen = rep.words_of(presence, vocab, labels[in_a], a_weights)
        words[name] = {t: [w for w, _ in ws if w] for t, ws in chosen.items() if t != -1}
    seconds = {OURS: fit_seconds, OURS_LIFT_ONLY: fit_seconds}
    k = len(words[OURS])
    if baselines and k >= 1:
        for kind, name in (("nmf", "NMF"), ("lda", "LDA")):
            words[name], _, seconds[name] = baseline_topics(kind, a_texts, analyzer, k, random_state, min_df=min_df,
                                                            top_n=top_n, lda_iterations=lda_iterations)
    for name, topics in (peers or {}).items():
        words[name], seconds[name] = topics, 0.0
    lists = list(words.values()) + ([shown] if shown else [])
    terms = [w for topics in lists for ws in topics.values() for w in single_words(ws, top_n)]
    counts_a = count_windows(a_texts if a_tokens is None else a_tokens, analyzer, terms, client=client)
    counts_b = count_windows(texts[~in_a] if b_tokens is None else b_tokens, analyzer, terms, client=client)
    scores = {name: score_topics(name, topics, None, outlier_share if name in (OURS, OURS_LIFT_ONLY) else 0.0,
                                 seconds[name], counts_b, top_n)
              for name, topics in words.items()}
    both = tuple(x + y for x, y in zip(counts_a, counts_b, strict=True))
    return Comparison(scores, words, both, {"half_a": int(in_a.sum()), "half_b": int((~in_a).sum())})
