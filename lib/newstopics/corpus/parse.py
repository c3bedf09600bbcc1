"""One raw article to metadata, body lines and an audit: the stages of ingestion, in order.

HTML is reduced to its main text, the header zone gives metadata (:mod:`.metadata`), authoritative
metadata is merged over it, a wire dateline becomes metadata, and boilerplate is removed
(:mod:`.cleaning`). Every line taken out of the body is recorded in the audit with its rule.
"""
from __future__ import annotations

import re

from .cleaning import CleaningRules, clean_body
from .metadata import merge_given, read_header, take_dateline
from .records import META_FIELDS, Article, Line, RawArticle


def html_to_text(raw: RawArticle) -> tuple[str, dict]:
    """The main text of an HTML page (trafilatura, precision first) and the metadata the page states."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        raw.text, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
    )
    if doc is None:
        return "", {}
    body = doc.text if hasattr(doc, "text") else doc.get("text", "")
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    meta = {}
    for ours, theirs in (("title", "title"), ("published", "date"), ("author", "author"), ("source", "sitename"),
                         ("url", "url")):
        value = get(theirs)
        if value:
            meta[ours] = str(value)
    if not meta.get("source") and get("hostname"):
        meta["source"] = str(get("hostname"))
    return body or "", meta


def parse_article(raw: RawArticle, rules: CleaningRules, repeated: set[str],
                  clean: bool = True) -> tuple[Article, list[Line], list[dict]]:
    """Split one raw article into metadata, body lines and an audit of what was removed.

    Args:
        raw: the article as read.
        rules: the boilerplate rules.
        repeated: short lines found in several articles of the corpus (templates), from ``repeated_lines``.
        clean: False keeps every body line (metadata is still read from the header).

    Returns:
        ``(article, body_lines, audit)``; audit rows are ``{article_id, line_no, rule, text}``.
    """
    audit: list[dict] = []
    text, html_meta = raw.text, {}
    if raw.is_html:
        text, html_meta = html_to_text(raw)
        visible = len(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw.text)).strip())
        audit.append({"article_id": raw.article_id, "line_no": 0, "rule": "html-extractor",
                      "text": f"page reduced to its main text: {len(text):,} of {visible:,} visible characters kept "
                              "(navigation, asides, footers dropped)"})
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    lines = [Line(i + 1, ln) for i, ln in enumerate(text.split("\n"))]

    def drop(line: Line, rule: str) -> None:
        audit.append({"article_id": raw.article_id, "line_no": line.no, "rule": rule, "text": line.text.strip()})

    given_title = raw.meta.get("title") or html_meta.get("title") or ""
    found, origin, body_start = read_header(lines, given_title, rules, clean, drop)
    merge_given(found, origin, raw, html_meta)
    article = Article(article_id=raw.article_id, meta_origin=origin, n_lines=sum(1 for ln in lines if ln.text.strip()))
    for f in META_FIELDS:
        setattr(article, f, found.get(f, ""))
    origin.setdefault("published", "none found")

    body = lines[body_start:]
    if not clean:
        return article, body, audit
    take_dateline(body, article, drop)
    return article, clean_body(body, article.title, rules, repeated, drop), audit
