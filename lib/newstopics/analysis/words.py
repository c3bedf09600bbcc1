"""What each group says differently inside the same topic: distinctive words per topic and group, and passages that
show them (the words part of :mod:`newstopics.analysis.groups`).

:func:`distinctive_words` scores each word of a topic by the weighted log-odds ratio with an informative Dirichlet
prior (Monroe, Colaresi & Quinn 2008; :func:`newstopics.analysis.stats.log_odds_z`) of the group's texts in the topic
against the other groups' texts in the same topic. Chosen over BERTopic's ``topics_per_class`` c-TF-IDF, which
ranks a class's words without any count of how sure the ranking is: a z-score comes with its variance, and a word's
counts are reported beside it. :func:`passages` picks the documents of a cell that use those words most.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import sparse

from .stats import log_odds_z

MIN_CELL_DOCS = 10  # distinctive words of a topic x group cell: at least this many documents in the cell and in the
#                     other groups' documents of the same topic
WORD_Z = 1.96  # a word is distinctive when its log-odds z-score reaches this (a screening threshold, not corrected
#                for the many words compared: read the words as leads, and their counts beside them)
SENTENCE_WORD_Z = 3.0  # a word is named in a sentence only from this z: a sentence reads as a finding, and thousands
#                        of words are compared (in 100,000 random documents of 12 words from a Zipf vocabulary of
#                        3,000, in 30 groups and 50 topics, 2 words passed 1.96, the largest at 2.0; a word 12 times in
#                        one group's 36 words of a topic and never in the other's 36 reaches 2.3, so a word must recur
#                        for a sentence to name it)
MIN_WORD_COUNT = 3  # ... and at least this many of the group's articles in the topic use it (documents, when
#                     documents are the unit)
N_WORDS = 10  # distinctive words kept per topic x group cell
N_PASSAGES = 2  # representative documents per topic x group cell
EXCERPT_CHARACTERS = 280

DISTINCTIVE_COLUMNS = ["topic", "label", "group", "rank", "word", "z", "delta", "count_group", "count_rest",
                       "total_group", "total_rest", "prior", "docs_group", "docs_rest", "articles_group",
                       "articles_rest"]
PASSAGE_COLUMNS = ["topic", "label", "group", "rank", "doc_id", "article_id", "title", "score", "words", "excerpt"]


def tokens_for(texts, analyzer):
    """The texts' single words (:class:`~newstopics.model.terms.Tokens`, row i for text i): ``analyzer`` itself when it
    is their tokens already (checked against ``texts``), else read by the analyzer (its ``words`` alone when it has
    them)."""
    from ..model.terms import Tokens

    if isinstance(analyzer, Tokens):
        analyzer.check(texts)
        return analyzer
    return Tokens.of(texts, analyzer)


def word_matrix(texts, analyzer) -> tuple[list[str], sparse.csr_matrix]:
    """Documents x single words (terms without a space) counts, by the model's analyzer (its ``words`` alone when it
    has them: the same counts, without making its phrases), or from the documents already tokenized by it
    (``analyzer`` a :class:`~newstopics.model.terms.Tokens`, one row per text; ``texts`` is then not read)."""
    tokens = tokens_for(texts, analyzer)
    return tokens.vocab.tolist(), tokens.counts()


def presence(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Which words each document holds (1.0) from its counts (no stored zeros, as :func:`word_matrix` makes them):
    the counts' own structure with ones for data, so only the data is new (a copy through ``matrix > 0`` was three
    arrays of the matrix's size more). The two share their index arrays: neither may be changed in place."""
    return sparse.csr_matrix((np.ones(len(matrix.data), np.float32), matrix.indices, matrix.indptr),
                             shape=matrix.shape)


