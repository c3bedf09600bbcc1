"""What a topic is called and how it is shown: ranked terms without repeats, readable labels, the topic table."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from ..text import WORD
from .means import nearest_to_means

OUTLIER = -1
OUTLIER_LABEL = "Outliers (no clear topic)"
_SENTENCE_END_BEFORE = re.compile(r"[.!?:\"“]\s*$")


def clean_terms(terms: list[str]) -> list[str]:
    """Ranked terms without repeats: a word already inside a kept phrase is skipped,
    and a phrase takes the place of its own words ("open", "open source" -> "open source")."""
    def stems(term: str) -> set[str]:  # "models" and "model" are one word here
        return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in term.split()}

    out: list[str] = []
    for t in terms:
        words = stems(t)
        if not words or any(words <= stems(o) for o in out):
            continue
        inner = [i for i, o in enumerate(out) if stems(o) < words]
        if inner:
            out[inner[0]] = t
            out = [o for i, o in enumerate(out) if i not in inner[1:]]
        else:
            out.append(t)
    return out


def surface_forms(words: set[str], texts: list[str]) -> dict[str, str]:
    """How each lower-cased word is written in ``texts``, mid-sentence: 'ai' -> 'AI', 'chinese' -> 'Chinese'."""
    counts: dict[str, Counter] = {w: Counter() for w in words}
    for text in texts:
        for m in WORD.finditer(text):
            low = m.group(0).lower().replace("’", "'")
            if low in counts:
                before = text[max(0, m.start() - 2):m.start()]
                if m.start() == 0 or _SENTENCE_END_BEFORE.search(before):
                    continue  # sentence-initial capitals say nothing about the word
                counts[low][m.group(0).replace("’", "'")] += 1
    return {w: (c.most_common(1)[0][0] if c else w) for w, c in counts.items()}


def make_label(terms: list[str], n: int = 3, forms: dict[str, str] | None = None) -> str:
    """A short readable label from a topic's ranked terms: 'Open-source models · OpenAI · developers',
    with words written as the corpus writes them (``forms``, from :func:`surface_forms`)."""
    picked = clean_terms(terms)[:n]
    if not picked:
        return "(no words)"
    forms = forms or {}
    picked = [" ".join(forms.get(w, w) for w in t.split()) for t in picked]
    label = " · ".join(picked)
    return label[:1].upper() + label[1:]



def topic_table(model, docs: pd.DataFrame, embeddings: np.ndarray, top_n_words: int,
                names: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per topic, outliers first: size, label, words of each representation, representative documents.

    Args:
        model: the fitted BERTopic.
        docs: the documents with their ``topic`` (row i is embedding row i).
        embeddings: the documents' vectors.
        top_n_words: terms kept per representation.
        names: labels a researcher gave (topic id -> label); they replace the labels made from the words.

    Returns:
        Columns ``topic, count, share, label, top_words, keybert_words, mmr_words, articles, origin,
        representative_doc_ids, representative_docs``; labels are unique.
    """
    aspects = getattr(model, "topic_aspects_", {}) or {}
    named = {t: model.zeroshot_topic_list[i]
             for t, i in (getattr(model, "_topic_id_to_zeroshot_topic_idx", None) or {}).items()}
    label_terms = {t: [w for w, _ in aspects.get("MMR", {}).get(t, [])] or [w for w, _ in (model.get_topic(t) or [])]
                   for t in docs["topic"].unique()}
    label_words = {w for terms in label_terms.values() for term in clean_terms(terms)[:3] for w in term.split()}
    forms = surface_forms(label_words, docs["text"].head(5000).tolist())  # how the corpus writes them: 'AI', 'China'
    rows = []
    docs = docs.reset_index(drop=True)  # row i is embedding row i, whatever the caller's index
    topics = docs["topic"].to_numpy()
    reps = nearest_to_means(embeddings, topics)  # row numbers
    counts = pd.Series(topics).value_counts()
    articles = docs[["topic", "article_id"]].groupby("topic")["article_id"].nunique()
    for topic in sorted(reps):
        given = (names or {}).get(topic)
        label = OUTLIER_LABEL if topic == OUTLIER else given or named.get(topic) or make_label(label_terms[topic],
                                                                                                 forms=forms)
        rep = reps[topic]
        rows.append(
            {
                "topic": int(topic),
                "count": int(counts[topic]),
                "share": round(int(counts[topic]) / len(docs), 4),
                "label": label,
                "top_words": ", ".join([w for w, _ in (model.get_topic(topic) or [])][:top_n_words]),
                "keybert_words": ", ".join([w for w, _ in aspects.get("KeyBERT", {}).get(topic, [])][:top_n_words]),
                "mmr_words": ", ".join([w for w, _ in aspects.get("MMR", {}).get(topic, [])][:top_n_words]),
                "articles": int(articles[topic]),
                "origin": "named (zero-shot)" if topic in named else ("outliers" if topic == OUTLIER
                                                                  else "renamed" if given else "found"),
                "representative_doc_ids": " ".join(str(int(docs.at[i, "doc_id"])) for i in rep),
                "representative_docs": [
                    {
                        "doc_id": int(docs.at[i, "doc_id"]),
                        **{k: docs.at[i, k] for k in ("article_id", "title", "source", "text")},
                    }
                    for i in rep
                ],
            }
        )
    table = pd.DataFrame(rows)
    table["label"] = unique_labels(table["label"].tolist())
    return table


def unique_labels(labels: list[str]) -> list[str]:
    """Labels made unique (they serve as column names and legend entries): repeats get " (2)", " (3)", ..."""
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} ({seen[lab]})")
    return out
