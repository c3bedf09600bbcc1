"""The terms a topic is described by: words and two-word phrases, news stop words removed."""
from __future__ import annotations

import re

from ..text import WORD

# Words that carry no topic in news prose, added to scikit-learn's English list.
NEWS_STOP_WORDS = (
    "said", "says", "say", "also", "would", "could", "one", "two", "year", "years", "new", "like", "just", "many",
    "much", "may", "might", "according", "including", "however", "even", "well", "way", "make", "made", "lot",
    "lots", "really", "things", "thing", "going", "get", "got", "let", "us", "use", "used", "using",
    "it's", "don't", "won't", "can't", "isn't", "aren't", "doesn't", "didn't", "that's", "there's", "they're",
    "we're", "you're", "i'm", "we'll", "you'll", "they'll", "let's", "what's", "here's", "who's",
)

_PHRASE_BREAK = re.compile(r"[^\w\s'’-]+|\s[-–—]\s")


class PhraseAnalyzer:
    """Words and two-word phrases that never span punctuation or a stop word.

    scikit-learn's n-grams join words across commas and removed stop words
    ("cheap, widely used" gives "cheap widely"); these give "widely used".
    """

    def __init__(self, stop_words: frozenset[str], ngram_range: tuple[int, int] = (1, 2)):
        self.stop_words = stop_words
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        return self._terms(doc, *self.ngram_range)

    def words(self, doc: str) -> list[str]:
        """The single words alone, in order (each occurrence): the terms without a space, without making the
        phrases."""
        return self._terms(doc, 1, 1)

    def _terms(self, doc: str, lo: int, hi: int) -> list[str]:
        stop = self.stop_words
        out: list[str] = []
        text = doc.lower()
        if "’" in text:  # the typographic apostrophe is the plain one (neither breaks a phrase)
            text = text.replace("’", "'")
        for chunk in _PHRASE_BREAK.split(text):
            run: list[str] = []
            # a word starts with a letter and ends with a letter or digit (text.WORD): nothing to strip
            for w in WORD.findall(chunk):
                if len(w) > 1 and w not in stop:
                    run.append(w)
                elif run:
                    self._grams(run, lo, hi, out)
                    run = []
            if run:
                self._grams(run, lo, hi, out)
        return out

    @staticmethod
    def _grams(run: list[str], lo: int, hi: int, out: list[str]) -> None:
        for n in range(lo, hi + 1):
            if n == 1:
                out.extend(run)
            elif n == 2:
                out.extend([f"{a} {b}" for a, b in zip(run, run[1:], strict=False)])
            else:
                out.extend(" ".join(run[i:i + n]) for i in range(len(run) - n + 1))


def news_analyzer(ngram_range: tuple[int, int] = (1, 2)) -> PhraseAnalyzer:
    """The analyzer the topic model and its evaluation use: scikit-learn's English stop words and news ones."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return PhraseAnalyzer(frozenset(ENGLISH_STOP_WORDS.union(NEWS_STOP_WORDS)), ngram_range)


def analyzer_of(vectorizer):
    """A fitted vectorizer's analyzer: our :class:`PhraseAnalyzer` itself where it is the vectorizer's (so callers can
    ask it for its single words alone), else the vectorizer's own (``build_analyzer``). For text the two give the same
    terms: with a callable analyzer, scikit-learn's only adds decoding of bytes."""
    own = getattr(vectorizer, "analyzer", None)
    return own if isinstance(own, PhraseAnalyzer) else vectorizer.build_analyzer()
