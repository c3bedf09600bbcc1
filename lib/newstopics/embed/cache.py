"""Embeddings on disk, addressed by content: one folder per model identity, shards of NumPy's open .npy format.

A shard is two files written side by side, ``NAME.vectors.npy`` (float32 rows) and ``NAME.keys.npy`` (the texts'
SHA-256, hex, one per row); the keys file is renamed into place last, so a shard is seen only when whole. Vectors are
memory-mapped, never read whole into memory: a cache of millions of texts costs a run its keys (64 bytes a text, kept
sorted for lookup) and the rows it actually uses. Shards written by earlier versions (``.npz``) are still read.

A corpus's vectors from :meth:`EmbeddingCache.through` are themselves memory-mapped, read-only, from the shard that
holds them when they fill :data:`MAP_FROM` bytes or more and one shard holds exactly those texts in that order (a
corpus of distinct texts none of which was cached, or such a corpus again): the run then reads them from the file a
block at a time (:func:`newstopics.memory.in_blocks`) rather than holding them; at 1,000,000 documents of 256
dimensions that is 977 MiB less in the process. Otherwise (repeated texts, or some cached before: an archive grown
since its last run) they are put together a block at a time in a file beside the shards, removed from the folder at
once and read back the same way (:func:`newstopics.memory.on_disk`). A smaller corpus's vectors are held in memory.
"""
from __future__ import annotations

import hashlib
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..memory import let_go, on_disk
from ..text import in_slices

KEY = "S64"
MAP_FROM = 64 * 1024 * 1024  # a corpus's vectors this large are memory-mapped from the cache, not held in memory
BLOCK = 65_536  # rows copied at a time when a corpus's vectors are put together


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def text_keys(texts) -> np.ndarray:
    """The keys of ``texts`` (a list, or a pandas column) as one array."""
    keys = np.empty(len(texts), KEY)
    for start, part in in_slices(texts):
        keys[start:start + len(part)] = [text_key(t) for t in part]
    return keys


