"""How good are the topics, and how sure can we be of them.

Entry point: :func:`evaluate`. Every metric is computed against the run's own
documents, tokenized by the same analyzer the topic model used:

* **NPMI** (normalised pointwise mutual information), OCTIS/gensim ``c_npmi`` style:
  boolean sliding windows of 10 tokens over each document (one window for a shorter
  document); for every pair of a topic's top-10 terms,
  ``log((p(a,b) + 1e-12) / (p(a) p(b))) / -log(p(a,b) + 1e-12)``; averaged over
  pairs, then over topics. A two-word term occurs in a window when both words do.
  Range -1..1; higher means the words co-occur more than chance.
* **C_v**: the same probabilities over windows of 110 tokens; each word's vector of
  NPMI values with the topic's words is compared (cosine) with the sum of all those
  vectors; averaged over words, then topics. Range 0..1.
* **Topic diversity**: unique terms among all topics' top-10 / (10 × topics).
* **Outlier share** and the **topic size** distribution.

The outlier topic (-1) is excluded everywhere. Baselines (LDA, NMF) get the same
number of topics, the same documents and the same tokenization.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

TOP_N = 10
NPMI_WINDOW = 10
CV_WINDOW = 110
EPS = 1e-12
STABLE_MATCH = 0.5  # a topic reappears in another run when some topic there shares this share of its top words


# --------------------------------------------------------------------------- co-occurrence


class WindowCounts:
    """Window occurrence counts of terms (words or two-word phrases) in tokenized documents."""

    def __init__(self, docs_tokens: list[list[str]], terms: list[str], window: int):
        words = sorted({w for t in terms for w in t.split()})
        index = {w: i for i, w in enumerate(words)}
        # (window, word) pairs, built per document as NumPy arrays: Python lists of ints took 2 GB at 100k paragraphs
        rows, cols = [], []
        n_windows = 0
        for tokens in docs_tokens:
            n_win = max(1, len(tokens) - window + 1)
            ids = np.fromiter((index.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
            p = np.flatnonzero(ids >= 0)
            if p.size:
                lo = np.maximum(0, p - window + 1)
                lens = np.minimum(p, n_win - 1) - lo + 1  # a word at p is in windows lo..hi
                starts = np.cumsum(lens) - lens
                rows.append((np.repeat(lo - starts, lens) + np.arange(lens.sum()) + n_windows).astype(np.int32))
                cols.append(np.repeat(ids[p], lens).astype(np.int32))
            n_windows += n_win
        self.n_windows = n_windows
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int32)
        w = sparse.csc_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_windows, len(words)))
        del rows, cols
        w.data[:] = 1.0  # presence, not counts
        self.terms = list(dict.fromkeys(terms))
        cols_t = []
        for t in self.terms:
            col = None
            for wd in t.split():
                c = w[:, index[wd]]
                col = c if col is None else col.multiply(c)
            cols_t.append(col)
        self.matrix = sparse.hstack(cols_t).tocsc() if cols_t else sparse.csc_matrix((n_windows, 0))
        self.matrix.data[:] = 1.0
        self.col = {t: i for i, t in enumerate(self.terms)}
        co = (self.matrix.T @ self.matrix).toarray()
        self.co = co
        self.single = np.diag(co).copy()

    def npmi(self, a: list[str]) -> np.ndarray:
        """Matrix of NPMI between the given terms."""
        idx = [self.col[t] for t in a]
        n = max(self.n_windows, 1)
        pab = self.co[np.ix_(idx, idx)] / n
        pa = self.single[idx] / n
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log((pab + EPS) / (np.outer(pa, pa) + EPS * EPS))
            out = pmi / -np.log(pab + EPS)
        out[np.outer(pa, pa) == 0] = 0.0  # a term never seen: no evidence either way (gensim gives 0 too)
        return out


def _per_topic(topics: list[list[str]], counts: WindowCounts, score) -> list[float]:
    """``score(npmi_matrix)`` for each topic's top-10 terms; NaN for a topic with fewer than two known terms."""
    scores = []
    for words in topics:
        words = [w for w in words if w in counts.col][:TOP_N]
        scores.append(float(score(counts.npmi(words))) if len(words) >= 2 else float("nan"))
    return scores


