"""The evaluation stage's entry point: coherence, diversity, baselines and stability of a run's topics.

Every metric is computed against the run's own documents, tokenized by the same analyzer the topic model
used. The outlier topic (-1) is excluded everywhere. Baselines (NMF, LDA) get the same number of topics,
the same documents and the same tokenization.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .baselines import baseline_topics
from .coherence import count_windows, score_topics, single_words
from .stability import Stability, stability


@dataclass
class Evaluation:
    scores: pd.DataFrame  # one row per model: BERTopic and baselines
    per_topic: pd.DataFrame  # BERTopic topics: size, npmi, c_v, (stability)
    sizes: dict
    stability: Stability | None
    timings: dict

    def to_json(self) -> dict:
        out = {
            "terms": "each model is scored on its topics' first top_n_words single words",
            "scores": self.scores.to_dict("records"),
            "sizes": self.sizes,
            "timings": self.timings,
        }
        if self.stability is not None:
            out["stability"] = {
                "seeds": self.stability.seeds,
                "ari_mean": round(self.stability.ari_mean, 4),
                "ari_min": round(self.stability.ari_min, 4),
                "verdict": self.stability.verdict(),
                "topics_per_run": self.stability.topics_per_run,
                "unstable_topics": self.stability.unstable(),
            }
        return out


def evaluate(result, embedder, params, *, baselines: bool = True, stability_runs: int = 2,
             client=None) -> Evaluation:
    """Metrics for the run's topics, NMF/LDA baselines with as many topics, and stability under refits.

    Args:
        result: the run's :class:`~newstopics.model.TopicResult`.
        embedder: the embedder the model was fitted with (refits reuse the result's vectors).
        params: the run's parameters.
        baselines: also fit NMF and LDA with as many topics (see ``want_baselines``).
        stability_runs: refits on resamples; 0 skips the stability check.
        client: a Dask client whose workers count the coherence windows, in parts (None: here, in parts too).

    Returns:
        An :class:`Evaluation`: one score row per model, per-topic quality, topic sizes, stability, timings.

    Example:
        >>> evaluation = evaluate(result, embedder, params, stability_runs=3)  # doctest: +SKIP
        >>> evaluation.scores[["model", "npmi", "diversity"]]                  # doctest: +SKIP
    """
    timings = {}
    t0 = time.perf_counter()
    topics = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    outlier_share = float((result.documents["topic"] == -1).mean())
    k = len([t for t in topics if t != -1])
    scored = _score_models(result, topics, outlier_share, params, baselines and k >= 1, client)
    timings["metrics_s"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    stab = stability(result, embedder, params, stability_runs) if k >= 1 else None
    timings["stability_s"] = round(time.perf_counter() - t0, 3)

    per_topic = result.topics[["topic", "label", "count"]].merge(scored["BERTopic"].per_topic, on="topic", how="left")
    if stab is not None:
        per_topic = per_topic.merge(stab.per_topic.drop(columns=["label"]), on="topic", how="left")
    sizes_arr = result.topics.loc[result.topics["topic"] != -1, "count"].to_numpy()
    sizes = {
        "topics": int(k),
        "outlier_share": round(outlier_share, 4),
        "smallest": int(sizes_arr.min()) if k else 0,
        "median": float(np.median(sizes_arr)) if k else 0.0,
        "largest": int(sizes_arr.max()) if k else 0,
    }
    table = pd.DataFrame([s.row() for s in scored.values()])
    return Evaluation(table, per_topic, sizes, stab, timings)


def _score_models(result, topics: dict[int, list[str]], outlier_share: float, params, baselines: bool,
                  client=None) -> dict:
    """Scores of BERTopic's topics and, with ``baselines``, of NMF and LDA with as many, on one set of window counts
    (counted in parts, on the cluster's workers when a ``client`` is given)."""
    analyzer = result.model.vectorizer_model.build_analyzer()
    texts = result.documents["text"]  # counted a part at a time; as Python strings only for the baselines
    candidates = {"BERTopic": (topics, outlier_share, result.timings.get("fit_s", 0.0))}
    k = len([t for t in topics if t != -1])
    if baselines:
        for kind, name in (("nmf", "NMF"), ("lda", "LDA")):
            bt, _, secs = baseline_topics(kind, texts.tolist(), analyzer, k, params.random_state,
                                          min_df=result.sizing.min_df, top_n=params.top_n_words)
            candidates[name] = (bt, 0.0, secs)
    top_n = params.top_n_words
    all_terms = [w for tp, _, _ in candidates.values() for t, ws in tp.items() if t != -1
                 for w in single_words(ws, top_n)]
    counts = count_windows(texts, analyzer, all_terms, client=client)
    return {name: score_topics(name, tp, None, share, secs, counts, top_n)
            for name, (tp, share, secs) in candidates.items()}
