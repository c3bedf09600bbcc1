"""The embedding stage's entry point: :class:`Embedder`, what BERTopic receives as its ``embedding_model``.

Every text BERTopic asks for (documents, and the words KeyBERT-style representations compare with them)
goes through one content-addressed cache (:mod:`.cache`), so a re-run or a sweep member embeds only texts
it has never seen. The encoder (:mod:`.resolve`) is loaded only when some text is missing from the cache.
Texts longer than the model's window are split at sentences and their pieces averaged, so nothing past
the window is silently ignored.
"""
from __future__ import annotations

import numpy as np

from .. import speedups
from ..params import PACKAGED_MODEL
from ..paths import cache_dir
from ..session import interactive
from ..text import estimate_tokens, split_to_fit
from .cache import EmbeddingCache
from .resolve import (
    load_encoder,
    model_digest,
    model_identity,
    model_languages,
    resolve_model_path,
    static_teacher,
    window_tokens,
)

BaseEmbedder = speedups.import_bertopic().backend.BaseEmbedder


STATIC_ON_WORKERS_FROM = 2_000  # texts from which a cluster encodes with the static table too


class TokenCounter:
    """Word pieces of a text by the tokenizer in a model folder (an estimate that errs high when it has none).

    Picklable by the model's name, so a Dask worker that segments articles (:func:`newstopics.corpus.load_corpus` with
    a client) finds the same model in its own installation and counts with its tokenizer, loaded there on first use;
    a worker that lacks the model stops with the model's own error rather than counting differently.
    """

    def __init__(self, path, name: str | None = None):
        self.path, self.name = path, name
        self._tokenizer = None

    def __call__(self, text: str) -> int:
        if self._tokenizer is None and self.path is not None and (self.path / "tokenizer.json").exists():
            from .encoders import WordPieces, load_tokenizer

            self._tokenizer = WordPieces(load_tokenizer(self.path, None))
        if self._tokenizer is None:
            return estimate_tokens(text)
        return self._tokenizer.count(text)

    def __getstate__(self):
        return {"path": self.path, "name": self.name}

    def __setstate__(self, state):
        self.path, self.name, self._tokenizer = state["path"], state["name"], None
        if self.path is not None and not self.path.exists() and self.name:  # another machine: the model found there
            self.path = resolve_model_path(self.name)


