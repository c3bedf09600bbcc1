"""The consensus's approximate neighbour graph: time and recall of each way of finding it, each in a fresh process.

Paragraphs from ``bench/scale.py`` (the default: 100,000, ``within="article"`` and ``"desk"``), embedded with the
static model.
Each method runs ``--repeats`` times, each time in a new interpreter (as every report is): what a run pays,
compilation included (the imports, which every report makes anyway, are not timed). Recall: the share of the exact
15 nearest neighbours (by cosine) found, over 2,000 rows whose exact neighbours are computed by brute force.

* ``hnsw-halves``: what the model uses (``newstopics.model.graph.hnsw_neighbours``): two HNSW graphs (faiss), one per
  half of the rows, each built on one thread, side by side; every row searched in both.
* ``pynndescent``: NN-descent as the model used it before (``metric="dot"``, ``low_memory``, ``compressed``, two
  threads): its numba code cannot be kept on disk and compiles in every process.
* ``hnsw-one``: one HNSW graph of all rows built on one thread (reproducible too), searched on two.

    python bench/neighbours.py                          # -> medians printed, bench/results/neighbours.md
    python bench/neighbours.py --sizes 26579 100000 --repeats 3
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RUN = r"""
import json, sys, time
import numpy as np
X = np.load(sys.argv[1], mmap_mode="r")
method, out = sys.argv[2], sys.argv[3]
# imports first, outside the time: a report imports all of them anyway (pynndescent with UMAP)
import faiss
from pynndescent import NNDescent
from newstopics.model import graph
t = time.perf_counter()
if method == "hnsw-halves":
    idx, _ = graph.hnsw_neighbours(np.asarray(X), 15)
elif method == "pynndescent":
    index = NNDescent(np.asarray(X), n_neighbors=16, metric="dot", random_state=0, n_jobs=2, low_memory=True,
                      compressed=True)
    idx = index.neighbor_graph[0][:, 1:]
else:
    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(X.shape[1], graph.HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = graph.HNSW_BUILD
    index.add(np.ascontiguousarray(X))
    faiss.omp_set_num_threads(2)
    index.hnsw.efSearch = graph.HNSW_SEARCH
    found = index.search(np.ascontiguousarray(X), 16)[1]
    idx = np.array([[j for j in row if j != i][:15] for i, row in enumerate(found)])
seconds = time.perf_counter() - t
np.save(out, idx)
print(json.dumps({"seconds": seconds}))
"""


def vectors(n: int, work: Path, within: str) -> Path:
    from scale import synthetic

    from newstopics.embed import Embedder
    from newstopics.model.graph import unit

    texts = synthetic(n, within=within)["text"].tolist()
    path = work / f"vectors-{n}-{within}.npy"
    np.save(path, unit(Embedder("static", use_cache=False).encode(texts)))
    return path


def recall(found: np.ndarray, X: np.ndarray, rows: np.ndarray, k: int = 15) -> float:
    sims = X[rows] @ X.T
    sims[np.arange(len(rows)), rows] = -np.inf
    exact = np.argpartition(-sims, k, axis=1)[:, :k]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found[rows], exact, strict=True)]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--methods", nargs="+", default=["hnsw-halves", "pynndescent", "hnsw-one"])
    ap.add_argument("--within", nargs="+", choices=["article", "desk"], default=["article", "desk"],
                    help="paragraphs of one article (story-sized themes) or of three articles of one desk")
    ap.add_argument("--out", default=str(HERE / "results" / "neighbours.md"))
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newstopics-neighbours-"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(work / "numba")}  # nothing compiled before: as a first run pays
    rows = []
    for n, within in [(n, w) for n in args.sizes for w in args.within]:
        path = vectors(n, work, within)
        X = np.load(path)
        sample = np.random.default_rng(0).choice(n, min(2000, n), replace=False)
        for method in args.methods:
            seconds, found = [], None
            for r in range(args.repeats):
                out = work / f"{method}-{n}-{r}.npy"
                done = subprocess.run([sys.executable, "-c", RUN, str(path), method, str(out)], env=env,
                                      capture_output=True, text=True, check=True)
                seconds.append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
                same = found is None or np.array_equal(found, np.load(out))
                found = np.load(out)
            rows.append({"documents": n, "within": within, "method": method,
                         "seconds": round(float(np.median(seconds)), 1),
                         "recall_at_15": round(recall(found, X, sample), 3),
                         "same_every_run": same if args.repeats > 1 else "(one run)"})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    text = (f"# Approximate neighbours for the consensus graph\n\nCommand: `python bench/neighbours.py "
            f"{' '.join(argv or sys.argv[1:])}` (2 cores; medians of {args.repeats} fresh processes each)\n\n"
            f"```\n{table.to_string(index=False)}\n```\n")
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