def npmi_coherence(topics: list[list[str]], counts: WindowCounts) -> list[float]:
    """Mean NPMI over each topic's pairs of terms."""
    return _per_topic(topics, counts, lambda m: np.mean(m[np.triu_indices(len(m), 1)]))


def _cv(m: np.ndarray) -> float:
    m = m.copy()
    np.fill_diagonal(m, 1.0)
    total = m.sum(axis=0)
    return np.mean([v @ total / (np.linalg.norm(v) * np.linalg.norm(total) + EPS) for v in m])


def cv_coherence(topics: list[list[str]], counts: WindowCounts) -> list[float]:
    """C_v: cosine of each term's NPMI vector with the topic's summed vector, averaged (windows of 110 tokens)."""
    return _per_topic(topics, counts, _cv)


def diversity(topics: list[list[str]]) -> float:
    if not topics:
        return float("nan")
    words = [w for t in topics for w in t[:TOP_N]]
    return len(set(words)) / (TOP_N * len(topics))


# --------------------------------------------------------------------------- scoring


@dataclass
class Scores:
    model: str
    n_topics: int
    npmi: float
    c_v: float
    diversity: float
    outlier_share: float
    per_topic: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = 0.0

    def row(self) -> dict:
        return {"model": self.model, "topics": self.n_topics, "npmi": round(self.npmi, 4), "c_v": round(self.c_v, 4),
                "diversity": round(self.diversity, 4), "outlier_share": round(self.outlier_share, 4), "fit_seconds": round(self.seconds, 2)}


def tokenize(texts: list[str], analyzer) -> list[list[str]]:
    """Single-word tokens in document order, as the topic model's analyzer sees them."""
    out = []
    for t in texts:
        out.append([term for term in analyzer(t) if " " not in term])
    return out


def score_topics(name: str, topics: dict[int, list[str]], docs_tokens, outlier_share: float = 0.0, seconds: float = 0.0,
                 counts: tuple[WindowCounts, WindowCounts] | None = None) -> Scores:
    ids = [t for t in sorted(topics) if t != -1 and topics[t]]
    lists = [topics[t][:TOP_N] for t in ids]
    terms = [w for ws in lists for w in ws]
    small, large = counts or (WindowCounts(docs_tokens, terms, NPMI_WINDOW), WindowCounts(docs_tokens, terms, CV_WINDOW))
    npmi = npmi_coherence(lists, small)
    cv = cv_coherence(lists, large)
    per_topic = pd.DataFrame({"topic": ids, "npmi": np.round(npmi, 4), "c_v": np.round(cv, 4)})
    return Scores(name, len(ids), float(np.nanmean(npmi)) if ids else float("nan"), float(np.nanmean(cv)) if ids else float("nan"),
                  diversity(lists), outlier_share, per_topic, seconds)


LDA_ITERATIONS = 10  # scikit-learn's default; 50 costs 5x the time (42 s on BBC News at K = 57) for a slightly better weakest peer


