"""Documents from an article's paragraphs, for the chosen unit: paragraph, sentence or article.

Fragments shorter than ``min_words`` (headings, list items) are merged with what follows, and units
longer than the embedding model's window are split at sentences, so no text is silently truncated.
"""
from __future__ import annotations

from collections.abc import Callable

from ..text import TERMINAL, split_sentences, split_to_fit
from .records import Article


def _merge_fragments(units: list[str], min_words: int) -> list[str]:
    """Join units shorter than ``min_words`` (headings, list items) with what follows them."""
    if min_words <= 0:
        return list(units)
    out: list[str] = []
    buffer = ""
    for u in units:
        buffer = f"{buffer} {u}".strip() if buffer else u
        if len(buffer.split()) >= min_words:
            out.append(buffer)
            buffer = ""
    if buffer:
        if out:
            out[-1] = f"{out[-1]} {buffer}"
        else:
            out.append(buffer)
    return out


def _heading_join(units: list[str]) -> list[str]:
    """End a heading (short line without final punctuation) with a full stop before it is merged."""
    return [u if u.endswith(TERMINAL) or len(u.split()) > 12 else u + "." for u in units]


def segment(
    article: Article, doc_unit: str, min_words: int, max_tokens: int, count_tokens: Callable[[str], int]
) -> list[str]:
    """Documents of one article for the chosen unit."""
    paras = _heading_join(article.paragraphs)
    if doc_unit == "article":
        # one document per article; the embedding step averages over pieces that fit its window
        return [" ".join(paras)] if paras else []
    if doc_unit == "sentence":
        units = [s for p in paras for s in split_sentences(p)]
    else:
        units = paras
    units = _merge_fragments(units, min_words)
    return [piece for u in units for piece in split_to_fit(u, max_tokens, count_tokens)]
