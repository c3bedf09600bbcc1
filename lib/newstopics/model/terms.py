"""The terms a topic is described by: words and two-word phrases, news stop words removed."""
from __future__ import annotations

import functools
import multiprocessing
import os
import re
import sys
import threading
import time
from functools import partial

import numpy as np
from scipy import sparse

from ..text import WORD, arrow_chunks

# Words that carry no topic in news prose, added to scikit-learn's English list.
NEWS_STOP_WORDS = (
    "said", "says", "say", "also", "would", "could", "one", "two", "year", "years", "new", "like", "just", "many",
    "much", "may", "might", "according", "including", "however", "even", "well", "way", "make", "made", "lot",
    "lots", "really", "things", "thing", "going", "get", "got", "let", "us", "use", "used", "using",
    "it's", "don't", "won't", "can't", "isn't", "aren't", "doesn't", "didn't", "that's", "there's", "they're",
    "we're", "you're", "i'm", "we'll", "you'll", "they'll", "let's", "what's", "here's", "who's",
)

LONG_TEXT = 1_000_000  # characters from which a text's terms are read a piece at a time (PhraseAnalyzer.__call__)
_PHRASE_BREAK = re.compile(r"[^\w\s'’-]+|\s[-–—]\s")
_WORD_OR_BREAK = re.compile(f"{WORD.pattern}|{_PHRASE_BREAK.pattern}")


class PhraseAnalyzer:
    """Words and two-word phrases that never span punctuation or a stop word.

    scikit-learn's n-grams join words across commas and removed stop words
    ("cheap, widely used" gives "cheap widely"); these give "widely used".
    """

    def __init__(self, stop_words: frozenset[str], ngram_range: tuple[int, int] = (1, 2)):
        self.stop_words = stop_words
        self.ngram_range = ngram_range

    def __call__(self, doc: str):
        """The text's terms: a list, or for a text longer than :data:`LONG_TEXT` characters (c-TF-IDF reads each
        topic's documents joined into one text) an iterator that reads it a piece at a time (:meth:`_pieces`)."""
        if len(doc) > LONG_TEXT and _cuts(self.stop_words) is not None:
            return self._pieces(doc)
        return self._terms(doc, *self.ngram_range)

    def _pieces(self, doc: str):
        """The terms of a long text, a piece of about :data:`LONG_TEXT` characters at a time, each cut just before
        a stop word (:func:`_cuts`): a stop word ends every run of words, so no phrase spans a cut and the terms are
        exactly the whole text's, without a list of them all at once (about 18 bytes a character of text: 3 GB for a
        topic of 400,000 paragraphs). A text with no stop word past a piece's length is read whole."""
        lo, hi = self.ngram_range
        cuts = _cuts(self.stop_words)
        start = 0
        while start < len(doc):
            cut = cuts.search(doc, start + LONG_TEXT)
            end = cut.start() if cut else len(doc)
            yield from self._terms(doc[start:end], lo, hi)
            start = end

    def words(self, doc: str) -> list[str]:
        """The single words alone, in order (each occurrence): the terms without a space, without making the
        phrases. One pass over the text: a word holds no character that breaks a phrase, so cutting the text at
        those first changes no word."""
        text = doc.lower()
        if "’" in text:
            text = text.replace("’", "'")
        stop = self.stop_words
        return [w for w in WORD.findall(text) if len(w) > 1 and w not in stop]

    def _terms(self, doc: str, lo: int, hi: int) -> list[str]:
        stop = self.stop_words
        out: list[str] = []
        text = doc.lower()
        if "’" in text:  # the typographic apostrophe is the plain one (neither breaks a phrase)
            text = text.replace("’", "'")
        run: list[str] = []
        # one scan for words and phrase breaks alike: a word starts with a letter (text.WORD) and holds no character
        # of a break, a break starts with a space or a character no word holds, so the words and breaks found are
        # those of cutting the text at its breaks first and reading the words of each piece
        for token in _WORD_OR_BREAK.findall(text):
            if token[0].isalnum():  # a word
                if len(token) > 1 and token not in stop:
                    run.append(token)
                    continue
            if run:  # a stop word, a one-letter word or a break ends a run of words
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


@functools.lru_cache(maxsize=8)
def _cuts(stop_words: frozenset[str]):
    """Where a long text may be cut: the space before a stop word of plain letters standing alone (between spaces, or
    at the end), any case; None when there is no such stop word."""
    plain = sorted((w for w in stop_words if re.fullmatch(r"[a-z]+", w)), key=len, reverse=True)
    if not plain:
        return None
    return re.compile(r"\s(?=(?:%s)(?:\s|$))" % "|".join(plain), re.IGNORECASE)


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


