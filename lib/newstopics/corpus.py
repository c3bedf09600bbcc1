"""Articles in, documents out: read, parse metadata, strip boilerplate (audited),
rebuild paragraphs, segment into documents, drop duplicates, validate.

Entry point: :func:`load_corpus`. Nothing here knows about embedding models or
topics; the only model fact it takes is a token budget and, optionally, a
function that counts tokens.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
MANIFEST = "manifest.csv"
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are refused, not read
MAX_FILES = 50_000  # more files than this are refused before any is read: use a table (.parquet)
MAX_CORPUS_BYTES = 1024 * 1024 * 1024  # a folder holding more text than this is refused before any is read
MIN_DOCUMENTS = 10  # fewer documents than this cannot be topic-modelled meaningfully
META_FIELDS = ("title", "published", "source", "author", "url")

# Column names accepted in tables and manifests, first match wins.
TEXT_COLUMNS = ("text", "body", "content", "article", "full_text", "story")
ID_COLUMNS = ("article_id", "id", "doc_id", "file", "filename")
META_COLUMNS = {
    "title": ("title", "headline"),
    "published": ("published", "date", "publish_date", "published_date", "pubdate", "datetime"),
    "source": ("source", "publication", "publisher", "domain", "site", "outlet"),
    "author": ("author", "authors", "byline"),
    "url": ("url", "link"),
}


class CorpusError(ValueError):
    """The corpus cannot be used. The message says what was found and what to do."""


# --------------------------------------------------------------------------- data


@dataclass
class Article:
    article_id: str
    title: str = ""
    published: str = ""  # ISO 8601 date, or "" when the article states none
    source: str = ""
    author: str = ""
    url: str = ""
    meta_origin: dict = field(default_factory=dict)  # field -> where it was read from
    paragraphs: list[str] = field(default_factory=list)
    n_lines: int = 0
    n_removed: int = 0

    def meta(self) -> dict:
        return {k: getattr(self, k) for k in META_FIELDS}


@dataclass
class Corpus:
    path: str
    articles: list[Article]
    documents: pd.DataFrame  # one row per document (see DOC_COLUMNS)
    audit: pd.DataFrame  # every removed line: article_id, line_no, rule, text
    skipped: list[dict]  # files or rows not used: {"item", "reason"}
    duplicates: pd.DataFrame  # dropped documents: doc_text, kept_doc_id, article_id, similarity
    inputs: list[dict]  # {"file", "bytes", "sha256"} for every file read
    doc_unit: str = "paragraph"

    def summary(self) -> dict:
        d = self.documents
        return {
            "articles": len(self.articles),
            "documents": int(len(d)),
            "doc_unit": self.doc_unit,
            "words_total": int(d["n_words"].sum()) if len(d) else 0,
            "words_per_document_median": float(d["n_words"].median()) if len(d) else 0.0,
            "lines_removed": int(len(self.audit)),
            "duplicates_dropped": int(len(self.duplicates)),
            "skipped": len(self.skipped),
            "sources": int(d["source"].replace("", pd.NA).nunique()) if len(d) else 0,
            "dated_articles": sum(1 for a in self.articles if a.published),
        }

    def articles_table(self) -> pd.DataFrame:
        rows = []
        counts = self.documents.groupby("article_id").size() if len(self.documents) else {}
        for a in self.articles:
            rows.append(
                {
                    "article_id": a.article_id,
                    **a.meta(),
                    "date_from": a.meta_origin.get("published", ""),
                    "paragraphs": len(a.paragraphs),
                    "documents": int(counts.get(a.article_id, 0)) if len(self.documents) else 0,
                    "words": sum(len(p.split()) for p in a.paragraphs),
                    "lines_removed": a.n_removed,
                }
            )
        return pd.DataFrame(rows)

    def cleaning_summary(self) -> pd.DataFrame:
        """Per article, how many lines each rule removed."""
        if self.audit.empty:
            return pd.DataFrame(columns=["article_id"])
        t = self.audit.pivot_table(index="article_id", columns="rule", values="line_no", aggfunc="count", fill_value=0)
        t["total"] = t.sum(axis=1)
        t.columns.name = None
        return t.reset_index()


DOC_COLUMNS = ["doc_id", "article_id", "position", "text", "n_words", *META_FIELDS]


# --------------------------------------------------------------------------- reading


@dataclass
class RawArticle:
    article_id: str
    text: str
    meta: dict  # from a manifest, table columns or HTML metadata: authoritative
    origin: str  # "manifest", "table", "html"
    is_html: bool = False


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def decode_bytes(data: bytes) -> tuple[str | None, str]:
    """Text of a file, or (None, reason) when it is not text.

    UTF-8 first (with or without BOM); other encodings are detected and named in
    the returned note; files with NUL bytes or many control characters are binary.
    """
    if not data.strip():
        return None, "empty file"
    sample = data[:65536]
    if b"\x00" in sample:
        return None, "binary file (contains NUL bytes)"
    try:
        text = data.decode("utf-8-sig")
        note = ""
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
        if not matches:
            return None, "not text: no encoding fits its bytes"
        # Short Western texts are often guessed as a Central European code page; prefer the
        # Western ones when they fit as well (news exports are mostly Windows-1252 / Latin-1).
        western = [m for m in matches if m.encoding in _WESTERN]
        best = western[0] if western else matches[0]
        text = str(best)
        note = f"decoded as {best.encoding} (not UTF-8)"
    controls = sum(1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 65536):
        return None, "binary file (mostly control characters)"
    return text, note


def _read_file_bytes(path: Path, limit: int | None = None, advice: str = "split it into articles") -> tuple[bytes | None, str]:
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if size > limit:
        return None, f"too large: {size / 2**20:.1f} MiB > {limit / 2**20:.0f} MiB limit ({advice})"
    try:
        return path.read_bytes(), ""
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def _pick(columns: Iterable[str], names: Iterable[str]) -> str | None:
    lower = {c.lower().strip(): c for c in columns}
    for n in names:
        if n in lower:
            return lower[n]
    return None


def _clean_cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return str(v).strip()


def _read_manifest(folder: Path) -> dict[str, dict]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    key = _pick(table.columns, ("file", "filename", "article_id", "id"))
    if key is None:
        raise CorpusError(f"{path}: a manifest needs a 'file' column naming each article's file; found {list(table.columns)}.")
    out = {}
    for _, row in table.iterrows():
        meta = {}
        for f, names in META_COLUMNS.items():
            col = _pick(table.columns, names)
            if col is not None and _clean_cell(row[col]):
                meta[f] = _clean_cell(row[col])
        out[_clean_cell(row[key])] = meta
    return out


def _read_folder(folder: Path, inputs: list, skipped: list) -> list[RawArticle]:
    manifest = _read_manifest(folder)
    files = []
    for p in sorted(folder.rglob("*")):
        if p.is_dir() or p.name == MANIFEST or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.suffix.lower() not in TEXT_SUFFIXES:
            skipped.append({"item": str(p.relative_to(folder)), "reason": f"not an article file (accepted: {', '.join(TEXT_SUFFIXES)})"})
            continue
        files.append(p)
        if len(files) > MAX_FILES:
            raise CorpusError(f"{folder}: more than {MAX_FILES:,} article files; split the corpus or put it in one table (.parquet).")
    total = sum(size for size in (p.stat().st_size for p in files) if size <= MAX_FILE_BYTES)
    if total > MAX_CORPUS_BYTES:
        raise CorpusError(f"{folder}: {total / 2**30:.1f} GiB of articles, over the {MAX_CORPUS_BYTES / 2**30:.0f} GiB limit "
                          f"(the text is held in memory while documents are built); split the corpus.")
    raws = []
    for p in files:
        rel = str(p.relative_to(folder))
        data, reason = _read_file_bytes(p)
        if data is None:
            skipped.append({"item": rel, "reason": reason})
            continue
        inputs.append({"file": rel, "bytes": len(data), "sha256": sha256_bytes(data)})
        text, note = decode_bytes(data)
        if text is None:
            skipped.append({"item": rel, "reason": note})
            continue
        is_html = p.suffix.lower() in (".html", ".htm")
        meta = dict(manifest.get(rel, manifest.get(p.name, {})))
        raws.append(RawArticle(rel, text, meta, "manifest" if meta else "", is_html=is_html))
        if note:
            skipped.append({"item": rel, "reason": f"used, {note}", "used": True})
    return raws


def _read_table(path: Path, inputs: list, skipped: list) -> list[RawArticle]:
    # a table is a whole corpus: it gets the corpus limit, not the one for a single article file
    data, reason = _read_file_bytes(path, MAX_CORPUS_BYTES, "split the corpus into several runs")
    if data is None:
        raise CorpusError(f"{path}: {reason}.")
    inputs.append({"file": path.name, "bytes": len(data), "sha256": sha256_bytes(data)})
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text, note = decode_bytes(data)
            if text is None:
                raise CorpusError(f"{path}: {note}.")
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        elif suffix == ".jsonl":
            table = pd.read_json(io.BytesIO(data), lines=True, dtype=False)
        else:
            table = pd.read_parquet(io.BytesIO(data))
    except CorpusError:
        raise
    except Exception as exc:  # pandas raises many types for malformed tables
        raise CorpusError(f"{path}: cannot be read as {suffix} ({type(exc).__name__}: {exc}).") from None
    col = _pick(table.columns, TEXT_COLUMNS)
    if col is None:
        raise CorpusError(
            f"{path}: no text column. Name one of: {', '.join(TEXT_COLUMNS)}; found columns {list(table.columns)}."
        )
    id_col = _pick(table.columns, ID_COLUMNS)
    meta_cols = {f: _pick(table.columns, names) for f, names in META_COLUMNS.items()}
    raws = []
    for i, row in enumerate(table.to_dict("records")):
        aid = _clean_cell(row[id_col]) if id_col else ""
        aid = aid or f"{path.name}#row{i + 1}"
        text = _clean_cell(row[col])
        if not text:
            skipped.append({"item": aid, "reason": "empty text"})
            continue
        meta = {f: _clean_cell(row[c]) for f, c in meta_cols.items() if c is not None and _clean_cell(row[c])}
        raws.append(RawArticle(aid, text, meta, "table", is_html=bool(re.search(r"<(p|div|html|body)\b", text[:2000], re.I))))
    return raws


def read_articles(path: str | Path) -> tuple[list[RawArticle], list[dict], list[dict]]:
    """Read a folder or a table into raw articles, plus what was skipped and the input hashes."""
    path = Path(path)
    inputs: list[dict] = []
    skipped: list[dict] = []
    if path.is_dir():
        raws = _read_folder(path, inputs, skipped)
    elif path.is_file() and path.suffix.lower() in TABLE_SUFFIXES:
        raws = _read_table(path, inputs, skipped)
    elif path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
        raws = _read_folder_single(path, inputs, skipped)
    elif not path.exists():
        raise CorpusError(f"corpus {str(path)!r} does not exist. Pass a folder of articles or a .csv/.jsonl/.parquet table.")
    else:
        raise CorpusError(
            f"corpus {str(path)!r} is neither a folder nor a table; accepted: a folder of "
            f"{', '.join(TEXT_SUFFIXES)} files, or a {', '.join(TABLE_SUFFIXES)} file."
        )
    return raws, skipped, inputs


def _read_folder_single(path: Path, inputs: list, skipped: list) -> list[RawArticle]:
    data, reason = _read_file_bytes(path)
    if data is None:
        raise CorpusError(f"{path}: {reason}.")
    inputs.append({"file": path.name, "bytes": len(data), "sha256": sha256_bytes(data)})
    text, note = decode_bytes(data)
    if text is None:
        raise CorpusError(f"{path}: {note}.")
    return [RawArticle(path.name, text, {}, "", is_html=path.suffix.lower() in (".html", ".htm"))]


# --------------------------------------------------------------------------- metadata


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
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_TIME_ONLY = re.compile(r"^\s*\d{1,2}[:.]\d\d\s*(?:am|pm|a\.m\.|p\.m\.)?\s*(?:[A-Z]{2,4})?\s*$", re.I)


def parse_date(text: str) -> str:
    """ISO 8601 date (YYYY-MM-DD) of a date written in any common form, or "".

    A string with no four-digit year is not taken as a date: "8:15 pm" or
    "Monday" would otherwise be read as today.
    """
    text = (text or "").strip()
    if not text or not _YEAR.search(text) or len(text) > 60:
        return ""
    from dateutil import parser as dparser

    try:
        value = dparser.parse(text, fuzzy=False, dayfirst=False)
    except (ValueError, OverflowError, TypeError):
        try:
            value, skipped = dparser.parse(text, fuzzy_with_tokens=True)
        except (ValueError, OverflowError, TypeError):
            return ""
        if sum(len(s.strip(" ,.-")) for s in skipped) > 12:  # mostly not a date
            return ""
    if not 1900 <= value.year <= 2100:
        return ""
    return value.date().isoformat()


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(ch.isdigit() for ch in text)


# --------------------------------------------------------------------------- cleaning rules


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
        "see also", "read also", "also read", "read more", "related:", "the text continues below", "continue reading",
        "story continues below", "article continues below", "advertisement", "sponsored", "back to blog", "back to news",
        "back to top", "share this", "share on", "follow us", "sign up for", "subscribe to", "click here", "image:",
        "photo:", "credit:", "image credit", "photo credit", "getty images", "listen to this article", "skip to",
        "watch:", "video:", "print this", "email this",
    )
    extra_cues: tuple[str, ...] = ()
    promo_patterns: tuple[str, ...] = (
        r"\bget started\b", r"\bsign up\b", r"\bsubscribe\b", r"\b\d+\s?% off\b", r"\bpay with\b", r"\bfree trial\b",
        r"\bready to try\b", r"\bbuy now\b", r"\bdownload (?:the|our) app\b", r"\blearn more\b", r"\btry it (?:free|now)\b",
        r"\bstart (?:your )?free\b", r"\bbook a demo\b",
    )
    promo_max_words: int = 20
    repeated_min_articles: int = 3  # a short line in this many articles is a template line
    repeated_max_words: int = 15


DEFAULT_RULES = CleaningRules()
_READING_TIME = re.compile(r"\b\d+\s*(?:min(?:ute)?s?)\.?\s*read\b|\b\d[\d,]*\s*words\b", re.I)
_HASHTAGS = re.compile(r"^\s*(?:#[\w-]+[\s,]*){2,}\s*$")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_CREDIT = re.compile(r"^[(\[]?\s*(?:additional |further )?(?:reporting|writing|editing|compiled|translated|produced)(?: and \w+)? by\b")
# "WASHINGTON, March 3, 2026 (Reuters) - " at the start of a story
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][\w .'-]{1,30})?)\s*(?:,\s*(?P<date>[A-Z][a-z]{2,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,9} \d{4}))?\s*(?:\((?P<agency>[^)]{2,40})\))?\s*[-–—]{1,2}\s+")


def _norm_line(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip().lower()


def _cue_match(norm: str, cues: Iterable[str]) -> bool:
    for cue in cues:
        if norm.startswith(cue):
            rest = norm[len(cue):]
            if not rest or not rest[0].isalnum() or cue.endswith((":", " ")):
                return True
    return False


def _is_footer(norm: str, rules: CleaningRules) -> bool:
    stripped = norm.rstrip(":").strip()
    if stripped in rules.footer_cues:
        return True
    return any(norm.startswith(c + ":") for c in rules.footer_cues) and len(norm.split()) <= 12


def _line_rule(line: str, norm: str, rules: CleaningRules, title_norm: str, repeated: set[str]) -> str | None:
    """Name of the rule that removes this body line, or None to keep it."""
    if not _LETTER.search(line):
        return "symbols-only"
    if title_norm and (norm == title_norm or (norm.startswith(title_norm) and len(norm) - len(title_norm) < 30)):
        return "title-repeat"
    if _cue_match(norm, rules.line_cues + rules.extra_cues):
        return "cue-phrase"
    words = len(norm.split())
    if _READING_TIME.search(norm) and words <= 10:
        return "reading-time"
    if _HASHTAGS.match(line):
        return "tag-list"
    if _URL_ONLY.match(line):
        return "link-only"
    if words <= rules.promo_max_words and any(re.search(p, norm) for p in rules.promo_patterns):
        return "promo"
    if _CREDIT.match(norm) and words <= 25:
        return "credit-line"
    if norm in repeated:
        return "repeated-across-articles"
    return None


@dataclass
class _Line:
    no: int  # 1-based line number in the source text
    text: str


def _html_to_text(raw: RawArticle) -> tuple[str, dict]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        raw.text, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
    )
    if doc is None:
        return "", {}
    body = doc.text if hasattr(doc, "text") else doc.get("text", "")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    meta = {}
    for ours, theirs in (("title", "title"), ("published", "date"), ("author", "author"), ("source", "sitename"), ("url", "url")):
        value = get(theirs)
        if value:
            meta[ours] = str(value)
    if not meta.get("source") and get("hostname"):
        meta["source"] = str(get("hostname"))
    return body or "", meta


def parse_article(raw: RawArticle, rules: CleaningRules, repeated: set[str], clean: bool = True) -> tuple[Article, list[_Line], list[dict]]:
    """Split one raw article into metadata, body lines and an audit of what was removed."""
    text = raw.text
    html_meta: dict = {}
    audit: list[dict] = []
    if raw.is_html:
        text, html_meta = _html_to_text(raw)
        visible = len(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw.text)).strip())
        audit.append({"article_id": raw.article_id, "line_no": 0, "rule": "html-extractor",
                      "text": f"page reduced to its main text: {len(text):,} of {visible:,} visible characters kept (navigation, asides, footers dropped)"})
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    lines = [_Line(i + 1, ln) for i, ln in enumerate(text.split("\n"))]
    found: dict[str, str] = {}
    origin: dict[str, str] = {}

    def drop(line: _Line, rule: str) -> None:
        audit.append({"article_id": raw.article_id, "line_no": line.no, "rule": rule, "text": line.text.strip()})

    # A title given by a manifest, table column or the HTML wins; the text's own first line is then body
    # (or a repeat of that title).
    given_title = raw.meta.get("title") or html_meta.get("title")
    if given_title:
        found["title"] = given_title
        origin["title"] = raw.origin or "html" if raw.meta.get("title") else "html"
    nonblank_lines = [ln.text.strip() for ln in lines if ln.text.strip()]

    # -- header zone: title, "Key: value" lines, bylines, reading-time and navigation lines.
    body_start = 0
    nonblank_seen = 0
    for idx, line in enumerate(lines):
        s = line.text.strip()
        if not s:
            continue
        nonblank_seen += 1
        if nonblank_seen > 12:
            break
        norm = _norm_line(s)
        m = _HEADER_LINE.match(s)
        key = m.group(1).strip().lower() if m else ""
        fld = next((f for f, keys in _HEADER_KEYS.items() if key in keys), None)
        if fld and m:
            value = m.group(2)
            if fld == "published":
                value = parse_date(value)
            if value and fld not in found:
                found[fld] = value
                origin[fld] = "header"
            drop(line, "header-metadata")
            body_start = idx + 1
            continue
        if "title" not in found:
            if clean and (_cue_match(norm, rules.line_cues + rules.extra_cues) or (_READING_TIME.search(norm) and len(norm.split()) <= 10)):
                drop(line, "cue-phrase" if _cue_match(norm, rules.line_cues + rules.extra_cues) else "reading-time")
                body_start = idx + 1
                continue
            if len(nonblank_lines) > 1 and len(s.split()) <= 25 and not s.endswith("."):
                found["title"] = s
                origin["title"] = "first line"
                drop(line, "title")
                body_start = idx + 1
                continue
            break  # the first line is already body text
        if _norm_line(s) == _norm_line(found["title"]):
            drop(line, "title-repeat")
            body_start = idx + 1
            continue
        by = _BYLINE.match(s)
        if by and "author" not in found:
            found["author"], origin["author"] = by.group(1), "byline"
            drop(line, "byline")
            body_start = idx + 1
            continue
        is_bullet = bool(_BULLET.match(s))
        item = _BULLET.sub("", s).strip()
        if len(item.split()) <= 6:
            date = parse_date(item)
            if date and (is_bullet or len(item.split()) <= 5):
                if "published" not in found:
                    found["published"], origin["published"] = date, "byline"
                drop(line, "byline")
                body_start = idx + 1
                continue
            if is_bullet and _TIME_ONLY.match(item):
                drop(line, "byline")
                body_start = idx + 1
                continue
            if is_bullet and _looks_like_name(item) and "author" not in found:
                found["author"], origin["author"] = item, "byline"
                drop(line, "byline")
                body_start = idx + 1
                continue
        # first real body line: the header is over
        break

    # Authoritative metadata (manifest, table, HTML) overrides what the text says.
    for f, value in html_meta.items():
        if f == "published":
            value = parse_date(value)
        if value:
            found[f], origin[f] = value, "html"
    for f, value in raw.meta.items():
        if f == "published":
            iso = parse_date(value)
            if not iso:
                continue
            value = iso
        found[f], origin[f] = value, raw.origin or "manifest"

    article = Article(article_id=raw.article_id, meta_origin=origin, n_lines=sum(1 for ln in lines if ln.text.strip()))
    for f in META_FIELDS:
        setattr(article, f, found.get(f, ""))
    if "published" not in origin:
        origin["published"] = "none found"

    body = lines[body_start:]
    if not clean:
        return article, body, audit

    # A wire dateline opening the first paragraph: its date is metadata, the prefix is not prose.
    first = next((ln for ln in body if ln.text.strip()), None)
    if first is not None:
        m = _DATELINE.match(first.text.strip())
        if m and (m.group("date") or m.group("agency")):
            if m.group("date") and not article.published:
                article.published = parse_date(m.group("date"))
                origin["published"] = "dateline"
            if m.group("agency") and not article.source:
                article.source = m.group("agency").strip()
                origin["source"] = "dateline"
            drop(first, "dateline")
            first.text = first.text.strip()[m.end():]

    title_norm = _norm_line(article.title)
    kept: list[_Line] = []
    nonblank_total = sum(1 for ln in body if ln.text.strip())
    seen_nonblank = 0
    footer_from = None
    for pos, line in enumerate(body):
        s = line.text.strip()
        if not s:
            kept.append(line)
            continue
        seen_nonblank += 1
        norm = _norm_line(s)
        # footers only count in the last half of an article, so a heading like "Related" early on survives
        if _is_footer(norm, rules) and seen_nonblank > 0.5 * nonblank_total:
            footer_from = pos
            break
        rule = _line_rule(s, norm, rules, title_norm, repeated)
        if rule:
            drop(line, rule)
            kept.append(_Line(line.no, ""))  # a removed line still separates paragraphs
        else:
            kept.append(line)
    if footer_from is not None:
        for line in body[footer_from:]:
            if line.text.strip():
                drop(line, "footer-block")
    return article, kept, audit


def repeated_lines(raws: list[RawArticle], rules: CleaningRules) -> set[str]:
    """Short lines that occur in several articles: templates, not reporting."""
    if len(raws) < rules.repeated_min_articles:
        return set()
    counts: Counter[str] = Counter()
    for raw in raws:
        if raw.is_html:
            continue
        seen = {_norm_line(ln) for ln in raw.text.splitlines() if ln.strip()}
        counts.update(n for n in seen if len(n.split()) <= rules.repeated_max_words)
    return {n for n, c in counts.items() if c >= rules.repeated_min_articles}


# --------------------------------------------------------------------------- paragraphs

_TERMINAL = tuple('.!?:;"”’)»…')


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
    unfinished = sum(1 for ln in long if not ln.endswith(_TERMINAL))
    return unfinished >= 0.3 * len(long)


def rebuild_paragraphs(lines: list[_Line]) -> list[str]:
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
            paragraphs.append(re.sub(r"\s+", " ", " ".join(current)).strip())
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
        indented = raw[:1] in (" ", "\t") and not prev[:1] in (" ", "\t")
        bullet = bool(_BULLET.match(s))
        short_finished = prev and prev.rstrip().endswith(_TERMINAL) and len(prev.rstrip()) < 0.7 * width
        if current and (indented or bullet or short_finished):
            flush()
        if current and current[-1].endswith("-") and not current[-1].endswith(" -") and s[:1].islower():
            current[-1] = current[-1][:-1] + s  # re-join a word hyphenated at the line end
        else:
            current.append(s)
        prev = raw
    flush()
    return [p for p in paragraphs if p]


# --------------------------------------------------------------------------- segmentation

_SENT_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e|U\.S|U\.K|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$")


def split_sentences(text: str) -> list[str]:
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
    return int(len(text.split()) * 1.5) + len(re.findall(r"[^\w\s]", text)) // 2 + 2


def split_to_fit(text: str, max_tokens: int, count_tokens: Callable[[str], int] = estimate_tokens) -> list[str]:
    """Split a text at sentence boundaries into pieces of at most ``max_tokens`` tokens.

    A sentence longer than the budget is cut between words, so no text is ever dropped.
    """
    if count_tokens(text) <= max_tokens:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if count_tokens(sentence) > max_tokens:
            if current:
                pieces.append(current)
                current = ""
            words = sentence.split()
            chunk: list[str] = []
            for w in words:
                if chunk and count_tokens(" ".join(chunk + [w])) > max_tokens:
                    pieces.append(" ".join(chunk))
                    chunk = []
                chunk.append(w)
            if chunk:
                current = " ".join(chunk)
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
    return [u if u.endswith(_TERMINAL) or len(u.split()) > 12 else u + "." for u in units]


def segment(article: Article, doc_unit: str, min_words: int, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
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


# --------------------------------------------------------------------------- duplicates


def _norm_doc(text: str) -> str:
    return re.sub(r"[^\w ]+", "", re.sub(r"\s+", " ", text.lower())).strip()


def _shingles(words: list[str], k: int = 3) -> set[int]:
    if len(words) < k:
        return {hash(" ".join(words))}
    return {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + k]).encode(), digest_size=8).digest(), "little") for i in range(len(words) - k + 1)}


def find_duplicates(texts: list[str], threshold: float = 0.7, min_words: int = 6) -> list[tuple[int, int, float]]:
    """(duplicate index, kept index, similarity) for exact and near-duplicate texts.

    Exact: equal after lower-casing and stripping punctuation. Near: Jaccard
    similarity of word 3-shingles at least ``threshold``, found with MinHash LSH
    (16 bands of 4 hashes) and then checked exactly, so cost stays near-linear.
    """
    import numpy as np

    result: list[tuple[int, int, float]] = []
    first: dict[str, int] = {}
    candidates: list[int] = []
    for i, t in enumerate(texts):
        n = _norm_doc(t)
        if n in first:
            result.append((i, first[n], 1.0))
        else:
            first[n] = i
            if len(n.split()) >= min_words:
                candidates.append(i)
    if len(candidates) < 2:
        return result
    rng = np.random.default_rng(7)
    n_hash, bands = 64, 16
    rows = n_hash // bands
    a = rng.integers(1, 2**61 - 1, n_hash, dtype=np.uint64)
    b = rng.integers(0, 2**61 - 1, n_hash, dtype=np.uint64)
    shingles = {i: _shingles(_norm_doc(texts[i]).split()) for i in candidates}
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for i in candidates:
        sh = np.fromiter(shingles[i], dtype=np.uint64)
        with np.errstate(over="ignore"):
            sig = ((np.outer(sh, a) + b) % np.uint64(2**61 - 1)).min(axis=0)
        for band in range(bands):
            buckets[(band, *sig[band * rows:(band + 1) * rows].tolist())].append(i)
    dropped: set[int] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for x_pos, i in enumerate(members):
            if i in dropped:
                continue
            for j in members[x_pos + 1:]:
                if j in dropped or j == i:
                    continue
                si, sj = shingles[i], shingles[j]
                jac = len(si & sj) / len(si | sj)
                if jac >= threshold:
                    keep, drop_ = (i, j) if i < j else (j, i)
                    dropped.add(drop_)
                    result.append((drop_, keep, round(jac, 3)))
    return sorted(set(result))


# --------------------------------------------------------------------------- entry point


def load_corpus(
    path: str | Path,
    doc_unit: str = "paragraph",
    *,
    clean: bool = True,
    min_words: int = 8,
    max_tokens: int = 254,
    count_tokens: Callable[[str], int] | None = None,
    rules: CleaningRules = DEFAULT_RULES,
    dedupe: bool = True,
    min_documents: int = MIN_DOCUMENTS,
) -> Corpus:
    """Read articles from ``path`` and turn them into documents ready to embed.

    Raises :class:`CorpusError` when nothing usable is found, saying what was found.
    """
    count_tokens = count_tokens or estimate_tokens
    raws, skipped, inputs = read_articles(path)
    repeated = repeated_lines(raws, rules) if clean else set()
    articles: list[Article] = []
    audits: list[dict] = []
    rows: list[dict] = []
    for raw in raws:
        article, body, audit = parse_article(raw, rules, repeated, clean=clean)
        article.paragraphs = rebuild_paragraphs(body)
        article.n_removed = len([a for a in audit if a["rule"] not in ("title", "header-metadata", "byline")])
        audits.extend(audit)
        if not article.paragraphs:
            why = "empty after removing its header" if not audit else f"nothing left after cleaning ({len(audit)} lines removed as header or boilerplate)"
            skipped.append({"item": raw.article_id, "reason": why})
            continue
        articles.append(article)
        for pos, text in enumerate(segment(article, doc_unit, min_words, max_tokens, count_tokens)):
            rows.append({"article_id": article.article_id, "position": pos, "text": text, "n_words": len(text.split()), **article.meta()})

    docs = pd.DataFrame(rows, columns=[c for c in DOC_COLUMNS if c != "doc_id"])
    dup_rows = []
    if dedupe and len(docs) > 1:
        dups = find_duplicates(docs["text"].tolist())
        drop_idx = [d for d, _, _ in dups]
        for d, k, sim in dups:
            dup_rows.append({"article_id": docs.at[d, "article_id"], "text": docs.at[d, "text"], "kept_article_id": docs.at[k, "article_id"], "kept_position": int(docs.at[k, "position"]), "similarity": sim})
        docs = docs.drop(index=drop_idx).reset_index(drop=True)
    docs.insert(0, "doc_id", range(len(docs)))
    corpus = Corpus(
        path=str(path),
        articles=articles,
        documents=docs,
        audit=pd.DataFrame(audits, columns=["article_id", "line_no", "rule", "text"]),
        skipped=skipped,
        duplicates=pd.DataFrame(dup_rows, columns=["article_id", "text", "kept_article_id", "kept_position", "similarity"]),
        inputs=inputs,
        doc_unit=doc_unit,
    )
    _check_usable(corpus, min_documents)
    return corpus


def _check_usable(corpus: Corpus, min_documents: int) -> None:
    found = f"{len(corpus.inputs)} file(s) read, {len(corpus.articles)} usable article(s), {len(corpus.documents)} document(s)"
    if corpus.skipped:
        reasons = Counter(s["reason"] for s in corpus.skipped if not s.get("used"))
        if reasons:
            found += "; skipped: " + "; ".join(f"{n} × {r}" for r, n in reasons.most_common(5))
    if not corpus.articles:
        raise CorpusError(
            f"no usable articles in {corpus.path!r} ({found}). Put .txt, .md or .html articles in the folder, "
            f"or pass a .csv/.jsonl/.parquet table with a text column."
        )
    if len(corpus.documents) < min_documents:
        hint = "use doc_unit='paragraph' or 'sentence', or add articles" if corpus.doc_unit == "article" else "add articles"
        raise CorpusError(
            f"corpus too small to model: {found}; topic modeling needs at least {min_documents} documents. Please {hint}."
        )
