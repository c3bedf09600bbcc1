"""Texts to vectors: the embedding stage.

Entry point: :class:`Embedder`. Inside: ``resolve`` (which model a name means, its folder, its identity,
loading its encoder), ``cache`` (content-addressed vectors on disk), ``encoders`` (the protocol and
sentence-transformers), ``onnx`` (MiniLM on ONNX Runtime without torch), ``static`` (the distilled table).
"""
from .cache import EmbeddingCache, text_key
from .embedder import Embedder, encode_in_windows
from .resolve import (
                      PACKAGED_ALIASES,
                      STATIC_PREFIX,
                      EmbeddingModelError,
                      model_identity,
                      resolve_model_path,
                      static_teacher,
)

__all__ = [
    "PACKAGED_ALIASES",
    "STATIC_PREFIX",
    "Embedder",
    "EmbeddingCache",
    "EmbeddingModelError",
    "encode_in_windows",
    "model_identity",
    "resolve_model_path",
    "static_teacher",
    "text_key",
]
