"""How a whole report's time and memory grow with the corpus: synthetic corpora of 10k to 100k paragraphs.

Paragraphs are built from the BBC News benchmark texts: each joins three 15-25 word passages from three
articles of the same desk, so topics exist to be found, and no two paragraphs are near-duplicates (which
the corpus reader would drop). Each gets a source (the desk) and a date in 2004-2005, so every view of
the report has something to show. Each size runs the real report (``newstopics report``, papermill and
nbconvert) in a fresh process tree; printed per size: wall time, peak memory of the tree, and from the
run's run.json the seconds and the peak resident memory (so far) of the kernel at the end of each stage. Peak
memory (``peak_mib``) is the largest peak of any one process of the tree (the kernel, a Dask worker, papermill).

    python bench/scale.py                                   # 10k, 30k, 100k paragraphs, static embedding
    python bench/scale.py --sizes 10000 --embedding all-MiniLM-L6-v2
    python bench/scale.py -p stability_runs=0 -p baselines=false   # the model and the views alone
    python bench/scale.py --sizes 100000 300000 1000000 -p cluster=local:2 -p stability_runs=0 -p baselines=false
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BBC = ROOT.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
BIN = Path(sys.executable).parent

MEASURE = r"""
import resource, subprocess, sys, time, json
t = time.perf_counter()
rc = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mib": peak, "rc": rc}))
"""


def synthetic(n: int, seed: int = 0, within: str = "desk") -> pd.DataFrame:
    """``n`` paragraphs, each three 15-25 word passages of three articles of one desk (``within="desk"``: five broad
    themes, the corpus of bench/results/scale.md), or of one article (``within="article"``: many story-sized themes
    inside the desks, as in a news archive)."""
    table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    words = [t.split() for t in table["text"]]
    by_label = {lab: np.flatnonzero(table["label"].to_numpy() == lab) for lab in table["label"].unique()}
    labels = sorted(by_label)
    rng = np.random.default_rng(seed)
    days = pd.date_range("2004-01-01", "2005-12-31", freq="D")
    rows = []
    for i in range(n):
        lab = labels[rng.integers(len(labels))]
        parts = []
        picks = rng.choice(by_label[lab], 3, replace=False) if within == "desk" else [rng.choice(by_label[lab])] * 3
        article = int(picks[0]) if within == "article" else -1
        for a in picks:
            w = words[a]
            size = int(rng.integers(15, 26))
            start = int(rng.integers(0, max(1, len(w) - size)))
            parts.append(" ".join(w[start : start + size]))
        rows.append(
            {
                "id": f"p{i:06d}",
                "text": ". ".join(parts) + ".",
                "source": lab,
                "published": days[rng.integers(len(days))].date().isoformat(),
                "bbc_article": article,  # the BBC article the passages come from (-1: three articles)
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument(
        "--embedding", default="static", help="embedding_model for the runs (default: the static MiniLM distillation)"
    )
    ap.add_argument(
        "-p",
        dest="extra",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more report parameters, as for newstopics report",
    )
    ap.add_argument("--out", default=str(HERE / "results" / "scale"))
    ap.add_argument("--within", choices=["desk", "article"], default="desk",
                    help="paragraphs from three articles of one desk (the default) or from one article")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="newstopics-scale-"))
    env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(work / "cache")}
    if "NUMBA_CACHE_DIR" in os.environ:
        env["NUMBA_CACHE_DIR"] = os.environ["NUMBA_CACHE_DIR"]
    # distil the static model (if asked for) and compile numba's code once, outside the measurements: 5,000
    # paragraphs, so the document map takes the path every measured size does (a 5,000-point sample)
    warmup = work / "warmup.csv"
    synthetic(5000, seed=1).to_csv(warmup, index=False)
    subprocess.run(
        [
            str(BIN / "newstopics"),
            "report",
            "--quiet",
            "--corpus",
            str(warmup),
            "--runs-dir",
            str(work / "warmup"),
            "-p",
            "doc_unit=article",
            "-p",
            f"embedding_model={args.embedding}",
            "-p",
            "stability_runs=0",
            "-p",
            "baselines=false",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows, stages = [], []
    for n in args.sizes:
        corpus = work / f"paragraphs-{n}.csv"
        synthetic(n, within=args.within).to_csv(corpus, index=False)
        runs = work / f"runs-{n}"
        cmd = [
            str(BIN / "newstopics"),
            "report",
            "--quiet",
            "--corpus",
            str(corpus),
            "--runs-dir",
            str(runs),
            "-p",
            "doc_unit=article",
            "-p",
            f"embedding_model={args.embedding}",
        ] + [a for kv in args.extra for a in ("-p", kv)]
        out = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(cmd)], capture_output=True, text=True, env=env)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        run_json = next(runs.glob("*/run.json"), None)
        info = json.loads(run_json.read_text()) if run_json else {}
        t, mem, held = info.get("timings", {}), info.get("memory_mib", {}), info.get("held_mib", {})
        docs = info.get("corpus", {}).get("documents")
        rows.append(
            {
                "paragraphs": n,
                "documents": docs,
                "status": info.get("status", f"rc={r['rc']}"),
                "wall_s": round(r["seconds"], 1),
                "peak_mib": round(r["peak_mib"]),  # the largest of any one process: kernel, worker, papermill
                "per_100k_s": round(r["seconds"] * 100_000 / n, 1),
                "topics": (info.get("evaluation") or {}).get("sizes", {}).get("topics"),
                "outliers": (info.get("evaluation") or {}).get("sizes", {}).get("outlier_share"),
                "themes": (info.get("results") or {}).get("themes"),
                "workers": (info.get("cluster") or {}).get("workers"),
            }
        )
        for stage in (
            "cluster",
            "corpus",
            "topics",
            "embed_s",
            "fit_s",
            "ensemble_graph_s",
            "ensemble_consensus_s",
            "themes_s",
            "outliers_s",
            "figures",
            "evaluation",
            "save",
            "notebook_s",
            "render_s",
        ):
            if stage in t:
                stages.append(
                    {
                        "paragraphs": n,
                        "stage": stage.removesuffix("_s"),
                        "seconds": t[stage],
                        "kernel_peak_mib_so_far": mem.get(stage),
                        "kernel_held_mib": held.get(stage),
                    }
                )
        print(f"{n:>7} paragraphs: {rows[-1]}", flush=True)
    summary, per_stage = pd.DataFrame(rows), pd.DataFrame(stages)
    wide = per_stage.pivot_table(index="stage", columns="paragraphs", values="seconds", sort=False)
    mem = per_stage.pivot_table(index="stage", columns="paragraphs", values="kernel_peak_mib_so_far", sort=False)
    kept = per_stage.pivot_table(index="stage", columns="paragraphs", values="kernel_held_mib", sort=False)
    text = (
        f"# Scale: synthetic paragraphs from BBC News, embedding_model={args.embedding} {' '.join(args.extra)}\n\n"
        f"Command: `python bench/scale.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
        f" ({os.cpu_count()} cores, Python {platform.python_version()})\n\n"
        f"## Whole runs\n\n```\n{summary.to_string(index=False)}\n```\n\n"
        f"## Seconds per stage\n\n```\n{wide.round(1).to_string()}\n```\n\n"
        f"## Kernel's peak resident memory (MiB) at the end of each stage\n\n```\n{mem.round(0).to_string()}\n```\n"
        + (f"\n## Kernel's resident memory (MiB) after each stage, its freed memory given back\n\n"
           f"```\n{kept.round(0).to_string()}\n```\n" if kept.notna().any().any() else "")
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).with_suffix(".md").write_text(text)
    per_stage.to_csv(Path(args.out).with_suffix(".csv"), index=False)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
