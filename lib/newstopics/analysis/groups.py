"""How the coverage differs by any metadata column (source, author, section, ...): tables only, no charts.

:func:`compare_groups` takes a run's documents and topics, the column to compare by and the topic model's analyzer,
and returns a :class:`GroupComparison`:

- ``groups``: each group's documents and articles; groups too small to say anything (fewer than
  :data:`MIN_GROUP_DOCS` documents in topics, or fewer than :data:`MIN_GROUP_ARTICLES` articles when articles hold
  several documents) are listed with the reason and left out of everything else.
- ``prevalence``: each group's share of documents in each topic, with a 95% interval.
- ``test``: a chi-square test of independence of group x topic, corrected for articles holding many documents, with
  Cramér's V and each cell's adjusted residual, Holm-corrected.
- ``distinctive``: inside the same topic, the words each group uses more than the other groups (weighted log-odds
  with an informative Dirichlet prior, Monroe, Colaresi & Quinn 2008), with the counts behind each
  (:mod:`newstopics.analysis.words`).
- ``passages``: up to two documents per topic and group that show those words.
- :meth:`GroupComparison.sentences`: plain-language verdicts, each printed only when its own figure passes its
  stated threshold.

The statistics themselves, each checked by hand, are in :mod:`newstopics.analysis.stats`.

**Why a correction, and which.** Paragraphs of one article share its author, angle and subject: they are not
independent draws. Counting them as independent makes intervals too narrow and a chi-square test far too eager when
articles hold many documents (one article counted 40 times is one voice, not 40). Whenever a group holds several
articles, the article is the unit the uncertainty is measured in (``unit == "article"``):

- *Intervals*: each share's variance is the cluster-robust (linearisation) variance of a ratio over the group's
  articles (:func:`~newstopics.analysis.stats.cluster_variance`); its ratio to the variance of as many independent
  documents is the design effect (never below 1), and the interval is Wilson's on ``documents / design effect``
  with Student's t on ``articles - 1`` degrees of freedom as critical value (as Korn & Graubard 1998 do for survey
  proportions): a group of few articles gets a wide interval, as it should. Chosen over an article bootstrap
  because a percentile bootstrap gives a topic a group never mentions a zero-width interval [0, 0], and a group of
  three articles only ten distinct resamples; Wilson's interval stays inside [0, 1] and is never zero-width. No
  random draws: nothing to seed.
- *Test*: Pearson's X² on the documents' group x topic table divided by the Rao-Scott first-order design effect
  (:func:`mean_design_effect`: the X² the documents' clustering alone would produce, per degree of freedom). Chosen
  over a test of each article's majority topic, which discards most of each article's documents and cannot be made
  when every group is one article. Where every article is wholly one topic it gives about the articles' own X²
  (tests/test_groups.py: 0.75 against 0.8). When the column varies inside articles (a ``section`` per paragraph),
  groups share articles; their shares then move together and the correction errs on the careful side.
  Its p-value is a first-order Rao-Scott F form (R's ``survey::svychisq`` refines the df by Satterthwaite; this
  one assumes equal eigenvalues): ``X² / (d * df)`` against
  F(df, df * nu), ``nu`` = articles - groups, the degrees of freedom of the variance the correction was measured
  with; with many articles it is the chi-square's.
- *Cells*: each cell's adjusted residual divided by the square root of that design effect, two-sided p-values from
  Student's t on the group's ``articles - 1`` degrees of freedom (as its interval uses), Holm's correction over
  every cell of the table (family-wise: a sentence names a particular topic and group, and each one named should
  hold, not merely most of them, as Benjamini-Hochberg would allow), and only when the test as a
  whole is significant (a cell is never named against the whole table's verdict) and the group's own interval leaves
  out the other groups' share (a cell is never named where the prevalence chart's bar contains the share it is
  compared with).

When every group is one article (comparing by ``article_id``) there is no spread between a group's articles to
measure: documents are the unit (``unit == "document"``) and a sentence says the figures then treat paragraphs as
independent.

Documents of the outlier topic (-1) are left out of shares, test and words (their share says how well the model
fitted, not what a group covers); each group's count of them is in ``groups``.

Example:
    >>> cmp = compare_groups(result.documents, result.topics, "source",
    ...                      result.model.vectorizer_model.build_analyzer())        # doctest: +SKIP
    >>> print("\\n".join(cmp.sentences()))                                           # doctest: +SKIP
    >>> for name, table in cmp.to_tables().items(): table.to_csv(f"groups_{name}.csv", index=False)  # doctest: +SKIP
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from ..model.terms import Tokens
from .stats import adjusted_residuals, cramers_v, design_effects, holm, mean_design_effect, wilson
from .words import (
    DISTINCTIVE_COLUMNS,
    MIN_CELL_DOCS,
    N_WORDS,
    SENTENCE_WORD_Z,
    WORD_Z,
    distinctive_words,
    passages,
    tokens_for,
)

OUTLIER = -1  # the outlier topic, as in ``model.OUTLIER`` (not imported: these tables need no model stack)

ALPHA = 0.05  # significance level of every test here, after its correction
MIN_GROUP_DOCS = 30  # a group needs this many documents in topics to be compared ...
MIN_GROUP_ARTICLES = 3  # ... and this many articles when articles hold several documents: the spread between a
#                         group's articles is what its intervals and tests rest on, and from 2 articles it is a
#                         one-degree-of-freedom estimate that is 0 whenever they happen to share a mix (two articles of
#                         40 paragraphs then counted as 80 independent voices); from 3 on, Student's t on the
#                         articles' degrees of freedom (4.3 at 2 df) keeps a thin spread from being over-read
LOW_EXPECTED = 5  # Cochran's rule: a chi-square p-value is approximate when more than ...
LOW_EXPECTED_SHARE = 0.2  # ... this share of cells expect fewer than LOW_EXPECTED documents
MAX_SENTENCES_PER_KIND = 10  # cell and word sentences shown at most (the tables hold them all)
CONFIDENCE = 0.95

# Columns that are the model's output, the text or a document's own identity: nothing to compare coverage by.
NOT_METADATA = frozenset({"doc_id", "text", "topic", "label", "theme", "agreement", "reassigned", "nearest_topic",
                          "position", "n_words", "vote_share", "similarity"})


# --- columns ---------------------------------------------------------------------------------------------------

TABLE_NAMES = ("groups", "prevalence", "test", "residuals", "distinctive", "passages")  # see GroupComparison.to_tables


def group_values(documents: pd.DataFrame, by: str) -> pd.Series:
    """Each document's group under ``by`` as text, stripped; a missing value is ``""``."""
    values = documents[by].astype("string").fillna("").str.strip()
    return values.astype(object).astype(str)


