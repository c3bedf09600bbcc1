"""The statistics the coverage views rest on, each on its own and each checked against a case worked by hand
(tests/test_groups.py, tests/test_time.py): weighted log-odds of words, contingency-table residuals, Holm's
correction, Wilson's interval, and the cluster (article) variances and design effects that keep paragraphs of one
article from counting as independent voices.
"""
from __future__ import annotations

import numpy as np


def log_odds_z(y_group: np.ndarray, y_rest: np.ndarray, prior: np.ndarray,
               a0: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, eq. 16-22).

    For word i, with ``a_i = prior[i]``, ``a0 = sum(prior)``, ``n`` each side's total count::

        delta_i = log((y_i^g + a_i) / (n^g + a0 - y_i^g - a_i)) - log((y_i^r + a_i) / (n^r + a0 - y_i^r - a_i))
        var_i  ~= 1 / (y_i^g + a_i) + 1 / (y_i^r + a_i)
        z_i     = delta_i / sqrt(var_i)

    Args:
        y_group: each word's count in the group's texts.
        y_rest: each word's count in the texts it is compared with.
        prior: each word's prior count ``a_i`` (all positive).
        a0: the prior's total over the whole vocabulary, when ``prior`` holds only some of its words (default:
            ``sum(prior)``).

    Returns:
        ``(delta, z)``: positive where the group uses the word more.
    """
    y_g, y_r, a = (np.asarray(x, dtype=float) for x in (y_group, y_rest, prior))
    a0, n_g, n_r = (a.sum() if a0 is None else float(a0)), y_g.sum(), y_r.sum()
    delta = np.log((y_g + a) / (n_g + a0 - y_g - a)) - np.log((y_r + a) / (n_r + a0 - y_r - a))
    return delta, delta / np.sqrt(1.0 / (y_g + a) + 1.0 / (y_r + a))


def adjusted_residuals(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected counts under independence and Haberman's adjusted standardized residuals of a contingency table:
    ``(O - E) / sqrt(E (1 - row / N) (1 - column / N))``, each about standard normal under independence."""
    o = np.asarray(observed, dtype=float)
    n = o.sum()
    rows, cols = o.sum(axis=1, keepdims=True), o.sum(axis=0, keepdims=True)
    expected = rows @ cols / n
    return expected, (o - expected) / np.sqrt(expected * (1 - rows / n) * (1 - cols / n))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error), in the order given."""
    p = np.asarray(p, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def wilson(share: np.ndarray, n: np.ndarray, z: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a share observed on ``n`` (effective, maybe fractional) documents, with critical
    value ``z``; NaN where ``n`` is 0.

    >>> low, high = wilson(0.2, 10, 1.96)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0567, 0.5098)
    """
    p, n = np.asarray(share, dtype=float), np.asarray(n, dtype=float)
    z2 = np.asarray(z, dtype=float) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):  # n == 0: NaN, nothing observed
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = np.sqrt(z2) / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def cluster_variance(counts: np.ndarray) -> np.ndarray:
    """The variance of each topic's share in a group from its clusters (articles): ``counts`` is clusters x topics.

    The share ``p_k = sum_j c_jk / N`` is a ratio of two cluster totals; its linearisation (cluster-robust) variance is
    ``a / (a - 1) * sum_j (c_jk - p_k n_j)^2 / N^2`` over the ``a`` clusters with documents (NaN with fewer than 2).
    With every document its own cluster it is ``p (1 - p) / (N - 1)``, about the variance of independent documents.
    """
    c = np.asarray(counts, dtype=float)
    c = c[c.sum(axis=1) > 0]
    a, total = len(c), c.sum()
    if a < 2 or total == 0:
        return np.full(c.shape[1], np.nan)
    p = c.sum(axis=0) / total
    resid = c - c.sum(axis=1, keepdims=True) * p
    return a / (a - 1) * (resid ** 2).sum(axis=0) / total ** 2


def design_effects(counts: np.ndarray) -> np.ndarray:
    """Each topic's design effect in a group (cluster variance / the variance of as many independent documents),
    never below 1; for a share of 0 or 1 (no spread to measure) the group's pooled one over its topics."""
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    p = c.sum(axis=0) / total
    v_srs = p * (1 - p) / total
    v = cluster_variance(c)
    pooled = np.nansum(v) / v_srs.sum() if v_srs.sum() > 0 else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        cell = np.where(v_srs > 0, v / v_srs, pooled)
    return np.maximum(np.nan_to_num(cell, nan=1.0), 1.0)


def mean_design_effect(tables: list[np.ndarray]) -> float:
    """The first-order (Rao-Scott) correction of a chi-square test of homogeneity across independent groups sampled
    in clusters: the expected value of the documents' X² under homogeneity, divided by its degrees of freedom.

    ``tables`` holds each group's clusters x topics counts (the same topics, each with documents somewhere). With
    ``N_g`` the group's documents, ``N`` all, ``p_k`` topic k's overall share and ``v_gk`` the cluster variance of the
    group's share (:func:`cluster_variance`)::

        d = sum_g (1 - N_g / N) * sum_k N_g v_gk / p_k  /  ((G - 1)(K - 1))

    For independent documents ``N_g v_gk = p_k (1 - p_k)`` and ``d = 1``. Never below 1: the correction may only make
    the test more careful than one on documents.
    """
    totals = np.array([t.sum() for t in tables], dtype=float)
    n = totals.sum()
    p = np.sum([t.sum(axis=0) for t in tables], axis=0) / n
    g, k = len(tables), len(p)
    terms = []
    for t, n_g in zip(tables, totals, strict=True):
        v = cluster_variance(t)
        if np.isnan(v).all():  # one article: no spread to measure, counted as independent documents
            share = t.sum(axis=0) / n_g
            v = share * (1 - share) / n_g
        terms.append((1 - n_g / n) * np.sum(n_g * v / p))
    return max(1.0, float(np.sum(terms)) / ((g - 1) * (k - 1)))


def cramers_v(statistic: float, n: float, shape: tuple[int, int]) -> float:
    """Cramér's V of a chi-square statistic on ``n`` observations in a table of ``shape``: 0 (none) to 1."""
    return float(np.sqrt(statistic / (n * (min(shape) - 1))))

