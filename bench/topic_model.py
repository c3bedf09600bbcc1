"""The topic model against its targets, on the corpora a researcher brings: seed-stability, every document
clustered, topics no coarser than k-means, themes that find the desks.

* the seed articles (145 paragraphs, the packaged MiniLM): random_state 1, 2, 3;
* synthetic corpora from ``bench/scale.py`` (``within="article"``: each paragraph three passages of one BBC article,
  so the corpus holds story-sized themes inside five desks; the static embedding), 26,579 and 100,000 paragraphs,
  random_state 1, 2, 3.

Printed per corpus: topics and themes found, outlier share, pairwise adjusted Rand index of the topics across the
seeds, the largest topic's share against the largest desk's, the themes' NMI against the desk beside k-means with
K = 5 (the desks) on the same vectors, the topics' homogeneity in their source article beside k-means with K = the
topics found, and the clustering's seconds and peak memory (medians over the seeds). The clustering is the model's
own (:class:`newstopics.model.GraphConsensus` and its themes, as ``fit_topics`` runs them).

    python bench/topic_model.py                       # -> bench/results/topic_model.md
    python bench/topic_model.py --sizes 26579
"""
from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def cluster(X, seed: int):
    from newstopics import params
    from newstopics.model import GraphConsensus, size_for
    from newstopics.model.graph import themes_of, unit
    from newstopics.model.means import topic_means

    t0 = time.perf_counter()
    fit = GraphConsensus(size_for(len(X), params.DEFAULTS), random_state=seed).fit(X)
    topics = fit.labels_
    ids = np.arange(topics.max() + 1)
    centroids = unit(topic_means(X, topics, ids))
    sizes = np.bincount(topics[topics >= 0], minlength=len(ids))
    theme_of = themes_of(topics, fit, centroids, sizes, seed, members=params.DEFAULTS.ensemble)
    themes = np.where(topics >= 0, theme_of[np.maximum(topics, 0)], -1)
    return topics, themes, time.perf_counter() - t0


def measure(name: str, X, desk=None, article=None, seeds=(1, 2, 3)) -> dict:
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import adjusted_rand_score, homogeneity_score, normalized_mutual_info_score

    from newstopics.model.graph import unit

    runs = [cluster(X, s) for s in seeds]
    topics = [r[0] for r in runs]
    row = {"corpus": name, "documents": len(X),
           "topics": "/".join(str(len(set(t.tolist()) - {-1})) for t in topics),
           "themes": "/".join(str(len(set(r[1].tolist()) - {-1})) for r in runs),
           "outliers": round(float(np.mean([(t == -1).mean() for t in topics])), 4),
           "ari_min": round(min(adjusted_rand_score(a, b) for a, b in itertools.combinations(topics, 2)), 3),
           "ari_max": round(max(adjusted_rand_score(a, b) for a, b in itertools.combinations(topics, 2)), 3),
           "fit_s": round(float(np.median([r[2] for r in runs])), 1),
           "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    U = unit(X)
    if desk is not None:
        largest = max(np.bincount(t[t >= 0]).max() / len(t) for t in topics)
        row["largest_topic"] = round(float(largest), 3)
        row["largest_desk"] = round(float(pd.Series(desk).value_counts(normalize=True).max()), 3)
        row["theme_nmi"] = round(float(np.median([normalized_mutual_info_score(desk, r[1]) for r in runs])), 3)
        k = len(set(desk))
        row["kmeans_desks_nmi"] = round(float(normalized_mutual_info_score(
            desk, KMeans(k, random_state=0, n_init=10).fit_predict(U))), 3)
    if article is not None:
        row["topic_homogeneity"] = round(float(np.median([homogeneity_score(article, t) for t in topics])), 3)
        k = int(np.median([len(set(t.tolist()) - {-1}) for t in topics]))
        row["kmeans_topics_homogeneity"] = round(float(homogeneity_score(
            article, MiniBatchKMeans(k, random_state=0, n_init=3).fit_predict(U))), 3)
    print(row, flush=True)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[26_579, 100_000])
    ap.add_argument("--out", default=str(HERE / "results" / "topic_model"))
    args = ap.parse_args(argv)

    from scale import synthetic

    from newstopics.corpus import load_corpus
    from newstopics.embed import Embedder

    rows = []
    seeds = load_corpus(HERE.parent / "seeds").documents
    rows.append(measure("seeds (MiniLM)", Embedder(show_progress=False).embed(seeds["text"].tolist())))
    static = Embedder("static", show_progress=False)
    for n in args.sizes:
        table = synthetic(n, within="article")
        X = static.embed(table["text"].tolist())
        rows.append(measure("synthetic, within=article (static)", X, table["source"].to_numpy(),
                            table["bbc_article"].to_numpy()))
    out = Path(args.out)
    frame = pd.DataFrame(rows)
    frame.to_csv(out.with_suffix(".csv"), index=False)
    cmd = "python bench/topic_model.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"# The topic model against its targets\n\nCommand: `{cmd.strip()}` (seeds 1, 2, 3; 2 cores)\n",
             "| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |" for r in frame.itertuples(index=False)]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