class Tokens:
    """Every document's single words, in order (the analyzer's ``words``), as ids into one vocabulary: a corpus
    tokenized once, and read by everything that counts words in it (the topic words, the comparisons, the time
    view's words, the coherence windows).

    Document ``i``'s words are ``vocab[ids[indptr[i]:indptr[i + 1]]]``. At 100,000 paragraphs: about 4 million ids
    (16 MB); tokenizing them again for each reader had cost 5 to 7 s a reader.

    Example:
        >>> t = Tokens.of(["Chips, chips and export rules.", "Export rules."], news_analyzer())
        >>> t.lists()
        [['chips', 'chips', 'export', 'rules'], ['export', 'rules']]
        >>> t.counts().toarray().tolist(), t.presence(["rules", "chips", "gpu"]).toarray().tolist()
        ([[2.0, 1.0, 1.0], [0.0, 1.0, 1.0]], [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    """

    def __init__(self, vocab, ids: np.ndarray, indptr: np.ndarray, source: int | None = None):
        self.vocab = np.asarray(vocab, dtype=object)
        self.ids = np.asarray(ids, dtype=np.int32)
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.source = source  # the texts' fingerprint (:func:`fingerprint`), to tell whose tokens these are
        self._index: dict[str, int] | None = None

    @classmethod
    def of(cls, texts, analyzer, source: int | None = None) -> Tokens:
        """The single words of ``texts`` (a list or a pandas column) by ``analyzer``: its ``words`` when it has them
        (:class:`PhraseAnalyzer`), else its terms without a space.

        From :data:`FORK_FROM` texts on, on Linux with more than one CPU, the two halves are read in two forked
        processes and joined: the same vocabulary, in the same order (a word's first appearance), and the same ids.
        Read here instead: in a daemon process (a pool's worker may not fork), while another thread is reading so,
        and when the two processes fail or take too long (:func:`_fork_limit`). ``source``: the texts'
        :func:`fingerprint` when the caller has it already."""
        source = fingerprint(texts) if source is None else source
        if (len(texts) >= FORK_FROM and sys.platform == "linux" and (os.cpu_count() or 1) > 1
                and not multiprocessing.current_process().daemon and _FORK_LOCK.acquire(blocking=False)):
            try:
                out = cls._forked(texts, analyzer)
                out.source = source
                return out
            except (OSError, multiprocessing.TimeoutError):  # no fork here, or a process died or hangs: read here
                pass
            finally:
                _FORK_LOCK.release()
        return cls(*_read(texts, analyzer), source=source)

    @classmethod
    def _forked(cls, texts, analyzer) -> Tokens:
        """:meth:`of` in two forked processes, one half each (the caller holds ``_FORK_LOCK``). A process that dies
        (its pipe closes: at once) raises ``OSError``; one that hangs (a lock another thread of a multi-threaded
        parent held when it forked) raises ``multiprocessing.TimeoutError`` after :func:`_fork_limit` seconds. Both
        processes are ended either way."""
        from multiprocessing.connection import wait

        ctx = multiprocessing.get_context("fork")
        half = len(texts) // 2
        procs, pipes = [], []
        parts: list = [None, None]
        try:  # whatever was started is ended, also when the second process fails to start
            _SHARED.update(texts=texts, analyzer=analyzer)
            try:
                for span in ((0, half), (half, len(texts))):
                    receive, send = ctx.Pipe(duplex=False)
                    pipes.append(receive)
                    try:
                        proc = ctx.Process(target=_read_into, args=(span, send), daemon=True)
                        proc.start()
                    finally:
                        send.close()  # the child's copy is the only one left: its end closes when it exits
                    procs.append(proc)
            finally:
                _SHARED.clear()
            deadline = time.monotonic() + _fork_limit(len(texts))
            pending = {pipe: i for i, pipe in enumerate(pipes)}
            while pending:
                ready = wait(list(pending), timeout=max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise multiprocessing.TimeoutError(f"tokenizing {len(texts):,} texts in two processes timed out")
                for pipe in ready:
                    try:
                        parts[pending.pop(pipe)] = pipe.recv()
                    except EOFError:
                        raise OSError("a tokenizing process ended without its tokens") from None
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.kill()
                proc.join()
            for pipe in pipes:
                pipe.close()
        (vocab, ids, indptr), (vocab2, ids2, indptr2) = parts
        index = {w: i for i, w in enumerate(vocab)}
        lut = np.empty(len(vocab2) + 1, np.int32)  # the second half's ids -> the whole corpus's
        for j, w in enumerate(vocab2):
            i = index.get(w)
            if i is None:
                i = index[w] = len(vocab)
                vocab.append(w)
            lut[j] = i
        out = cls(vocab, np.concatenate([ids, lut[ids2]]), np.concatenate([indptr, indptr2[1:] + indptr[-1]]))
        out._index = index
        return out

    @classmethod
    def from_lists(cls, docs_tokens: list[list[str]]) -> Tokens:
        """Documents given as lists of words."""
        return cls.of([" ".join(t) for t in docs_tokens], lambda text: text.split())

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def check(self, texts) -> None:
        """Raise ``ValueError`` unless these are ``texts``' tokens, row for row: the same number of documents, and
        (when the tokens know their texts' :func:`fingerprint`) the same texts in the same order, so a table sorted
        or filtered since is refused rather than misread."""
        if len(self) != len(texts):
            raise ValueError(f"the tokens given are of {len(self):,} documents, not of these {len(texts):,}: pass "
                             "the documents' own (Tokens.of(documents['text'], analyzer)) or the analyzer itself")
        if self.source is not None and self.source != fingerprint(texts):
            raise ValueError(f"the tokens given are of {len(self):,} other documents (or of these in another order): "
                             "pass the documents' own (Tokens.of(documents['text'], analyzer)) or the analyzer itself")

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.vocab.tolist())}
        return self._index

    def take(self, rows) -> Tokens:
        """The documents at ``rows`` (positions, negative ones from the end, or a boolean mask), in that order, with
        the same vocabulary."""
        rows = np.arange(len(self))[np.asarray(rows)]  # as numpy indexes: masks, negative positions, bounds checked
        lengths = self.lengths[rows]
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        # each kept token's place among all tokens; in 32 bits while they fit (a third of the memory of 64-bit places
        # summed out of place: 0.5 GB for a topic of 400,000 paragraphs)
        kind = np.int32 if len(self.ids) < 2**31 else np.int64
        at = np.repeat((self.indptr[rows] - indptr[:-1]).astype(kind), lengths)
        at += np.arange(indptr[-1], dtype=kind)
        out = Tokens(self.vocab, self.ids[at], indptr)
        out._index = self._index
        return out

    def slices(self, size: int):
        """The documents in consecutive parts of ``size``."""
        for start in range(0, max(len(self), 1), size):
            yield self.take(np.arange(start, min(start + size, len(self))))

    def mapped(self, words) -> np.ndarray:
        """Each token as its position in ``words`` (-1 for a word not there)."""
        index = self.index()
        lut = np.full(len(self.vocab) + 1, -1, np.int32)  # the extra slot answers an empty vocabulary
        for j, w in enumerate(words):
            i = index.get(w)
            if i is not None:
                lut[i] = j
        return lut[self.ids]

    def counts(self, words=None, dtype=np.float64) -> sparse.csr_matrix:
        """Documents x words counts: over the whole vocabulary (columns in ``vocab`` order), or over ``words``
        (columns in their order; a word never seen is a column of zeros), as ``dtype``."""
        cols = self.ids if words is None else self.mapped(words)
        width = len(self.vocab) if words is None else len(words)
        indptr = self.indptr
        if words is not None:  # words not asked for are dropped: each document's run of tokens shortens
            keep = cols >= 0
            cols = cols[keep]
            kept = np.zeros(len(keep) + 1, np.int32 if len(keep) < 2**31 else np.int64)  # a token's place, kept
            np.cumsum(keep, out=kept[1:])
            indptr = kept[self.indptr]
        if words is None:  # scipy may keep the arrays it is given as the matrix's own, and sum_duplicates rewrites
            cols, indptr = cols.copy(), indptr.copy()  # them in place: the tokens' own are copied, not given
        m = sparse.csr_matrix((np.ones(len(cols), dtype), cols, indptr), shape=(len(self), width))
        m.sum_duplicates()  # a word a document holds several times: one entry, its count
        return m

    def presence(self, words=None) -> sparse.csr_matrix:
        """Which words each document holds (0/1, in 32-bit floats: exact, and half the memory): :meth:`counts` made
        boolean."""
        m = self.counts(words, np.float32)
        m.data[:] = 1.0
        return m

    def lists(self) -> list[list[str]]:
        """The documents as lists of words (for small corpora and tests)."""
        words = self.vocab[self.ids].tolist()
        return [words[a:b] for a, b in zip(self.indptr[:-1], self.indptr[1:], strict=True)]


