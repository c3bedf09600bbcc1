"""What each Dask worker imports once, as it joins, before it takes any work (see :mod:`newstopics.cluster`).

A worker reads the tasks and values it is sent on its event loop while its threads run others. Python's import
system gives a thread a module another thread is still importing when both import overlapping modules in
different orders (BERTopic's imports reach sentence-transformers, torch and transformers, which the encoder's load
imports too), and the value then fails with "partially initialized module". So the modules the work needs are
imported here, one thread at a time, before anything else arrives; a worker that replaces a dead one does the same.
Importing this module imports ``distributed``, so only a run with a cluster does.
"""
from __future__ import annotations

import importlib

from distributed import WorkerPlugin

MODULES = ("newstopics.corpus", "newstopics.embed", "newstopics.embed.workers", "newstopics.model",
           "newstopics.evaluation", "newstopics.cluster")


class Preload(WorkerPlugin):
    """Import :data:`MODULES` on each worker as it starts (on its event loop, so nothing is read meanwhile)."""

    name = "newstopics-preload"
    idempotent = True  # registered again by a later run: the workers' imports are already done

    def setup(self, worker) -> None:
        for module in MODULES:
            importlib.import_module(module)
