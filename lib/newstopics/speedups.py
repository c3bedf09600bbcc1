"""Speed-ups that work around other libraries: each one guarded, each one able to step aside.

Every run is a new process (a papermill kernel), so import and compile time is paid again on each one.
Four work-arounds cut that tax. Each checks what it relies on before it acts, falls back to the plain
path on any error, and says what it did in :data:`NOTES` (a run records them in ``run.json``). Setting
``NEWSTOPICS_SPEEDUPS=0`` turns all of them off.

* :func:`import_bertopic`: ``import bertopic`` eagerly imports sentence-transformers, transformers, torch and
  huggingface_hub, which it needs only for optional features (multimodal and LLM back-ends, the Hub); that
  costs 8 to 9 s on 2 cores. In a batch run (``NEWSTOPICS_BATCH=1``, set by ``newstopics report``) they are
  hidden during the import, so BERTopic records them as not installed *for that process*. In an interactive
  session (JupyterLab) the import is plain, so BERTopic's LLM, zero-shot and Hub features keep working.
* :func:`cache_numba`: UMAP's numba functions are compiled in every new process (12 to 20 s); most are not
  marked cacheable, so numba's on-disk cache is switched on for them (``$NUMBA_CACHE_DIR``). Harmless in any
  process: numba checks the source file's stamp before it uses a cached entry, and the code is the same.
* :func:`umap_class`: for dense data UMAP hands scikit-learn its numba cosine, which scikit-learn calls once
  per pair from Python (16 s for 2,225 documents). A subclass gives scikit-learn the metric's name instead,
  which it computes with matrix products. It is our own class, used only by our models, so it applies in
  every session (the same topics in JupyterLab as in batch runs).
* :func:`hide_notebook_extras`: jsonschema (via nbformat) builds an IRI grammar at import (2 s) that notebook
  validation never uses. Hidden in the process that renders reports, and in batch kernels only.

``tests/test_speedups.py`` checks, against the installed versions, every attribute and signature these rely on.
"""
from __future__ import annotations

import importlib
import importlib.abc
import inspect
import os
import sys
from contextlib import contextmanager
from functools import lru_cache

from .session import batch_mode

# What BERTopic imports eagerly but uses only on request.
BERTOPIC_OPTIONAL = ("sentence_transformers", "transformers", "torch", "huggingface_hub")
# What BERTopic must still provide with those hidden (else the cheap import is not used).
BERTOPIC_NEEDED = (
    ("bertopic", "BERTopic"),
    ("bertopic.backend", "BaseEmbedder"),
    ("bertopic.representation", "KeyBERTInspired"),
    ("bertopic.representation", "MaximalMarginalRelevance"),
    ("bertopic.vectorizers", "ClassTfidfTransformer"),
)
# What jsonschema imports for 'iri' formats, which the notebook schema does not use.
NOTEBOOK_OPTIONAL = ("rfc3987_syntax",)
# UMAP attributes the vectorised-distance subclass reads or sets after UMAP's own parameter checks.
UMAP_ATTRIBUTES = ("_sparse_data", "metric", "_metric_kwds", "_input_distance_func")

NOTES: dict[str, str] = {}  # speed-up -> what it did in this process (or why it stepped aside)


def enabled() -> bool:
    """False when ``NEWSTOPICS_SPEEDUPS=0``: every speed-up then takes the plain path."""
    return os.environ.get("NEWSTOPICS_SPEEDUPS", "1") != "0"


def _fallback(name: str, exc: BaseException) -> None:
    NOTES[name] = f"plain path ({type(exc).__name__}: {str(exc)[:160]})"


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, names: tuple[str, ...]):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not needed here (newstopics.speedups)", name=fullname)
        return None


