"""Articles in, documents out: the corpus stage.

Entry point: :func:`load_corpus`. The stage runs, in order: ``readers`` (folders, files, tables, limits,
decoding) -> ``parse`` (HTML, ``metadata`` from headers and datelines, ``cleaning`` of boilerplate, audited)
-> ``paragraphs`` (rebuilt, hard-wrapped text too) -> ``language`` (each article's) -> ``segment`` (documents of
the chosen unit, fitted to the model's window) -> ``dedupe`` (exact and near duplicates). Nothing here knows about
embedding models or topics; the only model facts it takes are a token budget, a function that counts tokens, and
the languages to keep.
"""
from .cleaning import DEFAULT_RULES, CleaningRules
from .dedupe import find_duplicates
from .load import MIN_DOCUMENTS, load_corpus
from .metadata import parse_date
from .paragraphs import is_hard_wrapped, rebuild_paragraphs
from .parse import parse_article
from .readers import decode_bytes, read_articles
from .records import DOC_COLUMNS, META_FIELDS, Article, Corpus, CorpusError, Line, RawArticle
from .segment import segment

__all__ = [
    "DEFAULT_RULES", "DOC_COLUMNS", "META_FIELDS", "MIN_DOCUMENTS", "Article", "CleaningRules", "Corpus", "CorpusError",
    "Line", "RawArticle", "decode_bytes", "find_duplicates", "is_hard_wrapped", "load_corpus", "parse_article",
    "parse_date", "read_articles", "rebuild_paragraphs", "segment",
]
