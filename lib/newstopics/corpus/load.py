"""The corpus stage's entry point: a folder or table of articles in, documents ready to embed out."""
from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np
import pandas as pd

from ..text import estimate_tokens
from . import language
from .cleaning import DEFAULT_RULES, CleaningRules, repeated_lines
from .dedupe import find_duplicates
from .language import COMPILED_FROM, UNDETERMINED, detect
from .paragraphs import rebuild_paragraphs
from .parse import parse_article
from .readers import read_articles
from .records import ARTICLE_COLUMNS, AUDIT_COLUMNS, DOC_COLUMNS, Article, Corpus, CorpusError, RawArticle
from .segment import segment

MIN_DOCUMENTS = 10  # fewer documents than this cannot be topic-modelled meaningfully
PARTITION = 1_000  # articles per task when a cluster reads the corpus (from two partitions on)
_NOT_REMOVALS = ("title", "header-metadata", "byline")  # header lines that became metadata, not boilerplate


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
    languages: Collection[str] | None = None,
    client=None,
) -> Corpus:
    """Read articles from ``path`` and turn them into documents ready to embed.

    Args:
        path: a folder of ``.txt``/``.md``/``.html`` articles (with an optional ``manifest.csv``), one such file,
            or a ``.csv``/``.jsonl``/``.parquet`` table with a text column.
        doc_unit: what one document is: ``"paragraph"``, ``"sentence"`` or ``"article"``.
        clean: remove boilerplate lines (each removal is recorded in ``Corpus.audit``).
        min_words: documents shorter than this are merged with what follows.
        max_tokens: the embedding model's window; longer units are split at sentences.
        count_tokens: the model's token counter (default: an estimate that errs high).
        rules: the boilerplate rules.
        dedupe: drop exact and near-duplicate documents (listed in ``Corpus.duplicates``).
        min_documents: fewer documents than this raise :class:`CorpusError`.
        languages: keep only articles in these languages (ISO 639-1 codes; an article whose language is undetermined
            is kept); the others are listed in ``Corpus.skipped``. None keeps every article.
        client: a Dask client whose workers parse, clean, detect the language of and segment the articles, in
            partitions of :data:`PARTITION` (None: in-process). Reading the files and finding duplicates stay here:
            both look at the whole corpus.

    Returns:
        The :class:`Corpus`: articles, one row per document, the cleaning audit, what was skipped and why.

    Raises:
        CorpusError: nothing usable was found, or too little to model; the message says what was found.

    Example:
        >>> corpus = load_corpus("seeds")                     # doctest: +SKIP
        >>> corpus.summary()["documents"]                     # doctest: +SKIP
        145
    """
    raws, skipped, inputs, extra = read_articles(path)
    settings = (doc_unit, clean, min_words, max_tokens, count_tokens or estimate_tokens, rules, languages)
    if _worth_a_cluster(client, raws):
        articles, audit, parts = _in_partitions(raws, settings, skipped, client)
    elif len(raws) >= 2 * PARTITION and (os.cpu_count() or 1) > 1:
        articles, audit, parts = _in_partitions(raws, settings, skipped)
    else:
        articles, audit, docs = _documents(raws, *settings, skipped)
        parts = [docs]
        del docs
    del raws
    docs, duplicates = _drop_duplicates(parts) if dedupe else (_concat(parts), [])
    docs.insert(0, "doc_id", range(len(docs)))
    docs, articles = with_extra(docs, extra), with_extra(articles, extra)
    corpus = Corpus(
        path=str(path),
        articles=articles,
        documents=docs,
        audit=audit,
        skipped=skipped,
        duplicates=pd.DataFrame(duplicates,
                                columns=["article_id", "text", "kept_article_id", "kept_position", "similarity"]),
        inputs=inputs,
        doc_unit=doc_unit,
        extra_columns=[c for c in extra.columns if c != "article_id"],
    )
    _check_usable(corpus, min_documents)
    return corpus


