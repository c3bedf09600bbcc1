"""How well are documents outside the fitted sample assigned? A fit on a sample, against a fit on all documents.

For each corpus size (synthetic BBC paragraphs as in ``bench/scale.py``, each made of three passages of one article,
so that the corpus holds many story-sized themes; static embedding): the topic model is
fitted on all documents (the reference), and again on seeded samples of fewer documents with the rest assigned, by
the vote of their k nearest fitted documents (k = 5, 15, 30) or by the nearest topic centroid (what BERTopic's
``transform`` does with precomputed embeddings). Each is compared with the reference by the adjusted Rand index
(ARI) over all documents (outliers count as a group of their own), over the documents both put in a topic
(``ari_topics``), over the assigned ones only and over the fitted ones only. As the ceiling, the reference is
compared with a second full fit that differs only in its seed: no assignment can agree with the reference more than
another fit of the same data does.

    python bench/assignment_quality.py                # 10k and 30k documents, samples of 2,500 / 5,000 / 10,000
    python bench/assignment_quality.py --sizes 10000 --samples 5000
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    ap.add_argument("--samples", type=int, nargs="+", default=[2_500, 5_000, 10_000])
    ap.add_argument("--k", type=int, nargs="+", default=[5, 15, 30])
    ap.add_argument("--within", choices=["article", "desk"], default="article",
                    help="paragraphs from one article (story-sized topics, the default) or from one desk (five themes)")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the second full fit (the ceiling)")
    ap.add_argument("--out", default=str(HERE / "results" / "assignment_quality"))
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newstopics-assign-"))
    # a cache of its own that outlives the run: a second run reads the full fits' ensembles instead of fitting again
    os.environ["NEWSTOPICS_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "newstopics-assign-cache")

    from scale import synthetic
    from sklearn.metrics import adjusted_rand_score as ari

    from newstopics import params as P
    from newstopics.corpus import load_corpus
    from newstopics.embed import Embedder
    from newstopics.model import fit_topics
    from newstopics.model.sample import METHODS, unit

    def ari_topics(a, b):
        """ARI over the documents both put in a topic (where the topics agree, apart from the outlier boundary)."""
        both = (a != -1) & (b != -1)
        return round(ari(a[both], b[both]), 3)

    def fit(docs, emb, base, **over):
        t0 = time.perf_counter()
        r = fit_topics(docs, embedder, P.validate({**base, **over}), embeddings=emb)
        return r, time.perf_counter() - t0

    embedder = Embedder("static")
    rows = []
    for n in args.sizes:
        path = work / f"paragraphs-{n}.csv"
        synthetic(n, within=args.within).to_csv(path, index=False)
        docs = load_corpus(str(path), "article", max_tokens=embedder.max_tokens,
                           count_tokens=embedder.count_tokens).documents
        emb = embedder.embed(docs["text"].tolist())
        n = len(docs)  # near-duplicate paragraphs (passages of one article can overlap) were dropped
        base = {"corpus": str(path), "doc_unit": "article", "embedding_model": "static", "stability_runs": 0}

        full, full_s = fit(docs, emb, base, fit_sample=n)
        ref, cached = full.documents["topic"].to_numpy(), bool(full.ensemble.get("from_cache"))
        del full  # its co-association matrix: n x n
        row0 = {"documents": n, "fitted": n, "method": "full fit (reference)",
                "topics": int(len(set(ref.tolist()) - {-1})), "outliers": round(float(np.mean(ref == -1)), 3),
                "fit_s": round(full_s, 1), "cached": cached}
        rows.append(row0)
        print(row0, flush=True)
        if not args.no_ceiling:
            other, other_s = fit(docs, emb, base, fit_sample=n, random_state=43)
            o, cached = other.documents["topic"].to_numpy(), bool(other.ensemble.get("from_cache"))
            del other
            rows.append({"documents": n, "fitted": n, "method": "full fit, other seed (ceiling)",
                         "topics": int(len(set(o.tolist()) - {-1})), "outliers": round(float(np.mean(o == -1)), 3),
                         "ari_all": round(ari(ref, o), 3), "ari_topics": ari_topics(ref, o),
                         "fit_s": round(other_s, 1), "cached": cached})
            print(rows[-1], flush=True)
        for m in [m for m in args.samples if m < n]:
            sampled, fit_s = fit(docs, emb, base, fit_sample=m)
            fitted_rows = sampled.fitted_rows()
            rest = np.setdiff1d(np.arange(n), fitted_rows)
            in_fit = sampled.fitted_topics[fitted_rows]
            F = unit(emb[fitted_rows])
            variants = [(f"neighbours k={k}", "neighbours", {"k": k}) for k in args.k] + [
                ("nearest centroid", "centroid", {})]
            for name, method, options in variants:
                t0 = time.perf_counter()
                assigned, _ = METHODS[method](emb[rest], F, in_fit, **options)
                assign_s = time.perf_counter() - t0
                topics = np.empty(n, dtype=int)
                topics[fitted_rows], topics[rest] = in_fit, assigned
                rows.append({"documents": n, "fitted": m, "method": name,
                             "topics": int(len(set(in_fit.tolist()) - {-1})),
                             "outliers": round(float(np.mean(topics == -1)), 3),
                             "ari_all": round(ari(ref, topics), 3), "ari_topics": ari_topics(ref, topics),
                             "ari_assigned": round(ari(ref[rest], assigned), 3),
                             "ari_fitted": round(ari(ref[fitted_rows], in_fit), 3), "fit_s": round(fit_s, 1),
                             "cached": bool(sampled.ensemble.get("from_cache")), "assign_s": round(assign_s, 2)})
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    text = (f"# Assignment quality: a fit on a sample, the rest assigned, against a fit on all documents\n\n"
            f"Command: `python bench/assignment_quality.py {' '.join(argv if argv is not None else sys.argv[1:])}` "
            f"({os.cpu_count()} cores, Python {platform.python_version()}); synthetic BBC paragraphs, static "
            f"embedding, paragraphs from one {args.within}, default ensemble; `ari_all`, `ari_assigned` and "
            "`ari_fitted` count outliers as a group of their own, `ari_topics` compares the documents both put in a "
            "topic; `fit_s` is the fit's time, or reading its ensemble from the cache where `cached`.\n\n"
            f"```\n{table.to_string(index=False)}\n```\n")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).with_suffix(".md").write_text(text)
    table.to_csv(Path(args.out).with_suffix(".csv"), index=False)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
