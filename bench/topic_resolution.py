"""Variants of the consensus's topic level on the synthetic corpora of ``bench/topic_model.py`` (within="article",
static embedding), seeds 1, 2, 3: how the small communities are grouped, whether the neighbour graph follows the
seed, how many members. The harness behind bench/results/topic_resolution.md (the table there was put together by
hand from its rows, one run per variant).

    python bench/topic_resolution.py N MEMBERS GROUP_SIZES [TAG]   # GROUP_SIZES: comma-separated, "none" = resolution 1

Environment: FIXEDG=1 every seed on seed 1's neighbour graph (else NN-descent seeded by the seed, as before);
BRIDGE=1 with R=resolution: members on a graph whose islands are bridged to their nearest documents (edges made by a
side script, not kept); FIXRES=1 the resolution searched with seed 0; GM members of the grouping's own ensemble.
Vectors, desks and articles are kept in /tmp/wtb/{X,desk,art}N.npy (made on first use from bench/scale.py's
synthetic corpus and the static embedder); each seed's graph and consensus are kept there too, so the grouping
variants share them. Rows are appended to /tmp/wtb/results.jsonl.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score as ari
from sklearn.metrics import homogeneity_score as hom
from sklearn.metrics import normalized_mutual_info_score as nmi

from newstopics.model import graph as G
from newstopics.model.means import topic_means

WORK = Path("/tmp/wtb")


class Fitted:
    """What themes_of reads of a fitted GraphConsensus."""

    def __init__(self, labels, edges):
        self.labels_, self.edges_ = labels, edges


def consensus(n: int, X, seed: int, members: int, tag: str) -> dict:
    """Seed's graph and consensus communities, kept in WORK."""
    f = WORK / f"cons_{n}_{seed}_{members}{tag}.npz"
    if not f.exists():
        graph_seed = 1 if os.environ.get("FIXEDG") else seed
        ef = WORK / (f"bedges_{n}_{seed}_10_0.npz" if os.environ.get("BRIDGE") else f"edges_{n}_{graph_seed}.npz")
        t = time.perf_counter()
        if ef.exists():
            d = np.load(ef)
            a, b, w, tg = d["a"], d["b"], d["w"], float(d["t"]) if "t" in d else 0.0
        else:
            a, b, w = G.edge_list(*G.neighbours(X, 15, random_state=graph_seed))
            tg = time.perf_counter() - t
            np.savez(ef, a=a, b=b, w=w, t=tg)
        t = time.perf_counter()
        comm, agree = G.consensus_partition(n, a, b, w, seed, members, resolution=float(os.environ.get("R", 1)))
        np.savez(f, a=a, b=b, w=w, comm=comm, agree=agree, tg=tg, tc=time.perf_counter() - t)
    return dict(np.load(f))


def vectors(n: int) -> None:
    """The synthetic corpus of n paragraphs (within="article"), embedded once with the static embedder."""
    if (WORK / f"X{n}.npy").exists():
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale import synthetic

    from newstopics.embed import Embedder

    WORK.mkdir(parents=True, exist_ok=True)
    table = synthetic(n, within="article")
    np.save(WORK / f"X{n}.npy", Embedder("static", show_progress=False).embed(table["text"].tolist()))
    np.save(WORK / f"desk{n}.npy", pd.factorize(table["source"])[0])
    np.save(WORK / f"art{n}.npy", pd.factorize(table["bbc_article"])[0])


def kmeans_homogeneity(n: int, X, art, k: int) -> float:
    kf = WORK / f"km_{n}_{k}.json"
    if not kf.exists():
        from sklearn.cluster import MiniBatchKMeans

        labels = MiniBatchKMeans(k, random_state=0, n_init=3).fit_predict(X)
        kf.write_text(json.dumps(round(float(hom(art, labels)), 3)))
    return json.loads(kf.read_text())


def main() -> int:
    n, members = int(sys.argv[1]), int(sys.argv[2])
    group_sizes = [None if g == "none" else float(g) for g in sys.argv[3].split(",")]
    tag = sys.argv[4] if len(sys.argv) > 4 else ""
    vectors(n)
    X = G.unit(np.load(WORK / f"X{n}.npy"))
    desk, art = np.load(WORK / f"desk{n}.npy"), np.load(WORK / f"art{n}.npy")
    min_size = max(int(np.clip(round(n / 40), 3, 10)), -(-n // 150))
    base = {seed: consensus(n, X, seed, members, tag) for seed in (1, 2, 3)}
    if os.environ.get("FIXRES"):
        search = G.resolution_for
        G.resolution_for = lambda g, w, t, seed, **k: search(g, w, t, 0, **k)
    group_members = int(os.environ.get("GM", 0)) or members
    for gs in group_sizes:
        runs = []
        for seed, d in base.items():
            t = time.perf_counter()
            labels = G.group_small(d["comm"], X, min_size, seed, group_members, group_size=gs)
            ids = np.arange(labels.max() + 1)
            sizes = np.bincount(labels, minlength=len(ids))
            fit = Fitted(labels, (d["a"], d["b"], d["w"], d["agree"]))
            theme = G.themes_of(labels, fit, G.unit(topic_means(X, labels, ids)), sizes, seed, members=30)
            runs.append((labels, theme[labels], float(d["tg"]), float(d["tc"]), time.perf_counter() - t))
        topics = [r[0] for r in runs]
        row = {"n": n, "members": members, "gm": group_members, "fixres": bool(os.environ.get("FIXRES")),
               "group_size": gs,
               "topics": "/".join(str(t.max() + 1) for t in topics),
               "themes": "/".join(str(r[1].max() + 1) for r in runs),
               "ari_min": round(min(ari(x, y) for x, y in itertools.combinations(topics, 2)), 3),
               "largest": round(max(np.bincount(t).max() / n for t in topics), 3),
               "theme_nmi": round(float(np.median([nmi(desk, r[1]) for r in runs])), 3),
               "homog": round(float(np.median([hom(art, t) for t in topics])), 3),
               "graph_s": round(float(np.median([r[2] for r in runs])), 1),
               "consensus_s": round(float(np.median([r[3] for r in runs])), 1),
               "group_themes_s": round(float(np.median([r[4] for r in runs])), 1)}
        row["kmeans_homog"] = kmeans_homogeneity(n, X, art, int(np.median([t.max() + 1 for t in topics])))
        print(json.dumps(row), flush=True)
        with open(WORK / "results.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
