"""The evaluation stage's entry point: coherence, diversity, baselines and stability of a run's topics.

The model comparison (``scores``) follows :mod:`.protocol`: every model's words chosen on half A of the run's
documents, coherence counted on half B, tokenized by the topic model's own analyzer; NMF and LDA get as many topics.
The per-topic table scores the words the report shows, on all documents (in sample: those words were chosen on
the same documents). The outlier topic (-1) is excluded everywhere.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.represent import agreement_weights
from ..model.terms import analyzer_of, tokens_of
from .coherence import score_topics
from .protocol import OURS, OURS_LIFT_ONLY, compare_models
from .stability import Stability, stability

TIE = 0.02  # held-out NPMI differences smaller than this are read as no clear difference


@dataclass
class Evaluation:
    scores: pd.DataFrame  # one row per model (ours, ours lift only, baselines): held-out coherence, diversity
    per_topic: pd.DataFrame  # our topics: size, in-sample npmi and c_v of the shown words, (stability)
    sizes: dict
    stability: Stability | None
    timings: dict
    halves: dict = field(default_factory=dict)  # documents in half A (words chosen) and half B (scored)

    def comparison_summary(self) -> str:
        """What the held-out scores say, each sentence from its figures against :data:`TIE`.

        Example:
            >>> import pandas as pd
            >>> scores = pd.DataFrame({"model": ["BERTopic", "BERTopic, lift only", "NMF"], "topics": [8, 8, 8],
            ...                        "npmi": [0.12, 0.11, 0.05]})
            >>> text = Evaluation(scores, None, {}, None, {}, {"half_a": 70, "half_b": 71}).comparison_summary()
            >>> for sentence in text.split(". "):
            ...     print(sentence)
            Held out (words chosen on 70 documents, NPMI counted on the other 71): our 8 topics score 0.120
            NMF with as many topics on the same halves: 0.050, below ours by 0.070
            Without its co-occurrence step our model scores 0.110 (the step changes it by +0.010, within 0.02: no clear
            effect).
        """
        by = self.scores.set_index("model")
        if OURS not in by.index:
            return ""
        ours = float(by.at[OURS, "npmi"])
        out = [f"Held out (words chosen on {self.halves.get('half_a')} documents, NPMI counted on the other "
               f"{self.halves.get('half_b')}): our {int(by.at[OURS, 'topics'])} topics score {ours:.3f}."]
        if "NMF" in by.index:
            gap = ours - float(by.at["NMF", "npmi"])
            verdict = (f"within {TIE} of ours: no clear difference" if abs(gap) < TIE
                       else f"below ours by {gap:.3f}" if gap > 0 else f"above ours by {-gap:.3f}: on this corpus the "
                       "embeddings do not make the topics' words more coherent than word counts alone")
            out.append(f"NMF with as many topics on the same halves: {float(by.at['NMF', 'npmi']):.3f}, {verdict}.")
        else:
            out.append("No baseline was fitted (baselines off), so there is nothing to compare these figures with.")
        if OURS_LIFT_ONLY in by.index:
            step = ours - float(by.at[OURS_LIFT_ONLY, "npmi"])
            effect = f"within {TIE}: no clear effect" if abs(step) < TIE else ("it helps" if step > 0 else "it hurts")
            out.append(f"Without its co-occurrence step our model scores {float(by.at[OURS_LIFT_ONLY, 'npmi']):.3f} "
                       f"(the step changes it by {step:+.3f}, {effect}).")
        return " ".join(out)

    def to_json(self) -> dict:
        out = {
            "terms": "each model is scored on its topics' first top_n_words single words",
            "protocol": "words chosen on half A of the documents, NPMI and C_v counted on half B (held out)",
            "halves": self.halves,
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
    """Held-out coherence of the run's topics beside NMF/LDA with as many topics (:mod:`.protocol`), the shown words'
    in-sample coherence per topic, and stability under refits.

    Args:
        result: the run's :class:`~newstopics.model.TopicResult`.
        embedder: the embedder the model was fitted with (refits reuse the result's vectors).
        params: the run's parameters.
        baselines: also fit NMF and LDA with as many topics (see ``want_baselines``).
        stability_runs: refits on resamples; 0 skips the stability check.
        client: a Dask client whose workers count the coherence windows, in parts (None: here, in parts too).

    Returns:
        An :class:`Evaluation`: one held-out score row per model, per-topic quality, topic sizes, stability, timings.

    Example:
        >>> evaluation = evaluate(result, embedder, params, stability_runs=3)  # doctest: +SKIP
        >>> evaluation.scores[["model", "npmi", "diversity"]]                  # doctest: +SKIP
    """
    timings = {}
    t0 = time.perf_counter()
    topics = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    outlier_share = float((result.documents["topic"] == -1).mean())
    k = len([t for t in topics if t != -1])
    docs = result.documents
    weights = agreement_weights(docs["agreement"]) if "agreement" in docs else None
    compared = compare_models(docs["text"], analyzer_of(result.model.vectorizer_model),
                              result.model.vectorizer_model, docs["topic"].to_numpy(), weights,
                              top_n=params.top_n_words, random_state=params.random_state,
                              min_df=result.sizing.min_df, baselines=baselines and k >= 1,
                              outlier_share=outlier_share, fit_seconds=result.timings.get("fit_s", 0.0),
                              shown=topics, client=client, tokens=tokens_of(result))
    shown = score_topics(OURS, topics, None, outlier_share, counts=compared.counts, top_n=params.top_n_words)
    timings["metrics_s"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    stab = stability(result, embedder, params, stability_runs) if k >= 1 else None
    timings["stability_s"] = round(time.perf_counter() - t0, 3)

    in_sample = shown.per_topic.rename(columns={"npmi": "npmi_in_sample", "c_v": "c_v_in_sample"})
    per_topic = result.topics[["topic", "label", "count"]].merge(in_sample, on="topic", how="left")
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
    return Evaluation(compared.table(), per_topic, sizes, stab, timings, compared.sizes)
