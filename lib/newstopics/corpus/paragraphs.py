"""Paragraphs from body lines, whether the text has one paragraph a line or is hard-wrapped at a fixed width."""
from __future__ import annotations

import re

from ..text import BULLET, TERMINAL
from .records import Line

_SPACES = re.compile(r"\s+")


def is_hard_wrapped(lines: list[str]) -> bool:
    """True when the text's lines are wrapped at a fixed width rather than one paragraph a line.

    Wrapped text has most of its longer lines near one width, and many of them end
    mid-sentence; a paragraph-per-line text has long, ragged lines ending in punctuation.
    """
    long = [ln.rstrip() for ln in lines if len(ln.strip()) >= 25]
    if len(long) < 4:
        return False
    lengths = sorted(len(ln) for ln in long)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if p90 > 110:
        return False
    unfinished = sum(1 for ln in long if not ln.endswith(TERMINAL))
    return unfinished >= 0.3 * len(long)


def rebuild_paragraphs(lines: list[Line]) -> list[str]:
    """Paragraphs from body lines: blank lines and indented starts always break;
    single newlines break only when the text is not hard-wrapped."""
    texts = [ln.text for ln in lines]
    wrapped = is_hard_wrapped(texts)
    width = 0
    if wrapped:
        lens = sorted(len(t.rstrip()) for t in texts if t.strip())
        width = lens[int(0.9 * (len(lens) - 1))]
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(_SPACES.sub(" ", " ".join(current)).strip())
            current.clear()

    prev = ""
    for raw in texts:
        s = raw.strip()
        if not s:
            flush()
            prev = ""
            continue
        if not wrapped:
            flush()
            current.append(s)
            prev = raw
            continue
        indented = raw[:1] in (" ", "\t") and prev[:1] not in (" ", "\t")
        bullet = bool(BULLET.match(s))
        short_finished = prev and prev.rstrip().endswith(TERMINAL) and len(prev.rstrip()) < 0.7 * width
        if current and (indented or bullet or short_finished):
            flush()
        if current and current[-1].endswith("-") and not current[-1].endswith(" -") and s[:1].islower():
            current[-1] = current[-1][:-1] + s  # re-join a word hyphenated at the line end
        else:
            current.append(s)
        prev = raw
    flush()
    return [p for p in paragraphs if p]

