"""A cheap, corpus-fitted embedding for unit tests: TF-IDF + SVD, no neural model, no cache.

It follows the embedder protocol the library uses (``embed``, ``embed_words``, ``count_tokens``, ``max_tokens``,
``describe``), so unit tests exercise the real topic model in a fraction of a second; the real packaged model
runs in the end-to-end tests.
"""
from __future__ import annotations

import numpy as np

from newstopics import speedups
from newstopics.text import estimate_tokens

BaseEmbedder = speedups.import_bertopic().backend.BaseEmbedder
LSA_MODEL = "lsa"


class LsaEmbedder(BaseEmbedder):
    """Fitted on the first texts it embeds (the documents), then projects anything else into that space."""

    def __init__(self):
        super().__init__()
        self.name = LSA_MODEL
        self.max_tokens = 254
        self.languages = None  # not known: no article is dropped for its language
        self.stats = {"hits": 0, "misses": 0}
        self.embedding_model = self
        self._fitted = None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        documents = list(documents)
        self.stats["misses"] += len(documents)
        if self._fitted is None:
            vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
            x = vec.fit_transform(documents)
            svd = TruncatedSVD(n_components=max(2, min(64, x.shape[1] - 1, x.shape[0] - 1)), random_state=0).fit(x)
            self._fitted = (vec, svd)
        vec, svd = self._fitted
        y = svd.transform(vec.transform(documents))
        return (y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-12)).astype(np.float32)

    def embed_words(self, words, verbose: bool = False) -> np.ndarray:
        return self.embed(words)

    def describe(self) -> dict:
        return {"name": self.name, "identity": LSA_MODEL, "path": None, "window_tokens": self.max_tokens + 2,
                "cache": None, **self.stats}
