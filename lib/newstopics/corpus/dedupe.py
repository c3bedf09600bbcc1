"""Exact and near-duplicate documents (syndicated copies, repeated boilerplate paragraphs)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from ..text import in_slices

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w ]+")


def _norm_doc(text: str) -> str:
    return _PUNCTUATION.sub("", _SPACES.sub(" ", text.lower())).strip()


SIGN_SHINGLES = 65_536  # shingles whose MinHash values are made together (64 values each: 32 MiB a batch)

_M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)  # odd 64-bit multipliers (golden ratio,
#                                                                            splitmix64)


def _word_hash(word: str, cache: dict[str, int]) -> int:
    h = cache.get(word)
    if h is None:
        h = cache[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    return h


def _shingles(words: list[str], cache: dict[str, int], k: int = 3) -> np.ndarray:
    """The distinct hashes of a text's word ``k``-shingles (k = 3): each word hashed once per corpus (``cache``), a
    shingle's hash folded from its words' in order, with 64-bit arithmetic. The same on every machine and run (no
    Python ``hash``, which is salted per process)."""
    if not words:
        return np.zeros(1, np.uint64)
    h = np.fromiter((_word_hash(w, cache) for w in words), np.uint64, len(words))
    k = min(k, len(words))  # a text shorter than a shingle is one shingle
    with np.errstate(over="ignore"):
        folded = h[: len(h) - k + 1].copy()
        for j in range(1, k):
            folded = folded * _M1 + h[j : len(h) - k + 1 + j]
        folded ^= folded >> np.uint64(31)
        folded *= _M2
        folded ^= folded >> np.uint64(29)
    return np.unique(folded)


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
    words_seen: dict[str, int] = {}  # each word's hash, made once
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
    batch: list[np.ndarray] = []  # shingles of candidates whose signatures are not made yet
    in_batch = 0

    def sign(batch: list[np.ndarray], at: int, hashes: np.ndarray) -> None:
        """MinHash signatures of a batch of candidates at once (a few array operations per batch, not per text),
        folded into one hash per band, into ``hashes[at:]``."""
        sizes = np.fromiter((len(x) for x in batch), np.int64, len(batch))
        every = np.concatenate(batch)
        with np.errstate(over="ignore"):
            values = (every[:, None] * a + b) % np.uint64(2**61 - 1)
            signature = np.minimum.reduceat(values, np.r_[0, np.cumsum(sizes)[:-1]], axis=0)
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
        batch.append(_shingles(words, words_seen))
        in_batch += len(batch[-1])
        candidates[n_cand] = i
        n_cand += 1
        if in_batch >= SIGN_SHINGLES:  # by shingles, not texts: a batch of long articles stays small
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
    shingled: dict[int, np.ndarray] = {}
    text_at = texts.__getitem__ if isinstance(texts, list) else texts.iloc.__getitem__

    def shingles_of(i: int) -> np.ndarray:
        if i not in shingled:
            shingled[i] = _shingles(_norm_doc(text_at(i)).split(), words_seen)
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
