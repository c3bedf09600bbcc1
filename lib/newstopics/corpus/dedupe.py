"""Exact and near-duplicate documents (syndicated copies, repeated boilerplate paragraphs)."""
from __future__ import annotations

import hashlib
import re

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


def find_duplicates(texts: list[str], threshold: float = 0.7, min_words: int = 6) -> list[tuple[int, int, float]]:
    """(duplicate index, kept index, similarity) for exact and near-duplicate texts.

    Exact: equal after lower-casing and stripping punctuation. Near: Jaccard
    similarity of word 3-shingles at least ``threshold``, found with MinHash LSH
    (16 bands of 4 hashes) and then checked exactly, so cost stays near-linear.
    """
    import numpy as np

    result: list[tuple[int, int, float]] = []
    first: dict[str, int] = {}
    candidates: list[int] = []
    for i, t in enumerate(texts):
        n = _norm_doc(t)
        if n in first:
            result.append((i, first[n], 1.0))
        else:
            first[n] = i
            if len(n.split()) >= min_words:
                candidates.append(i)
    if len(candidates) < 2:
        return result
    rng = np.random.default_rng(7)
    n_hash, bands = 64, 16
    rows = n_hash // bands
    a = rng.integers(1, 2**61 - 1, n_hash, dtype=np.uint64)
    b = rng.integers(0, 2**61 - 1, n_hash, dtype=np.uint64)
    # each document's shingles as a sorted array (8 bytes a shingle; a set of Python ints takes about 70), and its
    # MinHash signature as a row of one array: the bands are then matched by sorting, not in a dict of tuples
    shingles = {i: np.unique(np.fromiter(_shingles(_norm_doc(texts[i]).split()), dtype=np.uint64)) for i in candidates}
    signatures = np.empty((len(candidates), n_hash), np.uint64)
    with np.errstate(over="ignore"):
        for row, i in enumerate(candidates):
            signatures[row] = ((np.outer(shingles[i], a) + b) % np.uint64(2**61 - 1)).min(axis=0)
    order_of = np.asarray(candidates)
    groups: list[tuple[int, int, np.ndarray]] = []  # (first member, band, members): the order the pairs are judged in
    for band in range(bands):
        part = signatures[:, band * rows:(band + 1) * rows]
        rank = np.lexsort(part.T[::-1])  # rows with equal band values end up side by side, in candidate order
        same = np.all(part[rank[1:]] == part[rank[:-1]], axis=1)
        starts = np.flatnonzero(np.r_[True, ~same])
        ends = np.r_[starts[1:], len(rank)]
        for s, e in zip(starts, ends, strict=True):
            if e - s > 1:
                members = order_of[np.sort(rank[s:e])]
                groups.append((int(members[0]), band, members))
    groups.sort(key=lambda g: (g[0], g[1]))
    dropped: set[int] = set()
    for _, _, members in groups:
        members = members.tolist()
        for x_pos, i in enumerate(members):
            if i in dropped:
                continue
            for j in members[x_pos + 1 :]:
                if j in dropped or j == i:
                    continue
                si, sj = shingles[i], shingles[j]
                common = len(np.intersect1d(si, sj, assume_unique=True))
                jac = common / (len(si) + len(sj) - common)
                if jac >= threshold:
                    keep, drop_ = (i, j) if i < j else (j, i)
                    dropped.add(drop_)
                    result.append((drop_, keep, round(jac, 3)))
    return sorted(set(result))
