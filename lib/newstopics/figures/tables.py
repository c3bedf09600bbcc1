"""Tables for the report: interactive (searchable, sortable) where a reader looks things up, plain where short.

Interactive tables are drawn by itables in its offline mode: the DataTables code is written once into the notebook
(by :func:`setup_tables`), so they work in JupyterLab and in the offline report alike, and cell text is escaped
(itables' default): text from a corpus shows, never runs. A table larger than :data:`TABLE_MAX_BYTES` is
downsampled by itables, which says so under the table; the run's CSV files always hold every row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import OUTLIER, TopicResult
from .render import esc

TABLE_MAX_BYTES = 4 * 2**20  # of table data written into a notebook per interactive table
EXCERPT_CHARACTERS = 280


def setup_tables() -> None:
    """Turn on itables' offline mode once per kernel (its code goes into the notebook, nothing is fetched)."""
    import itables

    itables.init_notebook_mode(all_interactive=False, connected=False)


def interactive_table(df: pd.DataFrame, caption: str = "", **options) -> None:
    """Show ``df`` as an interactive table: search box, sortable columns, pages of rows; cell text escaped.

    Args:
        df: the table.
        caption: a line under the table.
        options: further itables / DataTables options (``pageLength``, ``order``, ...).
    """
    import itables

    itables.show(df, caption=caption or None, maxBytes=TABLE_MAX_BYTES, allow_html=False, showIndex=False,
                 classes="display compact", **options)


def documents_table(result: TopicResult, excerpt: int = EXCERPT_CHARACTERS) -> pd.DataFrame:
    """One row per document: its topic and label, its agreement, its article's title, source and date, and the
    start of its text (the whole text is in documents.csv)."""
    docs = result.documents
    cut = docs["text"].str.len().gt(excerpt).to_numpy()
    text = docs["text"].str.slice(0, excerpt) + pd.Series(np.where(cut, " …", ""), index=docs.index, dtype="str")
    columns = [c for c in ("doc_id", "theme", "topic", "label", "agreement", "vote_share", "similarity", "title",
                           "source", "published") if c in docs.columns]
    if "nearest_topic" in docs.columns and (docs["topic"] == OUTLIER).any():  # the topic offered to each outlier
        columns.insert(columns.index("label") + 1, "nearest_topic")
    out = docs[columns].assign(text=text)
    out["label"] = out["label"].where(out["topic"] != OUTLIER, "(outlier)")
    return out


def skipped_table(skipped: list[dict]) -> pd.DataFrame:
    """The inputs a corpus skipped, dropped or re-encoded, one row each (item and reason)."""
    return pd.DataFrame(skipped, columns=sorted({k for row in skipped for k in row}) or ["item", "reason"])


def table_html(df: pd.DataFrame, links: dict[str, list] | None = None) -> str:
    """A table as escaped HTML (cell text never becomes markup), scrolling sideways when wider than the page.

    Args:
        df: the table.
        links: column -> one address per row (None: no link); those cells become links to their address.

    Example:
        >>> table_html(pd.DataFrame({"run": ["a<b"]}), links={"run": ["../a/report.html"]})  # doctest: +SKIP
        "<div class='nt-scroll' ...><a href='../a/report.html'>a&lt;b</a>..."
    """
    shown = df.copy()
    marks = {}
    for column, hrefs in (links or {}).items():
        cells = []
        for text, href in zip(shown[column].astype(str), hrefs, strict=True):
            if href:
                mark = f"@@link{len(marks)}@@"
                marks[mark] = f"<a href='{esc(str(href))}'>{esc(text)}</a>"
                cells.append(mark)
            else:
                cells.append(text)
        shown[column] = cells
    body = shown.to_html(index=False, escape=True, border=0, classes="nt-table", na_rep="")
    for mark, anchor in marks.items():  # the links are ours, not data: put them in after escaping
        body = body.replace(mark, anchor)
    return f"<div class='nt-scroll' style='overflow-x:auto;max-width:100%'>{body}</div>"


def topics_html(result: TopicResult, n_examples: int = 2, excerpt_words: int = 60) -> str:
    """Topic table: size, label, words, and representative paragraphs with their article's title and source."""
    rows = []
    for r in result.topics.sort_values("topic").itertuples():
        examples = []
        for ex in r.representative_docs[:n_examples]:
            words = ex["text"].split()
            text = " ".join(words[:excerpt_words]) + (" …" if len(words) > excerpt_words else "")
            where = ex["title"] or ex["article_id"]
            if ex["source"]:
                where += f" ({ex['source']})"
            examples.append(f"<p>“{esc(text)}”<br><small>— {esc(where)}</small></p>")
        theme = getattr(r, "theme", -1)
        rows.append(
            f"<tr><td>{r.topic}</td><td>{'' if theme == -1 else theme}</td><td>{r.count}<br><small>{r.share:.0%}"
            f"</small></td><td><b>{esc(r.label)}</b></td><td>{esc(r.top_words)}</td><td>{''.join(examples)}</td></tr>"
        )
    return (
        "<table class='nt-table'><thead><tr><th>topic</th><th>theme</th><th>documents</th><th>label</th>"
        "<th>top words (lift)</th><th>representative paragraphs</th></tr></thead><tbody>" + "".join(rows)
        + "</tbody></table>"
    )