def with_extra(table: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """The table with the extra metadata columns of its articles (empty text where an article has none)."""
    if extra.shape[1] <= 1 or not len(table):
        return table
    out = table.merge(extra, on="article_id", how="left", validate="many_to_one")
    columns = [c for c in extra.columns if c != "article_id"]
    out[columns] = out[columns].fillna("")
    return out


def _worth_a_cluster(client, raws: list[RawArticle]) -> bool:
    from ..cluster import running

    return running(client) and len(raws) >= 2 * PARTITION


def _in_partitions(raws: list[RawArticle], settings: tuple, skipped: list[dict], client=None):
    """:func:`_documents` over partitions of :data:`PARTITION` articles, put back in order: on the cluster's workers
    when a ``client`` is given, else in two forked processes of this machine. The lines repeated across articles
    (boilerplate) are found here first, over all of them, and sent with every partition."""
    clean, rules = settings[1], settings[5]
    repeated = repeated_lines(raws, rules) if clean else set()
    compiled = len(raws) >= COMPILED_FROM
    parts = [raws[i:i + PARTITION] for i in range(0, len(raws), PARTITION)]
    if client is not None:
        from ..cluster import gather_in_order

        done = gather_in_order(client, _partition, parts, settings=settings, repeated=repeated, compiled=compiled)
    else:
        done = _forked(parts, settings, repeated, compiled)
    frames: tuple[list, list, list] = ([], [], [])
    for *tables, part_skipped in done:
        for kept, table in zip(frames, tables, strict=True):
            kept.append(table)
        skipped += part_skipped
    return _concat(frames[0]), _concat(frames[1]), frames[2]  # the documents' parts stay apart until deduplicated


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The partitions' tables as one, in order (empty ones left out: their columns have no types to agree with)."""
    full = [f for f in frames if len(f)]
    return pd.concat(full, ignore_index=True) if full else frames[0]


def _forked(parts: list[list[RawArticle]], settings: tuple, repeated: set, compiled: bool) -> list:
    """:func:`_partition` of every part in two forked processes, in order; in this process alone where forking is not
    possible or a process died."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .. import speedups

    if compiled:
        language._identifier(compiled=True)  # compiled once here; the forked processes inherit it
    try:
        if sys.platform != "linux":  # fork is only safe to rely on there (macOS spawns by default, for good reason)
            raise OSError(f"reading in forked processes is for Linux, not {sys.platform}")
        with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            done = list(pool.map(_partition, parts, [settings] * len(parts), [repeated] * len(parts),
                                 [compiled] * len(parts)))
        speedups.NOTES["corpus_processes"] = f"{len(parts)} partitions in 2 forked processes"
        return done
    except (OSError, BrokenProcessPool) as exc:  # no fork here, or a process died: the same work, in this one
        speedups.NOTES["corpus_processes"] = f"in-process ({type(exc).__name__}: {str(exc)[:120]})"
        return [_partition(part, settings, repeated, compiled) for part in parts]


def _partition(raws, settings, repeated, compiled):
    """One task: a partition of articles through :func:`_documents`, with what it skipped."""
    skipped: list[dict] = []
    return (*_documents(raws, *settings, skipped, repeated=repeated, compiled=compiled), skipped)


def _documents(raws: list[RawArticle], doc_unit: str, clean: bool, min_words: int, max_tokens: int,
               count_tokens: Callable[[str], int], rules: CleaningRules, languages: Collection[str] | None,
               skipped: list[dict], repeated: set | None = None,
               compiled: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Parse, clean and segment every article: tables of the usable articles, of the removed lines and of the
    documents (tables, not objects, so that a partition's result travels and is kept as a few arrays)."""
    if repeated is None:
        repeated = repeated_lines(raws, rules) if clean else set()
    compiled = len(raws) >= COMPILED_FROM if compiled is None else compiled
    articles: list[Article] = []
    audits: list[dict] = []
    rows: list[dict] = []
    for raw in raws:
        article, body, audit = parse_article(raw, rules, repeated, clean=clean)
        article.paragraphs = rebuild_paragraphs(body)
        article.n_removed = len([a for a in audit if a["rule"] not in _NOT_REMOVALS])
        audits.extend(audit)
        if not article.paragraphs:
            why = ("empty after removing its header" if not audit
                   else f"nothing left after cleaning ({len(audit)} lines removed as header or boilerplate)")
            skipped.append({"item": raw.article_id, "reason": why})
            continue
        article.language, article.language_confidence = detect(" ".join(article.paragraphs), compiled)
        if languages is not None and article.language not in {*languages, UNDETERMINED}:
            skipped.append({"item": raw.article_id, "reason": f"in another language ({article.language}) than the "
                            f"embedding model reads ({', '.join(sorted(languages))}); other_languages=drop"})
            continue
        articles.append(article)
        for pos, text in enumerate(segment(article, doc_unit, min_words, max_tokens, count_tokens)):
            rows.append({"article_id": article.article_id, "position": pos, "text": text,
                         "n_words": len(text.split()), **article.meta()})
    return (pd.DataFrame([a.record() for a in articles], columns=ARTICLE_COLUMNS),
            pd.DataFrame(audits, columns=AUDIT_COLUMNS), pd.DataFrame(rows, columns=DOC_COLUMNS[1:]))


def _drop_duplicates(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, list[dict]]:
    """The documents (in parts, in order) as one table without their exact and near duplicates, and a row per dropped
    one naming the copy kept. Only the parts that lose a document are copied, one at a time: dropping rows from the
    whole table would hold the corpus twice."""
    docs = _concat(parts)  # the parts' columns side by side, not copied
    if len(docs) < 2:
        return docs, []
    dups = find_duplicates(docs["text"])
    rows = [
        {
            "article_id": docs.at[d, "article_id"],
            "text": docs.at[d, "text"],
            "kept_article_id": docs.at[k, "article_id"],
            "kept_position": int(docs.at[k, "position"]),
            "similarity": sim,
        }
        for d, k, sim in dups
    ]
    if not dups:
        return docs, rows
    del docs
    dropped = np.zeros(sum(len(p) for p in parts), bool)
    dropped[[d for d, _, _ in dups]] = True
    start = 0
    for i, part in enumerate(parts):
        here = dropped[start:start + len(part)]
        start += len(part)
        if here.any():
            parts[i] = part[~here]
        del part
    return _concat(parts), rows


def _check_usable(corpus: Corpus, min_documents: int) -> None:
    found = (
        f"{len(corpus.inputs)} file(s) read, {len(corpus.articles)} usable article(s), "
        f"{len(corpus.documents)} document(s)"
    )
    reasons = Counter(s["reason"] for s in corpus.not_used)
    if reasons:
        found += "; skipped: " + "; ".join(f"{n} × {r}" for r, n in reasons.most_common(5))
    if corpus.articles.empty:
        raise CorpusError(
            f"no usable articles in {corpus.path!r} ({found}). Put .txt, .md or .html articles in the folder, "
            f"or pass a .csv/.jsonl/.parquet table with a text column."
        )
    if len(corpus.documents) < min_documents:
        hint = (
            "use doc_unit='paragraph' or 'sentence', or add articles"
            if corpus.doc_unit == "article"
            else "add articles"
        )
        raise CorpusError(
            f"corpus too small to model: {found}; topic modeling needs at least {min_documents} documents. "
            f"Please {hint}."
        )
