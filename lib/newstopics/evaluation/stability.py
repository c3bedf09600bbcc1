"""How sure can we be of the topics: do they come back when the model is refitted on other samples and seeds?

The fit and its refits are compared like with like: topics as fitted (before the run's own outlier reassignment,
if any), with each outlier placed in the topic whose documents it most often shares an ensemble fit with (in the
fit by the fit's ensemble, in a refit by the refit's). So the comparison judges the topics, not where the line
between a topic and the outliers falls; that boundary is measured too, as ``ari_strict`` (outliers as a group).

* **Resampling.** The model is refitted ``runs`` times, each on a random 90% of the documents it was fitted on (the
  fitted sample of a large corpus) with another seed and
  *exactly the settings of the fit it judges* (its sizing: neighbours, minimum topic size, vocabulary, ensemble size;
  its topic reduction and steering). The adjusted Rand index compares the refit's topics with the fit's on the
  documents both saw.
* **Per topic.** A topic *reappears* in another fit when some topic there holds at least half of the union of their
  documents (document Jaccard >= 0.5, counted on the documents both fits saw). ``reappears`` is the share of refits
  in which it does; topics that reappear in fewer than two thirds are marked unstable. ``in_ensemble`` is the same
  share over the ensemble's single fits, and ``word_overlap`` the mean share of its top words that the matched topic
  of each refit shares.
* **Between ensembles.** The ensemble's fits are split into two halves (even and odd members); each half's consensus
  is an independent ensemble, and their adjusted Rand index says how much the topics depend on the draw.
"""
from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..memory import take
from ..model import build_model

REAPPEAR = 0.5  # document Jaccard at which a topic counts as found again
STABLE_SHARE = 2 / 3  # a topic is stable when it reappears in at least this share of the refits


def document_jaccard(topics_a: np.ndarray, topics_b: np.ndarray) -> dict[int, float]:
    """For each topic of ``a`` (outliers excluded), the best document Jaccard with any topic of ``b``.

    Both arrays hold one topic per document, for the same documents in the same order.

    Example:
        >>> document_jaccard(np.array([0, 0, 1, 1]), np.array([5, 5, 5, -1]))
        {0: 0.6666666666666666, 1: 0.3333333333333333}
    """
    topics_a, topics_b = np.asarray(topics_a), np.asarray(topics_b)
    out = {}
    for t in sorted(set(topics_a.tolist()) - {-1}):
        in_a = topics_a == t
        best = 0.0
        for u in set(topics_b[in_a].tolist()) - {-1}:
            in_b = topics_b == u
            best = max(best, float((in_a & in_b).sum() / (in_a | in_b).sum()))
        out[t] = best
    return out


def word_overlap(words: list[str], others: list[list[str]], top_n: int) -> float:
    """The largest share of ``words``' top ``top_n`` that a word list of ``others`` has among its own top ``top_n``."""
    mine = set(words[:top_n])
    if not mine:
        return float("nan")
    return max((len(mine & set(o[:top_n])) / len(mine) for o in others), default=0.0)


@dataclass
class Stability:
    """What the stability check found (see the module notes)."""

    seeds: list[int]
    per_topic: pd.DataFrame  # topic, label, reappears, in_ensemble, word_overlap, stable
    ari_mean: float  # resampling: mean adjusted Rand index of the refits against the fit (outliers placed)
    ari_min: float
    topics_per_run: list[int]
    ari_strict: float | None = None  # the same with outliers kept as a group of their own
    ensemble_ari: float | None = None  # between two independent half-ensembles of the fit's own members
    refit_settings: list[dict] = field(default_factory=list)  # the sizing each refit was built with
    refit_documents: list[int] = field(default_factory=list)  # documents each refit saw

    def unstable(self) -> list[int]:
        return self.per_topic.loc[~self.per_topic["stable"], "topic"].tolist()

    def summary(self) -> str:
        """What the check found, in two or three sentences of Markdown (topic labels escaped)."""
        text = (f"Refitted {len(self.seeds)} times on random 90% samples with other seeds and the same settings, the "
                f"topics agree with this fit with an adjusted Rand index of {self.ari_mean:.2f} on average (lowest "
                f"{self.ari_min:.2f}; {self.ari_strict:.2f} counting the outliers as a group of their own); the refits "
                f"found {', '.join(map(str, self.topics_per_run))} topics. ")
        if self.ensemble_ari is not None:
            text += (f"Two independent halves of this fit's ensemble agree with each other at {self.ensemble_ari:.2f}: "
                     "the topics do not hinge on one random draw. ")
        unstable = self.per_topic.loc[~self.per_topic["stable"], "label"].tolist()
        if unstable:
            names = "; ".join(html.escape(str(label)) for label in unstable)
            return text + (f"**Unstable topics ({len(unstable)} of {len(self.per_topic)})**: {names}. "
                           "Treat them as tentative.")
        return text + "Every topic reappeared in at least two thirds of the refits."