def comparable_columns(documents: pd.DataFrame) -> list[str]:
    """The metadata columns a comparison can be made by (everything but the text, ids and the model's output)."""
    return [c for c in documents.columns if c not in NOT_METADATA]


def check_compare_by(documents: pd.DataFrame, by: str) -> str:
    """``by`` when the documents can be compared by it; else a ValueError that names the columns that can.

    Example:
        >>> check_compare_by(docs, "sourse")  # doctest: +SKIP
        ValueError: cannot compare the coverage by 'sourse': the documents have no such column. Compare by one of: ...
    """
    available = ", ".join(repr(c) for c in comparable_columns(documents)) or "(none)"
    if not isinstance(by, str) or by not in documents.columns:
        raise ValueError(f"cannot compare the coverage by {by!r}: the documents have no such column. Compare by one "
                         f"of: {available} (a column of the input table or manifest becomes one).")
    if by in NOT_METADATA:
        raise ValueError(f"cannot compare the coverage by {by!r}: it is the text, a document's id or the model's "
                         f"output, not metadata. Compare by one of: {available}.")
    return by


def default_compare_by(documents: pd.DataFrame) -> list[str]:
    """The columns a report compares by when none is asked for: ``source`` when it holds two or more non-empty
    values, else ``author`` when it does, else none."""
    for column in ("source", "author"):
        if column in documents.columns:
            values = group_values(documents, column)
            if values[values != ""].nunique() >= 2:
                return [column]
    return []


def compare_columns(documents: pd.DataFrame, requested) -> list[str]:
    """The columns a report compares by: ``requested`` (the ``compare_by`` parameter: None for the default of
    :func:`default_compare_by`, an empty list for none), each checked (:func:`check_compare_by`)."""
    if requested is None:
        return default_compare_by(documents)
    return [check_compare_by(documents, by) for by in requested]


def file_stem(by: str) -> str:
    """The name a comparison's tables are written under: ``compare_<column>`` with the column name made safe for a
    file name (``compare_source``, ``compare_news-desk``)."""
    return "compare_" + (re.sub(r"[^A-Za-z0-9_-]+", "-", by).strip("-") or "column")


def files_of(comparison: GroupComparison) -> dict[str, pd.DataFrame]:
    """The comparison's tables by the file name a run writes them under (``compare_<column>_<table>``)."""
    return {f"{file_stem(comparison.by)}_{name}": table for name, table in comparison.to_tables().items()}


def read_comparisons(folder, columns: list[str]) -> dict[str, GroupComparison]:
    """The comparisons a run wrote (:func:`files_of`), by column, read back as ``load_run`` reads tables."""
    from pathlib import Path

    out = {}
    for by in columns:
        stem = Path(folder) / file_stem(by)
        paths = {name: Path(f"{stem}_{name}.csv") for name in TABLE_NAMES}
        if all(p.is_file() for p in paths.values()):
            tables = {}
            for name, path in paths.items():
                table = pd.read_csv(path, keep_default_na=False, na_values=[""])
                text = table.select_dtypes(include=["object", "string"]).columns
                table[text] = table[text].fillna("")
                tables[name] = table
            out[by] = GroupComparison.from_tables(tables)
    return out


