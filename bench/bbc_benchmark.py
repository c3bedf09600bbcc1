"""The BERTopic paper's protocol on OCTIS's preprocessed BBC News, for our BERTopic, NMF and LDA.

K = 10, 20, 30, 40, 50 topics, 3 seeds each; NPMI (windows of 10 tokens) and topic diversity over the
top-10 words of each topic, the outlier topic excluded. All three models see the same documents and
tokens (the corpus is already lower-cased, lemmatised and filtered, so tokens are whitespace-split
words and topics are single words, as in the paper). BERTopic's ``nr_topics=K`` counts its outlier
topic, as BERTopic itself does, so it returns K - 1 topics when it has outliers; diversity divides by
the topics actually returned.

    python bench/bbc_benchmark.py                      # full protocol, writes bench/results/bbc_news.{csv,md}
    python bench/bbc_benchmark.py --k 10 20 --seeds 0  # a quicker look
    python bench/bbc_benchmark.py --models bertopic nmf --embeddings all-MiniLM-L6-v2 static \
        --out bench/results/bbc_news_embeddings
                                                       # what the fast static embedding keeps, beside MiniLM and NMF
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from newstopics import evaluation as EV
from newstopics import modeling as M
from newstopics import params as P
from newstopics.embeddings import Embedder

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
PAPER = {  # Grootendorst (2022), mean over K = 10..50, 3 runs each: NPMI, TD
    "BERTopic (paper, all-MiniLM-L6-v2)": (0.170, 0.802),
    "LDA (paper)": (0.014, 0.577),
    "NMF (paper)": (0.012, 0.549),
}


def whitespace(doc: str) -> list[str]:
    return doc.split()


def fit_bertopic(texts, embeddings, embedder, k: int, seed: int, variant: str):
    from sklearn.feature_extraction.text import CountVectorizer

    params = P.validate({"corpus": ".", "nr_topics": k, "random_state": seed, "reducer": "umap"}, check_corpus=False)
    sizing = dataclasses.replace(M.size_for(len(texts), params), ngram_range=(1, 1))
    model = M.build_model(params, sizing, embedder, representations=False)
    model.vectorizer_model = CountVectorizer(analyzer=whitespace)  # the corpus is already tokenised
    topics, _ = model.fit_transform(texts, embeddings=embeddings)
    topics = np.asarray(topics)
    if variant == "reassigned" and (topics == -1).any():
        new = model.reduce_outliers(texts, topics.tolist(), strategy="embeddings", embeddings=embeddings)
        model.update_topics(texts, topics=new, vectorizer_model=model.vectorizer_model, ctfidf_model=model.ctfidf_model)
        topics = np.asarray(new)
    words = {t: [w for w, _ in model.get_topic(t)][: EV.TOP_N] for t in set(topics.tolist()) if t != -1}
    return words, float(np.mean(topics == -1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--k", type=int, nargs="+", default=[10, 20, 30, 40, 50])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 21, 42])
    ap.add_argument("--models", nargs="+", default=["bertopic", "nmf", "lda"])
    ap.add_argument(
        "--embeddings", nargs="+", default=[P.PACKAGED_MODEL], help="embedding models for BERTopic (e.g. static)"
    )
    ap.add_argument(
        "--variant",
        default="default",
        choices=["default", "reassigned"],
        help="BERTopic as is, or with outliers reassigned",
    )
    ap.add_argument("--out", default=str(HERE / "results" / "bbc_news"))
    args = ap.parse_args(argv)

    table = pd.read_csv(args.corpus, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    texts = table["text"].tolist()
    tokens = [whitespace(t) for t in texts]
    rows = []
    encoded = {}  # embedding model -> (embedder, embeddings)
    if "bertopic" in args.models:
        for name in args.embeddings:
            embedder = Embedder(name)
            t0 = time.perf_counter()
            embeddings = embedder.embed(texts)
            print(
                f"{name}: embedded {len(texts)} documents in {time.perf_counter() - t0:.1f} s ({embedder.stats})",
                flush=True,
            )
            encoded[name] = (embedder, embeddings)
    for k in args.k:
        for seed in args.seeds:
            for name in args.models:
                for emb_name, (embedder, embeddings) in (
                    encoded.items() if name == "bertopic" else [(None, (None, None))]
                ):
                    t0 = time.perf_counter()
                    if name == "bertopic":
                        words, outliers = fit_bertopic(texts, embeddings, embedder, k, seed, args.variant)
                        label = "BERTopic (ours)" if len(encoded) == 1 else f"BERTopic (ours, {emb_name})"
                    else:
                        words, _, _ = EV.baseline_topics(name, texts, whitespace, k, seed, lda_iterations=50)
                        outliers, label = 0.0, {"nmf": "NMF", "lda": "LDA"}[name]
                    secs = time.perf_counter() - t0
                    s = EV.score_topics(name, words, tokens, outliers, secs)
                    rows.append(
                        {
                            "model": label,
                            "k": k,
                            "seed": seed,
                            "topics": s.n_topics,
                            "npmi": s.npmi,
                            "td": s.diversity,
                            "outlier_share": outliers,
                            "fit_s": secs,
                        }
                    )
                    print(
                        f"K={k:>2} seed={seed:>2} {label:<28} topics={s.n_topics:>2} NPMI={s.npmi:.3f} "
                        f"TD={s.diversity:.3f} "
                        f"outliers={outliers:.2f} {secs:.1f}s",
                        flush=True,
                    )
    runs = pd.DataFrame(rows)
    summary = (
        runs.groupby("model")
        .agg(
            npmi=("npmi", "mean"),
            td=("td", "mean"),
            npmi_sd=("npmi", "std"),
            outlier_share=("outlier_share", "mean"),
            fit_s_median=("fit_s", "median"),
        )
        .reset_index()
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs.round(4).to_csv(out.with_suffix(".csv"), index=False)
    cmd = "python bench/bbc_benchmark.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        f"# BBC News benchmark ({len(texts)} documents)",
        "",
        f"Command: `{cmd.strip()}`  ",
        f"K = {args.k}, seeds = {args.seeds}; NPMI over windows of 10 tokens and topic diversity (TD) over the top-10 "
        f"words, "
        f"outlier topic excluded; Python {platform.python_version()}, {platform.machine()}.",
        "",
        "| model | NPMI | TD | NPMI sd | outlier share | fit (median s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        lines.append(
            f"| {r.model} | {r.npmi:.3f} | {r.td:.3f} | {r.npmi_sd:.3f} | {r.outlier_share:.2f} | "
            f"{r.fit_s_median:.1f} |"
        )
    for name, (npmi, td) in PAPER.items():
        lines.append(f"| {name} | {npmi:.3f} | {td:.3f} | | | |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