def baseline_topics(kind: str, texts: list[str], analyzer, k: int, random_state: int, min_df: int = 1,
                    lda_iterations: int = LDA_ITERATIONS) -> tuple[dict[int, list[str]], np.ndarray, float]:
    """Top words and document assignments of LDA or NMF with ``k`` topics on the same tokens.

    NMF (TF-IDF, nndsvd start) is the strongest of the two on news (see bench/results/bbc_news.md);
    LDA runs ``lda_iterations`` batch EM passes (the benchmark script uses 50)."""
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    t0 = time.perf_counter()
    vec = CountVectorizer(analyzer=lambda d: [w for w in analyzer(d) if " " not in w], min_df=min_df)
    x = vec.fit_transform(texts)
    vocab = np.array(vec.get_feature_names_out())
    k = max(1, min(k, x.shape[0] - 1, x.shape[1] - 1))
    if kind == "nmf":
        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(x)
        model = NMF(n_components=k, init="nndsvd", random_state=random_state, max_iter=400)
        doc_topic = model.fit_transform(tfidf)
    else:
        model = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=lda_iterations, random_state=random_state)
        doc_topic = model.fit_transform(x)
    comp = model.components_
    topics = {i: vocab[np.argsort(-comp[i])[:TOP_N]].tolist() for i in range(k)}
    return topics, doc_topic.argmax(axis=1), time.perf_counter() - t0


# --------------------------------------------------------------------------- stability


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

    from . import modeling as M

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
        sizing = M.size_for(len(keep), p)
        model = M.build_model(p, sizing, embedder, representations=False)
        topics, _ = model.fit_transform(texts[keep].tolist(), embeddings=result.embeddings[keep])
        other = {t: [w for w, _ in model.get_topic(t)] for t in set(topics)}
        counts.append(len([t for t in other if t != -1]))
        for t, (_, j) in match_topics(ref_words, other).items():
            overlaps[t].append(j)
        aris.append(adjusted_rand_score(ref_topics[keep], topics))
    labels = dict(zip(result.topics["topic"], result.topics["label"]))
    rows = []
    for t, js in overlaps.items():
        reappears = float(np.mean([j >= STABLE_MATCH for j in js]))
        rows.append({"topic": t, "label": labels[t], "reappears": round(reappears, 3), "mean_overlap": round(float(np.mean(js)), 3),
                     "stable": reappears >= 2 / 3})
    return Stability(seeds, pd.DataFrame(rows), float(np.mean(aris)), float(np.min(aris)), counts)


# --------------------------------------------------------------------------- entry point


@dataclass
class Evaluation:
    scores: pd.DataFrame  # one row per model: BERTopic and baselines
    per_topic: pd.DataFrame  # BERTopic topics: size, npmi, c_v, (stability)
    sizes: dict
    stability: Stability | None
    timings: dict

    def to_json(self) -> dict:
        out = {
            "scores": self.scores.to_dict("records"),
            "sizes": self.sizes,
            "timings": self.timings,
        }
        if self.stability is not None:
            out["stability"] = {"seeds": self.stability.seeds, "ari_mean": round(self.stability.ari_mean, 4),
                                "ari_min": round(self.stability.ari_min, 4), "topics_per_run": self.stability.topics_per_run,
                                "unstable_topics": self.stability.per_topic.loc[~self.stability.per_topic["stable"], "topic"].tolist()}
        return out


def want_baselines(params, n_documents: int) -> bool:
    """The ``baselines`` parameter, with None meaning: on for corpora of at most 20,000 documents."""
    from .params import BASELINES_AUTO_MAX_DOCS

    return params.baselines if params.baselines is not None else n_documents <= BASELINES_AUTO_MAX_DOCS


