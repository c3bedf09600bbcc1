"""The topic model: BERTopic assembled from parts sized to the corpus.

Entry point: :func:`fit_topics`. It builds BERTopic's components (reducer,
clusterer, vectorizer, c-TF-IDF, representations) from validated parameters,
fits, and returns plain tables: one row per document, one per topic.
"""
from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from . import heavy
from .params import Params

OUTLIER = -1
OUTLIER_LABEL = "Outliers (no clear topic)"

# Words that carry no topic in news prose, added to scikit-learn's English list.
NEWS_STOP_WORDS = (
    "said", "says", "say", "also", "would", "could", "one", "two", "year", "years", "new", "like", "just", "many",
    "much", "may", "might", "according", "including", "however", "even", "well", "way", "make", "made", "lot",
    "lots", "really", "things", "thing", "going", "get", "got", "let", "us", "use", "used", "using",
    "it's", "don't", "won't", "can't", "isn't", "aren't", "doesn't", "didn't", "that's", "there's", "they're",
    "we're", "you're", "i'm", "we'll", "you'll", "they'll", "let's", "what's", "here's", "who's",
)


_TOKEN = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
_PHRASE_BREAK = re.compile(r"[^\w\s'’-]+|\s[-–—]\s")


class PhraseAnalyzer:
    """Words and two-word phrases that never span punctuation or a stop word.

    scikit-learn's n-grams join words across commas and removed stop words
    ("cheap, widely used" gives "cheap widely"); these give "widely used".
    """

    def __init__(self, stop_words: frozenset[str], ngram_range: tuple[int, int] = (1, 2)):
        self.stop_words = stop_words
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        lo, hi = self.ngram_range
        out: list[str] = []
        for chunk in _PHRASE_BREAK.split(doc.lower()):
            run: list[str] = []
            for w in [*_TOKEN.findall(chunk), None]:
                if w is not None:
                    w = w.strip("'’-").replace("’", "'")
                if w and w not in self.stop_words and len(w) > 1:
                    run.append(w)
                    continue
                for n in range(lo, hi + 1):
                    out.extend(" ".join(run[i:i + n]) for i in range(len(run) - n + 1))
                run = []
        return out


@dataclass
class Sizing:
    """Settings derived from the corpus size; recorded in run.json."""

    n_documents: int
    reducer: str
    n_neighbors: int
    n_components: int
    min_cluster_size: int
    min_samples: int
    min_df: int
    ngram_range: tuple[int, int] = (1, 2)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def size_for(n_docs: int, params: Params) -> Sizing:
    """UMAP/HDBSCAN/vectorizer settings that suit ``n_docs`` documents.

    BERTopic's defaults (15 neighbours, topics of at least 10) are tuned for
    thousands of documents. Topics here are at least ~2.5% of the corpus,
    between 3 and 10 documents unless ``min_topic_size`` says otherwise; the
    neighbourhood grows with the square root of the corpus up to 15.
    """
    min_cluster = params.min_topic_size or int(np.clip(round(n_docs / 40), 3, 10))
    n_neighbors = int(np.clip(round(np.sqrt(n_docs)), 4, 15))
    n_neighbors = max(2, min(n_neighbors, n_docs - 1))
    n_components = max(2, min(5, n_docs - 2))
    reducer = params.reducer if params.reducer != "auto" else "umap"
    return Sizing(
        n_documents=n_docs,
        reducer=reducer,
        n_neighbors=n_neighbors,
        n_components=n_components,
        min_cluster_size=min_cluster,
        min_samples=max(1, min(min_cluster, 5) - 1),
        min_df=1 if n_docs < 500 else 2,
    )


@lru_cache(maxsize=1)
def _umap_class():
    """UMAP, with its all-pairs distances (corpora under 4,096 documents) computed by scikit-learn's vectorised metric.

    For dense data UMAP hands scikit-learn its numba cosine function, which scikit-learn then calls once
    per pair from Python: 16 s for the 2,225 BBC articles, growing with the square of the corpus. By name,
    scikit-learn computes the same distances with matrix products in a fraction of a second.
    """
    UMAP = heavy.umap().UMAP

    class VectorisedUMAP(UMAP):
        def _validate_parameters(self):
            super()._validate_parameters()
            if not self._sparse_data and self.metric in ("cosine", "euclidean") and not self._metric_kwds:
                self._input_distance_func = self.metric

    VectorisedUMAP.__name__ = VectorisedUMAP.__qualname__ = "UMAP"
    return VectorisedUMAP