FORK_FROM = 50_000  # texts from which Tokens.of reads two halves in two processes (at 100,000: 3.1 s alone)
_SHARED: dict = {}  # the texts the forked processes read: set just before they start, cleared after
_FORK_LOCK = threading.Lock()  # one reading in forked processes at a time (_SHARED is one)


def _fork_limit(n: int) -> float:
    """Seconds to wait for the two processes reading ``n`` texts: about ten times what reading them all here takes
    (30 s a million texts), and at least 30 s."""
    return 30.0 + n * 3e-4


def fingerprint(texts) -> int:
    """An order-dependent 64-bit hash of ``texts`` (a list or a pandas column): tokens are the documents' only if
    their fingerprints agree. A hash (BLAKE2b) of the texts' UTF-8 bytes one after another and of each one's length (a
    missing text: -1), so the same texts give the same fingerprint whether held as Python strings or in a pyarrow
    column, however its chunks fall. A pyarrow column is read from its buffers as they are: no Python string per text
    (pandas' own hashing made one of each, about 0.5 GB at 1,000,000 paragraphs, left as fragmented small-object
    arenas after). About 0.6 s a million paragraphs."""
    import hashlib

    import pyarrow as pa

    data, sizes = hashlib.blake2b(digest_size=16), hashlib.blake2b(digest_size=16)
    chunks = arrow_chunks(texts)
    if chunks is not None:
        for chunk in chunks:
            if not len(chunk):
                continue
            _, offsets_buffer, data_buffer = chunk.buffers()
            wide = chunk.type == pa.large_string()
            offsets = np.frombuffer(offsets_buffer, np.int64 if wide else np.int32)[
                chunk.offset:chunk.offset + len(chunk) + 1].astype(np.int64)
            if data_buffer is not None and offsets[-1] > offsets[0]:
                data.update(memoryview(data_buffer)[offsets[0]:offsets[-1]])
            lengths = np.diff(offsets)
            if chunk.null_count:
                lengths[chunk.is_null().to_numpy(zero_copy_only=False)] = -1
            sizes.update(lengths.astype("<i8").tobytes())
    else:
        from ..text import in_slices

        for _, part in in_slices(texts, 20_000):
            encoded = [None if _missing(t) else str(t).encode("utf-8") for t in part]
            data.update(b"".join(e for e in encoded if e is not None))
            sizes.update(np.array([-1 if e is None else len(e) for e in encoded], "<i8").tobytes())
    whole = hashlib.blake2b(data.digest() + sizes.digest(), digest_size=8)
    return int.from_bytes(whole.digest(), "little") ^ len(texts)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _read(texts, analyzer) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(vocabulary, ids, indptr)`` of ``texts``, the vocabulary in the order of first appearance."""
    from array import array

    from ..text import in_slices

    words = getattr(analyzer, "words", None) or partial(_single_words, analyzer)
    vocab: dict[str, int] = {}
    ids = array("i")
    lengths = array("q")
    for _, part in in_slices(texts, 20_000):  # a large column becomes Python strings a slice at a time
        for text in part:
            found = [vocab.setdefault(w, len(vocab)) for w in words(text)]
            ids.extend(found)
            lengths.append(len(found))
    indptr = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(np.frombuffer(lengths, np.int64), out=indptr[1:])
    return list(vocab), np.frombuffer(ids, np.int32).copy(), indptr


def _read_into(span: tuple[int, int], send) -> None:
    """In a forked process: :func:`_read` of the rows ``span`` of the texts the parent set in ``_SHARED``, sent
    back through ``send``."""
    texts = _SHARED["texts"]
    part = texts.iloc[span[0]:span[1]] if hasattr(texts, "iloc") else texts[span[0]:span[1]]
    send.send(_read(part, _SHARED["analyzer"]))
    send.close()


def _single_words(analyzer, text: str) -> list[str]:
    return [term for term in analyzer(text) if " " not in term]


def tokens_of(result) -> Tokens:
    """A fitted or loaded run's documents tokenized by its model's analyzer: the tokens the fit made when they are
    at hand (``result.tokens``), else made now and kept on ``result`` for the next reader."""
    texts = result.documents["text"].astype(str)
    tokens, source = getattr(result, "tokens", None), fingerprint(texts)
    if tokens is None or len(tokens) != len(texts) or tokens.source != source:
        tokens = Tokens.of(texts, analyzer_of(result.model.vectorizer_model), source)
        try:
            result.tokens = tokens
        except AttributeError:  # a result that takes no new attributes: made again next time
            pass
    return tokens
