"""Does PCA keep topic quality where it replaces UMAP? (PCA needs no JIT compilation; UMAP's costs ~13 s a process.)

For corpus sizes n drawn from BBC News (stratified, so all five desks appear) and for the seed articles, fit our
BERTopic with each reducer over several seeds and report the project's own metrics: NPMI, C_v, topic
diversity, outlier share, topics found, and (BBC only) the adjusted Rand index with the desks.

    python bench/reducer_quality.py --sizes 150 500 1000 2225 --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from newstopics import corpus as C
from newstopics import evaluation as EV
from newstopics import modeling as M
from newstopics import params as P
from newstopics.embeddings import Embedder

HERE = Path(__file__).resolve().parent
BBC = HERE.parent.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"


def run(docs: pd.DataFrame, embeddings, embedder, reducer: str, seed: int, labels=None) -> dict:
    params = P.validate({"corpus": ".", "reducer": reducer, "random_state": seed}, check_corpus=False)
    t0 = time.perf_counter()
    result = M.fit_topics(docs, embedder, params, embeddings=embeddings)
    secs = time.perf_counter() - t0
    ev = EV.evaluate(result, embedder, params, baselines=False, stability_runs=0)
    row = ev.scores.iloc[0].to_dict()
    row.update(reducer=reducer, seed=seed, n=len(docs), fit_s=secs)
    if labels is not None:
        inl = result.documents["topic"].to_numpy() != -1
        row["ari_desks"] = adjusted_rand_score(np.asarray(labels)[inl], result.documents["topic"].to_numpy()[inl])
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[150, 500, 1000, 2225])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default=str(HERE / "results" / "reducer_quality"))
    args = ap.parse_args(argv)
    embedder = Embedder()
    rows = []
    seeds_corpus = C.load_corpus(
        HERE.parent / "seeds", max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens
    )
    seeds_emb = embedder.embed(seeds_corpus.documents["text"].tolist())
    table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    for reducer in ("umap", "pca"):
        for seed in args.seeds:
            rows.append({**run(seeds_corpus.documents, seeds_emb, embedder, reducer, seed), "corpus": "seeds"})
            print(rows[-1], flush=True)
            for n in args.sizes:
                sample = pd.concat(
                    [g.sample(frac=min(1.0, n / len(table)), random_state=seed) for _, g in table.groupby("label")]
                )
                docs = pd.DataFrame(
                    {
                        "doc_id": range(len(sample)),
                        "article_id": sample.index.astype(str),
                        "text": sample["text"].tolist(),
                        "title": "",
                        "source": "",
                        "published": "",
                        "author": "",
                        "url": "",
                        "position": 0,
                        "n_words": sample["text"].str.split().str.len(),
                    }
                )
                emb = embedder.embed(docs["text"].tolist())
                rows.append({**run(docs, emb, embedder, reducer, seed, sample["label"].tolist()), "corpus": f"bbc-{n}"})
                print(rows[-1], flush=True)
    out = pd.DataFrame(rows)
    summary = (
        out.groupby(["corpus", "reducer"])
        .agg(
            n=("n", "first"),
            topics=("topics", "median"),
            npmi=("npmi", "mean"),
            c_v=("c_v", "mean"),
            diversity=("diversity", "mean"),
            outliers=("outlier_share", "mean"),
            ari_desks=("ari_desks", "mean") if "ari_desks" in out else ("npmi", "size"),
            fit_s_median=("fit_s", "median"),
        )
        .reset_index()
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.round(4).to_csv(Path(args.out).with_suffix(".csv"), index=False)
    cmd = "python bench/reducer_quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    Path(args.out).with_suffix(".md").write_text(
        f"# UMAP or PCA: topic quality by corpus size\n\nCommand: "
        f"`{cmd.strip()}`\n\n```\n{summary.round(3).to_string(index=False)}\n```\n"
    )
    print(summary.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
