"""Do the topics a report gives hinge on the random seed? Whole ``newstopics report`` runs on the seed articles.

For each random_state, one report with the defaults (the consensus of 30 Leiden partitions) and one with
``ensemble=1`` (a single partition); printed per run: topics, outlier share, and the stability the report itself
states (the ARI of its 90% refits and its verdict); then the pairwise
adjusted Rand index of the document topics between the runs of each configuration.

    python bench/consensus_robustness.py          # random_state 1, 2, 3 -> bench/results/consensus_robustness.md
    python bench/consensus_robustness.py --seeds 1 2 3 42 --corpus path/to/articles
"""
from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CONFIGURATIONS = {"consensus (defaults)": [], "single partition (ensemble=1)": ["-p", "ensemble=1"]}


def report(corpus: str, seed: int, extra: list[str], runs_dir: Path) -> Path:
    before = set(runs_dir.glob("*")) if runs_dir.exists() else set()
    subprocess.run([str(BIN / "newstopics"), "report", "--quiet", "--corpus", corpus, "--runs-dir", str(runs_dir),
                    "-p", f"random_state={seed}", *extra], check=True, stdout=subprocess.DEVNULL)
    (folder,) = set(runs_dir.glob("*")) - before
    return folder


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(HERE.parent / "seeds"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--out", default=str(HERE / "results" / "consensus_robustness"))
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newstopics-robustness-"))
    rows, pairs = [], []
    for name, extra in CONFIGURATIONS.items():
        topics = {}
        for seed in args.seeds:
            folder = report(args.corpus, seed, extra, work / "runs")
            meta = json.loads((folder / "run.json").read_text())
            docs = pd.read_csv(folder / "documents.csv", keep_default_na=False)
            topics[seed] = docs.sort_values("doc_id")["topic"].to_numpy()
            stab = meta.get("evaluation", {}).get("stability", {})
            rows.append({"configuration": name, "random_state": seed, "topics": meta["results"]["topics"],
                         "outliers": meta["results"]["outlier_share"], "resampling_ari": stab.get("ari_mean"),
                         "verdict": stab.get("verdict"),
                         "notebook_s": meta["timings"].get("notebook_s")})
            print(rows[-1], flush=True)
        for a, b in itertools.combinations(args.seeds, 2):
            ari = adjusted_rand_score(topics[a], topics[b])
            pairs.append({"configuration": name, "pair": f"{a} vs {b}", "ari": ari})
    runs, ari = pd.DataFrame(rows), pd.DataFrame(pairs)
    cmd = "python bench/consensus_robustness.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (f"# Seed robustness of the report's topics\n\nCommand: `{cmd.strip()}`\n\n## Runs\n\n```\n"
            f"{runs.round(3).to_string(index=False)}\n```\n\n## Pairwise adjusted Rand index of the document topics\n\n"
            f"```\n{ari.round(3).to_string(index=False)}\n```\n")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
