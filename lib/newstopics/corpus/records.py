"""The records ingestion produces: raw articles as read, parsed articles, and the corpus of documents."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

META_FIELDS = ("title", "published", "source", "author", "url")
DOC_COLUMNS = ["doc_id", "article_id", "position", "text", "n_words", *META_FIELDS]
ARTICLE_COLUMNS = ["article_id", *META_FIELDS, "date_from", "paragraphs", "words", "lines_removed", "language",
                   "language_confidence"]
AUDIT_COLUMNS = ["article_id", "line_no", "rule", "text"]


class CorpusError(ValueError):
    """The corpus cannot be used. The message says what was found and what to do."""


@dataclass(slots=True)
class RawArticle:
    """An article as read from a file or a table row, before parsing."""

    article_id: str
    text: str
    meta: dict  # from a manifest, table columns or HTML metadata: authoritative
    origin: str  # "manifest", "table", "html"
    is_html: bool = False


@dataclass
class Line:
    """One line of an article's text, with its 1-based line number in the source."""

    no: int
    text: str


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
    language: str = "und"  # ISO 639-1 code of its text, "und" when too short or unclear (see .language)
    language_confidence: float = 0.0

    def meta(self) -> dict:
        return {k: getattr(self, k) for k in META_FIELDS}

    def record(self) -> dict:
        """This article's row of ``Corpus.articles``: its metadata and counts, not its text (that is in the documents).
        """
        return {"article_id": self.article_id, **self.meta(), "date_from": self.meta_origin.get("published", ""),
                "paragraphs": len(self.paragraphs), "words": sum(len(p.split()) for p in self.paragraphs),
                "lines_removed": self.n_removed, "language": self.language,
                "language_confidence": self.language_confidence}


@dataclass
class Corpus:
    path: str
    articles: pd.DataFrame  # one row per usable article: metadata and counts (see ARTICLE_COLUMNS)
    documents: pd.DataFrame  # one row per document (see DOC_COLUMNS)
    audit: pd.DataFrame  # every removed line: article_id, line_no, rule, text
    skipped: list[dict]  # files or rows not used, or used with a note ("used": True): {"item", "reason"}
    duplicates: pd.DataFrame  # dropped documents: doc_text, kept_doc_id, article_id, similarity
    inputs: list[dict]  # {"file", "bytes", "sha256"} for every file read
    doc_unit: str = "paragraph"
    extra_columns: list[str] = field(default_factory=list)  # metadata columns of the table or manifest beyond ours

    @property
    def not_used(self) -> list[dict]:
        """The skipped entries for inputs that were really left out (a re-encoded file is listed, but was used)."""
        return [s for s in self.skipped if not s.get("used")]

    def summary(self) -> dict:
        d, a = self.documents, self.articles
        return {
            "articles": len(a),
            "documents": int(len(d)),
            "doc_unit": self.doc_unit,
            "words_total": int(d["n_words"].sum()) if len(d) else 0,
            "words_per_document_median": float(d["n_words"].median()) if len(d) else 0.0,
            "lines_removed": int(len(self.audit)),
            "duplicates_dropped": int(len(self.duplicates)),
            "skipped": len(self.not_used),
            "sources": int(d["source"].replace("", pd.NA).nunique()) if len(d) else 0,
            "dated_articles": int((a["published"] != "").sum()),
            "languages": dict(Counter(a["language"].tolist()).most_common()),
            "metadata_columns": list(self.extra_columns),
        }

    def articles_table(self) -> pd.DataFrame:
        """The articles with how many documents each gave (articles.csv)."""
        table = self.articles.copy()
        counts = self.documents.groupby("article_id").size() if len(self.documents) else pd.Series(dtype=int)
        table.insert(table.columns.get_loc("words"), "documents",
                     table["article_id"].map(counts).fillna(0).astype(int).to_numpy() if len(table) else [])
        return table

    def cleaning_summary(self) -> pd.DataFrame:
        """Per article, how many lines each rule removed."""
        if self.audit.empty:
            return pd.DataFrame(columns=["article_id"])
        t = self.audit.pivot_table(index="article_id", columns="rule", values="line_no", aggfunc="count", fill_value=0)
        t["total"] = t.sum(axis=1)
        t.columns.name = None
        return t.reset_index()


