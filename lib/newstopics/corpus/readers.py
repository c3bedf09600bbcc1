"""Reading articles: a folder of text/HTML files (with an optional manifest), one file, or a table.

Every input is checked before it is read (size limits bound memory), decoded (non-UTF-8 text is
detected and noted), and turned into :class:`RawArticle` records; what cannot be used is listed in
``skipped`` with the reason, and every file read is hashed into ``inputs``.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .records import META_FIELDS, CorpusError, RawArticle

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
MANIFEST = "manifest.csv"
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are refused, not read
MAX_FILES = 50_000  # more files than this are refused before any is read: use a table (.parquet)
MAX_CORPUS_BYTES = 1024 * 1024 * 1024  # a folder holding more text than this is refused before any is read

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
# Names the documents' own columns use: an extra metadata column with one of these names is kept as ``meta_<name>``.
RESERVED = ("doc_id", "article_id", "position", "text", "n_words", "title", "published", "source", "author", "url",
            "theme", "topic", "label", "agreement", "nearest_topic", "reassigned", "vote_share", "similarity", "group",
            "period")
MAX_EXTRA_COLUMNS = 50  # extra metadata columns kept from a table or manifest; more are listed as skipped


def extra_columns(table: pd.DataFrame, used: Iterable[str]) -> dict[str, str]:
    """The table's other columns, kept as metadata: ``{column in the table: name in the documents}``, the documents'
    own names prefixed ``meta_`` (a column ``topic`` becomes ``meta_topic``).

    Example:
        >>> extra_columns(pd.DataFrame(columns=["Text", "section", "topic", " desk "]), ["Text"])
        {'section': 'section', 'topic': 'meta_topic', ' desk ': 'desk'}
    """
    used = set(used)
    out = {}
    for c in table.columns:
        if c in used:
            continue
        name = str(c).strip()
        name = f"meta_{name}" if name.lower() in RESERVED or not name else name
        if name not in out.values():
            out[c] = name
    return out



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


def _too_large(size: int, limit: int, advice: str) -> str:
    return f"too large: {size / 2**20:.1f} MiB > {limit / 2**20:.0f} MiB limit ({advice})"


def _read_file_bytes(
    path: Path, limit: int | None = None, advice: str = "split it into articles"
) -> tuple[bytes | None, str]:
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if size > limit:
        return None, _too_large(size, limit, advice)
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


def _read_manifest(folder: Path, extras: list) -> dict[str, dict]:
    """Each file's metadata from the folder's manifest.csv; its other columns go to ``extras`` as a table by the
    manifest's file names."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    key = _pick(table.columns, ("file", "filename", "article_id", "id"))
    if key is None:
        raise CorpusError(
            f"{path}: a manifest needs a 'file' column naming each article's file; found {list(table.columns)}."
        )
    out = {}
    for _, row in table.iterrows():
        meta = {}
        for f, names in META_COLUMNS.items():
            col = _pick(table.columns, names)
            if col is not None and _clean_cell(row[col]):
                meta[f] = _clean_cell(row[col])
        out[_clean_cell(row[key])] = meta
    used = [key, *(c for names in META_COLUMNS.values() if (c := _pick(table.columns, names)) is not None)]
    kept = extra_columns(table, used)
    if kept:
        frame = pd.DataFrame({"file": _clean_column(table[key])})
        for c, name in list(kept.items())[:MAX_EXTRA_COLUMNS]:
            frame[name] = _clean_column(table[c])
        extras.append(frame)
    return out


