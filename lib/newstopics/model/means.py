"""Each topic's mean vector and the documents nearest it, in passes over the documents' vectors a block at a time.

A large corpus's vectors may be memory-mapped from the embedding cache rather than held
(:mod:`newstopics.embed.cache`): taking a topic's vectors with ``X[topic == t]`` would copy them (for a topic of
400,000 documents, 400 MB) and read every page of the file into the process. Here each pass holds one block: a
sparse one-hot product adds the block's rows to their topics' sums (in float64, so the order of blocks does not
change the result beyond the last bit of float32), and a second pass scores each document against its own topic's
mean.
"""
from __future__ import annotations

import numpy as np

from ..memory import in_blocks

BLOCK = 16_384  # documents per block


def _codes(topics, ids: np.ndarray) -> np.ndarray:
    topics = np.asarray(topics)
    if not len(ids):
        return np.full(len(topics), -1)
    codes = np.searchsorted(ids, topics)
    codes[codes >= len(ids)] = 0
    return np.where(ids[codes] == topics, codes, -1)  # -1: a topic not asked for


def topic_means(X, topics, ids=None) -> np.ndarray:
    """The mean vector of each topic's documents, one float32 row per id of ``ids`` (default: every topic of ``topics``
    in sorted order, outliers included); a topic with no documents gets zeros.

    Example:
        >>> topic_means(np.array([[1.0, 0], [3, 0], [0, 2]]), [5, 5, -1]).tolist()
        [[0.0, 2.0], [2.0, 0.0]]
    """
    from scipy import sparse

    if len(X) != len(topics):
        raise ValueError(f"{len(X)} vectors but {len(topics)} topics: one topic per vector")
    ids = np.unique(np.asarray(topics)) if ids is None else np.asarray(ids)
    order = np.argsort(ids, kind="stable")
    codes = _codes(topics, ids[order])
    sums = np.zeros((len(ids), X.shape[1]), np.float64)
    counts = np.bincount(codes[codes >= 0], minlength=len(ids)).astype(np.float64)
    for start, block in in_blocks(X, size=BLOCK):
        c = codes[start:start + len(block)]
        keep = c >= 0
        onehot = sparse.csr_matrix((np.ones(int(keep.sum())), (c[keep], np.flatnonzero(keep))),
                                   shape=(len(ids), len(block)))
        sums += onehot @ block.astype(np.float64)
    means = sums / np.maximum(counts, 1)[:, None]
    out = np.empty_like(means, dtype=np.float32)
    out[order] = means
    return out


def unit_means(X, topics, ids) -> np.ndarray:
    """:func:`topic_means` of ``ids``, each scaled to unit length (a topic with no documents stays zeros): topics'
    centroids, compared by cosine.

    Example:
        >>> unit_means(np.array([[3.0, 0], [0, 2]]), [0, 1], [0, 1]).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    means = topic_means(X, topics, ids)
    return means / (np.linalg.norm(means, axis=1, keepdims=True) + 1e-12)


def nearest_to_means(X, topics, k: int = 3) -> dict[int, list[int]]:
    """Each topic's ``k`` documents (row numbers) most similar to its mean vector (dot product), most similar first,
    ties to the earlier row: a topic's representative documents.

    Example:
        >>> nearest_to_means(np.array([[1.0, 0], [0.8, 0.2], [0, 1]]), [0, 0, 1], k=1)
        {0: [0], 1: [2]}
    """
    topics = np.asarray(topics)
    ids = np.unique(topics)
    means = topic_means(X, topics, ids)
    codes = _codes(topics, ids)
    score = np.empty(len(topics), np.float32)
    for start, block in in_blocks(X, size=BLOCK):
        c = codes[start:start + len(block)]
        score[start:start + len(block)] = np.einsum("ij,ij->i", block, means[c])
    order = np.lexsort((np.arange(len(topics)), -score, codes))  # by topic, then score, then row
    starts = np.searchsorted(codes[order], np.arange(len(ids)))
    return {int(t): [int(r) for r in order[s:s + k][codes[order[s:s + k]] == i]]
            for i, (t, s) in enumerate(zip(ids, starts, strict=True))}