# --- the result ------------------------------------------------------------------------------------------------

@dataclass
class GroupTest:
    """Whether the topic mix differs between groups (outliers excluded), and where.

    Attributes:
        statistic: Pearson's X² on the documents' group x topic table.
        df: its degrees of freedom, (groups - 1)(topics - 1).
        p_documents: its p-value as if documents were independent (optimistic when articles hold many documents).
        design_effect: the Rao-Scott first-order correction (see :func:`mean_design_effect`; 1 when documents are
            the unit).
        statistic_adjusted: ``statistic / design_effect``.
        df_denominator: when articles are the unit, the second degrees of freedom of the Rao-Scott F form the
            p-value is read from, ``df * (articles - groups)``, its statistic ``statistic_adjusted / df``; 0 when
            documents are the unit (the p-value is then the chi-square's on ``df``).
        p_value: its p-value: the one every verdict reads.
        cramers_v: Cramér's V of the documents' table (an effect size: 0 no association, 1 complete).
        n: documents tested; groups, topics: the table's size.
        low_expected_share: the share of cells expecting fewer than :data:`LOW_EXPECTED` documents.
        critical: the |residual| the strictest Holm step needs (Bonferroni's normal z over every cell; a group of
            few articles, tested on Student's t, needs more).
        reason: why no test was made ("" when one was).
        residuals: one row per group and topic: ``group``, ``topic``, ``label``, ``observed``, ``expected``,
            ``share_group`` (the topic's share of the group's documents), ``share_rest`` (of the other groups'),
            ``residual`` (Haberman's adjusted standardized residual), ``residual_adjusted`` (divided by the square
            root of the design effect), ``p`` (two-sided: Student's t on the group's articles - 1 df when articles
            are the unit, else normal), ``p_holm`` (Holm over every cell) and ``flagged`` (``p_holm < alpha``, the
            test as a whole significant and the group's interval leaving out ``share_rest``).
    """

    statistic: float = np.nan
    df: int = 0
    p_documents: float = np.nan
    design_effect: float = np.nan
    statistic_adjusted: float = np.nan
    df_denominator: int = 0
    p_value: float = np.nan
    cramers_v: float = np.nan
    n: int = 0
    groups: int = 0
    topics: int = 0
    low_expected_share: float = np.nan
    critical: float = np.nan
    reason: str = ""
    residuals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RESIDUAL_COLUMNS))

    @property
    def tested(self) -> bool:
        return not self.reason

    def figures(self) -> str:
        """The test's figures as a sentence reads them: the statistic its p-value comes from, with its degrees of
        freedom."""
        if self.df_denominator > 0:
            stat = f"Rao-Scott F {self.statistic_adjusted / self.df:.2f} on {self.df:,} and {self.df_denominator:,} df"
        else:
            stat = f"chi-square {self.statistic_adjusted:,.1f} on {self.df:,} df"
        return (f"{stat}, {_p(self.p_value)}, Cramér's V {self.cramers_v:.2f}, {_n(self.n, 'document')} in "
                f"{self.groups} groups")


RESIDUAL_COLUMNS = ["group", "topic", "label", "observed", "expected", "share_group", "share_rest", "residual",
                    "residual_adjusted", "p", "p_holm", "flagged"]
GROUP_COLUMNS = ["group", "documents", "in_topics", "outliers", "articles", "articles_in_topics", "included",
                 "reason"]
PREVALENCE_COLUMNS = ["group", "topic", "label", "count", "total", "share", "low", "high", "design_effect",
                      "articles"]
_TEST_FIELDS = ["statistic", "df", "p_documents", "design_effect", "statistic_adjusted", "df_denominator", "p_value",
                "cramers_v", "n", "groups", "topics", "low_expected_share", "critical", "reason"]


