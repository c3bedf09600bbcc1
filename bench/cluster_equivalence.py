"""Does a run on a Dask cluster give the topics an in-process run gives? BBC News as a table, static embedding.

The same report (``newstopics report``) runs in-process and with ``cluster=local:2``, on the same corpus with the same
seed, every article fitted. Printed: the adjusted Rand index between the two runs' document topics, and what the
workers did (articles read there, texts encoded there), from each run's run.json.

    python bench/cluster_equivalence.py
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
BBC = HERE.parent.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
BIN = Path(sys.executable).parent


def main(argv=None) -> int:
    from sklearn.metrics import adjusted_rand_score

    work = Path(tempfile.mkdtemp(prefix="newstopics-equivalence-"))
    table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    corpus = work / "bbc.csv"
    table.assign(source=table["label"], id=[f"bbc{i:04d}" for i in range(len(table))])[
        ["id", "text", "source"]].to_csv(corpus, index=False)
    rows = []
    for extra in ([],):
        topics, info = {}, {}
        for where in ("", "local:2"):
            runs = work / f"runs-{len(extra)}-{where or 'here'}".replace(":", "")
            env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(runs / "cache")}  # each run embeds everything itself
            cmd = [str(BIN / "newstopics"), "report", "--quiet", "--corpus", str(corpus), "--runs-dir", str(runs),
                   "-p", "doc_unit=article", "-p", "embedding_model=static", "-p", "stability_runs=0",
                   "-p", "baselines=false", "-p", f"cluster={where}", *extra]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            (folder,) = [p for p in runs.iterdir() if p.is_dir() and p.name != "cache"]
            meta = json.loads((folder / "run.json").read_text())
            if done.returncode != 0:
                print(done.stderr[-2000:])
                return 1
            topics[where] = pd.read_csv(folder / "documents.csv")["topic"].to_numpy()
            info[where] = meta
        m = info["local:2"]
        rows.append({"fitted": "all",
                     "documents": len(topics[""]),
                     "workers": m["cluster"]["workers"],
                     "texts_encoded_on_workers": m["embedding"].get("on_workers", 0),
                     "ari_vs_in_process": round(
                         adjusted_rand_score(topics[""], topics["local:2"]), 4),
                     "seconds_in_process": info[""]["timings"]["notebook_s"],
                     "seconds_on_cluster": m["timings"]["notebook_s"]})
        print(rows[-1], flush=True)
    out = pd.DataFrame(rows)
    text = ("# The same report in-process and on a Dask cluster (BBC News as a table, static embedding)\n\n"
            f"Command: `python bench/cluster_equivalence.py` ({os.cpu_count()} cores, Python "
            f"{platform.python_version()}); the articles are parsed and cleaned on the workers too (partitions of "
            "1,000 articles).\n\n"
            f"```\n{out.to_string(index=False)}\n```\n")
    (HERE / "results" / "cluster_equivalence.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