def evaluate(result, embedder, params, *, baselines: bool = True, stability_runs: int = 3) -> Evaluation:
    """Metrics for the run's topics, LDA/NMF baselines with as many topics, and seed stability."""
    timings = {}
    t0 = time.perf_counter()
    analyzer = result.model.vectorizer_model.build_analyzer()
    texts = result.documents["text"].tolist()
    tokens = tokenize(texts, analyzer)
    topics = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples()}
    outlier_share = float((result.documents["topic"] == -1).mean())
    candidates = {"BERTopic": (topics, outlier_share, result.timings.get("fit_s", 0.0))}
    k = len([t for t in topics if t != -1])
    if baselines and k >= 1:
        for kind, name in (("nmf", "NMF"), ("lda", "LDA")):
            bt, _, secs = baseline_topics(kind, texts, analyzer, k, params.random_state, min_df=result.sizing.min_df)
            candidates[name] = (bt, 0.0, secs)
    all_terms = [w for tp, _, _ in candidates.values() for t, ws in tp.items() if t != -1 for w in ws[:TOP_N]]
    counts = (WindowCounts(tokens, all_terms, NPMI_WINDOW), WindowCounts(tokens, all_terms, CV_WINDOW))
    scored = {name: score_topics(name, tp, tokens, share, secs, counts) for name, (tp, share, secs) in candidates.items()}
    timings["metrics_s"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    stab = stability(result, embedder, params, stability_runs) if k >= 1 else None
    timings["stability_s"] = round(time.perf_counter() - t0, 3)

    per_topic = result.topics[["topic", "label", "count"]].merge(scored["BERTopic"].per_topic, on="topic", how="left")
    if stab is not None:
        per_topic = per_topic.merge(stab.per_topic.drop(columns=["label"]), on="topic", how="left")
    sizes_arr = result.topics.loc[result.topics["topic"] != -1, "count"].to_numpy()
    sizes = {"topics": int(k), "outlier_share": round(outlier_share, 4),
             "smallest": int(sizes_arr.min()) if k else 0, "median": float(np.median(sizes_arr)) if k else 0.0,
             "largest": int(sizes_arr.max()) if k else 0}
    table = pd.DataFrame([s.row() for s in scored.values()])
    return Evaluation(table, per_topic, sizes, stab, timings)


# --------------------------------------------------------------------------- comparing runs

RANK_BY = {"npmi": False, "c_v": False, "diversity": False, "stability_ari": False, "outlier_share": True}  # True: lower is better


def compare_runs(folders: list[str]) -> pd.DataFrame:
    """One row per run from its run.json: what varied, the metrics, and a rank (1 = best on average).

    The rank is the mean of the run's ranks on NPMI, C_v, diversity and stability (higher is better)
    and outlier share (lower is better); failed runs are listed last, unranked.
    """
    import json
    from pathlib import Path

    from .params import NAMES

    rows = []
    for f in folders:
        meta = json.loads((Path(f) / "run.json").read_text())
        scores = {r["model"]: r for r in meta.get("evaluation", {}).get("scores", [])}
        ours = scores.get("BERTopic", {})
        stab = meta.get("evaluation", {}).get("stability", {})
        row = {"run_id": meta.get("run_id", Path(f).name), "folder": str(f), "status": meta.get("status"),
               **{f"param:{k}": json.dumps(meta.get("params", {}).get(k)) for k in NAMES if k not in ("output_dir", "run_name")},
               "topics": ours.get("topics"), "npmi": ours.get("npmi"), "c_v": ours.get("c_v"), "diversity": ours.get("diversity"),
               "outlier_share": ours.get("outlier_share"), "stability_ari": stab.get("ari_mean"),
               "unstable_topics": len(stab.get("unstable_topics", [])) if stab else None,
               "nmf_npmi": scores.get("NMF", {}).get("npmi"), "seconds": meta.get("timings", {}).get("notebook_s"),
               "error": meta.get("error")}
        rows.append(row)
    table = pd.DataFrame(rows)
    params = [c for c in table.columns if c.startswith("param:")]
    varied = [c for c in params if table[c].nunique() > 1]
    table = table.drop(columns=[c for c in params if c not in varied]).rename(columns={c: c[6:] for c in varied})
    ok = table["status"] == "succeeded"
    ranks = [table.loc[ok, m].astype(float).rank(ascending=asc, method="min") for m, asc in RANK_BY.items() if table.loc[ok, m].notna().any()]
    table["rank_score"] = pd.concat(ranks, axis=1).mean(axis=1) if ranks else np.nan
    table["rank"] = table["rank_score"].rank(method="min")
    return table.sort_values(["rank", "run_id"], na_position="last").reset_index(drop=True)
