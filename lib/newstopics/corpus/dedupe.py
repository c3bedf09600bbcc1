"""Exact and near-duplicate documents (syndicated copies, repeated boilerplate paragraphs)."""
from __future__ import annotations

import hashlib
import re

from ..text import in_slices

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w ]+")


def _norm_doc(text: str) -> str:
    return _PUNCTUATION.sub("", _SPACES.sub(" ", text.lower())).strip()


def _shingles(words: list[str], k: int = 3) -> set[int]:
    if len(words) < k:
        return {hash(" ".join(words))}
    return {
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + k]).encode(), digest_size=8).digest(), "little")
        for i in range(len(words) - k + 1)
    }


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
    import numpy as np

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
    with np.errstate(over="ignore"):
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
            shingles = np.fromiter(_shingles(words), dtype=np.uint64)
            signature = ((np.outer(shingles, a) + b) % np.uint64(2**61 - 1)).min(axis=0)
            folded = signature.reshape(bands, rows) * mix
            hashes[n_cand] = np.bitwise_xor.reduce(folded ^ (folded >> np.uint64(29)), axis=1)
            candidates[n_cand] = i
            n_cand += 1
    del first
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
            shingled[i] = np.unique(np.fromiter(_shingles(_norm_doc(text_at(i)).split()), dtype=np.uint64))
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
