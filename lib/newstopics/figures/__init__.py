"""What the reader sees: interactive charts and tables, drawn in JupyterLab and in the offline report.

Inside: ``render`` (the offline renderer, reading guides, escaping, export), ``charts`` (every view of a topic
result), ``time`` (the time line's small multiples, changes and words), ``tables`` (interactive and escaped tables),
``narrative`` (the report's sentences, written from the run).
Call :func:`setup` once in a notebook before showing figures or tables.
"""
from .charts import (
    HEATMAP_MAX_ROWS,
    article_mix_note,
    article_topic_heatmap,
    document_map,
    document_positions,
    hierarchy,
    intertopic_map,
    similarity_heatmap,
    topic_barchart,
    topic_centroids,
    topic_positions,
)
from .narrative import corpus_summary, language_note, run_header, settings_table, steering_summary, topics_summary
from .render import RENDERER, OfflineRenderer, empty_figure, esc, export, guide, how_to_read, setup_figures, show
from .tables import documents_table, interactive_table, setup_tables, skipped_table, table_html, topics_html
from .time import change_chart, theme_panels, time_figures, topic_panels, words_table


def setup() -> None:
    """Once in a notebook, before any figure or table: plotly's offline renderer and itables' offline mode."""
    setup_figures()
    setup_tables()


__all__ = [
    "HEATMAP_MAX_ROWS", "RENDERER", "article_mix_note", "article_topic_heatmap", "change_chart", "corpus_summary",
    "document_map", "document_positions", "documents_table", "empty_figure", "esc", "export", "guide", "hierarchy",
    "how_to_read", "interactive_table", "intertopic_map", "language_note", "OfflineRenderer", "run_header",
    "settings_table", "setup", "setup_figures", "setup_tables", "show", "similarity_heatmap", "skipped_table",
    "steering_summary", "table_html", "theme_panels", "time_figures", "topic_barchart", "topic_centroids",
    "topic_panels", "topic_positions", "topics_html", "topics_summary", "words_table",
]
