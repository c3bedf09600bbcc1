"""Documents and their vectors in, topics out: the topic model stage.

Entry point: :func:`fit_topics`. Inside: ``sizing`` (settings sized to the corpus), ``graph`` (the consensus of
Leiden partitions of the documents' neighbour graph, and themes above topics), ``terms`` (words and phrases a topic
is described by), ``build`` (BERTopic assembled from those parts), ``fit`` (fitting and outlier reassignment),
``themes`` (the theme table), ``means`` (topics' mean vectors and nearest documents, a block at a time), ``labels``
(readable labels, the topic table), ``io`` (safetensors save/load and labelling new documents with a saved model),
``curate`` (a finished run's topics merged, renamed or dropped).
"""
from .build import MAP_MAX_DOCS, build_model, document_coords, make_reducer, make_vectorizer
from .curate import curate, curated_topics
from .fit import TopicResult, fit_topics, reassign_outliers
from .graph import GraphConsensus
from .io import MODEL_DIR, assign_topics, load_model, save_model
from .labels import OUTLIER, OUTLIER_LABEL, clean_terms, make_label, surface_forms, topic_table
from .means import nearest_to_means, topic_means
from .sizing import Sizing, size_for
from .terms import NEWS_STOP_WORDS, PhraseAnalyzer, news_analyzer
from .themes import theme_table

__all__ = [
    "MAP_MAX_DOCS",
    "MODEL_DIR",
    "NEWS_STOP_WORDS",
    "OUTLIER",
    "OUTLIER_LABEL",
    "PhraseAnalyzer",
    "GraphConsensus",
    "Sizing",
    "TopicResult",
    "assign_topics",
    "curate",
    "curated_topics",
    "build_model",
    "clean_terms",
    "document_coords",
    "fit_topics",
    "load_model",
    "make_label",
    "make_reducer",
    "make_vectorizer",
    "nearest_to_means",
    "news_analyzer",
    "reassign_outliers",
    "save_model",
    "size_for",
    "surface_forms",
    "theme_table",
    "topic_means",
    "topic_table",
]
