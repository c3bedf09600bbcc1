"""This checkout's seeds report against another revision's, in the same session: an A/B of whole runs.

Both trees run `newstopics report --corpus seeds` cold (a fresh embedding cache each run; numba's
compiled code kept, after one warm-up run per tree), interleaved so machine load hits both alike, with the same
environment (.venv); the other revision is checked out with `git worktree` and imported through PYTHONPATH.
Prints each run, then medians with min-max and the ratio this/baseline.

    python bench/compare_revisions.py                       # against c4883a1, before the consensus model
    python bench/compare_revisions.py --baseline HEAD~3 --repeat 7
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def report(lib: Path | None, seeds: Path, cache: Path, numba: Path, runs: Path) -> tuple[float, int]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba), "NEWSTOPICS_CACHE_DIR": str(cache)}
    env.pop("NEWSTOPICS_RUNS_DIR", None)
    if lib is not None:
        env["PYTHONPATH"] = str(lib)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newstopics.cli", "report", "--quiet", "--corpus", str(seeds),
                           "--runs-dir", str(runs)], env=env, capture_output=True, text=True)
    if done.returncode != 0:  # say why, so a failed run is not taken for a slow or fast one
        print(done.stderr[-1500:], file=sys.stderr, flush=True)
    return time.perf_counter() - t0, done.returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", default="c4883a1", help="the git revision to compare against")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newstopics-ab-"))
    tree = work / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline], check=True,
                   capture_output=True)
    trees = {"baseline": tree / "lib", "this": None}
    seeds = ROOT / "seeds"
    try:
        for name, lib in trees.items():
            s, rc = report(lib, seeds, work / f"warm-{name}", work / f"numba-{name}", work / f"runs-{name}")
            print(f"warm-up {name}: {s:.1f} s rc={rc}", flush=True)
            if rc != 0:
                return 1
        times: dict[str, list[float]] = {name: [] for name in trees}
        for i in range(args.repeat):
            for name, lib in trees.items():
                s, rc = report(lib, seeds, work / f"cold-{name}-{i}", work / f"numba-{name}", work / f"runs-{name}")
                if rc != 0:
                    print(f"{name} run {i + 1} failed (rc={rc})", flush=True)
                    return 1
                times[name].append(s)
                print(f"{name:<8} run {i + 1}: {s:5.1f} s", flush=True)
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:<8} median {median:5.2f} s  (min {min(values):.2f}, max {max(values):.2f})")
        ratio = statistics.median(times["this"]) / statistics.median(times["baseline"])
        print(f"ratio this/baseline {ratio:.3f}  (baseline {args.baseline})")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
