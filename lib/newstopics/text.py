"""Text primitives shared by the corpus and embedding stages: sentences, token estimates, fitting a window.

Nothing here knows about articles, models or topics.
"""
from __future__ import annotations

import re
from typing import Callable

# Characters that end a sentence or a finished line (closing quotes and brackets included).
TERMINAL = tuple('.!?:;"”’)»…')
# A bulleted or numbered list item's marker.
BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
# A word: letters first, then letters, digits, apostrophes or hyphens, not ending in punctuation.
WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")

_PUNCT = re.compile(r"[^\w\s]")
_SENT_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e|U\.S|U\.K|No|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, split after ``.!?…`` before a capital or digit, not after abbreviations.

    Example:
        >>> split_sentences("Mr. Li spoke. Prices fell 5%.")
        ['Mr. Li spoke.', 'Prices fell 5%.']
    """
    parts = _SENT_END.split(text.strip())
    out: list[str] = []
    for p in parts:
        if out and _ABBREV.search(out[-1]):
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return [s.strip() for s in out if s.strip()]


def estimate_tokens(text: str) -> int:
    """Word pieces a BERT-style tokenizer makes of English news, erring on the high side."""
    return int(len(text.split()) * 1.5) + len(_PUNCT.findall(text)) // 2 + 2


def split_to_fit(text: str, max_tokens: int, count_tokens: Callable[[str], int] = estimate_tokens) -> list[str]:
    """Split a text at sentence boundaries into pieces of at most ``max_tokens`` tokens.

    A sentence longer than the budget is cut between words, so no text is ever dropped.

    Args:
        text: the text to split.
        max_tokens: the most tokens a piece may hold.
        count_tokens: counts a text's tokens (the model's tokenizer, or :func:`estimate_tokens`).

    Returns:
        The pieces, in order; ``[text]`` when it already fits.
    """
    if count_tokens(text) <= max_tokens:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if count_tokens(sentence) > max_tokens:
            if current:
                pieces.append(current)
            *full, current = _split_words(sentence, max_tokens, count_tokens)
            pieces.extend(full)
            continue
        candidate = f"{current} {sentence}".strip()
        if current and count_tokens(candidate) > max_tokens:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _split_words(sentence: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """A sentence longer than the budget, cut between words into pieces that fit."""
    pieces: list[str] = []
    chunk: list[str] = []
    for w in sentence.split():
        if chunk and count_tokens(" ".join([*chunk, w])) > max_tokens:
            pieces.append(" ".join(chunk))
            chunk = []
        chunk.append(w)
    pieces.append(" ".join(chunk))
    return pieces


def arrow_chunks(texts):
    """The pyarrow chunks of a pandas column of texts held in pyarrow (``str`` or ``string[pyarrow]``), to be read
    from their buffers without a Python string per text; None for anything else (a list, an object column)."""
    array = getattr(texts, "array", None)
    if array is None or not hasattr(array, "__arrow_array__"):
        return None
    import pyarrow as pa

    try:
        chunked = array.__arrow_array__()
    except (TypeError, ValueError):
        return None
    chunks = getattr(chunked, "chunks", [chunked])
    return chunks if all(c.type in (pa.string(), pa.large_string()) for c in chunks) else None


def in_slices(texts, step: int = 10_000):
    """``(start, texts[start:start + step])`` as lists of str, for a list or a pandas column of texts: a large column
    becomes Python strings one slice at a time, never all at once.

    Example:
        >>> list(in_slices(["a", "b", "c"], 2))
        [(0, ['a', 'b']), (2, ['c'])]
    """
    for start in range(0, len(texts), step):
        if isinstance(texts, list):
            part = texts[start:start + step]
        elif hasattr(texts, "iloc"):
            part = texts.iloc[start:start + step].tolist()
        else:  # any other sequence (a tuple, an array of str)
            part = list(texts[start:start + step])
        yield start, part
