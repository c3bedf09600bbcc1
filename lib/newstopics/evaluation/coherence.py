"""Coherence and diversity of topic words, on the run's own documents.

* **NPMI** (normalised pointwise mutual information), OCTIS/gensim ``c_npmi`` style: boolean sliding windows of
  10 tokens over each document (one window for a shorter document); for every pair of a topic's top-10 terms,
  ``log((p(a,b) + 1e-12) / (p(a) p(b))) / -log(p(a,b) + 1e-12)``; averaged over pairs, then over topics. A
  two-word term occurs in a window when both words do. Range -1..1; higher means the words co-occur more
  than chance.
* **C_v**: the same probabilities over windows of 110 tokens; each word's vector of NPMI values with the topic's
  words is compared (cosine) with the sum of all those vectors; averaged over words, then topics. Range 0..1.
* **Topic diversity**: unique terms among all topics' top-10 / (10 × topics).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

TOP_N = 10
NPMI_WINDOW = 10
CV_WINDOW = 110
EPS = 1e-12


class WindowCounts:
    """Window occurrence counts of terms (words or two-word phrases) in tokenized documents.

    ``docs_tokens``: the documents as lists of words, or tokenized once (:class:`~newstopics.model.terms.Tokens`).
    Counts of disjoint sets of documents add up (``a + b``) to the counts of their union, so a large corpus is
    counted in parts (:func:`count_windows`), on a cluster's workers or here, never as one matrix of all its windows.
    """

    def __init__(self, docs_tokens, terms: list[str], window: int):
        from ..model.terms import Tokens

        words = sorted({w for t in terms for w in t.split()})
        tokens = docs_tokens if isinstance(docs_tokens, Tokens) else Tokens.from_lists(docs_tokens)
        self._count(tokens.mapped(words), tokens.indptr, words, terms, window)

    @classmethod
    def of_mapped(cls, ids: np.ndarray, indptr: np.ndarray, words: list[str], terms: list[str],
                  window: int) -> WindowCounts:
        """Counts from documents given as positions in ``words`` (-1 for any other word), ``ids[indptr[i]:indptr[i +
        1]]`` for document i: what a part sent to a worker carries."""
        out = object.__new__(cls)
        out._count(ids, indptr, words, terms, window)
        return out

    def _count(self, ids: np.ndarray, indptr: np.ndarray, words: list[str], terms: list[str], window: int) -> None:
        # every (window, word) pair at once: a word at position p of a document of n_win windows is in windows
        # max(0, p - window + 1) .. min(p, n_win - 1) of that document, one window for a document shorter than one
        lengths = np.diff(indptr)
        n_win = np.maximum(1, lengths - window + 1)
        first_window = np.cumsum(n_win) - n_win
        doc = np.repeat(np.arange(len(lengths)), lengths)
        at = np.flatnonzero(ids >= 0)
        doc = doc[at]
        p = at - indptr[doc]
        lo = np.maximum(0, p - window + 1)
        lens = np.minimum(p, n_win[doc] - 1) - lo + 1
        starts = np.cumsum(lens) - lens
        rows = np.repeat(first_window[doc] + lo - starts, lens) + np.arange(int(lens.sum()))
        cols = np.repeat(ids[at], lens)
        del doc, p, lo, starts
        self.window = window
        self.n_windows = n_windows = int(n_win.sum())
        w = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_windows, len(words)))
        del rows, cols
        w.data[:] = 1.0  # presence, not counts
        index = {wd: i for i, wd in enumerate(words)}
        self.terms = list(dict.fromkeys(terms))
        cols_t = []
        for t in self.terms:
            col = None
            for wd in t.split():
                c = w[:, index[wd]]
                col = c if col is None else col.multiply(c)
            cols_t.append(col)
        matrix = sparse.hstack(cols_t).tocsc() if cols_t else sparse.csc_matrix((n_windows, 0))
        matrix.data[:] = 1.0
        self.col = {t: i for i, t in enumerate(self.terms)}
        self.co = (matrix.T @ matrix).toarray()  # float64: whole numbers, exact in any sum up to 2**53
        self.single = np.diag(self.co).copy()

    def __add__(self, other: WindowCounts) -> WindowCounts:
        if other.terms != self.terms or other.window != self.window:
            raise ValueError("window counts of different terms or windows do not add up")
        out = object.__new__(WindowCounts)
        out.__dict__.update(self.__dict__)
        out.n_windows = self.n_windows + other.n_windows
        out.co = self.co + other.co
        out.single = np.diag(out.co).copy()
        return out

    def npmi(self, a: list[str]) -> np.ndarray:
        """Matrix of NPMI between the given terms."""
        idx = [self.col[t] for t in a]
        n = max(self.n_windows, 1)
        pab = self.co[np.ix_(idx, idx)] / n
        pa = self.single[idx] / n
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log((pab + EPS) / (np.outer(pa, pa) + EPS * EPS))
            out = pmi / -np.log(pab + EPS)
        out[np.outer(pa, pa) == 0] = 0.0  # a term never seen: no evidence either way (gensim gives 0 too)
        return out


def _per_topic(topics: list[list[str]], counts: WindowCounts, score) -> list[float]:
    """``score(npmi_matrix)`` for each topic's terms; NaN for a topic with fewer than two terms the counts know."""
    scores = []
    for words in topics:
        words = [w for w in words if w in counts.col]
        scores.append(float(score(counts.npmi(words))) if len(words) >= 2 else float("nan"))
    return scores


