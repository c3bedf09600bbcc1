"""The BERTopic paper's corpus (OCTIS's preprocessed BBC News), our default model against its strongest peers, every
model scored by the project's comparison protocol (``newstopics.evaluation.protocol``, the one the report uses):

* the documents are split at random (seeded) into half A and half B; every model chooses its words on half A, and NPMI
  (windows of 10 tokens) is counted on half B, documents no word choice saw; topic diversity (TD) over the chosen
  top-10 single words; the outlier topic excluded.
* ``BERTopic (ours)``: our default configuration (``model.build_model``: the consensus of 30 Leiden partitions of the
  documents' neighbour graph), fitted on every document's vector with ``nr_topics=K`` (when the consensus finds fewer
  than K topics, its topics as found); its words by the run's lift representation on half A, with its co-occurrence
  step and without it (``lift only``).
* ``NMF`` (TF-IDF, ``init="nndsvd"``) and ``LDA`` (50 batch EM iterations): fitted on half A with as many topics as ours
  found for that K and seed (like with like: fewer topics score higher NPMI).
* ``Top2Vec``: Top2Vec 1.0.36 with its own Doc2Vec (``speed="learn"``), fitted on half A once per seed (Doc2Vec's seed
  set through the class Top2Vec calls; with 2 workers Doc2Vec is still not bit-reproducible), then reduced to as many
  topics as ours by its own ``hierarchical_topic_reduction`` when it found more; otherwise its topics as found (the
  table says how many). Needs the benchmark extra: ``pip install -e '.[bench]'``.

The paper's figures (listed last) were counted on the documents the words came from, as this benchmark did before
the protocol: they are not comparable with the held-out figures above them.

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
PAPER = {  # Grootendorst (2022), mean over K = 10..50, 3 runs each: NPMI, TD (in sample, not held out)
    "BERTopic (paper, all-MiniLM-L6-v2)": (0.170, 0.802),
    "Top2Vec (paper, Doc2Vec)": (0.171, 0.792),
    "LDA (paper)": (0.014, 0.577),
    "NMF (paper)": (0.012, 0.549),
}
TOP_N = 10
TOP2VEC = "Top2Vec (own Doc2Vec)"
NAMES = {evaluation.OURS: "BERTopic (ours)", evaluation.OURS_LIFT_ONLY: "BERTopic (ours, lift only)"}
LEFT_OUT = {"NMF": "nmf", "LDA": "lda"}  # rows shown only when --models names them


def whitespace(doc: str) -> list[str]:
    return doc.split()


def fit_bertopic(texts, embeddings, embedder, k: int, seed: int):
    """Our default model on every document: the fitted model, each document's topic and weight in its topic's words
    (agreement squared), and the fit's seconds."""
    from newstopics.model.represent import agreement_weights

    values = {"corpus": ".", "nr_topics": k, "random_state": seed}
    p = parameters.validate(values, check_corpus=False)
    sizing = dataclasses.replace(size_for(len(texts), p), ngram_range=(1, 1))
    model = build.build_model(p, sizing, embedder, representations=False)
    model.vectorizer_model = build.make_vectorizer(sizing).set_params(analyzer=whitespace)  # already tokenised
    t0 = time.perf_counter()
    topics = np.asarray(model.fit_transform(texts, embeddings=embeddings)[0])
    seconds = time.perf_counter() - t0
    return model, topics, agreement_weights(model.hdbscan_model.agreement(topics)), seconds