def _reducer(s: Sizing, random_state: int):
    if s.reducer == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=s.n_components, random_state=random_state, svd_solver="full")
    return _umap_class()(
        n_neighbors=s.n_neighbors,
        n_components=s.n_components,
        min_dist=0.0,
        metric="cosine",
        random_state=random_state,  # fixed seed: same input, same topics (UMAP then runs single-threaded)
        n_jobs=1,
        low_memory=True,
    )


def build_model(params: Params, s: Sizing, embedder, representations: bool = True):
    """A BERTopic instance made of parts sized by ``s`` (without KeyBERT/MMR keywords when
    ``representations`` is False, as for stability refits that compare c-TF-IDF words only)."""
    heavy.bertopic()
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    # ngram_range is unused while our analyzer runs, but a saved model records it, and the
    # plain CountVectorizer BERTopic rebuilds on load needs it to find the two-word terms.
    warnings.filterwarnings("ignore", message="The parameter 'ngram_range' will not be used")
    vectorizer = CountVectorizer(
        analyzer=PhraseAnalyzer(frozenset(ENGLISH_STOP_WORDS.union(NEWS_STOP_WORDS)), s.ngram_range),
        ngram_range=s.ngram_range,
        min_df=s.min_df,
    )
    clusterer = HDBSCAN(
        min_cluster_size=s.min_cluster_size,
        min_samples=s.min_samples,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
    )
    representation = {
        "KeyBERT": KeyBERTInspired(top_n_words=params.top_n_words, random_state=params.random_state),
        "MMR": MaximalMarginalRelevance(diversity=0.3, top_n_words=params.top_n_words),
    }
    return BERTopic(
        embedding_model=embedder,
        umap_model=_reducer(s, params.random_state),
        hdbscan_model=clusterer,
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=representation if representations else None,
        top_n_words=params.top_n_words,
        nr_topics=params.nr_topics,
        seed_topic_list=[list(ws) for ws in params.seed_topics] if params.seed_topics else None,
        zeroshot_topic_list=list(params.zeroshot_topics) if params.zeroshot_topics else None,
        zeroshot_min_similarity=params.zeroshot_min_similarity,
        calculate_probabilities=False,
        verbose=False,
    )


@dataclass
class TopicResult:
    model: Any
    documents: pd.DataFrame  # corpus documents + topic, probability, label
    topics: pd.DataFrame  # topic, count, share, label, top_words, keybert, mmr, representative docs
    embeddings: np.ndarray
    sizing: Sizing
    timings: dict = field(default_factory=dict)
    outliers: dict = field(default_factory=dict)  # strategy, outlier share before and after reassignment

    def article_mix(self, by: str = "article_id") -> pd.DataFrame:
        """Share of each group's documents in each topic (rows sum to 1)."""
        d = self.documents
        mix = pd.crosstab(d[by], d["label"], normalize="index")
        order = [lab for lab in self.topics.sort_values("topic")["label"] if lab in mix.columns]
        return mix[order]


def _clean_terms(terms: list[str]) -> list[str]:
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
    from collections import Counter

    counts: dict[str, Counter] = {w: Counter() for w in words}
    for text in texts:
        for m in _TOKEN.finditer(text):
            low = m.group(0).lower().replace("’", "'")
            if low in counts:
                before = text[max(0, m.start() - 2):m.start()]
                if m.start() == 0 or re.search(r"[.!?:\"“]\s*$", before):
                    continue  # sentence-initial capitals say nothing about the word
                counts[low][m.group(0).replace("’", "'")] += 1
    return {w: (c.most_common(1)[0][0] if c else w) for w, c in counts.items()}


def make_label(terms: list[str], n: int = 3, forms: dict[str, str] | None = None) -> str:
    """A short readable label from a topic's ranked terms: 'Open-source models · OpenAI · developers',
    with words written as the corpus writes them (``forms``, from :func:`surface_forms`)."""
    picked = _clean_terms(terms)[:n]
    if not picked:
        return "(no words)"
    forms = forms or {}
    picked = [" ".join(forms.get(w, w) for w in t.split()) for t in picked]
    label = " · ".join(picked)
    return label[:1].upper() + label[1:]