def npmi_coherence(topics: list[list[str]], counts: WindowCounts) -> list[float]:
    """Mean NPMI over each topic's pairs of terms (pass each topic's top-N terms)."""
    return _per_topic(topics, counts, lambda m: np.mean(m[np.triu_indices(len(m), 1)]))


def _cv(m: np.ndarray) -> float:
    m = m.copy()
    np.fill_diagonal(m, 1.0)
    total = m.sum(axis=0)
    return np.mean([v @ total / (np.linalg.norm(v) * np.linalg.norm(total) + EPS) for v in m])


def cv_coherence(topics: list[list[str]], counts: WindowCounts) -> list[float]:
    """C_v: cosine of each term's NPMI vector with the topic's summed vector, averaged (windows of 110 tokens)."""
    return _per_topic(topics, counts, _cv)


def diversity(topics: list[list[str]], top_n: int = TOP_N) -> float:
    """Unique terms among all topics' top ``top_n`` terms, over how many terms those lists hold (``top_n`` x topics
    when every topic has that many).

    Example:
        >>> diversity([["a", "b", "c"], ["a", "d", "e"]], top_n=3)
        0.8333333333333334
    """
    words = [w for t in topics for w in t[:top_n]]
    return len(set(words)) / len(words) if words else float("nan")


def single_words(terms: list[str], top_n: int = TOP_N) -> list[str]:
    """The first ``top_n`` single words of a ranked term list: every model is scored on the same kind of terms.

    A two-word phrase beside its own words ("open", "open source") would otherwise score high on any text.
    """
    return [t for t in terms if t and " " not in t][:top_n]


@dataclass
class Scores:
    model: str
    n_topics: int
    npmi: float
    c_v: float
    diversity: float
    outlier_share: float
    per_topic: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = 0.0

    def row(self) -> dict:
        return {
            "model": self.model,
            "topics": self.n_topics,
            "npmi": round(self.npmi, 4),
            "c_v": round(self.c_v, 4),
            "diversity": round(self.diversity, 4),
            "outlier_share": round(self.outlier_share, 4),
            "fit_seconds": round(self.seconds, 2),
        }


def tokenize(texts, analyzer):
    """The documents' single-word tokens in document order, as the topic model's analyzer sees them: a
    :class:`~newstopics.model.terms.Tokens` (``.lists()`` gives them as lists of words)."""
    from ..model.terms import Tokens

    return Tokens.of(texts, analyzer)


CHUNK_DOCS = 20_000  # documents counted at a time: one part's windows in memory, never the whole corpus's