def _read_folder(folder: Path, inputs: list, skipped: list, extras: list) -> list[RawArticle]:
    manifest = _read_manifest(folder, extras)
    files = []
    for p in sorted(folder.rglob("*")):
        if p.is_dir() or p.name == MANIFEST or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.suffix.lower() not in TEXT_SUFFIXES:
            skipped.append(
                {
                    "item": str(p.relative_to(folder)),
                    "reason": f"not an article file (accepted: {', '.join(TEXT_SUFFIXES)})",
                }
            )
            continue
        files.append(p)
        if len(files) > MAX_FILES:
            raise CorpusError(
                f"{folder}: more than {MAX_FILES:,} article files; split the corpus or put it in one table (.parquet)."
            )
    total = sum(size for size in (p.stat().st_size for p in files) if size <= MAX_FILE_BYTES)
    if total > MAX_CORPUS_BYTES:
        raise CorpusError(
            f"{folder}: {total / 2**30:.1f} GiB of articles, over the {MAX_CORPUS_BYTES / 2**30:.0f} GiB limit "
            f"(the text is held in memory while documents are built); split the corpus."
        )
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
    if extras:  # the manifest's extra columns, by article id (a manifest may name a file by its path or its name)
        by_name = extras[0].set_index("file")
        ids = [r.article_id for r in raws]
        rows = [rid if rid in by_name.index else Path(rid).name for rid in ids]
        found = [r in by_name.index for r in rows]
        frame = by_name[~by_name.index.duplicated()].reindex(rows).fillna("").reset_index(drop=True)
        frame.insert(0, "article_id", ids)
        extras[0] = frame[found] if len(frame) else frame
    return raws


def _read_table(path: Path, inputs: list, skipped: list, extras: list) -> RawTable:
    # a table is a whole corpus: it gets the corpus limit, not the one for a single article file
    digest, size, head, utf8, reason = _scan(path, MAX_CORPUS_BYTES, "split the corpus into several runs")
    if digest is None:
        raise CorpusError(f"{path}: {reason}.")
    inputs.append({"file": path.name, "bytes": size, "sha256": digest})
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv" and utf8 and decode_bytes(head)[0] is not None:  # parsed from the file, never held whole
            table = _parse_csv(path)
        elif suffix == ".csv":
            text, note = decode_bytes(path.read_bytes())
            if text is None:
                raise CorpusError(f"{path}: {note}.")
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)  # decoded text: pandas' parser
            del text
        elif suffix == ".jsonl":
            table = pd.read_json(path, lines=True, dtype=False)
        else:
            table = pd.read_parquet(path)
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
    n = len(table)
    ids = _clean_column(table[id_col]) if id_col else pd.Series("", index=table.index, dtype="str")
    ids = ids.where(ids != "", [f"{path.name}#row{i + 1}" for i in range(n)])
    frame = pd.DataFrame({"article_id": ids})
    kept = extra_columns(table, [col, id_col, *meta_cols.values()])
    if kept:  # every other column, as metadata of the article's documents
        extra = pd.DataFrame({"article_id": ids})
        for c, name in list(kept.items())[:MAX_EXTRA_COLUMNS]:
            extra[name] = _clean_column(table[c])
            del table[c]
        extras.append(extra[~extra["article_id"].duplicated()])
        skipped.extend({"item": f"column {c!r}", "reason": f"more than {MAX_EXTRA_COLUMNS} metadata columns"}
                       for c in list(kept)[MAX_EXTRA_COLUMNS:])
    for field, c in {"text": col, **meta_cols}.items():  # each column cleaned, then the table's own let go (the
        frame[field] = _clean_column(table[c]) if c is not None else ""  # name lists share no column)
        if c is not None:
            del table[c]
    del table
    empty = (frame["text"] == "").to_numpy()
    skipped.extend({"item": aid, "reason": "empty text"} for aid in frame["article_id"][empty])
    return RawTable(frame[~empty] if empty.any() else frame)


def _parse_csv(path: Path) -> pd.DataFrame:
    """A UTF-8 CSV file's cells as strings: by Arrow's parser, straight into columns (no Python object per cell), or
    by pandas' own parser where Arrow's refuses the file (its message is the one a reader gets).

    Arrow is told that quoted cells may hold line breaks (articles' text does), which it otherwise rejects in any file
    larger than one of its blocks, and that every column is text, so an id such as ``007`` keeps its zeros.
    """
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            names = next(csv.reader(f), [])
        if names and all(names) and len(set(names)) == len(names):  # else pandas' names ("Unnamed: 0", "a.1")
            table = pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False),
            )
            if table.column_names == names and all(t == pa.string() for t in table.schema.types):
                return table.to_pandas()  # else the two read the header differently: pandas decides
    except Exception:  # noqa: BLE001  (whatever Arrow disliked, pandas' parser says it plainly)
        pass
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _scan(path: Path, limit: int, advice: str, block: int = 1 << 20):
    """A file read in blocks, never whole: ``(sha256, bytes, first 64 KiB, whether it is all UTF-8, "")``, or
    ``(None, 0, b"", False, reason)`` when it is too large or cannot be read."""
    import codecs

    try:
        size = path.stat().st_size
        if size > limit:
            return None, 0, b"", False, _too_large(size, limit, advice)
        digest, decoder, utf8, head = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), True, b""
        with path.open("rb") as f:
            while chunk := f.read(block):
                digest.update(chunk)
                if len(head) < 65536:
                    head += chunk[:65536 - len(head)]
                if utf8:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
        return digest.hexdigest(), size, head, utf8, ""
    except OSError as exc:
        return None, 0, b"", False, f"cannot read: {exc.strerror or exc}"


