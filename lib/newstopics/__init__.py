"""newstopics: topic reports on news coverage with BERTopic, offline and audited.

Modules, in the order data flows: params -> corpus -> embeddings -> modeling
-> evaluation -> figures -> runs/report; cli ties them together for the command line.
"""
import os as _os

# Runs are offline by design: models load from disk, never from a hub. Set before any
# Hugging Face library is imported, since they read these once, at import.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    _os.environ.setdefault(_name, "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Keep numba's compiled code between processes (UMAP and pynndescent mark much of theirs cacheable):
# without it every run recompiles them. Safe to delete, like the embedding cache beside it.
_os.environ.setdefault("NUMBA_CACHE_DIR", _os.path.join(
    _os.environ.get("NEWSTOPICS_CACHE_DIR") or _os.path.join(_os.environ.get("XDG_CACHE_HOME") or _os.path.expanduser("~/.cache"), "newstopics"),
    "numba"))

__version__ = "0.1.0"
