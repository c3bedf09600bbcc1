"""Wall time and peak memory of whole report runs, against a hand-written BERTopic notebook.

Each scenario is a fresh process tree, run --repeat times, interleaved so machine load hits all alike;
medians with min-max are printed. Peak memory is the largest resident set of any process in the tree
(the notebook's kernel, in practice).

  ours-cold      newstopics report on seeds/, empty embedding cache (numba's compiled code kept)
  ours-warm      the same again: embeddings come from the cache
  ours-first     nothing cached at all, not even numba's compiled code (a new machine)
  reference      bench/reference/handwritten.ipynb through papermill, then nbconvert to HTML
  bbc-cold/warm  the BBC News benchmark corpus (2,225 articles, doc_unit=article) end to end
  bbc-static     the same, cold, with embedding_model=static (the distilled table itself kept, like numba's code)

    python bench/report_speed.py --repeat 3
    python bench/report_speed.py --scenarios ours-warm reference --repeat 5
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BBC = ROOT.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
PY = sys.executable
BIN = Path(PY).parent

MEASURE = r"""
import resource, subprocess, sys, time, json
t = time.perf_counter()
rc = 0
for cmd in json.loads(sys.argv[1]):
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode or rc
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mib": peak, "rc": rc}))
"""


def measure(cmds: list[list[str]], env: dict) -> dict:
    out = subprocess.run([PY, "-c", MEASURE, json.dumps(cmds)], capture_output=True, text=True, env=env, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--scenarios",
        nargs="+",
        default=["reference", "ours-cold", "ours-warm", "ours-first", "bbc-cold", "bbc-warm", "bbc-static"],
    )
    ap.add_argument("--out", default=str(HERE / "results" / "report_speed"))
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="newstopics-bench-"))
    numba = work / "numba-kept"
    warm_cache = work / "warm-cache"
    base = {**os.environ, "NUMBA_CACHE_DIR": str(numba)}
    report = [str(BIN / "newstopics"), "report", "--quiet", "--runs-dir", str(work / "runs")]
    bbc_csv = work / "bbc.csv"
    if any(s.startswith("bbc") for s in args.scenarios):
        table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
        table[["text", "label"]].rename(columns={"label": "source"}).to_csv(bbc_csv, index_label="id")
    # warm-up: fill numba's cache and the warm embedding caches once, outside the measurements
    measure([report + ["--corpus", "seeds"]], {**base, "NEWSTOPICS_CACHE_DIR": str(warm_cache)})
    if any(s.startswith("bbc") for s in args.scenarios):
        measure(
            [report + ["--corpus", str(bbc_csv), "-p", "doc_unit=article"]],
            {**base, "NEWSTOPICS_CACHE_DIR": str(warm_cache)},
        )
    static_cache = work / "static-cache"
    if "bbc-static" in args.scenarios:  # distil the static table once
        measure(
            [report + ["--corpus", "seeds", "-p", "embedding_model=static"]],
            {**base, "NEWSTOPICS_CACHE_DIR": str(static_cache)},
        )

    def scenario(name: str, i: int) -> dict:
        fresh = work / f"cache-{name}-{i}"
        if name == "reference":
            out = work / f"ref-{i}.ipynb"
            return measure(
                [
                    [
                        str(BIN / "papermill"),
                        "--no-progress-bar",
                        str(HERE / "reference" / "handwritten.ipynb"),
                        str(out),
                        "-p",
                        "corpus",
                        "seeds",
                    ],
                    [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(out)],
                ],
                {**base, "HF_HUB_OFFLINE": "1"},
            )
        if name == "ours-cold":
            return measure([report + ["--corpus", "seeds"]], {**base, "NEWSTOPICS_CACHE_DIR": str(fresh)})
        if name == "ours-warm":
            return measure([report + ["--corpus", "seeds"]], {**base, "NEWSTOPICS_CACHE_DIR": str(warm_cache)})
        if name == "ours-first":
            env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(fresh)}
            env.pop("NUMBA_CACHE_DIR", None)
            return measure([report + ["--corpus", "seeds"]], env)
        if name == "bbc-static":
            shutil.rmtree(static_cache / "embeddings", ignore_errors=True)
            return measure(
                [report + ["--corpus", str(bbc_csv), "-p", "doc_unit=article", "-p", "embedding_model=static"]],
                {**base, "NEWSTOPICS_CACHE_DIR": str(static_cache)},
            )
        cache = fresh if name == "bbc-cold" else warm_cache
        return measure(
            [report + ["--corpus", str(bbc_csv), "-p", "doc_unit=article"]],
            {**base, "NEWSTOPICS_CACHE_DIR": str(cache)},
        )

    results: dict[str, list[dict]] = {s: [] for s in args.scenarios}
    for i in range(args.repeat):
        for name in args.scenarios:
            r = scenario(name, i)
            results[name].append(r)
            print(
                f"{name:<11} run {i + 1}: {r['seconds']:6.1f} s  peak {r['peak_mib']:6.0f} MiB  rc={r['rc']}",
                flush=True,
            )
    rows = []
    ref = statistics.median(r["seconds"] for r in results["reference"]) if results.get("reference") else None
    for name, rs in results.items():
        secs = [r["seconds"] for r in rs]
        mem = [r["peak_mib"] for r in rs]
        med = statistics.median(secs)
        rows.append(
            {
                "scenario": name,
                "median_s": round(med, 1),
                "min_s": round(min(secs), 1),
                "max_s": round(max(secs), 1),
                "vs_reference": round(med / ref, 2) if ref else None,
                "peak_mib_median": round(statistics.median(mem)),
                "failures": sum(r["rc"] != 0 for r in rs),
            }
        )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    cmd = "python bench/report_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    Path(args.out).with_suffix(".md").write_text(
        f"# Report speed\n\nCommand: `{cmd.strip()}` ({os.cpu_count()} "
        f"cores)\n\n```\n{table.to_string(index=False)}\n```\n"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
