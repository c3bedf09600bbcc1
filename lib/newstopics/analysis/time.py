"""Topics over time that read: a period fitted to the corpus, shares with honest intervals, words per period, and the
changes worth a sentence. Tables only (numpy, pandas, scipy); the charts are in ``figures.time``.

The rules, each a setting of :class:`TimeRule`:

- **Period**: the finest of day, week (Monday to Sunday), month, quarter and year whose periods, from the first date
  to the last (empty periods included), number at most ``max_periods`` (60) and hold a median of at least
  ``min_docs`` (4) dated documents from at least ``min_articles`` (2) articles. Fewer than 2 distinct dates, fewer
  than ``min_dated`` (10) dated documents, or no period that passes give no time view and a ``why`` sentence instead.
  Four documents is the fewest at which one document moves a share by at most 25 points; two articles, so that a
  period is not just one article's mix (the per-article chart shows that).
- **Shares**: per period, each topic's documents over the period's documents, outliers left out of the denominator
  unless ``include_outliers``. The interval is a 95% Wilson score interval on the period's *effective* number of
  documents: the documents divided by their design effect (Kish), estimated from how the topics' shares vary between
  the period's articles (the cluster-robust variance of a ratio, pooled over the topics, never below 1). Paragraphs of
  one article are not independent draws; with one document per article this is the plain Wilson interval. Chosen over
  an article bootstrap because it is deterministic, checkable by hand and costs one pass at any corpus size.
- **Words per period**: for each topic, the single words (the analyzer's terms without a space) that set one
  period's documents of the topic apart from the topic's other periods: the weighted log-odds ratio with an
  informative Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' words"), the prior being the topic's own
  pooled counts, each document counting a word once. Only periods holding at least ``words_min_docs`` (10) of the
  topic's documents, with as many in its other periods; a word needs a z-score of at least ``words_min_z`` (1.645:
  one-sided 5%, as only words over-represented in the period are kept; descriptive, not corrected over words) and
  to occur in at least ``min_articles`` (2) of the period's articles (one article's pet word is not framing). With
  the topic's own counts as prior, a word in every one of 16 documents of a period and in none of the topic's other
  documents scores about 2: rare words are held back, which is the prior's purpose.
- **Changes**: a topic's share in a period against its trailing level, the pooled share of the ``window`` (3)
  periods before it that hold at least ``min_docs`` documents (thinner periods are skipped, not allowed to silence
  the periods after them; the period itself needs ``min_docs`` too). A
  change is listed when its size is at least ``min_change`` (10 points) and a two-proportion z-test on the effective
  numbers of documents gives a p-value that stays under ``alpha`` (0.05) after the Benjamini-Hochberg correction over
  every topic x period cell tested. Benjamini-Hochberg bounds the share of false flags among those listed; a
  family-wise correction over a 150 x 60 grid would hide real changes.

Example:
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": range(8), "article_id": [f"a{i}" for i in range(8)],
    ...                      "topic": [0, 0, 1, 1, 0, 1, 1, 1], "text": "words", "title": "",
    ...                      "published": ["2005-01-03"] * 4 + ["2005-01-04"] * 4})
    >>> tl = build_timeline(docs, pd.DataFrame({"topic": [0, 1], "label": ["a", "b"], "count": [3, 5]}),
    ...                     rule=TimeRule(min_docs=4, min_dated=8))
    >>> tl.period, tl.shares[["period", "topic", "count", "total"]].values.tolist()
    ('day', [['2005-01-03', 0, 2, 4], ['2005-01-03', 1, 2, 4], ['2005-01-04', 0, 1, 4], ['2005-01-04', 1, 3, 4]])
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..model.terms import Tokens
from .stats import log_odds_z, wilson
from .words import tokens_for

OUTLIER = -1
UNITS = ("day", "week", "month", "quarter", "year")
FREQ = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}  # pandas' W: weeks ending on Sunday
Z95 = float(stats.norm.ppf(0.975))

SHARE_COLUMNS = ["period", "start", "topic", "label", "count", "total", "n_eff", "share", "low", "high"]
THEME_COLUMNS = ["period", "start", "theme", "label", "count", "total", "n_eff", "share", "low", "high"]
WORD_COLUMNS = ["topic", "label", "period", "start", "rank", "word", "z", "docs_with", "docs", "share_in_period",
                "share_other_periods"]
CHANGE_COLUMNS = ["period", "start", "topic", "label", "direction", "share_before", "share_now", "change", "z", "p",
                  "p_adjusted", "count", "total", "window_count", "window_total", "title_1", "title_2", "title_3"]
PERIOD_COLUMNS = ["period", "start", "documents", "articles", "n_eff"]
THEME_CHANGE_COLUMNS = [("theme" if c == "topic" else c) for c in CHANGE_COLUMNS]


@dataclass(frozen=True)
class TimeRule:
    """Every threshold the time view uses (see the module's docstring for why each)."""

    min_docs: int = 4
    min_articles: int = 2
    max_periods: int = 60
    min_dated: int = 10
    window: int = 3
    min_change: float = 0.10
    alpha: float = 0.05
    words_min_docs: int = 10
    words_min_z: float = 1.645
    n_words: int = 10
    max_sentences: int = 8


@dataclass
class Timeline:
    """The corpus over time: what :func:`build_timeline` returns.

    Attributes:
        period: ``day``, ``week``, ``month``, ``quarter`` or ``year``; None when the corpus cannot support a view.
        why: the sentence saying why there is no time view ("" when there is one).
        shares: one row per period and topic: ``period`` (its label: 2005-03-01, 2005-02-28 for the week starting
            then, 2005-03, 2005-Q1, 2005), ``start`` (ISO date), ``topic``, ``label``, ``count``, ``total`` (the
            period's documents: without outliers unless included), ``n_eff`` (the effective number of documents),
            ``share``, ``low``, ``high`` (95% Wilson interval on ``n_eff``); empty periods have NaN shares.
        theme_shares: the same per theme (``theme`` in place of ``topic``).
        words: per topic and period, the words that set the period apart: ``rank``, ``word``, ``z`` (the log-odds
            z-score), ``docs_with`` (the period's documents of the topic holding it), ``docs``, ``share_in_period``,
            ``share_other_periods``.
        changes: the notable changes, largest first: ``direction`` (rise, fall), ``share_before`` (the trailing
            window's pooled share), ``share_now``, ``change``, ``z``, ``p``, ``p_adjusted`` (Benjamini-Hochberg),
            the counts, and ``title_1`` .. ``title_3``: the articles with most of the topic's documents that period.
        periods: one row per period: its documents, articles and effective number of documents.
        theme_changes: the same test on the themes' shares (``theme`` in place of ``topic``), a family of its own in
            the correction: a theme can move clearly while each of its topics moves a little.
        rule: the thresholds used.
        dated: documents with a date; ``documents``: all documents.
        tested: topic x period cells the change test looked at.
        include_outliers: whether outliers count in the denominators.
    """

    period: str | None
    why: str
    shares: pd.DataFrame
    theme_shares: pd.DataFrame
    words: pd.DataFrame
    changes: pd.DataFrame
    periods: pd.DataFrame
    rule: TimeRule = field(default_factory=TimeRule)
    dated: int = 0
    documents: int = 0
    tested: int = 0
    include_outliers: bool = False
    theme_changes: pd.DataFrame = field(default_factory=lambda: _empty(THEME_CHANGE_COLUMNS))

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (``shares``, ``theme_shares``, ``words``, ``changes``, ``periods``), to write as CSV
        (as ``time_<name>.csv``: see :data:`FILES`)."""
        return {"shares": self.shares, "theme_shares": self.theme_shares, "words": self.words,
                "changes": self.changes, "theme_changes": self.theme_changes, "periods": self.periods}

    def files(self) -> dict[str, pd.DataFrame]:
        """The tables by the file name a run writes them under (``time_<name>``, without ``.csv``)."""
        return {FILES[name]: table for name, table in self.to_tables().items()}

    def sentences(self) -> list[str]:
        """Plain-language verdicts, each read from its figure against the rule's thresholds."""
        if self.why:
            return [self.why]
        r, unit = self.rule, self.period
        p = self.periods
        out = [f"{self.dated:,} of {self.documents:,} documents carry a date and are counted here, by {unit}: "
               f"{len(p)} {plural(unit, len(p))} from {p['period'].iloc[0]} to {p['period'].iloc[-1]}, a median of "
               f"{fmt_num(p['documents'].median())} documents per {unit}"
               + ("" if self.include_outliers else " (outliers left out)") + "."]
        said = 0
        for c in [*self.theme_changes.itertuples(), *self.changes.itertuples()]:
            if said >= r.max_sentences:
                break
            text = change_sentence(c, unit, r)
            if text:
                out.append(text)
                said += 1
        found = len(self.changes) + len(self.theme_changes)
        if found > said:
            out.append(f"{found - said} more notable change(s) are listed in the table of changes.")
        if not found:
            if self.tested:
                out.append(f"No notable change: no topic's share moved by {r.min_change * 100:g} percentage points "
                           f"or more against its {r.window} previous {plural(unit, r.window)} of {r.min_docs}+ "
                           f"documents with an adjusted p under {r.alpha:g} ({self.tested:,} topic x {unit} cells "
                           f"tested).")
            else:
                out.append(f"No change could be tested: that needs a {unit} with {r.min_docs} documents or more after "
                           f"{r.window} such {plural(unit, r.window)}.")
        return out


FILES = {name: f"time_{name}" for name in ("shares", "theme_shares", "words", "changes", "theme_changes", "periods")}
TEXT_COLUMNS = ("period", "start", "label", "word", "direction", "title_1", "title_2", "title_3")


def read_tables(folder) -> dict[str, pd.DataFrame]:
    """The time tables a run wrote (``<folder>/time_<name>.csv``, written with ``Run.write_csv``), read back as
    written: text columns stay text (a year period ``2005`` is not a number, a word ``null`` not a missing value),
    an empty numeric cell is NaN.

    Returns:
        name -> table, for the files present.
    """
    from pathlib import Path

    out = {}
    for name, stem in FILES.items():
        path = Path(folder) / f"{stem}.csv"
        if not path.is_file():
            continue
        columns = pd.read_csv(path, nrows=0).columns
        text = [c for c in columns if c in TEXT_COLUMNS]
        out[name] = pd.read_csv(path, dtype={c: str for c in text}, keep_default_na=False,
                                na_values={c: [""] for c in columns if c not in text})
    return out


def plural(unit: str, n: int) -> str:
    return unit if n == 1 else ("days" if unit == "day" else unit + "s")


def fmt_num(x: float) -> str:
    return f"{x:g}" if x < 100 else f"{x:,.0f}"


def pct(x: float) -> str:
    """A share as a whole percentage, or with one decimal under 10% so that 0.4% does not read as 0%."""
    return f"{x:.1%}" if 0 < abs(x) < 0.1 else f"{x:.0%}"


def when(period: str, unit: str) -> str:
    """'in 2005-03', 'on 2005-03-01', 'in the week of 2005-02-28'."""
    return {"day": f"on {period}", "week": f"in the week of {period}"}.get(unit, f"in {period}")


def change_sentence(c, unit: str, rule: TimeRule) -> str:
    """One change as a sentence, or "" when its own figures do not carry it (too small, not clear, or the direction
    contradicting the shares)."""
    size = c.share_now - c.share_before
    rose = size > 0
    if abs(size) < rule.min_change or not c.p_adjusted < rule.alpha or (c.direction == "rise") != rose:
        return ""
    if pct(c.share_before) == pct(c.share_now):
        return ""
    verb = "rose" if rose else "fell"
    p = "adjusted p < 0.001" if c.p_adjusted < 0.001 else f"adjusted p = {c.p_adjusted:.3f}"
    kind, ident = ("Theme", c.theme) if hasattr(c, "theme") else ("Topic", c.topic)
    return (f"{kind} {ident} ({c.label}) {verb} from {pct(c.share_before)} to {pct(c.share_now)} of the coverage "
            f"{when(c.period, unit)} (against the {rule.window} {plural(unit, rule.window)} before it with "
            f"{rule.min_docs} documents or more; "
            f"{c.count} of {c.total} documents; z = {c.z:.1f}, {p}).")


def effective_size(counts: np.ndarray) -> float:
    """The effective number of documents of one period, given each article's documents per topic (articles x
    topics): documents / design effect, the design effect being the cluster-robust variance of the topics' shares
    over their variance if documents were independent, pooled over the topics and never below 1. One article: 1.
    """
    counts = np.asarray(counts, float)
    m = counts.sum(axis=1)
    total = m.sum()
    k = int((m > 0).sum())
    if total == 0:
        return 0.0
    if k < 2 or total < 2:
        return 1.0
    p = counts.sum(axis=0) / total
    robust = k / (k - 1) * ((counts - np.outer(m, p)) ** 2).sum(axis=0) / total**2
    independent = p * (1 - p) / (total - 1)  # the same estimator with every document an article of its own
    if independent.sum() <= 0:
        return float(total)
    deff = max(1.0, robust.sum() / independent.sum())
    return float(total / deff)


def dates_of(published: pd.Series) -> pd.Series:
    """Each document's date (NaT where none is stated): the ISO date at the start of ``published``."""
    s = published.fillna("").astype(str).str.slice(0, 10)
    ok = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(s.where(ok), errors="coerce", format="%Y-%m-%d")


def period_label(p: pd.Period, unit: str) -> str:
    if unit == "day":
        return p.start_time.strftime("%Y-%m-%d")
    if unit == "week":
        return p.start_time.strftime("%Y-%m-%d")
    if unit == "month":
        return p.strftime("%Y-%m")
    if unit == "quarter":
        return f"{p.year}-Q{p.quarter}"
    return str(p.year)


def choose_period(dates: pd.Series, articles: pd.Series, rule: TimeRule = TimeRule()) -> tuple[str | None, str]:
    """The period the corpus supports, or None with a sentence saying why (see the module's rule).

    Args:
        dates: the dated documents' dates (no NaT).
        articles: their articles, row for row.
        rule: the thresholds.

    Returns:
        ``(unit, why)``: one of :data:`UNITS` and "", or None and the reason.
    """
    n_days = dates.dt.normalize().nunique()
    if n_days < 2:
        on = f", all on {dates.iloc[0]:%Y-%m-%d}" if len(dates) else ""
        return None, (f"Topics over time needs documents from at least 2 distinct dates; {len(dates):,} documents "
                      f"state a date{on}.")
    if len(dates) < rule.min_dated:
        return None, (f"Topics over time needs at least {rule.min_dated} dated documents; {len(dates):,} state a "
                      "date.")
    tried = []
    for unit in UNITS:
        per = dates.dt.to_period(FREQ[unit])
        span = pd.period_range(per.min(), per.max(), freq=per.min().freq)
        if len(span) > rule.max_periods:
            tried.append(f"by {unit}, {len(span)} {plural(unit, len(span))} (more than {rule.max_periods})")
            continue
        if len(span) < 2:
            tried.append(f"by {unit}, all fall in one {unit}")
            break
        docs = per.value_counts().reindex(span, fill_value=0)
        arts = pd.Series(articles.to_numpy()).groupby(per.to_numpy()).nunique().reindex(span, fill_value=0)
        if docs.median() >= rule.min_docs and arts.median() >= rule.min_articles:
            return unit, ""
        tried.append(f"by {unit}, a median of {fmt_num(docs.median())} documents from {fmt_num(arts.median())} "
                     f"{'article' if arts.median() == 1 else 'articles'} per {unit}")
    return None, (f"The dated documents are too few or too spread out for topics over time: {len(dates):,} documents "
                  f"from {articles.nunique():,} articles on {n_days:,} dates; " + "; ".join(tried)
                  + f". A view needs a period with a median of {rule.min_docs} documents from {rule.min_articles} "
                  f"articles, in at most {rule.max_periods} periods.")


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def build_timeline(documents: pd.DataFrame, topics: pd.DataFrame, themes: pd.DataFrame | None = None,
                   analyzer: Callable[[str], list[str]] | Tokens | None = None, *, include_outliers: bool = False,
                   rule: TimeRule = TimeRule()) -> Timeline:
    """The time view of a run: the period, shares with intervals, words per period and notable changes.

    Args:
        documents: one row per document: ``doc_id``, ``article_id``, ``topic`` (-1: outlier), ``text``, ``title``,
            ``published`` (ISO date or ""), and ``theme`` for the theme shares.
        topics: one row per topic: ``topic``, ``label`` (and ``count``).
        themes: one row per theme: ``theme``, ``label`` (None or empty: no theme shares).
        analyzer: the topic model's analyzer (``model.vectorizer_model.build_analyzer()``); its terms without a space
            are the words. Or the documents already tokenized by it (:class:`~newstopics.model.terms.Tokens`, row i
            for document row i). None: scikit-learn's English analyzer.
        include_outliers: count outliers in the denominators (and give them rows of their own).
        rule: the thresholds.

    Returns:
        A :class:`Timeline`.
    """
    docs = documents.reset_index(drop=True)
    if isinstance(analyzer, Tokens):
        analyzer.check(docs["text"].astype(str))
    labels = dict(zip(topics["topic"].astype(int), topics["label"].astype(str), strict=True))
    kept = docs if include_outliers else docs[docs["topic"] != OUTLIER]
    dates = dates_of(kept["published"]) if "published" in kept else pd.Series(pd.NaT, index=kept.index)
    dated = kept[dates.notna()].assign(date=dates[dates.notna()])
    base = dict(rule=rule, dated=len(dated), documents=len(kept), include_outliers=include_outliers)
    unit, why = choose_period(dated["date"], dated["article_id"], rule)
    if unit is None and len(kept) < len(docs):
        why += f" Outliers are left out of this view ({len(docs) - len(kept):,} documents)."
    if unit is None:
        return Timeline(None, why, _empty(SHARE_COLUMNS), _empty(THEME_COLUMNS), _empty(WORD_COLUMNS),
                        _empty(CHANGE_COLUMNS), _empty(PERIOD_COLUMNS), **base)
    per = dated["date"].dt.to_period(FREQ[unit])
    span = pd.period_range(per.min(), per.max(), freq=per.min().freq)
    index = pd.Series(np.arange(len(span)), index=span)
    dated = dated.assign(pi=index.reindex(per.to_numpy()).to_numpy())
    names = [period_label(p, unit) for p in span]
    starts = [p.start_time.strftime("%Y-%m-%d") for p in span]

    ids = sorted(t for t in labels if include_outliers or t != OUTLIER)
    shares, n_eff = share_table(dated, "topic", ids, labels, names, starts)
    periods = pd.DataFrame({"period": names, "start": starts,
                            "documents": np.bincount(dated["pi"], minlength=len(span)),
                            "articles": dated.groupby("pi")["article_id"].nunique().reindex(range(len(span)),
                                                                                            fill_value=0).to_numpy(),
                            "n_eff": np.round(n_eff, 3)})
    theme_shares = _empty(THEME_COLUMNS)
    if themes is not None and len(themes) and "theme" in dated:
        tlabels = dict(zip(themes["theme"].astype(int), themes["label"].astype(str), strict=True))
        if include_outliers:
            tlabels.setdefault(OUTLIER, labels.get(OUTLIER, "outliers"))
        theme_shares, theme_n_eff = share_table(dated, "theme", sorted(tlabels), tlabels, names, starts)
    changes, tested = detect_changes(shares, n_eff, dated, rule)
    theme_changes = detect_changes(theme_shares, theme_n_eff, dated, rule, by="theme")[0] if len(theme_shares) \
        else _empty(THEME_CHANGE_COLUMNS)
    words = period_words(dated, labels, names, starts, analyzer, rule)
    return Timeline(unit, "", shares, theme_shares, words, changes, periods, tested=tested,
                    theme_changes=theme_changes, **base)


def share_table(dated: pd.DataFrame, by: str, ids: list[int], labels: dict, names: list[str],
                starts: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Counts, totals, effective sizes, shares and Wilson intervals per period and group (topic or theme)."""
    n_per = len(names)
    col = {g: i for i, g in enumerate(ids)}
    gi = dated[by].map(col)
    keep = gi.notna().to_numpy()
    d = dated[keep]
    gi = gi[keep].astype(int).to_numpy()
    counts = np.zeros((n_per, len(ids)), dtype=np.int64)
    np.add.at(counts, (d["pi"].to_numpy(), gi), 1)
    # the effective size of each period, from its articles' documents per group
    art = pd.factorize(d["article_id"])[0]
    n_eff = np.zeros(n_per)
    for p, rows in pd.Series(np.arange(len(d))).groupby(d["pi"].to_numpy()):
        rows = rows.to_numpy()
        a, inv = np.unique(art[rows], return_inverse=True)
        m = np.zeros((len(a), len(ids)))
        np.add.at(m, (inv, gi[rows]), 1)
        n_eff[p] = effective_size(m)
    total = counts.sum(axis=1)
    ratio = np.divide(n_eff, total, out=np.zeros(n_per), where=total > 0)
    k_eff = counts * ratio[:, None]  # the shares stay count / total; the interval is that share on n_eff
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / total[:, None]
        low, high = wilson(k_eff / n_eff[:, None], np.repeat(n_eff[:, None], len(ids), axis=1), Z95)
    table = pd.DataFrame({
        "period": np.repeat(names, len(ids)), "start": np.repeat(starts, len(ids)),
        by: np.tile(ids, n_per), "label": np.tile([labels[g] for g in ids], n_per),
        "count": counts.ravel(), "total": np.repeat(total, len(ids)), "n_eff": np.repeat(np.round(n_eff, 3), len(ids)),
        "share": share.ravel(), "low": low.ravel(), "high": high.ravel()})
    return table, n_eff


def detect_changes(shares: pd.DataFrame, n_eff: np.ndarray, dated: pd.DataFrame,
                   rule: TimeRule, by: str = "topic") -> tuple[pd.DataFrame, int]:
    """Each topic's (``by="theme"``: theme's) share per period against the pooled share of the ``window`` periods
    before it (two-proportion z-test on effective sizes, Benjamini-Hochberg over every cell tested); the rows that pass
    both thresholds."""
    columns = CHANGE_COLUMNS if by == "topic" else THEME_CHANGE_COLUMNS
    ids = shares[by].drop_duplicates().to_numpy()
    n_per = len(n_eff)
    counts = shares["count"].to_numpy().reshape(n_per, len(ids)).astype(float)
    total = shares["total"].to_numpy().reshape(n_per, len(ids))[:, 0].astype(float)
    w = rule.window
    full = np.flatnonzero(total >= rule.min_docs)  # periods with enough documents to measure a share on
    rows = []
    for i, t in enumerate(full):
        if i < w:
            continue
        before = full[i - w:i]  # the trailing level: the last ``window`` such periods, thinner ones skipped
        k_now, n_now = counts[t], total[t]
        k_before, n_before = counts[before].sum(axis=0), total[before].sum()
        e_now, e_before = n_eff[t], n_eff[before].sum()
        p_now, p_before = k_now / n_now, k_before / n_before
        pooled = (p_now * e_now + p_before * e_before) / (e_now + e_before)
        se = np.sqrt(pooled * (1 - pooled) * (1 / e_now + 1 / e_before))
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, (p_now - p_before) / se, 0.0)
        for j, topic in enumerate(ids):
            if topic == OUTLIER:
                continue
            rows.append((t, j, topic, p_before[j], p_now[j], z[j], int(k_now[j]), int(n_now), int(k_before[j]),
                         int(n_before)))
    if not rows:
        return _empty(columns), 0
    cells = pd.DataFrame(rows, columns=["pi", "j", by, "share_before", "share_now", "z", "count", "total",
                                        "window_count", "window_total"])
    cells["p"] = 2 * stats.norm.sf(np.abs(cells["z"]))
    cells["p_adjusted"] = stats.false_discovery_control(cells["p"].to_numpy(), method="bh")
    cells["change"] = cells["share_now"] - cells["share_before"]
    hits = cells[(cells["change"].abs() >= rule.min_change) & (cells["p_adjusted"] < rule.alpha)].copy()
    names = shares["period"].to_numpy().reshape(n_per, len(ids))[:, 0]
    starts = shares["start"].to_numpy().reshape(n_per, len(ids))[:, 0]
    labels = dict(zip(shares[by], shares["label"], strict=False))
    hits["period"] = names[hits["pi"].to_numpy()]
    hits["start"] = starts[hits["pi"].to_numpy()]
    hits["label"] = hits[by].map(labels)
    hits["direction"] = np.where(hits["change"] > 0, "rise", "fall")
    titles = [carriers(dated, int(r.pi), int(getattr(r, by)), by) for r in hits.itertuples()]
    for i in range(3):
        hits[f"title_{i + 1}"] = [ts[i] if len(ts) > i else "" for ts in titles]
    hits = hits.sort_values(["change"], key=np.abs, ascending=False, kind="stable")
    return hits[columns].reset_index(drop=True), len(cells)


def carriers(dated: pd.DataFrame, pi: int, topic: int, by: str = "topic", n: int = 3) -> list[str]:
    """The titles (else the article ids) of the ``n`` articles with most of the topic's (theme's) documents in the
    period."""
    d = dated[(dated["pi"] == pi) & (dated[by] == topic)]
    if d.empty:
        return []
    sizes = d.groupby("article_id").size().reset_index(name="n").sort_values(["n", "article_id"],
                                                                             ascending=[False, True])
    title = d.drop_duplicates("article_id").set_index("article_id")["title"] if "title" in d else pd.Series(dtype=str)
    return [str(title.get(a) or a) for a in sizes["article_id"].head(n)]


def _default_analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(stop_words="english").build_analyzer()


def period_words(dated: pd.DataFrame, labels: dict, names: list[str], starts: list[str],
                 analyzer: Callable[[str], list[str]] | Tokens | None, rule: TimeRule) -> pd.DataFrame:
    """Per topic and period, the words of the period's documents of the topic against its other periods' (weighted
    log-odds, informative Dirichlet prior from the topic's pooled counts; see the module's docstring)."""
    d = dated[dated["topic"] != OUTLIER]
    sizes = d.groupby(["topic", "pi"]).size()
    wanted = {t for (t, _p), n in sizes.items() if n >= rule.words_min_docs}
    d = d[d["topic"].isin(wanted)]
    if d.empty:
        return _empty(WORD_COLUMNS)
    if isinstance(analyzer, Tokens):  # the documents tokenized once (row i for document row i): these rows of them
        analyzer = analyzer.take(d.index.to_numpy())
    tokens = tokens_for(d["text"].astype(str), analyzer or _default_analyzer())
    words = np.asarray(tokens.vocab, dtype=object)
    art_codes = pd.factorize(d["article_id"])[0]
    topic_of, pi_of = d["topic"].to_numpy(), d["pi"].to_numpy()
    rows = []
    for topic in sorted(wanted):
        mine = np.flatnonzero(topic_of == topic)
        xt = tokens.take(mine).presence()  # which words each of the topic's documents holds: a topic at a time
        pis = pi_of[mine]
        cells = np.unique(pis)
        if len(cells) < 2:
            continue
        onehot = sparse.csr_matrix((np.ones(len(mine)), (np.searchsorted(cells, pis), np.arange(len(mine)))),
                                   shape=(len(cells), len(mine)))
        y = np.asarray((onehot @ xt).todense())  # periods x words: documents holding each word
        # articles holding each word per period: each article lies in one period (one date)
        arts, ainv = np.unique(art_codes[mine], return_inverse=True)
        by_art = sparse.csr_matrix((np.ones(len(mine)), (ainv, np.arange(len(mine)))), shape=(len(arts), len(mine)))
        present = (by_art @ xt) > 0
        art_pi = np.zeros(len(arts), dtype=int)
        art_pi[ainv] = np.searchsorted(cells, pis)
        art_onehot = sparse.csr_matrix((np.ones(len(arts)), (art_pi, np.arange(len(arts)))),
                                       shape=(len(cells), len(arts)))
        art_counts = np.asarray((art_onehot @ present.astype(float)).todense())
        docs_per = np.bincount(np.searchsorted(cells, pis), minlength=len(cells))
        alpha = y.sum(axis=0)  # the prior: the topic's pooled counts
        a0 = alpha.sum()
        for c, pi in enumerate(cells):
            n_docs, n_other = docs_per[c], len(mine) - docs_per[c]
            if n_docs < rule.words_min_docs or n_other < rule.words_min_docs:
                continue
            i, j = y[c], alpha - y[c]
            with np.errstate(divide="ignore", invalid="ignore"):
                _, z = log_odds_z(i, j, alpha, a0=a0)
            ok = (alpha > 0) & (z >= rule.words_min_z) & (art_counts[c] >= rule.min_articles)
            best = np.flatnonzero(ok)
            best = best[np.lexsort((words[best], -z[best]))][: rule.n_words]
            for rank, w in enumerate(best, 1):
                rows.append((int(topic), labels.get(int(topic), ""), names[pi], starts[pi], rank, words[w],
                             round(float(z[w]), 3), int(i[w]), int(n_docs), round(float(i[w] / n_docs), 4),
                             round(float(j[w] / n_other), 4)))
    return pd.DataFrame(rows, columns=WORD_COLUMNS) if rows else _empty(WORD_COLUMNS)


def timeline_of(result, analyzer: Callable[[str], list[str]] | None = None, **options) -> Timeline:
    """:func:`build_timeline` on a ``TopicResult`` or a loaded run (``load_run``): its documents, topics, themes and
    its model's analyzer.

    Example:
        >>> tl = timeline_of(result)          # doctest: +SKIP
        >>> print("\\n".join(tl.sentences()))  # doctest: +SKIP
    """
    if analyzer is None:
        from ..model.terms import tokens_of

        analyzer = tokens_of(result)  # its documents as its model's analyzer reads them, tokenized once per result
    return build_timeline(result.documents, result.topics, getattr(result, "themes", None), analyzer, **options)
