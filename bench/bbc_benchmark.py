"""The BERTopic paper's protocol on OCTIS's preprocessed BBC News: our default model against its strongest peers.

K = 10, 20, 30, 40, 50 topics, 3 seeds each; NPMI (windows of 10 tokens) and topic diversity (TD) over each
topic's top-10 single words, the outlier topic excluded, all scored by ``newstopics.evaluation`` in one run. The
corpus is already lower-cased, lemmatised and filtered, so every model sees whitespace-split words.

* ``bertopic``: our default configuration (``model.build_model``: the consensus of 30 Leiden partitions of the
  documents' neighbour graph, lift words), ``nr_topics=K`` (BERTopic counts its outlier topic, so K - 1 topics when
  there are outliers; when the consensus finds fewer than K topics, its topics as found); ``fit_s`` is the time of
  the fit for that K.
* ``nmf``: scikit-learn NMF on TF-IDF, ``init="nndsvd"``; ``lda``: scikit-learn LDA, 50 batch EM iterations. When
  ours finds fewer topics than K, fewer topics score higher NPMI, so NMF is also fitted with as many topics as ours
  found for that K and seed ("NMF (as many topics as ours)"): the like-with-like comparison.
* ``top2vec``: Top2Vec 1.0.36 with its own Doc2Vec (``speed="learn"``, its default settings), fitted once per seed
  (Doc2Vec's seed set through the class Top2Vec calls; with 2 workers Doc2Vec is still not bit-reproducible), then
  reduced to K topics by its own ``hierarchical_topic_reduction`` when it found more than K; otherwise its topics as
  found (the table says how many). Needs the benchmark extra: ``pip install -e '.[bench]'``.

    python bench/bbc_benchmark.py                                   # full protocol -> bench/results/bbc_news.{csv,md}
    python bench/bbc_benchmark.py --k 10 30 50 --seeds 0 21         # a quicker look
    python bench/bbc_benchmark.py --models bertopic nmf --embeddings all-MiniLM-L6-v2 static \\
        --out bench/results/bbc_news_embeddings                     # what the static embedding keeps
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from newstopics import evaluation
from newstopics import params as parameters
from newstopics.embed import Embedder
from newstopics.model import build, size_for

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
PAPER = {  # Grootendorst (2022), mean over K = 10..50, 3 runs each: NPMI, TD
    "BERTopic (paper, all-MiniLM-L6-v2)": (0.170, 0.802),
    "Top2Vec (paper, Doc2Vec)": (0.171, 0.792),
    "LDA (paper)": (0.014, 0.577),
    "NMF (paper)": (0.012, 0.549),
}
TOP_N = 10


def whitespace(doc: str) -> list[str]:
    return doc.split()


def fit_bertopic(texts, embeddings, embedder, k: int, seed: int) -> tuple[dict, float, dict]:
    values = {"corpus": ".", "nr_topics": k, "random_state": seed}
    p = parameters.validate(values, check_corpus=False)
    sizing = dataclasses.replace(size_for(len(texts), p), ngram_range=(1, 1))
    model = build.build_model(p, sizing, embedder, representations=False)
    model.vectorizer_model = build.make_vectorizer(sizing).set_params(analyzer=whitespace)  # already tokenised
    topics = np.asarray(model.fit_transform(texts, embeddings=embeddings)[0])
    words = {t: [w for w, _ in model.get_topic(t)] for t in set(topics.tolist()) if t != -1}
    return words, float(np.mean(topics == -1)), model.hdbscan_model.timings_


@functools.lru_cache(maxsize=None)
def top2vec_model(corpus: str, seed: int):
    """Top2Vec with its own Doc2Vec, seeded, on the pre-tokenised corpus (once per seed)."""
    import gensim.models.doc2vec as doc2vec
    import top2vec.top2vec as t2v

    t2v.Doc2Vec = functools.partial(doc2vec.Doc2Vec, seed=seed)  # Top2Vec 1.0.36 exposes no seed of its own
    texts = read_corpus(corpus)["text"].tolist()
    t0 = time.perf_counter()
    model = t2v.Top2Vec(texts, embedding_model="doc2vec", speed="learn", workers=2, tokenizer=whitespace,
                        umap_args={"n_neighbors": 15, "n_components": 5, "metric": "cosine", "random_state": seed},
                        verbose=False)
    return model, time.perf_counter() - t0


def fit_top2vec(corpus: str, k: int, seed: int) -> tuple[dict, float]:
    model, seconds = top2vec_model(corpus, seed)
    reduced = k < model.get_num_topics()
    if reduced:
        model.hierarchical_topic_reduction(k)
    words, _, ids = model.get_topics(reduced=reduced)
    return {int(i): [str(w) for w in ws] for i, ws in zip(ids, words, strict=True)}, seconds


@functools.lru_cache(maxsize=None)
def read_corpus(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", header=None, names=["text", "split", "label"], quoting=3)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--k", type=int, nargs="+", default=[10, 20, 30, 40, 50])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 21, 42])
    ap.add_argument("--models", nargs="+", default=["bertopic", "nmf", "top2vec", "lda"])
    ap.add_argument("--embeddings", nargs="+", default=[parameters.PACKAGED_MODEL], help="BERTopic's embedding models")
    ap.add_argument("--out", default=str(HERE / "results" / "bbc_news"))
    args = ap.parse_args(argv)

    texts = read_corpus(args.corpus)["text"].tolist()
    tokens = [whitespace(t) for t in texts]
    encoded = {}
    if "bertopic" in args.models:
        for name in args.embeddings:
            embedder = Embedder(name, show_progress=False)
            t0 = time.perf_counter()
            encoded[name] = (embedder, embedder.embed(texts))
            took = time.perf_counter() - t0
            print(f"{name}: {len(texts)} documents embedded in {took:.1f} s ({embedder.stats})", flush=True)
    rows = []
    for seed in args.seeds:
        for k in args.k:
            ours = None
            for name in args.models:
                variants = encoded.items() if name == "bertopic" else [(None, (None, None))]
                for emb_name, (embedder, embeddings) in variants:
                    rows.append(run_one(name, emb_name, len(encoded), texts, tokens, embedder, embeddings, k, seed,
                                        args))
                    if name == "bertopic" and ours is None:
                        ours = rows[-1]["topics"]
            if ours is not None and "nmf" in args.models:  # like with like: NMF with as many topics as ours found
                row = run_one("nmf", None, 1, texts, tokens, None, None, ours, seed, args)
                rows.append({**row, "model": "NMF (as many topics as ours)", "k": k})
    write(pd.DataFrame(rows), len(texts), args, argv)
    return 0


def run_one(name, emb_name, n_embeddings, texts, tokens, embedder, embeddings, k, seed, args) -> dict:
    t0 = time.perf_counter()
    outliers, ensemble_s = 0.0, None
    if name == "bertopic":
        words, outliers, timings = fit_bertopic(texts, embeddings, embedder, k, seed)
        label = "BERTopic (ours)" if n_embeddings == 1 else f"BERTopic (ours, {emb_name})"
        ensemble_s = None  # the consensus is fitted again for every K (seconds in fit_s)
    elif name == "top2vec":
        words, ensemble_s = fit_top2vec(args.corpus, k, seed)
        label = "Top2Vec (own Doc2Vec)"
    else:
        words, _, _ = evaluation.baseline_topics(name, texts, whitespace, k, seed, lda_iterations=50)
        label = {"nmf": "NMF", "lda": "LDA"}[name]
    seconds = time.perf_counter() - t0
    s = evaluation.score_topics(name, words, tokens, outliers, seconds, top_n=TOP_N)
    print(f"K={k:>2} seed={seed:>2} {label:<24} topics={s.n_topics:>2} NPMI={s.npmi:.3f} TD={s.diversity:.3f} "
          f"outliers={outliers:.2f} {seconds:.1f}s", flush=True)
    return {"model": label, "k": k, "seed": seed, "topics": s.n_topics, "npmi": s.npmi, "td": s.diversity,
            "outlier_share": outliers, "fit_s": seconds, "once_per_seed_s": ensemble_s}


def write(runs: pd.DataFrame, n_docs: int, args, argv) -> None:
    summary = runs.groupby("model", sort=False).agg(
        npmi=("npmi", "mean"), td=("td", "mean"), npmi_sd=("npmi", "std"), topics=("topics", "mean"),
        outlier_share=("outlier_share", "mean"), fit_s_median=("fit_s", "median"),
        once_per_seed_s=("once_per_seed_s", "median")).reset_index()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs.round(4).to_csv(out.with_suffix(".csv"), index=False)
    cmd = "python bench/bbc_benchmark.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"# BBC News benchmark ({n_docs} documents)", "", f"Command: `{cmd.strip()}`  ",
             f"K = {args.k}, seeds = {args.seeds}; NPMI over windows of 10 tokens and topic diversity (TD) over each "
             f"topic's top-10 single words, outlier topic excluded; all models in one run; Python "
             f"{platform.python_version()}, {platform.machine()}.", "",
             "| model | NPMI | TD | NPMI sd | topics (mean) | outlier share | fit (median s) "
             "| once per seed (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        once = "" if pd.isna(r.once_per_seed_s) else f"{r.once_per_seed_s:.1f}"
        lines.append(f"| {r.model} | {r.npmi:.3f} | {r.td:.3f} | {r.npmi_sd:.3f} | {r.topics:.1f} | "
                     f"{r.outlier_share:.2f} | {r.fit_s_median:.1f} | {once} |")
    for name, (npmi, td) in PAPER.items():
        lines.append(f"| {name} | {npmi:.3f} | {td:.3f} | | | | | |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