@functools.lru_cache(maxsize=None)
def top2vec_model(corpus: str, seed: int):
    """Top2Vec with its own Doc2Vec, seeded, on half A of the pre-tokenised corpus (once per seed)."""
    import gensim.models.doc2vec as doc2vec
    import top2vec.top2vec as t2v

    t2v.Doc2Vec = functools.partial(doc2vec.Doc2Vec, seed=seed)  # Top2Vec 1.0.36 exposes no seed of its own
    texts = read_corpus(corpus)["text"]
    half_a = texts[evaluation.halves(len(texts), seed)].tolist()
    t0 = time.perf_counter()
    model = t2v.Top2Vec(half_a, embedding_model="doc2vec", speed="learn", workers=2, tokenizer=whitespace,
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
            for emb_name, (embedder, embeddings) in encoded.items():
                rows += run_protocol(texts, embedder, embeddings, k, seed, args,
                                     "" if len(encoded) == 1 else f", {emb_name}")
    write(pd.DataFrame(rows), len(texts), args, argv)
    return 0


def run_protocol(texts, embedder, embeddings, k: int, seed: int, args, suffix: str) -> list[dict]:
    """Ours fitted for this K and seed, then every model scored by the protocol (baselines with as many topics)."""
    model, topics, weights, fit_s = fit_bertopic(texts, embeddings, embedder, k, seed)
    found = len(set(topics.tolist()) - {-1})
    peers, once = {}, {}
    if "top2vec" in args.models:
        peers[TOP2VEC], once[TOP2VEC] = fit_top2vec(args.corpus, found, seed)
    comparison = evaluation.compare_models(
        texts, whitespace, model.vectorizer_model, topics, weights, top_n=TOP_N, random_state=seed,
        baselines="nmf" in args.models or "lda" in args.models, outlier_share=float(np.mean(topics == -1)),
        fit_seconds=fit_s, peers=peers, lda_iterations=50)
    rows = []
    for name, s in comparison.scores.items():
        if name in LEFT_OUT and LEFT_OUT[name] not in args.models:
            continue
        label = NAMES.get(name, name) + (suffix if name.startswith("BERTopic") else "")
        print(f"K={k:>2} seed={seed:>2} {label:<36} topics={s.n_topics:>2} NPMI={s.npmi:.3f} TD={s.diversity:.3f} "
              f"outliers={s.outlier_share:.2f} {s.seconds:.1f}s", flush=True)
        rows.append({"model": label, "k": k, "seed": seed, "topics": s.n_topics, "npmi": s.npmi, "td": s.diversity,
                     "outlier_share": s.outlier_share, "fit_s": s.seconds, "once_per_seed_s": once.get(name)})
    return rows


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
             f"K = {args.k}, seeds = {args.seeds}; every model's top-10 single words chosen on half A of the documents "
             f"(a seeded random half), NPMI over windows of 10 tokens counted on half B (held out); topic diversity "
             f"(TD) over the chosen words; baselines with as many topics as ours; outlier topic excluded; all models "
             f"in one run; Python {platform.python_version()}, {platform.machine()}. The paper's rows were counted in "
             f"sample (on the documents the words came from): not comparable.", "",
             "| model | NPMI | TD | NPMI sd | topics (mean) | outlier share | fit (median s) "
             "| once per seed (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        once = "" if pd.isna(r.once_per_seed_s) else f"{r.once_per_seed_s:.1f}"
        lines.append(f"| {r.model} | {r.npmi:.3f} | {r.td:.3f} | {r.npmi_sd:.3f} | {r.topics:.1f} | "
                     f"{r.outlier_share:.2f} | {r.fit_s_median:.1f} | {once} |")
    for name, (npmi, td) in PAPER.items():
        lines.append(f"| {name} | {npmi:.3f} | {td:.3f} | | | | | |")
    paired = runs.pivot_table(index=["k", "seed"], columns="model", values="npmi")
    for peer in [c for c in paired.columns if not c.startswith("BERTopic")]:
        for ours in [c for c in paired.columns if c.startswith("BERTopic")]:
            gap = paired[ours] - paired[peer]
            lines.append(f"\n{ours} minus {peer}, paired by K and seed ({len(gap)} pairs): mean {gap.mean():+.3f}, "
                         f"lowest {gap.min():+.3f}, highest {gap.max():+.3f}; ahead in {int((gap > 0).sum())}.")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