class Embedder(BaseEmbedder):
    """Embeds texts with a model that is on this machine, through the embedding cache.

    Args:
        name: ``"all-MiniLM-L6-v2"`` (packaged), ``"static"`` (its distilled static table), a local model
            folder, or a sentence-transformers name already in the Hugging Face cache.
        use_cache: read and write the content-addressed cache (``$NEWSTOPICS_CACHE_DIR``).
        batch_size: texts per batch (default: the encoder's own best).
        max_tokens: the window in word pieces, special tokens excluded (default: the model's own).
        show_progress: progress bars (default: in a JupyterLab session only, where they draw as widgets).
        client: a Dask client (:func:`newstopics.cluster.start`): texts the cache lacks are encoded on its workers.

    Example:
        >>> embedder = Embedder()                                   # doctest: +SKIP
        >>> embedder.embed(["Open-weight models from Qwen."]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, name: str = PACKAGED_MODEL, *, use_cache: bool = True, batch_size: int | None = None,
                 max_tokens: int | None = None, show_progress: bool | None = None, client=None):
        super().__init__()
        self.name = name
        self.batch_size = batch_size
        self.show_progress = interactive() if show_progress is None else show_progress
        self.teacher = static_teacher(name)
        self.languages = model_languages(name)  # what the model reads (None: not known); see corpus.language
        self.path = resolve_model_path(self.teacher or name)
        self.digest = model_digest(name)  # SHA-256 of every byte of the model's files (cached by file; see .resolve)
        self.key = model_identity(name, self.digest)
        self.checked: str | None = None  # what a loaded run's record said of this model (runs.check_embedding)
        self.cache = EmbeddingCache(cache_dir(), self.key) if use_cache else None
        self.stats = {"hits": 0, "misses": 0}
        self.max_tokens = max_tokens or window_tokens(self.path) - 2
        self._encoder = None
        self.count_tokens = TokenCounter(self.path, self.teacher or name)  # word pieces by the model's tokenizer
        self.embedding_model = self  # BERTopic reads this attribute in some code paths
        self.use_cluster(client)

    def use_cluster(self, client) -> None:
        """Encode what the cache lacks on this Dask client's workers (None: in this process); the workers start
        loading the encoder now, in the background."""
        self.client = client
        if client is not None:  # a worker's first load takes seconds (the package's imports): start it now
            from .workers import warm_up

            warm_up(client, (type(self), self.name, self.batch_size, self.max_tokens))


    @property
    def encoder(self):
        """The model's encoder, loaded on first use."""
        if self._encoder is None:
            self._encoder = load_encoder(self.name, self.path, self.max_tokens + 2, progress=self.show_progress)
        return self._encoder

    def encode(self, texts, verbose: bool = False) -> np.ndarray:
        """Vectors of ``texts`` (a list, or a pandas column) from the model itself, bypassing the cache."""
        progress = verbose and self.show_progress
        # a static table is a lookup: only a large corpus is worth sending (the tokenizer is what costs then)
        worth = self.teacher is None or len(texts) >= STATIC_ON_WORKERS_FROM
        if worth and len(texts) and self.client is not None:
            from ..cluster import running
            from .workers import CHUNK_STATIC, CHUNK_TEXTS, encode_on_workers

            if running(self.client):  # after its run the client is closed: this process again
                settings = (type(self), self.name, self.batch_size, self.max_tokens)
                vectors = encode_on_workers(self.client, settings, texts, self.key,
                                            chunk=CHUNK_TEXTS if self.teacher is None else CHUNK_STATIC)
                self.stats["on_workers"] = self.stats.get("on_workers", 0) + len(texts)
                return vectors
        texts = texts if isinstance(texts, list) else list(texts)
        if self.teacher is not None:  # a static table has no window: whole texts, no splitting
            return self.encoder.encode(texts, progress=progress)
        return encode_in_windows(self.encoder, texts, self.max_tokens, self.count_tokens, self.batch_size, progress)

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per document, from the cache where it has them.

        Args:
            documents: the texts (a list, or a pandas column, which is read a slice at a time).
            verbose: show a progress bar while texts are encoded (interactive sessions only).

        Returns:
            An array of shape ``(len(documents), dim)``; for a large corpus a read-only memory map of the cache's
            file (see :mod:`.cache`).
        """
        if not isinstance(documents, list) and not hasattr(documents, "iloc"):
            documents = list(documents)
        if self.cache is None:
            self.stats["misses"] += len(documents)
            return self.encode(documents, verbose)
        vectors, misses = self.cache.through(documents, lambda texts: self.encode(texts, verbose))
        self.stats["hits"] += len(documents) - misses
        self.stats["misses"] += misses
        return vectors

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose=False)

    def describe(self) -> dict:
        """What run.json records of the embedding: model, identity, folder, window, cache, hits and misses."""
        return {
            "name": self.name,
            "identity": self.key,
            "sha256": self.digest,
            "path": str(self.path) if self.path else None,
            "languages": sorted(self.languages) if self.languages else None,
            "window_tokens": self.max_tokens + 2,
            "cache": str(self.cache.dir) if self.cache else None,
            **self.stats,
            **({"checked": self.checked} if self.checked else {}),
        }


def encode_in_windows(
    encoder, texts: list[str], max_tokens: int, count_tokens, batch_size: int | None, progress: bool
) -> np.ndarray:
    """Encode texts, splitting those longer than the window at sentences and averaging their pieces by length."""
    pieces: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(texts):
        # a word piece covers at least one character, so a text shorter than the window in characters fits
        parts = split_to_fit(t, max_tokens, count_tokens) if len(t) > max_tokens else [t]
        pieces.extend(parts)
        owner.extend([i] * len(parts))
    sizing = {"batch_size": batch_size} if batch_size else {}
    vecs = encoder.encode(pieces, progress=progress, **sizing)
    if len(pieces) == len(texts):
        return vecs.astype(np.float32)
    out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    weights = np.zeros(len(texts), dtype=np.float32)
    for piece, i, v in zip(pieces, owner, vecs, strict=True):
        w = len(piece.split()) or 1
        out[i] += w * v
        weights[i] += w
    out /= weights[:, None]
    out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
    return out