def distinctive_words(tokens, group, unit_of, topic, included, topic_ids, labels, min_cell_docs, word_z,
                      n_words) -> pd.DataFrame:
    """Per topic and included group: the words with the highest log-odds z against the other included groups'
    documents of the same topic (``DISTINCTIVE_COLUMNS``).

    Args:
        tokens: the documents' single words (:func:`tokens_for`, row i for document i); which words a topic's
            documents hold is made for one topic at a time (the whole corpus's documents x words at once was 1.2 GB
            and more at 1,000,000 paragraphs).
        group: each document's group ("" for none); ``included``: the groups compared.
        unit_of: each document's counting unit: its article, or the document itself when documents are the unit
            (comparing by ``article_id``, where each group is one article and counting articles would leave every
            word at 1).
        topic, topic_ids, labels: each document's topic, the topics, their labels.
        min_cell_docs: documents a topic x group cell, and the other groups' documents of the topic, need.
        word_z, n_words: the z a word needs to be listed; words kept per cell.

    *Counted per unit.* Each article (of the group, in the topic) counts a word once, however many of its paragraphs
    use it: an article is one voice, as in the test of the topic mix, and one article that repeats a word forty times
    is one article that uses it. Counting the word's occurrences instead made a column dealt at random (``region`` in
    bench/dated_corpus.py, whose topic mix shows no difference) name ten words a region "uses more", each carried by
    one or two articles (z 4.7-5.9). The other groups' side counts each of its articles once too, also when the
    column varies inside articles (a ``section`` per paragraph) and one article sits in several of the other groups.
    ``articles_group`` and ``articles_rest`` are those units (documents, when documents are the unit).

    *Prior.* The topic's own pooled counts, all groups together (``a_i = y_i^g + y_i^r``, ``a0 = n^g + n^r``): the
    background a group's words are set against is the topic they share, so a word used at the same rate by both
    sides scores exactly 0 whatever the sides' sizes. A prior from the whole corpus (Monroe et al.'s own choice,
    made there for one topic) is off-scale inside one topic: a word frequent elsewhere ("win" in a sport-heavy
    corpus) gets a prior far above its counts in a budget topic, which shrinks its variance and leaves the smaller
    side's share of the prior as the signal (5 against 25 uses at 0.59 and 0.50 per 1,000 words scored z = 6.0; with
    the topic's counts, 0.1)."""
    rows = []
    if not len(tokens.ids) or len(included) < 2:
        return pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    words = np.asarray(tokens.vocab, dtype=object)
    code = pd.Index(included).get_indexer(group)  # -1: not an included group
    for k in topic_ids:
        idx = np.flatnonzero((topic == k) & (code >= 0))
        docs_per_group = np.bincount(code[idx], minlength=len(included))
        if not len(idx) or not ((docs_per_group >= min_cell_docs)
                                & (len(idx) - docs_per_group >= min_cell_docs)).any():
            continue
        x = tokens.take(idx).presence()  # the topic's documents x words (the whole vocabulary's columns)
        codes = code[idx]
        units = pd.factorize(pd.Series(unit_of[idx]).astype(str))[0]
        # (group, unit) pairs of the topic: which words each one's documents use
        pair = pd.factorize(pd.Series(codes).astype(str) + "\0" + pd.Series(units).astype(str))[0]
        y_pairs, pair_group = _uses(x, pair, codes)
        unit_count = np.bincount(pair_group, minlength=len(included))
        by_group = sparse.csr_matrix((np.ones(len(pair_group)), (pair_group, np.arange(len(pair_group)))),
                                     shape=(len(included), len(pair_group)))
        per_group = (by_group @ y_pairs).toarray()  # groups x words: the group's units using it
        shared = pair.max() + 1 > units.max() + 1  # a unit in several groups: the rest counted unit by unit
        for gi, g in enumerate(included):
            docs_g, docs_r = int(docs_per_group[gi]), int(len(idx) - docs_per_group[gi])
            if docs_g < min_cell_docs or docs_r < min_cell_docs:
                continue
            y_g = per_group[gi]
            if shared:
                rest = codes != gi
                y_rest, _ = _uses(x[rest], pd.factorize(units[rest])[0], codes[rest])
                y_r, art_r = np.asarray(y_rest.sum(axis=0), dtype=np.float64).ravel(), y_rest.shape[0]
            else:
                y_r, art_r = per_group.sum(axis=0) - y_g, int(unit_count.sum() - unit_count[gi])
            art_g = int(unit_count[gi])
            used = (y_g + y_r) > 0
            w, y_g, y_r = words[used], y_g[used], y_r[used]
            n_g, n_r = y_g.sum(), y_r.sum()
            if n_g == 0 or n_r == 0:
                continue
            prior = y_g + y_r  # the topic's pooled counts; a0 = n_g + n_r
            with np.errstate(divide="ignore", invalid="ignore"):  # a topic of one word: no odds, nothing listed
                delta, z = log_odds_z(y_g, y_r, prior, a0=n_g + n_r)
            # a word is listed only when a larger share of the group's units use it than of the rest's, so "uses
            # it more" is true of the counts beside it, and at least MIN_WORD_COUNT of the group's units do
            ok = np.flatnonzero((z >= word_z) & (y_g >= MIN_WORD_COUNT) & (y_g * art_r > y_r * art_g))
            ok = ok[np.lexsort((w[ok], -z[ok]))][:n_words]
            for rank, i in enumerate(ok, start=1):
                rows.append({"topic": k, "label": labels.get(k, str(k)), "group": g, "rank": rank, "word": w[i],
                             "z": z[i], "delta": delta[i], "count_group": int(y_g[i]), "count_rest": int(y_r[i]),
                             "total_group": int(n_g), "total_rest": int(n_r), "prior": prior[i],
                             "docs_group": docs_g, "docs_rest": docs_r, "articles_group": art_g,
                             "articles_rest": int(art_r)})
    return pd.DataFrame(rows, columns=DISTINCTIVE_COLUMNS)