MAP_MAX_DOCS = 5000  # the document map shows a random sample beyond this: more dots hide each other and swell the report


def document_coords(result: "TopicResult", random_state: int, max_docs: int = MAP_MAX_DOCS) -> np.ndarray:
    """2-D coordinates by the same kind of reducer the model used, for every document or, past
    ``max_docs``, for a seeded random sample of them (the other rows are NaN)."""
    import dataclasses

    n = len(result.embeddings)
    rows = np.arange(n) if n <= max_docs else np.sort(np.random.default_rng(random_state).choice(n, max_docs, replace=False))
    two = dataclasses.replace(result.sizing, n_components=2)
    coords = np.full((n, 2), np.nan)
    coords[rows] = np.asarray(_reducer(two, random_state).fit_transform(result.embeddings[rows]))
    return coords


def _representative(doc_idx: np.ndarray, emb: np.ndarray, k: int = 3) -> list[int]:
    centroid = emb[doc_idx].mean(axis=0)
    sims = emb[doc_idx] @ centroid
    return [int(doc_idx[i]) for i in np.argsort(-sims, kind="stable")[:k]]


def fit_topics(docs: pd.DataFrame, embedder, params: Params, embeddings: np.ndarray | None = None) -> TopicResult:
    """Embed (through the cache), fit BERTopic and return document and topic tables."""
    timings: dict[str, float] = {}
    docs = docs.reset_index(drop=True)  # rows line up with embedding rows, whatever index the caller's table had
    texts = docs["text"].tolist()
    t0 = time.perf_counter()
    if embeddings is None:
        embeddings = embedder.embed(texts, verbose=True)
    timings["embed_s"] = round(time.perf_counter() - t0, 3)

    s = size_for(len(texts), params)
    t0 = time.perf_counter()
    model = build_model(params, s, embedder)
    topics, probs = model.fit_transform(texts, embeddings=embeddings)
    timings["fit_s"] = round(time.perf_counter() - t0, 3)

    topics = np.asarray(topics, dtype=int)
    outliers = {"strategy": params.outlier_strategy, "before": float(np.mean(topics == OUTLIER)), "after": float(np.mean(topics == OUTLIER))}
    reassigned = np.zeros(len(topics), dtype=bool)
    if params.outlier_strategy != "none" and (topics == OUTLIER).any() and (topics != OUTLIER).any():
        t0 = time.perf_counter()
        new = np.asarray(model.reduce_outliers(texts, topics.tolist(), strategy=params.outlier_strategy,
                                               embeddings=embeddings if params.outlier_strategy == "embeddings" else None), dtype=int)
        reassigned = new != topics
        model.update_topics(texts, topics=new.tolist(), top_n_words=params.top_n_words, vectorizer_model=model.vectorizer_model,
                            ctfidf_model=model.ctfidf_model, representation_model=model.representation_model)
        topics = new
        outliers["after"] = float(np.mean(topics == OUTLIER))
        timings["outliers_s"] = round(time.perf_counter() - t0, 3)

    out = docs.copy()
    out["topic"] = topics
    out["probability"] = np.round(np.asarray(probs, dtype=float), 4) if probs is not None else np.nan
    out.loc[reassigned, "probability"] = np.nan  # reassigned by a rule, not by the clusterer
    out["reassigned"] = reassigned
    table = topic_table(model, out, embeddings, params.top_n_words)
    labels = dict(zip(table["topic"], table["label"]))
    out["label"] = out["topic"].map(labels)
    return TopicResult(model=model, documents=out, topics=table, embeddings=embeddings, sizing=s, timings=timings, outliers=outliers)


