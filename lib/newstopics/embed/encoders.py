"""How texts become vectors: the small protocol every encoder follows, and the shared tokenizer helpers.

An encoder has ``encode(texts, batch_size=..., progress=False) -> float32 array`` (one unit-length row per
text) and ``dim``. Three implement it: :class:`~newstopics.embed.onnx.OnnxSentenceEncoder` (BERT
sentence-transformers folders such as the packaged MiniLM, on ONNX Runtime, no torch),
:class:`~newstopics.embed.static.StaticEncoder` (a distilled static table, for large corpora) and
:class:`SentenceTransformerEncoder` (any other model, through sentence-transformers, offline).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """What :class:`~newstopics.embed.Embedder` asks of an encoder."""

    def encode(self, texts: list[str], batch_size: int = ..., progress: bool = False) -> np.ndarray: ...


def read_json(path: Path) -> dict | list | None:
    """A JSON file's content, or None when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_tokenizer(path: Path, max_length: int | None):
    """The model's tokenizer.json, unpadded, truncated at ``max_length`` word pieces (None: never)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    if max_length:
        tok.enable_truncation(max_length)
    else:
        tok.no_truncation()
    return tok


def progress_bar(iterable, desc: str, show: bool):
    """``iterable`` wrapped in a progress bar when ``show`` (a widget in JupyterLab, text elsewhere)."""
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, unit="batch")


class SentenceTransformerEncoder:
    """Any other sentence-transformers model (local folder or a name in the Hugging Face cache), offline."""

    def __init__(self, target: str):
        from huggingface_hub import constants as hub_constants
        from sentence_transformers import SentenceTransformer

        hub_constants.HF_HUB_OFFLINE = True  # even if the hub library was imported before newstopics
        self.model = SentenceTransformer(target, device="cpu")

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, show_progress_bar=progress, convert_to_numpy=True,
                                 normalize_embeddings=True).astype(np.float32)