def _uses(x, unit, codes) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Units x words: 1 where any of the unit's documents (rows of ``x``, the unit of each in ``unit``) uses the
    word; and each unit's group code (its documents' first)."""
    n = int(unit.max()) + 1 if len(unit) else 0
    member = sparse.csr_matrix((np.ones(len(unit)), (unit, np.arange(len(unit)))), shape=(n, len(unit)))
    uses = presence((member @ x).tocsr())  # sums of 0/1 rows: positive where stored
    group_of = np.zeros(n, dtype=int)
    group_of[unit[::-1]] = codes[::-1]
    return uses, group_of


def passages(docs, tokens, group, topic, distinctive) -> pd.DataFrame:
    """Per topic x group cell with distinctive words: the documents of the cell in which those words make up the
    largest share of the words (ties: the earlier document), with an excerpt around the first of them. Chosen by the
    words rather than nearness to the topic's mean vector: a passage should show what the group says differently,
    which the topic's most central paragraph (shared by every group) does not."""
    rows = []
    if distinctive.empty:
        return pd.DataFrame(columns=PASSAGE_COLUMNS)
    lengths = tokens.lengths.astype(float)  # each document's single words
    cells = pd.Series(np.arange(len(topic))).groupby([topic, group]).indices
    for (k, g), cell in distinctive.groupby(["topic", "group"], sort=False):
        chosen = cell["word"].tolist()
        idx = cells[(k, g)]
        uses = tokens.take(idx).counts(chosen)  # the cell's documents x its distinctive words
        hits = np.asarray(uses.sum(axis=1)).ravel()
        score = np.divide(hits, lengths[idx], out=np.zeros(len(idx)), where=lengths[idx] > 0)
        order = np.lexsort((idx, -score))
        for rank, j in enumerate([o for o in order if score[o] > 0][:N_PASSAGES], start=1):
            i = idx[j]
            present = [w for w, c in zip(chosen, uses[j].toarray().ravel(), strict=True) if c > 0]
            d = docs.iloc[i]
            rows.append({"topic": k, "label": cell["label"].iloc[0], "group": g, "rank": rank, "doc_id": d["doc_id"],
                         "article_id": d["article_id"], "title": d.get("title", ""), "score": score[j],
                         "words": ", ".join(present), "excerpt": excerpt(str(d["text"]), present)})
    return pd.DataFrame(rows, columns=PASSAGE_COLUMNS)


def excerpt(text: str, words: list[str], length: int = EXCERPT_CHARACTERS) -> str:
    """About ``length`` characters of ``text``, starting a little before the first of ``words`` (whole words, "…"
    where cut)."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    found = [m.start() for w in words for m in [re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I)] if m]
    start = max(0, min(found) - length // 4) if found else 0
    start = min(start, max(0, len(text) - length))
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + length // 2 else end
    return ("… " if start > 0 else "") + text[start:end] + (" …" if end < len(text) else "")