def _clean_column(column: pd.Series) -> pd.Series:
    """:func:`_clean_cell` of every cell: by Arrow's string functions for a string column, cell by cell otherwise."""
    if column.dtype == "str":
        return column.fillna("").str.strip()
    return column.map(_clean_cell).astype("str")


class RawTable:
    """The articles of a table, kept as its columns and made into :class:`RawArticle` records only while they are
    read: a table of a million rows never becomes a million objects at once. A slice is the RawTable of those rows,
    and pickles as their columns (what a partition's task receives).

    Example:
        >>> rows = RawTable(pd.DataFrame({"article_id": ["a", "b"], "text": ["One.", "<p>Two.</p>"],
        ...                               "title": ["", "T"], "published": "", "source": "", "author": "", "url": ""}))
        >>> [(r.article_id, r.meta, r.is_html) for r in rows[1:]]
        [('b', {'title': 'T'}, True)]
    """

    STEP = 1_000  # rows turned into Python objects at a time

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, rows: slice) -> RawTable:
        return RawTable(self.frame.iloc[rows])

    def __iter__(self):
        cols = ["article_id", "text", *META_FIELDS]
        for start in range(0, len(self.frame), self.STEP):
            part = self.frame.iloc[start:start + self.STEP]
            for aid, text, *values in zip(*(part[c].tolist() for c in cols), strict=True):
                meta = {f: v for f, v in zip(META_FIELDS, values, strict=True) if v}
                yield RawArticle(aid, text, meta, "table", is_html=bool(_HTML.search(text[:2000])))


_HTML = re.compile(r"<(p|div|html|body)\b", re.I)


def read_articles(path: str | Path) -> tuple[list[RawArticle] | RawTable, list[dict], list[dict], pd.DataFrame]:
    """Read a folder or a table into raw articles (for a table, a :class:`RawTable` that makes them as they are
    read), plus what was skipped, the input hashes, and the extra metadata: one row per article id with every other
    column of the table or manifest (as text; empty when there are none)."""
    path = Path(path)
    inputs: list[dict] = []
    skipped: list[dict] = []
    extras: list[pd.DataFrame] = []
    if path.is_dir():
        raws = _read_folder(path, inputs, skipped, extras)
    elif path.is_file() and path.suffix.lower() in TABLE_SUFFIXES:
        raws = _read_table(path, inputs, skipped, extras)
    elif path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
        raws = _read_folder_single(path, inputs, skipped)
    elif not path.exists():
        raise CorpusError(
            f"corpus {str(path)!r} does not exist. Pass a folder of articles or a .csv/.jsonl/.parquet table."
        )
    else:
        raise CorpusError(
            f"corpus {str(path)!r} is neither a folder nor a table; accepted: a folder of "
            f"{', '.join(TEXT_SUFFIXES)} files, or a {', '.join(TABLE_SUFFIXES)} file."
        )
    return raws, skipped, inputs, (extras[0] if extras else pd.DataFrame({"article_id": pd.Series(dtype="str")}))


def _read_folder_single(path: Path, inputs: list, skipped: list) -> list[RawArticle]:
    data, reason = _read_file_bytes(path)
    if data is None:
        raise CorpusError(f"{path}: {reason}.")
    inputs.append({"file": path.name, "bytes": len(data), "sha256": sha256_bytes(data)})
    text, note = decode_bytes(data)
    if text is None:
        raise CorpusError(f"{path}: {note}.")
    return [RawArticle(path.name, text, {}, "", is_html=path.suffix.lower() in (".html", ".htm"))]