@dataclass
class GroupComparison:
    """The coverage compared by one metadata column (see :func:`compare_groups`).

    Attributes:
        by: the column.
        unit: ``"article"`` (the uncertainty is measured over articles) or ``"document"`` (every group is one
            article: paragraphs counted as independent).
        groups: one row per group (``GROUP_COLUMNS``): ``documents``, ``in_topics`` (not outliers), ``outliers``,
            ``articles``, ``articles_in_topics`` (those with documents in topics: the ones the article rule counts),
            ``included`` and, for a group left out, the ``reason``; documents with no value form a row with
            ``group == ""`` and reason ``no value``.
        prevalence: one row per included group and topic (``PREVALENCE_COLUMNS``): ``count``, ``total`` (the group's
            documents in topics), ``share``, the interval ``low``-``high``, the cell's ``design_effect`` and the
            group's ``articles`` with documents in topics.
        test: the chi-square test and its residuals (:class:`GroupTest`).
        distinctive: per topic and group, the words the group uses more than the other groups' documents of the
            topic (``DISTINCTIVE_COLUMNS``, :func:`~newstopics.analysis.words.distinctive_words`): ``z`` and
            ``delta`` of the log-odds, ``count_group`` and ``count_rest`` (the articles of the topic, in the group
            and in the rest, whose documents use the word: each article counts a word once; documents, when
            documents are the unit: :attr:`counted`), ``total_group`` and ``total_rest`` (those counts over all
            words), ``prior`` (its prior count), ``docs_group`` and ``docs_rest``, ``articles_group`` and
            ``articles_rest`` (the cell's documents, and its articles or documents as counted).
        passages: per topic and group, up to :data:`~newstopics.analysis.words.N_PASSAGES` documents
            (``PASSAGE_COLUMNS``): the share of the document's words that are the cell's distinctive words
            (``score``), which ones (``words``), an ``excerpt`` around the first.
        settings: the thresholds used (``alpha``, ``min_group_docs``, ``min_group_articles``, ``min_cell_docs``,
            ``word_z``, ``sentence_word_z``, ``confidence``; ``words_note`` when the distinctive words of a run
            saved by an earlier version could not be read).
    """

    by: str
    unit: str
    groups: pd.DataFrame
    prevalence: pd.DataFrame
    test: GroupTest
    distinctive: pd.DataFrame
    passages: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def counted(self) -> str:
        """What a distinctive word is counted once per: ``"article"``, or ``"document"`` when documents are the
        unit."""
        return "article" if self.unit == "article" else "document"

    @property
    def included(self) -> list[str]:
        """The groups compared, largest first."""
        return self.groups.loc[self.groups["included"].astype(bool), "group"].astype(str).tolist()

    def to_tables(self) -> dict[str, pd.DataFrame]:  # names: TABLE_NAMES
        """Named tables of plain columns, to write as CSV (``groups``, ``prevalence``, ``test`` (one row, with the
        settings), ``residuals``, ``distinctive``, ``passages``); :meth:`from_tables` reads them back."""
        test = {name: getattr(self.test, name) for name in _TEST_FIELDS}
        test = {"by": self.by, "unit": self.unit, **test, **self.settings}
        return {"groups": self.groups, "prevalence": self.prevalence, "test": pd.DataFrame([test]),
                "residuals": self.test.residuals, "distinctive": self.distinctive, "passages": self.passages}

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame]) -> GroupComparison:
        """A comparison from the tables of :meth:`to_tables`, as written to CSV and read back (``load_run``'s
        reading: empty text cells as ""). Group names are read as text; a name a CSV reader takes for a number comes
        back as that number written plainly ("2024" stays "2024", but "007" becomes "7").

        Tables of a run saved by an earlier version are read by one rule, here: a missing ``articles_in_topics`` is
        the group's ``articles``; a missing ``df_denominator`` is the one whose F gives back the p-value written; and
        distinctive words counted by occurrences (no ``articles_group`` column) are not read, with a note
        (``settings["words_note"]``) that a sentence prints, since their counts cannot be read as articles."""
        tables = _upgrade(tables)
        row = tables["test"].iloc[0].to_dict()
        settings = {k: row[k] for k in row if k not in {"by", "unit", *_TEST_FIELDS}}
        fields = {k: row[k] for k in _TEST_FIELDS}
        fields["reason"] = "" if pd.isna(fields["reason"]) else str(fields["reason"])
        for name in ("df", "df_denominator", "n", "groups", "topics"):
            fields[name] = int(fields[name])

        def text_groups(df: pd.DataFrame) -> pd.DataFrame:
            df = df.copy()
            if "group" in df.columns:
                df["group"] = df["group"].map(_as_text)
            return df

        residuals = text_groups(tables["residuals"])
        residuals["flagged"] = residuals["flagged"].astype(bool)
        groups = text_groups(tables["groups"])
        groups["included"] = groups["included"].astype(bool)
        return cls(by=str(row["by"]), unit=str(row["unit"]), groups=groups,
                   prevalence=text_groups(tables["prevalence"]), test=GroupTest(**fields, residuals=residuals),
                   distinctive=text_groups(tables["distinctive"]), passages=text_groups(tables["passages"]),
                   settings=settings)

    # --- verdicts ---

    def sentences(self) -> list[str]:
        """Plain-language verdicts, each computed from its own figure against its stated threshold: a difference is
        stated only when its corrected p-value is under ``alpha``, a topic over- or under-represented only when its
        cell is flagged (Holm-adjusted p under ``alpha``, the whole test significant, the residual's sign matching),
        a word only when its z-score reaches ``word_z``."""
        s = self.settings
        alpha = float(s.get("alpha", ALPHA))
        by = self.by
        out: list[str] = []
        groups = self.groups
        missing = groups[groups["reason"] == "no value"]
        if len(missing) and int(missing["documents"].iloc[0]) > 0:
            m = missing.iloc[0]
            out.append(f"{_n(m['documents'], 'document')} ({_n(m['articles'], 'article')}) have no {by} and are left "
                       f"out.")
        small = groups[~groups["included"].astype(bool) & (groups["reason"] != "no value")]
        if len(small):
            named = [f"{g.group} ({_n(g.in_topics, 'document')} in topics, in {_n(g.articles_in_topics, 'article')})"
                     for g in small.head(MAX_SENTENCES_PER_KIND).itertuples()]
            more = f" and {len(small) - len(named)} more" if len(small) > len(named) else ""
            rule = f"fewer than {int(s.get('min_group_docs', MIN_GROUP_DOCS))} documents in topics"
            if self.unit == "article" and int(s.get("min_group_articles", MIN_GROUP_ARTICLES)) > 1:
                rule += (f" or fewer than {int(s.get('min_group_articles', MIN_GROUP_ARTICLES))} articles with "
                         f"documents in topics")
            out.append(f"Too small to compare ({rule}), so left out: {'; '.join(named)}{more}.")
        t = self.test
        if not t.tested:
            out.append(f"The topic mix is not compared by {by}: {t.reason}.")
            return out
        if self.unit == "document" and (groups.loc[groups["included"].astype(bool), "articles"] == 1).all():
            out.append(f"Each {by} group is a single article, so its documents are counted as independent: if the "
                       f"paragraphs of an article go together, the test and intervals below are too confident.")
        elif round(t.design_effect, 2) > 1:
            out.append(f"Documents of one article are not independent: the chi-square is divided by the design effect "
                       f"{t.design_effect:.2f} measured over articles ({_p(t.p_documents)} before).")
        figures = t.figures()
        if t.p_value < alpha:
            out.append(f"The topic mix differs by {by} ({figures}; significant at {alpha:g}).")
        else:
            out.append(f"No clear difference in the topic mix by {by} ({figures}; not significant at {alpha:g}).")
        if t.low_expected_share > LOW_EXPECTED_SHARE:
            out.append(f"{t.low_expected_share:.0%} of the cells expect fewer than {LOW_EXPECTED} documents, so the "
                       f"chi-square p-value is approximate.")
        out.extend(self._cell_sentences(alpha))
        if isinstance(s.get("words_note"), str) and s["words_note"]:
            out.append(f"Distinctive words are not shown: {s['words_note']}.")
        out.extend(self._word_sentences(float(s.get("sentence_word_z", SENTENCE_WORD_Z))))
        return out

    def _cell_sentences(self, alpha: float) -> list[str]:
        t = self.test
        if not (t.tested and t.p_value < alpha):
            return []  # no cell is named when the mix as a whole shows no clear difference
        r = t.residuals
        flagged = r[r["flagged"].astype(bool) & (r["p_holm"] < alpha)]
        flagged = flagged.reindex(flagged["residual_adjusted"].abs().sort_values(ascending=False).index)
        if flagged.empty:
            return [f"No single topic stands out in one {self.by} after Holm's correction over {len(r)} cells."]
        ci = self.prevalence.set_index(["group", "topic"])
        out = []
        for c in flagged.head(MAX_SENTENCES_PER_KIND).itertuples():
            over = c.residual_adjusted > 0
            if over != (c.share_group > c.share_rest):
                continue  # the residual's sign and the shares must tell the same story
            interval = ""
            if (c.group, c.topic) in ci.index:
                lo, hi = ci.loc[(c.group, c.topic), ["low", "high"]]
                interval = f", {CONFIDENCE:.0%} interval {lo:.0%}-{hi:.0%}"
            out.append(f"Topic {c.topic} ({c.label}) is {'over' if over else 'under'}-represented in {c.group}: "
                       f"{c.share_group:.0%} of its documents{interval}, against {c.share_rest:.0%} in the other "
                       f"groups (adjusted residual {c.residual_adjusted:+.1f}, {_p(c.p_holm)} after Holm's "
                       f"correction over {len(r)} cells).")
        if len(flagged) > MAX_SENTENCES_PER_KIND:
            out.append(f"{len(flagged) - MAX_SENTENCES_PER_KIND} more cells stand out (see the residuals table).")
        return out

    def _word_sentences(self, word_z: float) -> list[str]:
        d = self.distinctive
        rate_g = d["count_group"] / d["articles_group"].where(d["articles_group"] > 0)
        rate_r = d["count_rest"] / d["articles_rest"].where(d["articles_rest"] > 0)
        d = d.assign(rate_group=rate_g, rate_rest=rate_r)
        d = d[(d["z"] >= word_z) & (d["rate_group"] > d["rate_rest"])]
        if d.empty:
            return []
        cells = (d.groupby(["topic", "group"], sort=False)["z"].max().sort_values(ascending=False)
                 .head(MAX_SENTENCES_PER_KIND))
        out = []
        for (topic, group), _ in cells.items():
            words = d[(d["topic"] == topic) & (d["group"] == group)].sort_values("z", ascending=False).head(3)
            listed = "; ".join(f"“{w.word}” in {w.count_group} of {w.articles_group:,} ({_pct(w.rate_group)}) "
                               f"against {w.count_rest} of {w.articles_rest:,} ({_pct(w.rate_rest)}), z {w.z:.1f}"
                               for w in words.itertuples())
            out.append(f"Inside topic {topic} ({words['label'].iloc[0]}), {group}'s {self.counted}s use these words "
                       f"more than the other groups' do: {listed} (z ≥ {word_z:g}).")
        return out


