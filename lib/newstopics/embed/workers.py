"""Texts encoded on a Dask cluster's workers: each worker loads the encoder once and keeps it (see
:mod:`newstopics.cluster`, which connects and schedules)."""
from __future__ import annotations

import contextlib
import threading

from ..cluster import ClusterError, in_background, in_order, wait_ready

CHUNK_TEXTS = 256  # texts per task: large enough to keep a worker busy, small enough to spread a corpus evenly
CHUNK_STATIC = 8192  # the same for the static table, a hundred times faster per text

_WORKER_ENCODERS: dict = {}  # in each worker process: the embedder for the settings it last served
_WORKER_LOCK = threading.Lock()


def _worker_embedder(settings: tuple):
    """This worker's embedder for ``settings`` (the embedder class, model name, batch size, window), loaded once; one
    kept at a time."""
    with _WORKER_LOCK:
        embedder = _WORKER_ENCODERS.get(settings)
        if embedder is None:
            make, name, batch_size, max_tokens = settings  # make: the Embedder class, sent by the kernel
            embedder = make(name, use_cache=False, batch_size=batch_size, max_tokens=max_tokens, show_progress=False)
            embedder.encoder  # noqa: B018  (load it now)
            _WORKER_ENCODERS.clear()
            _WORKER_ENCODERS[settings] = embedder
        return embedder


def _encode_chunk(settings: tuple, texts: list[str]):
    """One task: ``(model identity, vectors of texts)`` on a worker, with the worker's own copy of the embedder."""
    embedder = _worker_embedder(settings)
    return embedder.key, embedder.encode(texts)


async def _warm(settings: tuple) -> None:
    """On a worker's event loop: start loading the encoder in a thread, and return at once."""
    import asyncio

    asyncio.get_running_loop().run_in_executor(None, _worker_embedder, settings)


def warm_up(client, settings: tuple) -> None:
    """Have every worker load the encoder now, in the background, while the kernel reads the corpus (a worker that
    joins later loads it with its first chunk; a chunk that arrives first waits for the same load). The load starts
    once the workers have imported the project (:func:`_preload`), so the two never import at the same time."""
    def warm():
        wait_ready()
        with contextlib.suppress(Exception):  # only a head start: the first chunk loads the encoder anyway
            client.run(_warm, settings, wait=False)

    in_background(warm)


def encode_on_workers(client, settings: tuple, texts, identity: str, chunk: int = CHUNK_TEXTS):
    """Vectors of ``texts`` (a list, or a pandas column), in order, computed on the cluster's workers in chunks of at
    most ``chunk`` texts; the chunks are cut as they are sent and their vectors written into one array as they come.

    Raises:
        ClusterError: a worker's model is not this kernel's (another folder or version of it): its vectors would be
            cached under this model's identity, so nothing is kept.
    """
    import numpy as np

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = max(1, min(chunk, -(-len(texts) // (2 * workers))))  # at least two tasks per worker
    from ..text import in_slices

    slices = list(range(0, len(texts), size))
    pieces = (part for _, part in in_slices(texts, size))
    out = None
    for start, (key, vectors) in zip(slices, in_order(client, _encode_part, pieces, settings=settings), strict=True):
        if key != identity:
            raise ClusterError(f"the cluster's workers embed with another model than this kernel ({key} instead of "
                               f"{identity}): install the same model and package versions on the workers.")
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), np.float32)
        out[start:start + len(vectors)] = vectors
    return out if out is not None else np.empty((0, 0), np.float32)


def _encode_part(texts: list[str], settings: tuple):
    return _encode_chunk(settings, texts)