@dataclass
class _Shard:
    keys: np.ndarray  # sorted
    rows: np.ndarray  # row of each sorted key in vectors
    vectors: np.ndarray  # memory-mapped (or, for an old .npz shard, in memory)

    @classmethod
    def of(cls, keys: np.ndarray, vectors: np.ndarray) -> _Shard:
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], order, vectors)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hit, rows)``: which of ``keys`` this shard holds, and their rows in its vectors."""
        if not len(self.keys):
            return np.zeros(len(keys), bool), np.zeros(0, np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = self.keys[pos] == keys
        return hit, self.rows[pos[hit]]


class EmbeddingCache:
    """Embeddings on disk, one folder per model identity (see the module notes).

    Each writer adds a new shard under a unique name and renames it into place only when complete, so concurrent runs
    never corrupt each other and an interrupted run leaves nothing half-written. Shards are read with
    ``allow_pickle=False``.
    """

    def __init__(self, root: Path, model_key: str, map_from: int = MAP_FROM):
        self.dir = Path(root) / "embeddings" / model_key
        self.map_from = map_from
        self._shards: list[_Shard] | None = None

    def _load(self) -> list[_Shard]:
        if self._shards is None:
            self._shards = []
            if self.dir.is_dir():
                for path in sorted(self.dir.glob("*.keys.npy")):
                    try:
                        keys = np.load(path, allow_pickle=False)
                        vectors = np.load(path.with_name(path.name.replace(".keys.", ".vectors.")),
                                          mmap_mode="r", allow_pickle=False)
                        if keys.dtype != np.dtype(KEY) or len(keys) != len(vectors):
                            raise ValueError("keys and vectors do not match")
                        self._shards.append(_Shard.of(keys, vectors))
                    except Exception as exc:  # a foreign or damaged file: ignore it, say so
                        print(f"embedding cache: ignoring unreadable shard {path.name} ({exc})", file=sys.stderr)
                for path in sorted(self.dir.glob("*.npz")):  # earlier versions' shards
                    try:
                        with np.load(path, allow_pickle=False) as z:
                            self._shards.append(_Shard.of(z["keys"].astype(KEY), z["vectors"].astype(np.float32)))
                    except Exception as exc:
                        print(f"embedding cache: ignoring unreadable shard {path.name} ({exc})", file=sys.stderr)
        return self._shards

    def put(self, keys, vectors: np.ndarray) -> np.ndarray | None:
        """Store ``vectors`` under ``keys`` as a new shard; returns the shard's vectors, memory-mapped."""
        if not len(keys):
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        keys = np.asarray(keys, KEY)
        for part, value in (("vectors", np.asarray(vectors, dtype=np.float32)), ("keys", keys)):  # keys last
            tmp = self.dir / f".{name}.{part}.tmp.npy"
            np.save(tmp, value, allow_pickle=False)
            os.replace(tmp, self.dir / f"{name}.{part}.npy")
        vectors = np.load(self.dir / f"{name}.vectors.npy", mmap_mode="r", allow_pickle=False)  # on disk, not held
        if self._shards is not None:
            self._shards.append(_Shard.of(keys, vectors))
        return vectors

    def through(self, texts, compute) -> tuple[np.ndarray, int]:
        """Vectors of ``texts``: cached ones read, the rest computed (once per distinct text) and stored.

        Args:
            texts: the texts, repeats allowed (a list, or a pandas column).
            compute: ``compute(texts) -> array`` for the texts not in the cache, in order of first appearance (a list,
                or a pandas column when ``texts`` is one).

        Returns:
            ``(vectors, misses)``: one float32 row per text, and how many texts were not cached; read-only and
            memory-mapped from a shard when :data:`MAP_FROM` bytes or more and held by one shard in order.
        """
        keys = text_keys(texts)
        for shard in self._load():  # one shard is these texts' vectors, in order: read from it, not copied
            if self._mappable(shard.vectors, len(keys)) and np.array_equal(shard.keys[np.argsort(shard.rows)], keys):
                return shard.vectors, 0
        found = np.zeros(len(keys), bool)
        out = None
        for shard in self._load():
            todo = np.flatnonzero(~found)
            if not len(todo):
                break
            hit, rows = shard.find(keys[todo])
            if not hit.any():
                continue
            if out is None:
                out = self._assembly(len(keys), shard.vectors.shape[1])
            take = np.argsort(rows, kind="stable")  # read the memory-mapped rows in file order
            for s in range(0, len(take), BLOCK):
                block = take[s:s + BLOCK]
                out[todo[hit][block]] = shard.vectors[rows[block]]
                let_go(shard.vectors)
                let_go(out)
            found[todo[hit]] = True
        missing = np.flatnonzero(~found)
        if len(missing):
            _, first, inverse = np.unique(keys[missing], return_index=True, return_inverse=True)
            order = np.sort(first)  # the distinct missing texts, in order of first appearance
            rank = np.empty(len(first), np.int64)
            rank[np.argsort(first)] = np.arange(len(first))  # sorted key -> position in `order`
            rows = missing[order]
            if len(rows) == len(texts):  # every text new and distinct: the texts themselves, not a copy of them
                picked = texts
            else:
                picked = [texts[int(i)] for i in rows] if isinstance(texts, list) else texts.iloc[rows]
            vecs = np.asarray(compute(picked), dtype=np.float32)
            del picked
            stored = self.put(keys[missing[order]], vecs)
            source = rank[inverse.ravel()]  # row of vecs for each missing text
            if out is None and len(order) == len(keys):  # all new and distinct: the computed rows are the answer
                return (stored if self._mappable(stored, len(keys)) else vecs), len(missing)
            if out is None:
                out = self._assembly(len(keys), vecs.shape[1])
            if isinstance(out, np.memmap):  # read them back from the shard just written, not held meanwhile
                vecs = stored
            for s in range(0, len(missing), BLOCK):  # a block at a time: no second copy of the computed vectors
                out[missing[s:s + BLOCK]] = vecs[source[s:s + BLOCK]]
                let_go(vecs)
                let_go(out)
            del vecs, stored
        if out is None:  # no texts
            out = np.empty((0, 0), np.float32)
        if isinstance(out, np.memmap):
            out.flags.writeable = False  # like a shard's vectors: read-only
        return out, len(missing)

    def _assembly(self, n: int, dim: int) -> np.ndarray:
        """Where ``n`` vectors of ``dim`` are put together: in memory, or, from :data:`MAP_FROM` bytes, in a file
        beside the shards (:func:`newstopics.memory.on_disk`), so a large corpus part of which was cached before (an
        archive grown since its last run) is not held in memory either."""
        if n * dim * 4 >= self.map_from:
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                return on_disk((n, dim), self.dir)
            except OSError:  # a full disk, or a cache that is read-only here: in memory, as for a smaller corpus
                pass
        return np.empty((n, dim), np.float32)

    def _mappable(self, vectors, n: int) -> bool:
        """Whether ``vectors`` (a shard's) can stand for a corpus of ``n`` texts as they are: memory-mapped, exactly
        ``n`` rows, and as large as :data:`MAP_FROM`."""
        return (isinstance(vectors, np.memmap) and vectors.dtype == np.float32 and len(vectors) == n
                and vectors.nbytes >= self.map_from)