@contextmanager
def hidden(*names: str):
    """Within the block, importing any of ``names`` (not yet imported) fails as if it were not installed."""
    finder = _Hide(tuple(n for n in names if n not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _purge(package: str) -> None:
    """Forget a partly imported package, so a plain import starts afresh."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def import_bertopic():
    """The ``bertopic`` module: imported without its optional back-ends in batch runs, plainly elsewhere.

    Returns:
        The imported ``bertopic`` package.
    """
    if "bertopic" in sys.modules:
        return sys.modules["bertopic"]
    if not (enabled() and batch_mode()):
        NOTES["bertopic_import"] = "plain (interactive session or speed-ups off)"
        return importlib.import_module("bertopic")
    try:
        with hidden(*BERTOPIC_OPTIONAL):
            # A plain statement, not importlib: under CPython 3.11 the call depth at which UMAP's hundreds of numba
            # functions are created decides how often a frame-stack chunk is mapped and unmapped; one frame deeper
            # cost 70,000 mmap/munmap pairs (0.5 s of system time) per run (strace of a seeds run).
            import bertopic  # noqa: F401
        for module, attr in BERTOPIC_NEEDED:
            if type(getattr(sys.modules[module], attr)).__name__ == "NotInstalled":
                raise ImportError(f"{module}.{attr} needs a hidden back-end")
        NOTES["bertopic_import"] = "optional back-ends hidden (" + ", ".join(BERTOPIC_OPTIONAL) + ")"
    except Exception as exc:  # anything at all: forget the partial import and import as usual
        _purge("bertopic")
        _fallback("bertopic_import", exc)
        importlib.import_module("bertopic")
    return sys.modules["bertopic"]


_seen_modules: set[str] = set()
_numba_counts = [0, 0]  # functions switched on, functions numba refused, in this process


def cache_numba(*packages: str) -> int:
    """Switch on numba's on-disk cache for every compiled function of ``packages`` that does not use it yet.

    numba names a cache entry after the Python function, not the compile options, so where a module compiles
    one function twice (UMAP's layout step, serial and parallel), only the serial variant is cached.

    Args:
        packages: top-level package names, e.g. ``"umap", "pynndescent"`` (already imported).

    Returns:
        How many functions were switched on in this call.
    """
    if not enabled():
        NOTES["numba_cache"] = "off (speed-ups off)"
        return 0
    try:
        from numba.core.caching import NullCache
        from numba.core.dispatcher import Dispatcher
    except Exception as exc:
        _fallback("numba_cache", exc)
        return 0
    switched, failed = 0, 0
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] not in packages or module is None or name in _seen_modules:
            continue
        _seen_modules.add(name)
        found = [obj for obj in vars(module).values() if isinstance(obj, Dispatcher)]
        variants: dict[object, int] = {}
        for obj in found:
            variants[obj.py_func] = variants.get(obj.py_func, 0) + 1
        for obj in found:
            try:
                if not isinstance(obj._cache, NullCache) or (
                    variants[obj.py_func] > 1 and obj.targetoptions.get("parallel")
                ):
                    continue
                obj.enable_caching()
                switched += 1
            except Exception:  # a function numba cannot cache, or numba changed: it compiles as before
                failed += 1
    _numba_counts[0] += switched
    _numba_counts[1] += failed
    NOTES["numba_cache"] = f"{_numba_counts[0]} functions cached on disk" + (
        f", {_numba_counts[1]} left as they were" if _numba_counts[1] else ""
    )
    return switched


def import_umap():
    """The ``umap`` module, with its compiled code kept between runs.

    pynndescent's functions are left as upstream compiles them: those it leaves uncached use dynamic globals that
    numba cannot keep on disk, and switched on they printed "Cannot cache compiled function" into reports. No report
    calls them any more: the document map gives UMAP exact neighbours (``model.build.document_coords``) and the
    consensus graph takes HNSW's (``model.graph.hnsw_neighbours``)."""
    import_bertopic()  # BERTopic imports umap too: do that the cheap way first
    import umap

    cache_numba("umap")
    return umap


def umap_relies_on() -> list[str]:
    """What the vectorised UMAP needs of the installed UMAP that is missing (empty: all there)."""
    UMAP = import_umap().UMAP
    missing = []
    check = getattr(UMAP, "_validate_parameters", None)
    if check is None or list(inspect.signature(check).parameters) != ["self"]:
        missing.append("UMAP._validate_parameters(self)")
    return missing


@lru_cache(maxsize=1)
def umap_class():
    """UMAP, computing its all-pairs distances (corpora under 4,096 documents) with scikit-learn's vectorised metric.

    Returns:
        A UMAP subclass, or UMAP itself when the installed version lacks what the subclass relies on.
    """
    UMAP = import_umap().UMAP
    missing = umap_relies_on() if enabled() else ["speed-ups off"]
    if missing:
        NOTES["umap_distances"] = "plain UMAP (" + "; ".join(missing) + ")"
        return UMAP

    class VectorisedUMAP(UMAP):
        def _validate_parameters(self):
            super()._validate_parameters()
            try:
                if not self._sparse_data and self.metric in ("cosine", "euclidean") and not self._metric_kwds:
                    self._input_distance_func = self.metric
            except AttributeError as exc:  # UMAP changed: keep its own distance function
                _fallback("umap_distances", exc)

    VectorisedUMAP.__name__ = VectorisedUMAP.__qualname__ = "UMAP"
    NOTES["umap_distances"] = "vectorised (scikit-learn computes cosine distances by name)"
    return VectorisedUMAP


def hide_notebook_extras() -> None:
    """Import nbformat without jsonschema's unused IRI grammar, where that is safe (see the module notes)."""
    if "nbformat" in sys.modules or not enabled():
        return
    try:
        with hidden(*NOTEBOOK_OPTIONAL):
            import nbformat  # noqa: F401  (jsonschema is imported here, once)
        NOTES["notebook_import"] = "jsonschema's IRI grammar skipped"
    except Exception as exc:
        _purge("nbformat")
        _purge("jsonschema")
        _fallback("notebook_import", exc)
