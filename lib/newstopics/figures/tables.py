"""Tables for the report: escaped HTML (cell text never becomes markup)."""
from __future__ import annotations

import pandas as pd

from ..model import TopicResult
from .render import esc


def table_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    """An escaped HTML table (cell text never becomes markup) of the first ``max_rows`` rows."""
    return df.head(max_rows).to_html(index=False, escape=True, border=0, classes="nt-table")


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
        rows.append(
            f"<tr><td>{r.topic}</td><td>{r.count}<br><small>{r.share:.0%}</small></td><td><b>{esc(r.label)}</b></td>"
            f"<td>{esc(r.top_words)}</td><td>{''.join(examples)}</td></tr>"
        )
    return (
        "<table class='nt-table'><thead><tr><th>topic</th><th>documents</th><th>label</th><th>top words (c-TF-IDF)</th>"
        "<th>representative paragraphs</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )

