"""newstopics: topic reports on news coverage with BERTopic, offline and audited.

Stages, in the order data flows (each a subpackage with one entry point):
``corpus`` (load_corpus) -> ``embed`` (Embedder) -> ``model`` (fit_topics) -> ``evaluation`` (evaluate)
-> ``figures`` -> ``runs`` (run folders, papermill, sweeps, the HTML report). ``params`` holds every
parameter's name, default and check; ``text`` the text primitives two stages share; ``speedups`` the
guarded work-arounds that make a run cheaper; ``cli`` the command line.
"""
import os as _os

from .paths import cache_dir as _cache_dir

# Runs are offline by design: models load from disk, never from a hub. Set before any
# Hugging Face library is imported, since they read these once, at import.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    _os.environ.setdefault(_name, "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Keep numba's compiled code between processes (UMAP marks much of its code cacheable, and speedups the rest):
# without it every run recompiles them. Safe to delete, like the embedding cache beside it.
_os.environ.setdefault("NUMBA_CACHE_DIR", str(_cache_dir() / "numba"))

__version__ = "0.1.0"


def _preload_in_kernels() -> None:
    """In a notebook's kernel, load the language detector's model in the background while the notebook imports the
    scientific stack (its xz decompression releases the GIL, so it costs the run almost nothing); the command line
    and plain scripts load it only if they read a corpus."""
    import sys
    import threading

    if "ipykernel" not in sys.modules:
        return

    def load():
        try:
            from .corpus.language import _identifier

            _identifier()
        except Exception:  # the corpus stage loads it again, and says what failed
            pass

    threading.Thread(target=load, name="newstopics-preload", daemon=True).start()


_preload_in_kernels()


def __getattr__(name: str):
    """``newstopics.load_run``: loaded on first use, so ``import newstopics`` stays cheap."""
    if name == "load_run":
        from .runs.catalog import load_run

        return load_run
    raise AttributeError(f"module 'newstopics' has no attribute {name!r}")
