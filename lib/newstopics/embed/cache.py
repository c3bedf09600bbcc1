"""Embeddings on disk, addressed by content: one folder per model identity, shards in NumPy's open .npz format."""
from __future__ import annotations

import hashlib
import os
import sys
import uuid
from pathlib import Path

import numpy as np


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


class EmbeddingCache:
    """Embeddings on disk, one folder per model identity, in NumPy's open .npz format.

    Each writer adds a new shard under a unique name and renames it into place
    only when complete, so concurrent runs never corrupt each other and an
    interrupted run leaves nothing half-written. Shards are read with
    ``allow_pickle=False``.
    """

    def __init__(self, root: Path, model_key: str):
        self.dir = Path(root) / "embeddings" / model_key
        self._index: dict[bytes, np.ndarray] | None = None

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._index is None:
            self._index = {}
            if self.dir.is_dir():
                for shard in sorted(self.dir.glob("*.npz")):
                    try:
                        with np.load(shard, allow_pickle=False) as z:
                            for k, v in zip(z["keys"], z["vectors"], strict=True):
                                self._index[bytes(k)] = v
                    except Exception as exc:  # a foreign or damaged file: ignore it, say so
                        print(f"embedding cache: ignoring unreadable shard {shard.name} ({exc})", file=sys.stderr)
        return self._index

    def get(self, keys: list[bytes]) -> list[np.ndarray | None]:
        index = self._load()
        return [index.get(k) for k in keys]

    def put(self, keys: list[bytes], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = self.dir / f".{name}.tmp.npz"
        np.savez(tmp, keys=np.array(keys, dtype="S64"), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(tmp, self.dir / f"{name}.npz")
        index = self._load()
        for k, v in zip(keys, vectors, strict=True):
            index[k] = v


    def through(self, texts: list[str], compute) -> tuple[np.ndarray, int]:
        """Vectors of ``texts``: cached ones read, the rest computed (once per distinct text) and stored.

        Args:
            texts: the texts, repeats allowed.
            compute: ``compute(list_of_texts) -> array`` for the texts not in the cache.

        Returns:
            ``(vectors, misses)``: one float32 row per text, and how many texts were not cached.
        """
        keys = [text_key(t) for t in texts]
        found = self.get(keys)
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            unique: dict[bytes, int] = {}
            for i in missing:
                unique.setdefault(keys[i], i)
            order = list(unique.values())
            vecs = compute([texts[i] for i in order])
            self.put([keys[i] for i in order], vecs)
            by_key = dict(zip((keys[i] for i in order), vecs, strict=True))
            for i in missing:
                found[i] = by_key[keys[i]]
        return np.vstack(found).astype(np.float32), len(missing)
