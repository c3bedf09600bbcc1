"""Boilerplate removal, audited: every line removed is recorded with the rule that removed it.

The rules are data (:class:`CleaningRules`), so a new source's navigation or promotion lines can be
added without touching code: ``CleaningRules(extra_cues=("sponsored by",))``.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .records import Line, RawArticle


@dataclass(frozen=True)
class CleaningRules:
    """Boilerplate rules. Each removal is recorded with the rule's name.

    Extend the cue lists for a new source (``CleaningRules(extra_cues=("sponsored by",))``).
    """

    # A line that is one of these (or starts with one followed by ':') ends the article: all after it goes.
    footer_cues: tuple[str, ...] = (
        "read also", "also read", "read more", "related articles", "related posts", "related stories", "related",
        "more from", "more stories", "you may also like", "you might also like", "recommended", "recommended for you",
        "article tags", "tags", "share this article", "share this", "comments", "leave a comment", "about the author",
        "most read", "most popular", "trending", "newsletter",
    )
    # A line starting with one of these is navigation, promo or a pointer elsewhere.
    line_cues: tuple[str, ...] = (
        "see also",
        "read also",
        "also read",
        "read more",
        "related:",
        "the text continues below",
        "continue reading",
        "story continues below",
        "article continues below",
        "advertisement",
        "sponsored",
        "back to blog",
        "back to news",
        "back to top",
        "share this",
        "share on",
        "follow us",
        "sign up for",
        "subscribe to",
        "click here",
        "image:",
        "photo:",
        "credit:",
        "image credit",
        "photo credit",
        "getty images",
        "listen to this article",
        "skip to",
        "watch:",
        "video:",
        "print this",
        "email this",
    )
    extra_cues: tuple[str, ...] = ()
    promo_patterns: tuple[str, ...] = (
        r"\bget started\b",
        r"\bsign up\b",
        r"\bsubscribe\b",
        r"\b\d+\s?% off\b",
        r"\bpay with\b",
        r"\bfree trial\b",
        r"\bready to try\b",
        r"\bbuy now\b",
        r"\bdownload (?:the|our) app\b",
        r"\blearn more\b",
        r"\btry it (?:free|now)\b",
        r"\bstart (?:your )?free\b",
        r"\bbook a demo\b",
    )
    promo_max_words: int = 20
    repeated_min_articles: int = 3  # a short line in this many articles is a template line
    repeated_max_words: int = 15


DEFAULT_RULES = CleaningRules()
READING_TIME = re.compile(r"\b\d+\s*(?:min(?:ute)?s?)\.?\s*read\b|\b\d[\d,]*\s*words\b", re.I)
_HASHTAGS = re.compile(r"^\s*(?:#[\w-]+[\s,]*){2,}\s*$")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_CREDIT = re.compile(
    r"^[(\[]?\s*(?:additional |further )?(?:reporting|writing|editing|compiled|translated|produced)(?: and \w+)? by\b"
)


_SPACES = re.compile(r"\s+")


def norm_line(line: str) -> str:
    """A line lower-cased with its white space folded: the form rules compare."""
    return _SPACES.sub(" ", line).strip().lower()


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    """Rule patterns compiled once (lines are checked by the thousand)."""
    return tuple(re.compile(p) for p in patterns)


def cue_match(norm: str, cues: Iterable[str]) -> bool:
    """True when the normalised line starts with one of ``cues`` as a whole word (or the cue ends in ':' or ' ')."""
    for cue in cues:
        if norm.startswith(cue):
            rest = norm[len(cue) :]
            if not rest or not rest[0].isalnum() or cue.endswith((":", " ")):
                return True
    return False


def is_footer(norm: str, rules: CleaningRules) -> bool:
    """True when the line opens a footer block ("Related articles", "Tags: ..."): everything after it goes."""
    stripped = norm.rstrip(":").strip()
    if stripped in rules.footer_cues:
        return True
    return any(norm.startswith(c + ":") for c in rules.footer_cues) and len(norm.split()) <= 12


def line_rule(line: str, norm: str, rules: CleaningRules, title_norm: str, repeated: set[str]) -> str | None:
    """Name of the rule that removes this body line, or None to keep it."""
    if not _LETTER.search(line):
        return "symbols-only"
    if title_norm and (norm == title_norm or (norm.startswith(title_norm) and len(norm) - len(title_norm) < 30)):
        return "title-repeat"
    if cue_match(norm, rules.line_cues + rules.extra_cues):
        return "cue-phrase"
    words = len(norm.split())
    if READING_TIME.search(norm) and words <= 10:
        return "reading-time"
    if _HASHTAGS.match(line):
        return "tag-list"
    if _URL_ONLY.match(line):
        return "link-only"
    if words <= rules.promo_max_words and any(p.search(norm) for p in _compiled(rules.promo_patterns)):
        return "promo"
    if _CREDIT.match(norm) and words <= 25:
        return "credit-line"
    if norm in repeated:
        return "repeated-across-articles"
    return None


def clean_body(
    body: list[Line], title: str, rules: CleaningRules, repeated: set[str], drop: Callable[[Line, str], None]
) -> list[Line]:
    """Body lines with boilerplate blanked out (a removed line still separates paragraphs).

    A footer cue in the last half of the article removes it and everything after it ("Related" early on is
    a heading and survives); other lines are judged one by one by :func:`line_rule`.
    """
    title_norm = norm_line(title)
    kept: list[Line] = []
    nonblank_total = sum(1 for ln in body if ln.text.strip())
    seen_nonblank = 0
    for pos, line in enumerate(body):
        s = line.text.strip()
        if not s:
            kept.append(line)
            continue
        seen_nonblank += 1
        norm = norm_line(s)
        if is_footer(norm, rules) and seen_nonblank > 0.5 * nonblank_total:
            for rest in body[pos:]:
                if rest.text.strip():
                    drop(rest, "footer-block")
            break
        rule = line_rule(s, norm, rules, title_norm, repeated)
        if rule:
            drop(line, rule)
            kept.append(Line(line.no, ""))
        else:
            kept.append(line)
    return kept


def repeated_lines(raws: list[RawArticle], rules: CleaningRules) -> set[str]:
    """Short lines that occur in several articles: templates, not reporting."""
    if len(raws) < rules.repeated_min_articles:
        return set()
    counts: Counter[str] = Counter()
    for raw in raws:
        if raw.is_html:
            continue
        seen = {norm_line(ln) for ln in raw.text.splitlines() if ln.strip()}
        counts.update(n for n in seen if len(n.split()) <= rules.repeated_max_words)
    return {n for n, c in counts.items() if c >= rules.repeated_min_articles}