def count_windows(texts, analyzer, terms: list[str], windows: tuple[int, ...] = (NPMI_WINDOW, CV_WINDOW),
                  client=None, chunk: int = CHUNK_DOCS) -> tuple[WindowCounts, ...]:
    """Window counts of ``terms`` in ``texts`` (a list, or a pandas column, tokenized by ``analyzer``; or documents
    already tokenized, :class:`~newstopics.model.terms.Tokens`, and ``analyzer`` unused) for each window size,
    counted in parts of ``chunk`` documents (cut as they are counted) and summed: on the cluster's workers when a
    running ``client`` is given, else here. Either way the counts are the same whole numbers as one count over all
    documents. A part of tokens travels as positions among the terms' words: a few bytes a token.

    Example:
        >>> from newstopics.model.terms import news_analyzer
        >>> small, large = count_windows(["Chips and export rules.", "Export rules for chips."], news_analyzer(),
        ...                              ["chips", "export"])
        >>> small.n_windows, int(small.co[0, 1])
        (2, 2)
    """
    from ..cluster import each, summed
    from ..model.terms import Tokens
    from ..text import in_slices

    if isinstance(texts, Tokens):
        words = sorted({w for t in terms for w in t.split()})
        parts = ((part.mapped(words), part.indptr) for part in texts.slices(chunk))
        return summed(each(client, _count_mapped, parts, words=words, terms=terms, windows=windows))
    parts = (part for _, part in in_slices(texts, chunk)) if len(texts) else iter([[]])  # cut as they are counted
    return summed(each(client, _count_part, parts, analyzer=analyzer, terms=terms, windows=windows))


def _count_part(texts: list[str], analyzer, terms: list[str], windows: tuple[int, ...]) -> tuple[WindowCounts, ...]:
    """One part: its texts tokenized, then counted for each window size."""
    tokens = tokenize(texts, analyzer)
    return tuple(WindowCounts(tokens, terms, w) for w in windows)


def _count_mapped(part: tuple[np.ndarray, np.ndarray], words: list[str], terms: list[str],
                  windows: tuple[int, ...]) -> tuple[WindowCounts, ...]:
    """One part of tokens, as positions among ``words``: counted for each window size."""
    ids, indptr = part
    return tuple(WindowCounts.of_mapped(ids, indptr, words, terms, w) for w in windows)


def score_topics(name: str, topics: dict[int, list[str]], docs_tokens, outlier_share: float = 0.0,
                 seconds: float = 0.0, counts: tuple[WindowCounts, WindowCounts] | None = None,
                 top_n: int = TOP_N) -> Scores:
    """NPMI, C_v and diversity of a model's topics, on each topic's first ``top_n`` single words.

    Args:
        name: the model's name in the score table.
        topics: topic id -> ranked terms (topic -1, the outliers, is left out).
        docs_tokens: the documents as token lists (:func:`tokenize`); unused when ``counts`` are given.
        outlier_share: the share of documents in no topic.
        seconds: the model's fit time.
        counts: window counts (NPMI windows, C_v windows) already made for these terms, to share between models.
        top_n: words per topic.
    """
    ids = [t for t in sorted(topics) if t != -1 and single_words(topics[t], top_n)]
    lists = [single_words(topics[t], top_n) for t in ids]
    terms = [w for ws in lists for w in ws]
    if counts is None:
        counts = (WindowCounts(docs_tokens, terms, NPMI_WINDOW), WindowCounts(docs_tokens, terms, CV_WINDOW))
    small, large = counts
    npmi = npmi_coherence(lists, small)
    cv = cv_coherence(lists, large)
    per_topic = pd.DataFrame({"topic": ids, "npmi": np.round(npmi, 4), "c_v": np.round(cv, 4)})
    return Scores(name, len(ids), float(np.nanmean(npmi)) if ids else float("nan"),
                  float(np.nanmean(cv)) if ids else float("nan"), diversity(lists, top_n), outlier_share, per_topic,
                  seconds)
