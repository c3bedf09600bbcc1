"""How texts become vectors: the small protocol every encoder follows, and the shared tokenizer helpers.

An encoder has ``encode(texts, batch_size=..., progress=False) -> float32 array`` (one unit-length row per
text) and ``dim``. Three implement it: :class:`~newstopics.embed.onnx.OnnxSentenceEncoder` (BERT
sentence-transformers folders such as the packaged MiniLM, on ONNX Runtime, no torch),
:class:`~newstopics.embed.static.StaticEncoder` (a distilled static table, for large corpora) and
:class:`SentenceTransformerEncoder` (any other model, through sentence-transformers, offline).
"""
from __future__ import annotations

import json
import re
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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what a BERT normalizer deletes (not \t \n \r)
_ASCII_WORDS = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")  # a BERT pre-tokenizer's words of lower-cased plain text
# plain text: ASCII, no-break spaces, and the typographic punctuation news prose is full of (quotes, dashes, ellipsis,
# bullets, guillemets: Unicode punctuation, each a word of its own, which lower-casing and accent stripping leave alone)
_NOT_PLAIN = re.compile(r"[^\x00-\x7f\u00a0\u00ab\u00bb\u2010-\u2027]")
MAX_CACHED_WORDS = 500_000  # words whose pieces are kept; past this, new words are looked up each time


class WordPieces:
    """The word pieces of a text as ``tokenizer.encode(text, add_special_tokens=False).ids`` gives them, the same ids,
    about six times faster on plain text (210 µs against 32 µs for a 60-word paragraph).

    An uncased BERT tokenizer (BertNormalizer lowercasing, BertPreTokenizer, WordPiece: the packaged MiniLM's and its
    static table's) cuts a text into words at whitespace and at each punctuation mark, then into pieces word by word,
    so a word's pieces never depend on its neighbours. For plain text (ASCII, no-break spaces and typographic
    punctuation) without control characters or the tokenizer's added tokens ("[CLS]" and the like), the words are found
    here by one regular expression and each word's pieces are looked up once per process. Any other text, and any
    other tokenizer, goes through ``tokenizer.encode``.
    tests/test_embeddings.py checks the ids against the tokenizer's on real and adversarial texts.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        config = json.loads(tokenizer.to_str())
        normalizer, pre, model = (config.get(k) or {} for k in ("normalizer", "pre_tokenizer", "model"))
        self.fast = (normalizer.get("type") == "BertNormalizer" and normalizer.get("lowercase") is True
                     and normalizer.get("clean_text") is True and pre.get("type") == "BertPreTokenizer"
                     and model.get("type") == "WordPiece" and tokenizer.truncation is None)
        self._added = [t["content"] for t in config.get("added_tokens", [])]
        self._words: dict[str, list[int]] = {}

    def _plain(self, text: str) -> bool:
        return (self.fast and (text.isascii() or not _NOT_PLAIN.search(text)) and not _CONTROL.search(text)
                and not any(a in text for a in self._added))

    def _pieces(self, word: str) -> list[int]:
        pieces = self._words.get(word)
        if pieces is None:
            pieces = [t.id for t in self.tokenizer.model.tokenize(word)]
            if len(self._words) < MAX_CACHED_WORDS:
                self._words[word] = pieces
        return pieces

    def ids(self, text: str) -> list[int]:
        """The text's word-piece ids, special tokens left out."""
        if not self._plain(text):
            return self.tokenizer.encode(text, add_special_tokens=False).ids
        out: list[int] = []
        for word in _ASCII_WORDS.findall(text.lower()):
            out.extend(self._pieces(word))
        return out

    def count(self, text: str) -> int:
        """How many word pieces the text makes, special tokens left out."""
        if not self._plain(text):
            return len(self.tokenizer.encode(text, add_special_tokens=False).ids)
        return sum(len(self._pieces(word)) for word in _ASCII_WORDS.findall(text.lower()))


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
