"""What the reader sees: interactive charts and escaped tables, drawn in JupyterLab and in the offline report.

Inside: ``render`` (the offline renderer, reading guides, escaping, export), ``charts`` (every view of a
topic result), ``tables`` (escaped HTML tables). Call :func:`setup` once in a notebook before showing figures.
"""
from .charts import (
    HEATMAP_MAX_ROWS,
    article_topic_heatmap,
    document_map,
    hierarchy,
    intertopic_map,
    similarity_heatmap,
    topic_barchart,
    topic_centroids,
    topic_positions,
    topics_over_time,
)
from .render import RENDERER, OfflineRenderer, empty_figure, esc, export, guide, how_to_read, setup, show
from .tables import table_html, topics_html

__all__ = [
    "HEATMAP_MAX_ROWS",
    "RENDERER",
    "OfflineRenderer",
    "article_topic_heatmap",
    "document_map",
    "empty_figure",
    "esc",
    "export",
    "guide",
    "hierarchy",
    "how_to_read",
    "intertopic_map",
    "setup",
    "show",
    "similarity_heatmap",
    "table_html",
    "topic_barchart",
    "topic_centroids",
    "topic_positions",
    "topics_html",
    "topics_over_time",
]