def _upgrade(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables of a run saved by an earlier version in today's columns (see :meth:`GroupComparison.from_tables`)."""
    tables = dict(tables)
    groups = tables["groups"]
    if "articles_in_topics" not in groups:
        tables["groups"] = groups = groups.assign(articles_in_topics=groups["articles"])
    test = tables["test"]
    if "df_denominator" not in test:
        tables["test"] = test.assign(df_denominator=_recovered_df2(test.iloc[0], groups))
    if "articles_group" not in tables["distinctive"]:
        tables["distinctive"] = pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
        tables["test"] = tables["test"].assign(words_note="this run was saved by an earlier version, which counted "
                                                          "word occurrences rather than articles: run it again to "
                                                          "list them")
    return tables


def _recovered_df2(row, groups: pd.DataFrame) -> int:
    """The second degrees of freedom an earlier version read a test's p-value from, F(df, df * nu) with nu its
    articles with documents in topics less the groups, which it did not write: the nu up to the included groups'
    articles less the groups whose F gives back the p-value written (outlier-only articles make the articles an
    upper bound only); that bound when the p-value cannot tell (too small to tell apart), 0 when documents were the
    unit."""
    df = int(row["df"])
    included = groups[groups["included"].astype(bool)]
    top = int(included["articles"].sum()) - len(included)
    if str(row["unit"]) != "article" or top < 1 or df < 1 or pd.isna(row["p_value"]):
        return 0
    nus = np.arange(1, top + 1)
    with np.errstate(divide="ignore"):
        gap = np.abs(np.log(stats.f.sf(float(row["statistic_adjusted"]) / df, df, df * nus)) -
                     np.log(float(row["p_value"])))
    best = int(np.nanargmin(gap)) if np.isfinite(gap).any() else top - 1
    return df * int(nus[best]) if np.isfinite(gap[best]) and gap[best] < 1e-6 else df * top


def _as_text(value) -> str:
    """A group name read back from CSV: "" for empty, 2024 (read as 2024.0 beside an empty cell) as "2024"."""
    if pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _n(count, noun: str) -> str:
    count = int(count)
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.1 or x == 0 else f"{x:.1%}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --- the comparison --------------------------------------------------------------------------------------------

def compare_groups(
    documents: pd.DataFrame,
    topics: pd.DataFrame,
    by: str,
    analyzer: Callable[[str], list[str]] | Tokens,
    *,
    min_group_docs: int = MIN_GROUP_DOCS,
    min_group_articles: int = MIN_GROUP_ARTICLES,
    min_cell_docs: int = MIN_CELL_DOCS,
    alpha: float = ALPHA,
    word_z: float = WORD_Z,
    sentence_word_z: float = SENTENCE_WORD_Z,
    n_words: int = N_WORDS,
) -> GroupComparison:
    """Compare the coverage by the column ``by``: group sizes, topic shares with intervals, a test, distinctive words
    and passages.

    Args:
        documents: one row per document with ``doc_id``, ``article_id``, ``topic`` (-1 outlier), ``text``, ``title``
            and the column ``by`` (``TopicResult.documents`` or a loaded run's).
        topics: one row per topic with ``topic`` and ``label``.
        by: the metadata column (see :func:`check_compare_by`).
        analyzer: text -> terms, the topic model's (``model.vectorizer_model.build_analyzer()``); only single words
            (terms without a space) are counted. Or the documents already tokenized by it
            (:class:`~newstopics.model.terms.Tokens`, row i for document row i), as :func:`compare_result` passes.
        min_group_docs: documents in topics a group needs.
        min_group_articles: articles a group needs when articles hold several documents.
        min_cell_docs: documents a topic x group cell (and the other groups' documents of that topic) needs for its
            distinctive words.
        alpha: significance level after correction.
        word_z: z-score a distinctive word needs (in the tables).
        sentence_word_z: z-score a word needs to be named in a sentence.
        n_words: distinctive words kept per cell.

    Returns:
        A :class:`GroupComparison`.

    Raises:
        ValueError: ``by`` is not a metadata column of the documents (the message names those that are).
    """
    check_compare_by(documents, by)
    docs = documents.reset_index(drop=True)
    group = group_values(docs, by).to_numpy()
    article = docs["article_id"].astype(str).to_numpy()
    topic = docs["topic"].to_numpy().astype(int)
    labels = dict(zip(topics["topic"].astype(int), topics["label"].astype(str), strict=False))
    topic_ids = sorted(t for t in set(topics["topic"].astype(int)) | set(topic.tolist()) if t != OUTLIER)

    several = pd.Series(article).value_counts().max() > 1 if len(article) else False
    present = group != ""
    per_group_articles = pd.Series(article[present]).groupby(group[present]).nunique()
    unit = "article" if several and (per_group_articles > 1).any() else "document"
    need_articles = min_group_articles if unit == "article" else 1

    groups = _group_table(group, article, topic, min_group_docs, need_articles)
    included = groups.loc[groups["included"], "group"].tolist()
    settings = {"alpha": alpha, "min_group_docs": min_group_docs, "min_group_articles": min_group_articles,
                "min_cell_docs": min_cell_docs, "word_z": word_z, "sentence_word_z": sentence_word_z,
                "confidence": CONFIDENCE}

    # documents as the unit: one row per group is all the test and the intervals need
    counts = _cluster_counts(group, article if unit == "article" else group, topic, included, topic_ids)
    articles = dict(zip(groups["group"], groups["articles_in_topics"], strict=True))
    prevalence = _prevalence(counts, topic_ids, labels, unit, articles)
    test = _test(counts, topic_ids, labels, unit, alpha)
    _agree_with_intervals(test, prevalence)
    tokens = tokens_for(docs["text"].astype(str), analyzer)
    unit_of = article if unit == "article" else np.arange(len(docs))  # what a word is counted once per
    distinctive = distinctive_words(tokens, group, unit_of, topic, included, topic_ids, labels, min_cell_docs,
                                    word_z, n_words)
    shown = passages(docs, tokens, group, topic, distinctive)
    return GroupComparison(by=by, unit=unit, groups=groups, prevalence=prevalence, test=test,
                           distinctive=distinctive, passages=shown, settings=settings)


def compare_result(result, by: str, **options) -> GroupComparison:
    """:func:`compare_groups` on a :class:`~newstopics.model.TopicResult` or a loaded run (``load_run``): its
    documents, topics and their words as its model's analyzer reads them (tokenized once per result)."""
    from ..model.terms import tokens_of

    return compare_groups(result.documents, result.topics, by, tokens_of(result), **options)


def _group_table(group, article, topic, min_docs: int, min_articles: int) -> pd.DataFrame:
    """One row per group (``GROUP_COLUMNS``). The article rule counts articles with documents in topics
    (``articles_in_topics``): an article wholly of outliers adds nothing to the shares or to the spread they are
    measured with."""
    in_topics = topic != OUTLIER
    frame = pd.DataFrame({"group": group, "article": article, "in_topics": in_topics,
                          "topical": np.where(in_topics, article, None)})
    table = frame.groupby("group", sort=False).agg(documents=("article", "size"), in_topics=("in_topics", "sum"),
                                                   articles=("article", "nunique"),
                                                   articles_in_topics=("topical", "nunique")).reset_index()
    table["outliers"] = table["documents"] - table["in_topics"]
    reasons = []
    for r in table.itertuples():
        why = []
        if r.group == "":
            why.append("no value")
        else:
            if r.in_topics < min_docs:
                why.append(f"fewer than {min_docs} documents in topics")
            if r.articles_in_topics < min_articles:
                why.append(f"fewer than {min_articles} articles with documents in topics")
        reasons.append("; ".join(why))
    table["reason"] = reasons
    table["included"] = table["reason"] == ""
    table = table.sort_values(["included", "in_topics", "group"], ascending=[False, False, True], kind="stable")
    return table[GROUP_COLUMNS].reset_index(drop=True)


def _cluster_counts(group, article, topic, included: list[str], topic_ids: list[int]) -> dict[str, np.ndarray]:
    """Each included group's articles x topics counts (outliers left out), in the order of ``included``."""
    keep = np.isin(group, included) & (topic != OUTLIER)
    table = pd.crosstab([group[keep], article[keep]], pd.Categorical(topic[keep], categories=topic_ids),
                        dropna=False).reindex(columns=topic_ids, fill_value=0)
    table = table[table.sum(axis=1) > 0]
    parts = {g: part.to_numpy(dtype=float) for g, part in table.groupby(level=0, sort=False)}
    return {g: parts.get(g, np.zeros((0, len(topic_ids)))) for g in included}


def _prevalence(counts: dict[str, np.ndarray], topic_ids, labels, unit: str, articles: dict) -> pd.DataFrame:
    rows = []
    for g, c in counts.items():
        total = c.sum()
        a = int((c.sum(axis=1) > 0).sum())  # articles with documents in topics
        share = c.sum(axis=0) / total
        deff = design_effects(c) if unit == "article" else np.ones(len(topic_ids))
        if unit == "article":  # Student's t on (articles - 1) df: few articles, wide intervals
            z = stats.t.ppf(0.5 + CONFIDENCE / 2, a - 1) if a >= 2 else np.inf
        else:
            z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
        low, high = wilson(share, total / deff, z)
        for i, k in enumerate(topic_ids):
            rows.append({"group": g, "topic": k, "label": labels.get(k, str(k)), "count": int(c[:, i].sum()),
                         "total": int(total), "share": share[i], "low": low[i], "high": high[i],
                         "design_effect": deff[i], "articles": int(articles[g])})
    return pd.DataFrame(rows, columns=PREVALENCE_COLUMNS)


def _test(counts: dict[str, np.ndarray], topic_ids, labels, unit: str, alpha: float) -> GroupTest:
    names = list(counts)
    if len(names) < 2:
        return GroupTest(reason=f"fewer than two groups are large enough ({len(names)})", groups=len(names))
    table = np.array([c.sum(axis=0) for c in counts.values()])
    keep = table.sum(axis=0) > 0
    if keep.sum() < 2:
        return GroupTest(reason="the groups' documents fall in fewer than two topics", groups=len(names))
    observed = table[:, keep]
    kept = [k for k, on in zip(topic_ids, keep, strict=True) if on]
    n = observed.sum()
    expected, resid = adjusted_residuals(observed)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    adjusted_by = [c[:, keep] for c in counts.values()]
    if unit == "article":  # Rao-Scott: F on (df, df * nu), nu the articles' degrees of freedom over the groups
        deff = mean_design_effect(adjusted_by)
        nu = sum(len(c) for c in adjusted_by) - len(adjusted_by)
        p_value = float(stats.f.sf(statistic / deff / df, df, df * nu)) if nu > 0 else 1.0
        df_denominator = df * nu
        cell_df = np.array([max(len(c) - 1, 1) for c in adjusted_by], dtype=float)[:, None]
    else:
        deff, p_value, cell_df, df_denominator = 1.0, float(stats.chi2.sf(statistic, df)), None, 0
    adjusted = resid / np.sqrt(deff)
    p_cell = (2 * stats.t.sf(np.abs(adjusted), cell_df) if cell_df is not None
              else 2 * stats.norm.sf(np.abs(adjusted)))
    p_holm = holm(p_cell.ravel()).reshape(p_cell.shape)
    rows_total = observed.sum(axis=1, keepdims=True)
    cols_total = observed.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_rest = (cols_total - observed) / (n - rows_total)
    rows = []
    for i, g in enumerate(names):
        for j, k in enumerate(kept):
            rows.append({"group": g, "topic": k, "label": labels.get(k, str(k)), "observed": int(observed[i, j]),
                         "expected": expected[i, j], "share_group": observed[i, j] / rows_total[i, 0],
                         "share_rest": share_rest[i, j], "residual": resid[i, j],
                         "residual_adjusted": adjusted[i, j], "p": p_cell[i, j], "p_holm": p_holm[i, j],
                         "flagged": bool(p_holm[i, j] < alpha and p_value < alpha)})
    cells = observed.size
    return GroupTest(statistic=statistic, df=df, p_documents=float(stats.chi2.sf(statistic, df)),
                     design_effect=deff, statistic_adjusted=statistic / deff, df_denominator=int(df_denominator),
                     p_value=p_value,
                     cramers_v=cramers_v(statistic, n, observed.shape), n=int(n), groups=len(names),
                     topics=len(kept), low_expected_share=float((expected < LOW_EXPECTED).mean()),
                     critical=float(stats.norm.isf(alpha / (2 * cells))),
                     residuals=pd.DataFrame(rows, columns=RESIDUAL_COLUMNS))


def _agree_with_intervals(test: GroupTest, prevalence: pd.DataFrame) -> None:
    """Unflag a cell whose group's interval contains the other groups' share: the test pools the group's and the rest's
    uncertainty and is the sharper of the two where both are wide, but a cell named "over-represented" must not sit
    on a chart bar that reaches the share it is compared with."""
    if not test.tested or test.residuals.empty:
        return
    r = test.residuals
    ci = prevalence.set_index(["group", "topic"])[["low", "high"]]
    bounds = ci.reindex(pd.MultiIndex.from_arrays([r["group"], r["topic"]])).to_numpy()
    inside = (bounds[:, 0] <= r["share_rest"].to_numpy()) & (r["share_rest"].to_numpy() <= bounds[:, 1])
    r.loc[inside, "flagged"] = False


