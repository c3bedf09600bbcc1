"""What one document costs, stage by stage, on one core: the figures from which a cluster is sized.

Measured in this process (one core; BLAS and the tokenizer held to one thread), on synthetic BBC paragraphs as in
``bench/scale.py``, median of ``--repeat`` runs of each step over ``--docs`` documents:

* ``read``: parsing, cleaning, language detection and segmentation of table rows (``load_corpus`` without the
  duplicate search, which looks at the whole corpus and stays on the client);
* ``embed``: the packaged MiniLM (ONNX Runtime) and the static table;
* ``topics``: the neighbour graph and the consensus of its Leiden partitions (static vectors);
* ``bytes``: what each document holds in memory on the client: its vector (MiniLM and static) and its row of the
  documents table.

    python bench/costs.py                  # 2,000 documents for MiniLM, 20,000 for the rest
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def median_seconds(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--minilm-docs", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "costs.md"))
    args = ap.parse_args(argv)
    os.environ["NEWSTOPICS_CACHE_DIR"] = os.environ.get("NEWSTOPICS_CACHE_DIR",
                                                        str(Path(tempfile.gettempdir()) / "newstopics-costs-cache"))
    from scale import synthetic

    from newstopics import params
    from newstopics.corpus import load
    from newstopics.corpus.readers import read_articles
    from newstopics.embed import Embedder
    from newstopics.model import GraphConsensus, size_for
    from newstopics.text import estimate_tokens

    work = Path(tempfile.mkdtemp(prefix="newstopics-costs-"))
    table = work / "paragraphs.csv"
    synthetic(args.docs).to_csv(table, index=False)
    raws, _, _, _ = read_articles(table)
    from newstopics.embed.onnx import OnnxSentenceEncoder

    minilm, static = Embedder(use_cache=False), Embedder("static", use_cache=False)
    minilm._encoder = OnnxSentenceEncoder(minilm.path, minilm.max_tokens + 2, threads=1)  # one core, as the rest
    settings = ("article", True, 8, minilm.max_tokens, minilm.count_tokens, load.DEFAULT_RULES, None)
    rows = []

    def per_doc(name, seconds, n, note=""):
        rows.append({"step": name, "ms_per_doc": round(1000 * seconds / n, 4), "docs": n, "note": note})
        print(rows[-1], flush=True)

    per_doc("read (parse, clean, language, segment)",
            median_seconds(lambda: load._documents(raws, *settings, []), args.repeat), len(raws))
    texts = [t for _, t in zip(range(args.docs), (r.text for r in raws), strict=False)]
    minilm.encode(texts[:64])  # loaded and warm
    per_doc("embed, all-MiniLM-L6-v2 (ONNX Runtime)",
            median_seconds(lambda: minilm.encode(texts[:args.minilm_docs]), args.repeat), args.minilm_docs)
    static.encode(texts[:64])
    per_doc("embed, static table", median_seconds(lambda: static.encode(texts), args.repeat), len(texts))
    X = static.encode(texts)
    sizing = size_for(len(X), params.DEFAULTS)
    per_doc(f"topics: neighbour graph and the consensus of {sizing.members} Leiden partitions",
            median_seconds(lambda: GraphConsensus(sizing, random_state=0).fit(X), args.repeat), len(texts))
    words = statistics.median(len(t.split()) for t in texts)
    tokens = statistics.median(estimate_tokens(t) for t in texts)
    text = (f"# What one document costs, on one core\n\n"
            f"Command: `python bench/costs.py {' '.join(argv if argv is not None else sys.argv[1:])}` "
            f"({platform.processor() or platform.machine()}, Python {platform.python_version()}); synthetic BBC "
            f"paragraphs of {words:.0f} words (about {tokens:.0f} word pieces), medians of {args.repeat} runs.\n\n"
            "| step | ms per document | documents |\n|---|---|---|\n"
            + "".join(f"| {r['step']} | {r['ms_per_doc']} | {r['docs']:,} |\n" for r in rows)
            + "\nMemory on the client per document: its row of the documents table (its text and metadata, about "
              f"{int(np.mean([len(t.encode()) for t in texts]) + 200)} bytes here) and its article's row; its vector "
              "(384 float32 = 1,536 bytes for MiniLM, 1,024 for the static table) passes through while it is written "
              "to the embedding cache, and is read from there a block at a time afterwards: bench/results/scale.md "
              "measures about 2.3 KB per document in the kernel at its peak, 1.2 KB between stages.\n")
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