def stability(result, embedder, params, runs: int, sample: float = 0.9) -> Stability | None:
    """Refit ``runs`` times on random 90% samples with other seeds, with the fit's own settings, and compare.

    Args:
        result: the :class:`~newstopics.model.TopicResult` to judge.
        embedder: its embedder (the refits reuse ``result.embeddings``).
        params: its parameters; each refit takes ``random_state + 1 + i``.
        runs: how many refits (0: no check, None returned).
        sample: the share of documents each refit sees.
    """
    from sklearn.metrics import adjusted_rand_score

    if runs <= 0:
        return None
    # the documents the model was fitted on (a sample of a large corpus): a refit resamples them, as the fit did
    fit_rows = result.fitted_rows()
    fitted = result.fitted_topics if result.fitted_topics is not None else result.documents["topic"].to_numpy()
    fitted = fitted[fit_rows]
    reference = _placed(result.model, fitted)
    words = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    texts = np.asarray(result.documents["text"].iloc[fit_rows].tolist(), dtype=object)
    vectors = take(result.embeddings, fit_rows)
    n, top_n = len(texts), params.top_n_words
    seeds = [params.random_state + 1 + i for i in range(runs)]
    matches: dict[int, list[float]] = {t: [] for t in set(reference.tolist()) - {-1}}
    overlaps: dict[int, list[float]] = {t: [] for t in matches}
    aris, strict, counts, settings, seen = [], [], [], [], []
    for seed in seeds:
        keep = np.sort(np.random.default_rng(seed).choice(n, size=max(2, int(round(sample * n))), replace=False))
        same_settings = dataclasses.replace(params, random_state=seed)
        model = build_model(same_settings, result.sizing, embedder, representations=False)
        settings.append(model.hdbscan_model.sizing.to_dict())
        seen.append(len(keep))
        raw = np.asarray(model.fit_transform(texts[keep].tolist(), embeddings=vectors[keep])[0], dtype=int)
        refit = _placed(model, raw)
        counts.append(len(set(raw.tolist()) - {-1}))
        aris.append(adjusted_rand_score(reference[keep], refit))
        strict.append(adjusted_rand_score(fitted[keep], raw))
        refit_words = [[w for w, _ in model.get_topic(u)] for u in set(refit.tolist()) - {-1}]
        for t, j in document_jaccard(reference[keep], refit).items():
            matches[t].append(j)
            overlaps[t].append(word_overlap(words.get(t, []), refit_words, top_n))
    in_ensemble = _ensemble_reappearance(result, fitted)
    labels = dict(zip(result.topics["topic"], result.topics["label"], strict=True))
    rows = []
    for t, js in sorted(matches.items()):
        share = float(np.mean([j >= REAPPEAR for j in js])) if js else 0.0
        overlap = round(float(np.nanmean(overlaps[t])), 3) if js else None
        rows.append({"topic": t, "label": labels.get(t, ""), "reappears": round(share, 3),
                     "in_ensemble": in_ensemble.get(t), "word_overlap": overlap, "stable": share >= STABLE_SHARE})
    return Stability(seeds, pd.DataFrame(rows), float(np.mean(aris)), float(np.min(aris)), counts,
                     ari_strict=float(np.mean(strict)), ensemble_ari=_split_half_ari(result), refit_settings=settings,
                     refit_documents=seen)


def _placed(model, topics: np.ndarray) -> np.ndarray:
    """Topics with outliers placed by the model's own ensemble (unchanged where it has none)."""
    clustering = model.hdbscan_model
    return clustering.place_outliers(topics) if hasattr(clustering, "place_outliers") else np.asarray(topics)


def _ensemble_reappearance(result, reference: np.ndarray) -> dict[int, float]:
    """Per topic, the share of the ensemble's single fits holding a topic of document Jaccard >= 0.5 with it."""
    members = getattr(result.model.hdbscan_model, "member_labels_", None)
    if members is None or members.shape[1] != len(reference):
        return {}
    found: dict[int, list[bool]] = {}
    for labels in members:
        for t, j in document_jaccard(reference, labels).items():
            found.setdefault(t, []).append(j >= REAPPEAR)
    return {t: round(float(np.mean(v)), 3) for t, v in found.items()}


def _split_half_ari(result) -> float | None:
    """Adjusted Rand index between the consensus topics of the even and the odd members of the fit's ensemble."""
    from sklearn.metrics import adjusted_rand_score

    clustering = result.model.hdbscan_model
    halves = clustering.split_half() if hasattr(clustering, "split_half") else None
    return None if halves is None else float(adjusted_rand_score(halves[0], halves[1]))