def topic_table(model, docs: pd.DataFrame, embeddings: np.ndarray, top_n_words: int) -> pd.DataFrame:
    """One row per topic, outliers first: size, label, words of each representation, examples."""
    aspects = getattr(model, "topic_aspects_", {}) or {}
    named = {t: model.zeroshot_topic_list[i] for t, i in (getattr(model, "_topic_id_to_zeroshot_topic_idx", None) or {}).items()}
    rows = []
    aspects_words = {t: [w for w, _ in aspects.get("MMR", {}).get(t, [])] or [w for w, _ in (model.get_topic(t) or [])] for t in docs["topic"].unique()}
    label_words = {w for t, terms in aspects_words.items() for term in _clean_terms(terms)[:3] for w in term.split()}
    forms = surface_forms(label_words, docs["text"].head(5000).tolist())  # how the corpus writes them: 'AI', 'China'
    for topic, group in docs.groupby("topic", sort=True):
        main = [w for w, _ in (model.get_topic(topic) or [])][:top_n_words]
        keybert = [w for w, _ in aspects.get("KeyBERT", {}).get(topic, [])][:top_n_words]
        mmr = [w for w, _ in aspects.get("MMR", {}).get(topic, [])][:top_n_words]
        label = OUTLIER_LABEL if topic == OUTLIER else named.get(topic) or make_label(aspects_words[topic], forms=forms)
        rep = _representative(group.index.to_numpy(), embeddings)
        rows.append(
            {
                "topic": int(topic),
                "count": int(len(group)),
                "share": round(len(group) / len(docs), 4),
                "label": label,
                "top_words": ", ".join(main),
                "keybert_words": ", ".join(keybert),
                "mmr_words": ", ".join(mmr),
                "articles": int(group["article_id"].nunique()),
                "origin": "named (zero-shot)" if topic in named else ("outliers" if topic == OUTLIER else "found"),
                "representative_doc_ids": " ".join(str(int(docs.at[i, "doc_id"])) for i in rep),
                "representative_docs": [
                    {"doc_id": int(docs.at[i, "doc_id"]), "article_id": docs.at[i, "article_id"], "title": docs.at[i, "title"], "source": docs.at[i, "source"], "text": docs.at[i, "text"]}
                    for i in rep
                ],
            }
        )
    table = pd.DataFrame(rows)
    # labels must be unique to serve as column names and legend entries
    seen: dict[str, int] = {}
    for i, lab in enumerate(table["label"]):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            table.at[i, "label"] = f"{lab} ({seen[lab]})"
    return table


MODEL_DIR = "model"
_UNSAFE_SUFFIXES = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".joblib")


def save_model(model, folder, embedding_model_name: str) -> None:
    """Save with safetensors (never pickle); the embedding model is recorded by name only."""
    model.save(str(folder), serialization="safetensors", save_ctfidf=True, save_embedding_model=embedding_model_name)


def load_model(folder, embedder):
    """Load a saved model offline. Refuses folders holding pickled or torch files,
    and hands BERTopic the local embedder so it never fetches a model by name."""
    from pathlib import Path

    heavy.bertopic()
    from bertopic import BERTopic

    folder = Path(folder)
    if not (folder / "topics.json").exists():
        raise FileNotFoundError(f"{folder} is not a saved topic model (no topics.json); pass a run's model/ folder.")
    unsafe = [p.name for p in folder.rglob("*") if p.suffix.lower() in _UNSAFE_SUFFIXES]
    if unsafe:
        raise ValueError(f"refusing to load {folder}: it holds pickled or torch files ({', '.join(unsafe)}), which can run code. Only safetensors models are loaded.")
    return BERTopic.load(str(folder), embedding_model=embedder)


def assign_topics(model, docs: pd.DataFrame, embedder, saved_topics: pd.DataFrame) -> TopicResult:
    """Topics of new documents under a saved model, with the saved run's labels.

    ``saved_topics`` is the saved run's topics.csv; counts and shares are recomputed for the new documents.
    """
    texts = docs["text"].tolist()
    t0 = time.perf_counter()
    embeddings = embedder.embed(texts)
    topics, probs = model.transform(texts, embeddings=embeddings)
    out = docs.copy()
    out["topic"] = np.asarray(topics, dtype=int)
    out["probability"] = np.round(np.asarray(probs, dtype=float), 4) if probs is not None else np.nan
    labels = dict(zip(saved_topics["topic"], saved_topics["label"]))
    out["label"] = out["topic"].map(labels).fillna(OUTLIER_LABEL)
    counts = out.groupby("topic").size()
    table = saved_topics[saved_topics["topic"].isin(counts.index)].copy()
    table["count"] = table["topic"].map(counts).astype(int)
    table["share"] = (table["count"] / len(out)).round(4)
    table["representative_docs"] = [[] for _ in range(len(table))]
    sizing = size_for(len(out), Params())
    return TopicResult(model=model, documents=out, topics=table.reset_index(drop=True), embeddings=embeddings, sizing=sizing,
                       timings={"assign_s": round(time.perf_counter() - t0, 3)})
