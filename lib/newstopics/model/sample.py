"""Large corpora: the topic model is fitted on a seeded sample of documents, and every other document is assigned.

The consensus clustering compares every pair of fitted documents (its co-association matrix grows with the square of
the sample), so past :data:`FIT_SAMPLE_AUTO` documents the model is fitted on a seeded random sample of that many
(``fit_sample`` sets another size), and the other documents are *assigned*: each gets the topic with the most votes
among its :data:`NEIGHBOURS` nearest fitted documents (by cosine similarity of their vectors), outliers included, so
an assigned document can be an outlier as a fitted one can. Its ``agreement`` is the share of those neighbours in
its topic.

What was measured (``bench/assignment_quality.py``, ``bench/results/assignment_quality.md``: synthetic BBC
paragraphs of story-sized themes, static embedding), against a fit on all documents, and against the ceiling of two
full fits that differ only in their seed (ARI 0.92 at 10,000 documents, 0.91 at 30,000):

* the assignment is not where agreement is lost: assigned documents agree with the full fit as much as the fitted
  ones do (``ari_assigned`` within 0.01 of ``ari_fitted``); the neighbour vote and the nearest topic centroid (what
  BERTopic's ``transform`` does with precomputed embeddings; UMAP's transform also places a point by its nearest
  neighbours, and the ensemble has 75 layouts, not one) are within 0.05 of each other, the vote ahead at 30,000
  documents (0.13 against 0.11) and in the documents both put in a topic at 10,000 (0.80 against 0.65); the vote
  keeps the fit's outliers, the centroid puts every document in a topic;
* the sample fit itself is coarser than a full fit: with the same 30 neighbours a sample sees wider neighbourhoods,
  so it finds fewer, larger topics and fewer outliers (at 30,000 documents 10 to 14 topics against 27, and an ARI of
  0.12 to 0.13 with the full fit). A larger sample did not close that gap (2,500: 0.42 and 0.13 at 10,000 and 30,000
  documents; 5,000: 0.46 and 0.12, slightly better only at 10,000), took twice as long, and its ensemble agreed less
  with itself (two disjoint 37-fit halves of the 75 fits at 10,000: 0.90 for 2,500, 0.60 for 5,000), so the default
  sample is 2,500.

Assigning is a matrix product in blocks of :data:`BLOCK` documents: time linear in the corpus, memory bounded by the
block. On a Dask cluster the blocks run on the workers (:func:`newstopics.cluster.assign_on_workers`).
"""
from __future__ import annotations

import os

import numpy as np

from ..memory import let_go

FIT_SAMPLE_AUTO = 2_500  # documents fitted at most when ``fit_sample`` is None (auto); see the module notes
NEIGHBOURS = 15  # fitted documents that vote on an assigned document's topic
BLOCK = 4096  # assigned documents per matrix product


def fit_rows(n_docs: int, fit_sample: int | None, random_state: int) -> np.ndarray:
    """Row numbers of the documents the model is fitted on, in order: all of them when the corpus is no larger than
    the sample (``fit_sample``, or :data:`FIT_SAMPLE_AUTO` when None), else a random sample seeded by
    ``random_state`` (the same corpus and seed give the same sample).

    Example:
        >>> fit_rows(5, None, 0).tolist()
        [0, 1, 2, 3, 4]
        >>> len(fit_rows(10_000, 2_000, 0)), bool((fit_rows(10_000, 2_000, 0) == fit_rows(10_000, 2_000, 0)).all())
        (2000, True)
    """
    size = FIT_SAMPLE_AUTO if fit_sample is None else int(fit_sample)
    if n_docs <= size:
        return np.arange(n_docs)
    rng = np.random.default_rng([int(random_state), 0x5A4D])  # its own stream: not the ensemble's member seeds
    return np.sort(rng.choice(n_docs, size=size, replace=False))


def unit(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    return X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)


def vote(X: np.ndarray, fitted_unit: np.ndarray, fitted_topics: np.ndarray, k: int = NEIGHBOURS,
         block: int = BLOCK, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Topics of the rows of ``X`` by a vote of their ``k`` nearest fitted documents, and the vote's share.

    Args:
        X: the documents to assign (any scale; compared by cosine).
        rows: assign only these rows of ``X`` (taken a block at a time, never copied whole).
        fitted_unit: the fitted documents' vectors, unit length (:func:`unit`).
        fitted_topics: the fitted documents' topics (-1 for outliers, which vote like a topic).
        k: neighbours that vote; ties go to the topic whose voters are nearer in sum.
        block: rows per matrix product.

    Returns:
        ``(topics, share)``: each row's topic and the share of its ``k`` neighbours in that topic.

    Example:
        >>> F = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], np.float32)
        >>> vote(np.array([[1.0, 0.05], [0.05, 1.0]]), unit(F), np.array([3, 3, -1, -1]), k=2)[0].tolist()
        [3, -1]
    """
    from concurrent.futures import ThreadPoolExecutor

    fitted_topics = np.asarray(fitted_topics)
    ids, codes = np.unique(fitted_topics, return_inverse=True)
    k = max(1, min(int(k), len(fitted_topics)))
    n_rows = len(X) if rows is None else len(rows)
    topics = np.empty(n_rows, dtype=ids.dtype)
    share = np.empty(n_rows, dtype=np.float32)

    def one_block(s: int) -> None:
        sims = unit(X[s:s + block] if rows is None else X[rows[s:s + block]]) @ fitted_unit.T
        let_go(X)  # vectors on disk: this block's pages are no longer needed here
        sims *= -1.0
        near = np.argpartition(sims, k - 1, axis=1)[:, :k]
        near_sims = -np.take_along_axis(sims, near, 1)
        n = len(near)
        flat = (np.arange(n)[:, None] * len(ids) + codes[near]).ravel()
        counts = np.bincount(flat, minlength=n * len(ids)).reshape(n, len(ids))
        weight = np.bincount(flat, weights=near_sims.ravel(), minlength=n * len(ids)).reshape(n, len(ids))
        # most votes; among equal votes, the larger sum of similarity (within [-k, k], so it never outweighs a vote)
        best = np.argmax(counts * (2.0 * k + 2.0) + weight, axis=1)
        topics[s:s + block] = ids[best]
        share[s:s + block] = counts[np.arange(n), best] / k

    # NumPy lets go of the GIL in the product and the partition: blocks side by side use both cores
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        list(pool.map(one_block, range(0, n_rows, block)))
    return topics, share


def centroid(X: np.ndarray, fitted_unit: np.ndarray, fitted_topics: np.ndarray,
             block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Topics of the rows of ``X`` by the nearest topic centroid (mean of its fitted documents' unit vectors, by
    cosine), and that similarity; never an outlier. What a saved model's ``transform`` does; kept for comparison."""
    fitted_topics = np.asarray(fitted_topics)
    ids = np.array(sorted(set(fitted_topics.tolist()) - {-1}))
    if not len(ids):
        return np.full(len(X), -1), np.zeros(len(X), np.float32)
    c = unit(np.vstack([fitted_unit[fitted_topics == t].mean(axis=0) for t in ids]))
    topics = np.empty(len(X), dtype=int)
    sim = np.empty(len(X), dtype=np.float32)
    for s in range(0, len(X), block):
        sims = unit(X[s:s + block]) @ c.T
        best = np.argmax(sims, axis=1)
        topics[s:s + block] = ids[best]
        sim[s:s + block] = sims[np.arange(len(best)), best]
    return topics, sim


METHODS = {"neighbours": vote, "centroid": centroid}
