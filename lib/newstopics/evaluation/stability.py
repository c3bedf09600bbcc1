"""How sure can we be of the topics: do they come back when the whole model is fitted again on other samples and seeds?

* **Resampling.** The model is refitted ``runs`` times, each on a random 90% of the documents with another seed and
  *exactly the settings of the fit it judges* (its sizing: neighbours, minimum topic size, vocabulary, ensemble
  size; its topic reduction and steering), on the same vectors: each refit is an independent consensus run. The
  adjusted Rand index compares the refit's topics with the fit's, as fitted (before the run's own outlier
  reassignment, outliers as a group of their own), on the documents both saw.
* **Per topic.** A topic *reappears* in a refit when some topic there holds at least half of the union of their
  documents (document Jaccard >= 0.5, on the documents both saw). ``reappears`` is the share of refits in which it
  does; a topic that reappears in fewer than two thirds of them is marked unstable. ``word_overlap`` is the mean share
  of its top words that the best-matching topic of each refit shares.

The verdict the report prints is computed from these figures against the stated thresholds
(:func:`Stability.summary`): the topics are called stable only when the mean adjusted Rand index reaches
:data:`STABLE_ARI`.
"""
from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..memory import take
from ..model import build_model
from ..model.terms import tokens_of

REAPPEAR = 0.5  # document Jaccard at which a topic counts as found again
STABLE_SHARE = 2 / 3  # a topic is stable when it reappears in at least this share of the refits
STABLE_ARI = 0.8  # refits agreeing with the fit at least this well (mean ARI) make the topics "stable"
PARTLY_ARI = 0.5  # from here to STABLE_ARI: "partly stable"; below: "unstable"


def document_jaccard(topics_a: np.ndarray, topics_b: np.ndarray) -> dict[int, float]:
    """For each topic of ``a`` (outliers excluded), the best document Jaccard with any topic of ``b``.

    Both arrays hold one topic per document, for the same documents in the same order.

    Example:
        >>> document_jaccard(np.array([0, 0, 1, 1]), np.array([5, 5, 5, -1]))
        {0: 0.6666666666666666, 1: 0.25}
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
    per_topic: pd.DataFrame  # topic, label, reappears, word_overlap, stable
    ari_mean: float  # mean adjusted Rand index of the refits against the fit, on the documents both saw
    ari_min: float
    topics_per_run: list[int]
    refit_settings: list[dict] = field(default_factory=list)  # the sizing each refit was built with
    refit_documents: list[int] = field(default_factory=list)  # documents each refit saw
    sample: float = 0.9  # the share of documents each refit saw

    def unstable(self) -> list[int]:
        return self.per_topic.loc[~self.per_topic["stable"], "topic"].tolist()

    def verdict(self) -> str:
        """``stable`` when every refit agrees with the fit at :data:`STABLE_ARI` or more (the lowest ARI) and at least
        two thirds of the topics are stable; ``partly stable`` when the mean ARI reaches :data:`PARTLY_ARI`;
        ``unstable`` below."""
        topics_hold = not len(self.per_topic) or self.per_topic["stable"].mean() >= STABLE_SHARE
        if self.ari_min >= STABLE_ARI and topics_hold:
            return "stable"
        return "partly stable" if self.ari_mean >= PARTLY_ARI else "unstable"

    def summary(self) -> str:
        """What the check found, in two or three sentences of Markdown (topic labels escaped); each verdict follows
        from its figure and the threshold it states."""
        runs = len(self.seeds)
        text = (f"Refitted {runs} time{'s' if runs != 1 else ''} on random {self.sample:.0%} samples with other seeds "
                f"and the same "
                f"settings, the topics agree with this fit with an adjusted Rand index of {self.ari_mean:.2f} on "
                f"average (lowest {self.ari_min:.2f}; 1 = the same topics, 0 = no more alike than chance); the refits "
                f"found {', '.join(map(str, self.topics_per_run))} topics. ")
        verdict = self.verdict()
        if verdict == "stable":
            text += (f"Every refit at {STABLE_ARI:.1f} or more, and most topics found again: the topics as a whole do "
                     "not hinge on the random draw or on which documents were read. ")
        elif verdict == "partly stable":
            text += (f"Not every refit reaches {STABLE_ARI:.1f}, or fewer than two thirds of the topics were found "
                     "again: the topics as a whole move with the draw; read the topic boundaries as tentative. ")
        else:
            text += (f"That is under {PARTLY_ARI:.1f}: the topics largely change with the draw; do not read much into "
                     "any one of them. ")
        unstable = self.per_topic.loc[~self.per_topic["stable"], "label"].tolist()
        if unstable:
            names = "; ".join(html.escape(str(label)) for label in unstable)
            return text + (f"**Unstable topics ({len(unstable)} of {len(self.per_topic)})**, found again in fewer "
                           f"than two thirds of the refits: {names}. Treat them as tentative.")
        if not len(self.per_topic):
            return text
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
    fitted = result.fitted_topics if result.fitted_topics is not None else result.documents["topic"].to_numpy()
    fitted = np.asarray(fitted)
    words = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    texts = np.asarray(result.documents["text"].tolist(), dtype=object)
    tokens = tokens_of(result)
    n, top_n = len(texts), params.top_n_words
    seeds = [params.random_state + 1 + i for i in range(runs)]
    matches: dict[int, list[float]] = {t: [] for t in set(fitted.tolist()) - {-1}}
    overlaps: dict[int, list[float]] = {t: [] for t in matches}
    aris, counts, settings, seen = [], [], [], []
    for seed in seeds:
        keep = np.sort(np.random.default_rng(seed).choice(n, size=max(2, int(round(sample * n))), replace=False))
        same_settings = dataclasses.replace(params, random_state=seed)
        model = build_model(same_settings, result.sizing, embedder, representations=False)
        settings.append(model.hdbscan_model.sizing.to_dict())
        model.representation_model["Main"].tokens = tokens.take(keep)  # the refit's words, not tokenized again
        seen.append(len(keep))
        refit = np.asarray(model.fit_transform(texts[keep].tolist(), embeddings=take(result.embeddings, keep))[0],
                           dtype=int)
        counts.append(len(set(refit.tolist()) - {-1}))
        aris.append(adjusted_rand_score(fitted[keep], refit))
        refit_words = [[w for w, _ in model.get_topic(u)] for u in set(refit.tolist()) - {-1}]
        for t, j in document_jaccard(fitted[keep], refit).items():
            matches[t].append(j)
            overlaps[t].append(word_overlap(words.get(t, []), refit_words, top_n))
    labels = dict(zip(result.topics["topic"], result.topics["label"], strict=True))
    rows = []
    for t, js in sorted(matches.items()):
        share = float(np.mean([j >= REAPPEAR for j in js])) if js else 0.0
        overlap = round(float(np.nanmean(overlaps[t])), 3) if js else None
        rows.append({"topic": t, "label": labels.get(t, ""), "reappears": round(share, 3), "word_overlap": overlap,
                     "stable": share >= STABLE_SHARE})
    per_topic = pd.DataFrame(rows, columns=["topic", "label", "reappears", "word_overlap", "stable"])
    return Stability(seeds, per_topic, float(np.mean(aris)), float(np.min(aris)), counts, refit_settings=settings,
                     refit_documents=seen, sample=sample)
