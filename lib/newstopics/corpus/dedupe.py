"""Exact and near-duplicate documents (syndicated copies, repeated boilerplate paragraphs)."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from ..text import in_slices

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w ]+")


def _norm_doc(text: str) -> str:
    return _PUNCTUATION.sub("", _SPACES.sub(" ", text.lower())).strip()


SHINGLE = 3  # words per shingle
SIGN_SHINGLES = 65_536  # words read before their shingles' MinHash values are made together (64 values a shingle:
#                         32 MiB a batch)
GROUPED_BATCH = 10_000  # documents sharing a band whose shingles are made together for the exact comparison

_M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)  # odd 64-bit multipliers (golden ratio,
#                                                                            splitmix64)


def _hash_words(words: list[str]) -> np.ndarray:
    """64-bit hashes of words in one vectorised pass: pandas' SipHash with its fixed key, the same on every machine
    and run (no Python ``hash``, which is salted per process)."""
    return pd.util.hash_array(np.asarray(words, dtype=object)).astype(np.uint64)


def _fold(h: np.ndarray, k: int) -> np.ndarray:
    """The hash of each run of ``k`` consecutive word hashes (position p: words p .. p + k - 1), folded in order with
    64-bit arithmetic; ``len(h) - k + 1`` of them."""
    with np.errstate(over="ignore"):
        folded = h[: len(h) - k + 1].copy()
        for j in range(1, k):
            folded = folded * _M1 + h[j : len(h) - k + 1 + j]
        folded ^= folded >> np.uint64(31)
        folded *= _M2
        folded ^= folded >> np.uint64(29)
    return folded


def _shingles(words: list[str], k: int = SHINGLE) -> np.ndarray:
    """The distinct hashes of a text's word ``k``-shingles: each a fold of its words' hashes, in order. A text shorter
    than a shingle is one shingle."""
    if not words:
        return np.zeros(1, np.uint64)
    return np.unique(_fold(_hash_words(words), min(k, len(words))))


def _batch_shingles(texts_words: list[list[str]], k: int = SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """``(shingle hashes, start of each text's)`` for many texts at once (each text's the same as :func:`_shingles`
    gives, repeats kept: a MinHash is a minimum, which repeats do not change): one hashing of all their words and
    one fold, not a few array operations per text."""
    sizes = np.fromiter((len(w) for w in texts_words), np.int64, len(texts_words))
    if len(texts_words) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    if sizes.min() < k:  # a text shorter than a shingle: each on its own
        parts = [_shingles(w, k) for w in texts_words]
        return np.concatenate(parts), np.r_[0, np.cumsum([len(x) for x in parts])[:-1]].astype(np.int64)
    h = _hash_words([w for words in texts_words for w in words])
    folded = _fold(h, k)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    # the runs that start in a text and end in it: positions start .. end - k of each text
    keep = np.zeros(len(folded), bool)
    counts = sizes - k + 1
    at = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    keep[at] = True
    return folded[keep], np.cumsum(counts) - counts


def _each(texts):
    """``(i, text)`` for a list or a pandas column (see :func:`~newstopics.text.in_slices`)."""
    for start, part in in_slices(texts):
        yield from enumerate(part, start)


def find_duplicates(texts, threshold: float = 0.7, min_words: int = 6) -> list[tuple[int, int, float]]:
    """(duplicate index, kept index, similarity) for exact and near-duplicate texts (a list, or a pandas column).

    Exact: equal after lower-casing and stripping punctuation. Near: Jaccard
    similarity of word 3-shingles at least ``threshold``, found with MinHash LSH
    (16 bands of 4 hashes) and then checked exactly, so cost stays near-linear.
    What is kept per document is small: a 16-byte digest of its normalised text and one 8-byte hash per band (a
    band's four MinHash values hashed together: equal bands give equal hashes, unequal ones almost never do, and every
    candidate pair is checked on its shingles anyway); shingles are made again only for the documents in a band's
    group.
    """
    result: list[tuple[int, int, float]] = []
    first: dict[bytes, int] = {}
    candidates = np.empty(len(texts), np.int64)
    rng = np.random.default_rng(7)
    n_hash, bands = 64, 16
    rows = n_hash // bands
    a = rng.integers(1, 2**61 - 1, n_hash, dtype=np.uint64)
    b = rng.integers(0, 2**61 - 1, n_hash, dtype=np.uint64)
    mix = rng.integers(1, 2**63, rows, dtype=np.uint64) | np.uint64(1)  # odd multipliers that fold a band into one
    hashes = np.empty((len(texts), bands), np.uint64)
    n_cand = 0
    batch: list[list[str]] = []  # words of candidates whose signatures are not made yet
    in_batch = 0

    def sign(batch: list[list[str]], at: int, hashes: np.ndarray) -> None:
        """MinHash signatures of a batch of candidates (their words) at once (a few array operations per batch, not
        per text), folded into one hash per band, into ``hashes[at:]``."""
        every, starts = _batch_shingles(batch)
        with np.errstate(over="ignore"):
            values = (every[:, None] * a + b) % np.uint64(2**61 - 1)
            signature = np.minimum.reduceat(values, starts, axis=0)
            folded = signature.reshape(len(batch), bands, rows) * mix
            hashes[at:at + len(batch)] = np.bitwise_xor.reduce(folded ^ (folded >> np.uint64(29)), axis=2)

    for i, t in _each(texts):
        n = _norm_doc(t)
        key = hashlib.blake2b(n.encode(), digest_size=16).digest()
        if key in first:
            result.append((i, first[key], 1.0))
            continue
        first[key] = i
        words = n.split()
        if len(words) < min_words:
            continue
        batch.append(words)
        in_batch += len(words)
        candidates[n_cand] = i
        n_cand += 1
        if in_batch >= SIGN_SHINGLES:  # by words (about one shingle each), not texts: long articles stay small
            sign(batch, n_cand - len(batch), hashes)
            batch, in_batch = [], 0
    if batch:
        sign(batch, n_cand - len(batch), hashes)
    del first, batch
    if n_cand < 2:
        return result
    order_of = candidates[:n_cand]
    hashes = hashes[:n_cand]
    groups: list[tuple[int, int, np.ndarray]] = []  # (first member, band, members): the order the pairs are judged in
    for band in range(bands):
        column = hashes[:, band]
        rank = np.argsort(column, kind="stable")  # rows with equal band hashes end up side by side, in candidate order
        same = column[rank[1:]] == column[rank[:-1]]
        starts = np.flatnonzero(np.r_[True, ~same])
        ends = np.r_[starts[1:], len(rank)]
        for s, e in zip(starts, ends, strict=True):
            if e - s > 1:
                members = order_of[np.sort(rank[s:e])]
                groups.append((int(members[0]), band, members))
    del hashes
    groups.sort(key=lambda g: (g[0], g[1]))
    text_at = texts.__getitem__ if isinstance(texts, list) else texts.iloc.__getitem__
    # the shingles of every document in a group, made for GROUPED_BATCH documents at a time (their words as Python
    # strings are the large part; the distinct shingles kept are about a tenth of that)
    grouped = np.unique(np.concatenate([members for _, _, members in groups])) if groups else np.zeros(0, np.int64)
    shingled: dict[int, np.ndarray] = {}
    for at in range(0, len(grouped), GROUPED_BATCH):
        part = grouped[at:at + GROUPED_BATCH]
        every, starts = _batch_shingles([_norm_doc(text_at(int(i))).split() for i in part])
        ends = np.r_[starts[1:], len(every)]
        shingled.update((int(i), np.unique(every[s:e])) for i, s, e in zip(part, starts, ends, strict=True))
        del every

    def shingles_of(i: int) -> np.ndarray:
        return shingled[i]

    dropped: set[int] = set()
    for _, _, members in groups:
        members = members.tolist()
        for x_pos, i in enumerate(members):
            if i in dropped:
                continue
            for j in members[x_pos + 1 :]:
                if j in dropped or j == i:
                    continue
                si, sj = shingles_of(i), shingles_of(j)
                common = len(np.intersect1d(si, sj, assume_unique=True))
                jac = common / (len(si) + len(sj) - common)
                if jac >= threshold:
                    keep, drop_ = (i, j) if i < j else (j, i)
                    dropped.add(drop_)
                    result.append((drop_, keep, round(jac, 3)))
    return sorted(set(result))
