"""How sure can we be of the topics: refits on resamples with other seeds, matched topic by topic."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import build_model, size_for
from .coherence import TOP_N

STABLE_MATCH = 0.5  # a topic reappears in another run when some topic there shares this share of its top words


def match_topics(ref: dict[int, list[str]], other: dict[int, list[str]]) -> dict[int, tuple[int, float]]:
    """For each reference topic, the most similar topic of another run and their top-word overlap (Jaccard)."""
    out = {}
    for t, words in ref.items():
        if t == -1:
            continue
        a = set(words[:TOP_N])
        best, score = -1, 0.0
        for u, w2 in other.items():
            if u == -1:
                continue
            b = set(w2[:TOP_N])
            j = len(a & b) / len(a | b) if a | b else 0.0
            if j > score:
                best, score = u, j
        out[t] = (best, score)
    return out


@dataclass
class Stability:
    seeds: list[int]
    per_topic: pd.DataFrame  # topic, label, reappears (share of other runs), mean_overlap, stable
    ari_mean: float
    ari_min: float
    topics_per_run: list[int]


def stability(result, embedder, params, runs: int, sample: float = 0.9) -> Stability | None:
    """Refit ``runs`` times, each with another seed on a random 90% of the documents (same embeddings).

    The resampling matters: with a deterministic reducer a new seed alone changes nothing,
    and a topic that only exists because of a few documents should not look certain.
    Per topic: the share of refits in which a topic with at least half the same top-10
    words reappears. Overall: adjusted Rand index of the assignments on the shared documents.
    """
    from sklearn.metrics import adjusted_rand_score

    if runs <= 0:
        return None
    ref_words = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    seeds = [params.random_state + 1 + i for i in range(runs)]
    overlaps: dict[int, list[float]] = {t: [] for t in ref_words if t != -1}
    aris, counts = [], []
    texts = np.asarray(result.documents["text"].tolist(), dtype=object)
    ref_topics = result.documents["topic"].to_numpy()
    n = len(texts)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(n, size=max(2, int(round(sample * n))), replace=False))
        p = dataclasses.replace(params, random_state=seed)
        sizing = size_for(len(keep), p)
        model = build_model(p, sizing, embedder, representations=False)
        topics, _ = model.fit_transform(texts[keep].tolist(), embeddings=result.embeddings[keep])
        other = {t: [w for w, _ in model.get_topic(t)] for t in set(topics)}
        counts.append(len([t for t in other if t != -1]))
        for t, (_, j) in match_topics(ref_words, other).items():
            overlaps[t].append(j)
        aris.append(adjusted_rand_score(ref_topics[keep], topics))
    labels = dict(zip(result.topics["topic"], result.topics["label"], strict=True))
    rows = []
    for t, js in overlaps.items():
        reappears = float(np.mean([j >= STABLE_MATCH for j in js]))
        rows.append(
            {
                "topic": t,
                "label": labels[t],
                "reappears": round(reappears, 3),
                "mean_overlap": round(float(np.mean(js)), 3),
                "stable": reappears >= 2 / 3,
            }
        )
    return Stability(seeds, pd.DataFrame(rows), float(np.mean(aris)), float(np.min(aris)), counts)
