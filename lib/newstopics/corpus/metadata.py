"""Article metadata from the text itself: header lines, bylines, wire datelines, and dates in any common form.

Authoritative metadata (a manifest, table columns, HTML metadata) is merged over what the text says by
:func:`merge_given`. Every field records where it came from (``origin``), so the report can say it.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

from ..text import BULLET
from .cleaning import READING_TIME, CleaningRules, cue_match, norm_line
from .records import Article, Line, RawArticle

_YEAR = re.compile(r"\b(19|20)\d\d\b")
_HEADER_KEYS = {
    "published": ("publish date", "published", "date", "publication date", "posted", "updated", "pubdate"),
    "source": ("source domain", "source", "publication", "publisher", "site"),
    "author": ("author", "authors", "by", "written by"),
    "url": ("url", "link", "source url", "canonical"),
    "title": ("title", "headline"),
}
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,24}):\s*(.+?)\s*$")
_BYLINE = re.compile(r"^\s*(?:by|written by)\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s*$", re.I)
_TIME_ONLY = re.compile(r"^\s*\d{1,2}[:.]\d\d\s*(?:am|pm|a\.m\.|p\.m\.)?\s*(?:[A-Z]{2,4})?\s*$", re.I)
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][\w .'-]{1,30})?)\s*(?:,\s*(?P<date>[A-Z][a-z]{2,9}\.? \d{1,2},? "
    r"\d{4}|\d{1,2} [A-Z][a-z]{2,9} \d{4}))?\s*(?:\((?P<agency>[^)]{2,40})\))?\s*[-–—]{1,2}\s+"
)
HEADER_LINES = 12  # the header zone: at most this many non-blank lines open an article

Drop = Callable[[Line, str], None]  # records a removed line with the rule that removed it


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# What a date leaves out is read from a default; parsing with two defaults that differ in every field tells which
# fields the text gave: a day left out is the month's first, a year or a month left out is no date.
_DEFAULTS = (dt.datetime(1, 1, 1), dt.datetime(2, 2, 2))


def parse_date(text: str) -> str:
    """ISO 8601 date (YYYY-MM-DD) of a date written in any common form, or "".

    A string with no four-digit year is not taken as a date: "8:15 pm" or
    "Monday" would otherwise be read as today; nor is a year without a month
    ("2024", "© 2024", "Spring 2024"), nor a string whose year the parser
    cannot read ("2024–03–15" with dashes). A month without a day is read as
    its first day ("March 2024": 2024-03-01), never as today's day of it.
    """
    text = (text or "").strip()
    if not text or not _YEAR.search(text) or len(text) > 60:
        return ""
    if _ISO_DAY.fullmatch(text):  # already ISO, as most tables write it: no parser needed
        try:
            return _in_range(dt.date.fromisoformat(text))
        except ValueError:
            pass
    return _parsed(text)


@functools.lru_cache(maxsize=4096)  # a corpus repeats its dates: each written form is parsed once
def _parsed(text: str) -> str:
    from dateutil import parser as dparser

    values = []
    for default in _DEFAULTS:
        try:
            value = dparser.parse(text, fuzzy=False, dayfirst=False, default=default)
        except (ValueError, OverflowError, TypeError):
            try:
                value, skipped = dparser.parse(text, fuzzy_with_tokens=True, default=default)
            except (ValueError, OverflowError, TypeError):
                return ""
            if sum(len(s.strip(" ,.-")) for s in skipped) > 12:  # mostly not a date
                return ""
        values.append(value)
    first, second = values
    if first.year != second.year or first.month != second.month:  # no year, or no month: not a day
        return ""
    return _in_range(first.date())  # a day left out: the month's first (from the first default)


def _in_range(day: dt.date) -> str:
    return day.isoformat() if 1900 <= day.year <= 2100 else ""


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(ch.isdigit() for ch in text)


def read_header(
    lines: list[Line], given_title: str, rules: CleaningRules, clean: bool, drop: Drop
) -> tuple[dict, dict, int]:
    """Metadata from an article's header zone: title, ``Key: value`` lines, bylines, date lines.

    Args:
        lines: the article's lines.
        given_title: a title given elsewhere (manifest, table, HTML), or "": when given, the text's first line
            is body or a repeat of that title.
        rules: the cleaning rules (navigation and reading-time lines before the title are dropped).
        clean: whether cleaning is on.
        drop: records each header line taken out of the body, with its rule.

    Returns:
        ``(found, origin, body_start)``: field values, where each came from, and the index of the first body line.
    """
    found: dict[str, str] = {"title": given_title} if given_title else {}
    origin: dict[str, str] = {"title": "given"} if given_title else {}
    multi_line = sum(1 for ln in lines if ln.text.strip()) > 1
    body_start = 0
    seen = 0
    for idx, line in enumerate(lines):
        s = line.text.strip()
        if not s:
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        rule = _header_rule(s, found, origin, rules, clean, multi_line)
        if rule is None:  # the first real body line: the header is over
            break
        drop(line, rule)
        body_start = idx + 1
    return found, origin, body_start


def _header_rule(s: str, found: dict, origin: dict, rules: CleaningRules, clean: bool, multi_line: bool) -> str | None:
    """The rule that takes header line ``s`` out of the body (recording what it says in ``found``), or None."""
    m = _HEADER_LINE.match(s)
    key = m.group(1).strip().lower() if m else ""
    fld = next((f for f, keys in _HEADER_KEYS.items() if key in keys), None)
    if fld and m:
        value = parse_date(m.group(2)) if fld == "published" else m.group(2)
        _take(found, origin, fld, value, "header")
        return "header-metadata"
    norm = norm_line(s)
    if "title" not in found:
        if clean and cue_match(norm, rules.line_cues + rules.extra_cues):
            return "cue-phrase"
        if clean and READING_TIME.search(norm) and len(norm.split()) <= 10:
            return "reading-time"
        if multi_line and len(s.split()) <= 25 and not s.endswith("."):
            _take(found, origin, "title", s, "first line")
            return "title"
        return None  # the first line is already body text
    return _byline_rule(s, found, origin)


def _byline_rule(s: str, found: dict, origin: dict) -> str | None:
    """Header lines after the title: a repeat of it, a byline, a bulleted date, time or author line."""
    if norm_line(s) == norm_line(found["title"]):
        return "title-repeat"
    by = _BYLINE.match(s)
    if by and "author" not in found:
        _take(found, origin, "author", by.group(1), "byline")
        return "byline"
    is_bullet = bool(BULLET.match(s))
    item = BULLET.sub("", s).strip()
    if len(item.split()) > 6:
        return None
    date = parse_date(item)
    if date and (is_bullet or len(item.split()) <= 5):
        _take(found, origin, "published", date, "byline")
        return "byline"
    if is_bullet and _TIME_ONLY.match(item):
        return "byline"
    if is_bullet and _looks_like_name(item) and "author" not in found:
        _take(found, origin, "author", item, "byline")
        return "byline"
    return None


def _take(found: dict, origin: dict, field: str, value: str, where: str) -> None:
    """Keep the first value found for a field."""
    if value and field not in found:
        found[field], origin[field] = value, where


def merge_given(found: dict, origin: dict, raw: RawArticle, html_meta: dict) -> None:
    """Authoritative metadata (HTML, then manifest or table) overrides what the text says.

    A given date that cannot be parsed is ignored.
    """
    for given, where in ((html_meta, "html"), (raw.meta, raw.origin or "manifest")):
        for f, value in given.items():
            if f == "published":
                value = parse_date(value)
            if value:
                found[f], origin[f] = value, where


def take_dateline(body: list[Line], article: Article, drop: Drop) -> None:
    """A wire dateline opening the first paragraph ("WASHINGTON, March 3, 2026 (Reuters) - "): its date and
    agency become metadata where none was given, and the prefix is cut from the text."""
    first = next((ln for ln in body if ln.text.strip()), None)
    if first is None:
        return
    m = DATELINE.match(first.text.strip())
    if not m or not (m.group("date") or m.group("agency")):
        return
    if m.group("date") and not article.published:
        article.published = parse_date(m.group("date"))
        article.meta_origin["published"] = "dateline"
    if m.group("agency") and not article.source:
        article.source = m.group("agency").strip()
        article.meta_origin["source"] = "dateline"
    drop(first, "dateline")
    first.text = first.text.strip()[m.end() :]
