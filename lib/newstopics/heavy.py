"""The heavy libraries, imported at the least cost a run can pay.

Every run is a new process (a papermill kernel), so import and compile time is
paid again on each one. Two libraries make most of that tax, and both are
handled here, in one place:

* ``import bertopic`` eagerly imports optional back-ends it only needs on
  request: sentence-transformers (for its multimodal back-end), transformers
  (for LLM representations), torch (to read legacy ``.bin`` files, which we
  refuse anyway) and huggingface_hub (to push to or pull from the Hub, which
  offline runs never do). That costs 8 to 9 s on 2 cores. :func:`bertopic`
  imports it with those hidden, so BERTopic records them as not installed and
  never loads them (in that process, BERTopic's multimodal, LLM and Hub
  features report themselves missing). Our own code imports them only when it really embeds with a
  sentence-transformers model (see ``embeddings``), and that import then works
  as usual, since nothing half-imported is left behind. If they are already
  loaded (say, in a JupyterLab session), nothing is hidden.
* UMAP's numba functions are compiled in every new process (12 to 20 s), since
  most are not marked cacheable. :func:`umap` switches on numba's on-disk cache
  for them, under ``$NUMBA_CACHE_DIR`` (set by ``newstopics`` to a folder
  beside the embedding cache), so only a machine's first run compiles.

The report writer's side has one more: jsonschema (via nbformat, for papermill
and nbconvert) builds an IRI grammar at import (2 s) that notebook validation
never uses; :func:`notebook_tools` hides it.
"""
from __future__ import annotations

import importlib
import importlib.abc
import sys
from contextlib import contextmanager

# What BERTopic imports eagerly but uses only on request.
BERTOPIC_OPTIONAL = ("sentence_transformers", "transformers", "torch", "huggingface_hub")
# What jsonschema imports for 'iri' formats, which the notebook schema does not use.
NOTEBOOK_OPTIONAL = ("rfc3987_syntax",)


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, names: tuple[str, ...]):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not needed here (newstopics.heavy)", name=fullname)
        return None


@contextmanager
def hidden(*names: str):
    """Within the block, importing any of ``names`` (not yet imported) fails as if not installed."""
    finder = _Hide(tuple(n for n in names if n not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def bertopic():
    """``import bertopic`` without its optional deep-learning back-ends."""
    if "bertopic" not in sys.modules:
        with hidden(*BERTOPIC_OPTIONAL):
            importlib.import_module("bertopic")
    return sys.modules["bertopic"]


_seen_modules: set[str] = set()


def cache_jit(*packages: str) -> int:
    """Switch on numba's on-disk cache for every compiled function of ``packages``
    that does not already use it. Returns how many were switched on.

    numba names a cache entry after the Python function, not the compile options, so
    where a module compiles one function twice (UMAP's layout step, serial and parallel),
    only the serial variant is cached; the other compiles as before.
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    n = 0
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] not in packages or module is None or name in _seen_modules:
            continue
        _seen_modules.add(name)
        found = [obj for obj in vars(module).values() if isinstance(obj, Dispatcher)]
        variants: dict[object, int] = {}
        for obj in found:
            variants[obj.py_func] = variants.get(obj.py_func, 0) + 1
        for obj in found:
            if not isinstance(obj._cache, NullCache) or (variants[obj.py_func] > 1 and obj.targetoptions.get("parallel")):
                continue
            try:
                obj.enable_caching()
                n += 1
            except Exception:  # a function numba cannot cache (e.g. defined at run time): it compiles as before
                pass
    return n


def umap():
    """The ``umap`` module, with its compiled code (and pynndescent's) kept between runs."""
    bertopic()  # BERTopic imports umap too: do it the cheap way first
    import umap as _umap

    cache_jit("umap", "pynndescent")
    return _umap


def notebook_tools() -> None:
    """Import nbformat, papermill and nbconvert without jsonschema's unused IRI grammar."""
    with hidden(*NOTEBOOK_OPTIONAL):
        import nbformat  # noqa: F401  (jsonschema is imported here, once)
