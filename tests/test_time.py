"""Topics over time (analysis.time, figures.time) on cases worked by hand, plus one fit on the seed articles."""
import html
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS
from lsa import LSA_MODEL, LsaEmbedder
from scipy import stats

from newstopics import corpus as C
from newstopics import model as M
from newstopics import params as P
from newstopics.analysis import stats as S
from newstopics.analysis import time as T
from newstopics.figures import time as FT
from newstopics.figures.render import how_to_read

TOPICS3 = pd.DataFrame({"topic": [0, 1, 2], "label": ["Zero", "One", "Two"], "count": [1, 1, 1]})


def corpus(rows) -> pd.DataFrame:
    """Documents from (date, topic, article, text) tuples; titles are 'title of <article>'."""
    d = pd.DataFrame(rows, columns=["published", "topic", "article_id", "text"])
    d.insert(0, "doc_id", range(len(d)))
    d["title"] = "title of " + d["article_id"]
    d["theme"] = np.where(d["topic"] == -1, -1, d["topic"] % 2)
    return d


def monthly(share_of_zero: dict[int, int], months: int = 10, per_month: int = 40, words: dict | None = None):
    """``per_month`` documents a month, each its own article, on the 10th to 13th; topic 0 has
    ``share_of_zero.get(m, 2)`` of them, the rest alternate between topics 1 and 2."""
    rows = []
    for m in range(months):
        k = share_of_zero.get(m, 2)
        for i in range(per_month):
            topic = 0 if i < k else 1 + i % 2
            text = "common words here " + (words or {}).get((m, topic, i), "")
            rows.append((f"2005-{m + 1:02d}-{10 + i % 4:02d}", topic, f"m{m}-a{i}", text))
    return corpus(rows)


# (a) the period follows span and density


def test_a_dense_20_day_corpus_is_read_by_day():
    # 20 days x 3 articles x 2 paragraphs: 6 documents from 3 articles every day
    rows = [((date(2005, 3, 1) + timedelta(d)).isoformat(), 0, f"d{d}a{a}", "x")
            for d in range(20) for a in range(3) for _ in range(2)]
    tl = T.build_timeline(corpus(rows), TOPICS3)
    assert tl.period == "day" and tl.why == ""
    assert len(tl.periods) == 20
    assert tl.periods["documents"].tolist() == [6] * 20 and tl.periods["articles"].tolist() == [3] * 20
    assert tl.periods["period"].iloc[0] == "2005-03-01" and tl.periods["period"].iloc[-1] == "2005-03-20"


def three_years_of_50():
    """50 articles of one document over 2003-2005: quarters 1 and 2 hold 5, the other 10 quarters 4, always in the
    quarter's first two months (so every third month is empty)."""
    rows = []
    for q in range(12):
        year, first = 2003 + q // 4, 1 + 3 * (q % 4)
        n = 5 if q < 2 else 4
        for i in range(n):
            month = first + (i % 2)  # 3 + 2 or 2 + 2 documents in the quarter's first two months
            rows.append((f"{year}-{month:02d}-{5 + i:02d}", i % 3, f"q{q}a{i}", "x"))
    return corpus(rows)


def test_a_three_years_of_50_documents_give_quarters_by_the_rule():
    docs = three_years_of_50()
    assert len(docs) == 50
    dates = T.dates_of(docs["published"])
    # by hand: days (~1,030) and weeks (~150) exceed 60 periods; months: 36, of which 12 empty and 24 hold 2 or 3,
    # median 2 < 4; quarters: 12 holding 5, 5, then 4 x 10, median 4 from 4 articles: quarter
    assert T.choose_period(dates, docs["article_id"]) == ("quarter", "")
    tl = T.build_timeline(docs, TOPICS3)
    assert tl.period == "quarter"
    assert tl.periods["documents"].tolist() == [5, 5] + [4] * 10
    assert tl.periods["period"].tolist()[:2] == ["2003-Q1", "2003-Q2"] and tl.periods["period"].iloc[-1] == "2005-Q4"
    # asking for 5 documents a period: quarters fail (median 4), years hold 18, 16, 16
    unit, _ = T.choose_period(dates, docs["article_id"], T.TimeRule(min_docs=5))
    assert unit == "year"
    assert T.build_timeline(docs, TOPICS3, rule=T.TimeRule(min_docs=5)).periods["documents"].tolist() == [18, 16, 16]


def test_a_too_sparse_a_corpus_says_why():
    # two articles five years apart: no period has a median of 4 documents
    rows = [("2000-01-10", 0, "a", "x")] * 6 + [("2005-01-10", 1, "b", "x")] * 6
    tl = T.build_timeline(corpus(rows), TOPICS3)
    assert tl.period is None and "too few or too spread out" in tl.why
    assert "by year, a median of 0 documents from 0 articles per year" in tl.why


# (b) shares and intervals by hand


def test_b_shares_and_wilson_intervals_by_hand():
    # one document per article: the effective size is the count, the interval plain Wilson
    rows = [("2005-01-03", 0 if i < 2 else 1, f"a{i}", "x") for i in range(10)]
    rows += [("2005-01-04", 0 if i < 5 else 1, f"b{i}", "x") for i in range(10)]
    s = T.build_timeline(corpus(rows), TOPICS3).shares.set_index(["period", "topic"])
    day1, day2 = s.loc[("2005-01-03", 0)], s.loc[("2005-01-04", 0)]
    assert (day1["count"], day1["total"], day1["n_eff"], day1["share"]) == (2, 10, 10, 0.2)
    # Wilson, z = 1.96: 2/10 -> (0.0567, 0.5098); 5/10 -> 0.5 -/+ 1.96 sqrt(0.025 + 3.8416/400) / 1.38416 = 0.2634
    assert (round(day1["low"], 4), round(day1["high"], 4)) == (0.0567, 0.5098)
    assert (round(day2["low"], 4), round(day2["high"], 4)) == (0.2366, 0.7634)
    assert s.loc[("2005-01-03", 2), "count"] == 0 and s.loc[("2005-01-03", 2), "low"] == 0
    assert s.groupby("period")["share"].sum().round(12).tolist() == [1.0, 1.0]


def test_b_paragraphs_of_one_article_count_less_than_independent_documents():
    # article A: 3 documents of topic 0; article B: 1 of topic 1. p = (3/4, 1/4). Cluster-robust variance per topic:
    # 2/1 x ((3 - 0.75 x 3)^2 + (0 - 0.75)^2) / 16 = 2 x 1.125 / 16; the same estimator with every document its own
    # article: 0.1875 / 3. Design effect (pooled over both topics): 0.140625 / 0.0625 = 2.25; n_eff = 4 / 2.25.
    assert T.effective_size(np.array([[3, 0], [0, 1]])) == pytest.approx(16 / 9)
    assert T.effective_size(np.array([[1, 0], [0, 1], [1, 0]])) == pytest.approx(3)  # one document per article
    assert T.effective_size(np.array([[4, 2]])) == 1  # one article: one independent unit
    rows = [("2005-01-03", 0, "A", "x")] * 3 + [("2005-01-03", 1, "B", "x")]
    rows += [("2005-01-04", 0, "C", "x"), ("2005-01-04", 1, "D", "x")] * 2
    tl = T.build_timeline(corpus(rows), TOPICS3, rule=T.TimeRule(min_dated=8))
    row = tl.shares.set_index(["period", "topic"]).loc[("2005-01-03", 0)]
    assert row["n_eff"] == pytest.approx(16 / 9, abs=1e-3)
    low, high = S.wilson(0.75, 16 / 9, T.Z95)
    assert (row["low"], row["high"]) == pytest.approx((float(low), float(high)))
    plain_low, _ = S.wilson(0.75, 4, T.Z95)
    assert row["low"] < plain_low  # wider than if the three paragraphs were three articles


# (c) changes


def test_c_a_planted_jump_is_found_with_its_period_and_size():
    tl = T.build_timeline(monthly({7: 16}), TOPICS3)  # topic 0: 2 of 40 (5%) each month, 16 of 40 (40%) in August
    assert tl.period == "month"
    ch = tl.changes
    rise = ch[ch["direction"] == "rise"]
    assert len(rise) == 1
    r = rise.iloc[0]
    assert (r["period"], r["topic"], r["label"]) == ("2005-08", 0, "Zero")
    assert (r["share_before"], r["share_now"]) == pytest.approx((0.05, 0.40))
    assert r["change"] == pytest.approx(0.35)
    # by hand: pooled (16 + 6) / 160 = 0.1375; se = sqrt(0.1375 x 0.8625 x (1/40 + 1/120)) = 0.062874; z = 5.567
    assert r["z"] == pytest.approx(0.35 / np.sqrt(0.1375 * 0.8625 * (1 / 40 + 1 / 120)))
    # the smallest of the 21 p-values, the others far larger: Benjamini-Hochberg multiplies it by 21
    assert r["p"] == pytest.approx(2 * stats.norm.sf(r["z"])) and r["p_adjusted"] == pytest.approx(r["p"] * 21)
    assert r["p_adjusted"] < 0.05 and (r["count"], r["total"], r["window_count"], r["window_total"]) == (16, 40, 6, 120)
    assert (ch["period"] == "2005-08").all()  # nothing else flagged in a corpus otherwise flat
    assert r["title_1"] == "title of m7-a0" and r["title_3"] == "title of m7-a10"  # ties: by article id
    # 7 months after the 3 of the window x 3 topics
    assert tl.tested == 7 * 3
    said = tl.sentences()
    assert any(s.startswith("Topic 0 (Zero) rose from 5.0% to 40% of the coverage in 2005-08 (against the 3 months "
                            "before it with 4 documents or more; 16 of 40 documents") for s in said)


def test_c_an_empty_month_does_not_silence_the_months_after_it():
    # as above, but July has no coverage at all: August is measured against the last 3 months with documents
    # (April, May, June), so the same jump is found, and no "No notable change" is said beside it
    d = monthly({7: 16})
    d = d[~d["published"].str.startswith("2005-07")].reset_index(drop=True)
    tl = T.build_timeline(d, TOPICS3)
    rise = tl.changes[tl.changes["direction"] == "rise"]
    assert rise[["period", "topic"]].values.tolist() == [["2005-08", 0]]
    assert (rise.iloc[0]["window_count"], rise.iloc[0]["window_total"]) == (6, 120)
    assert rise.iloc[0]["z"] == pytest.approx(0.35 / np.sqrt(0.1375 * 0.8625 * (1 / 40 + 1 / 120)))
    assert tl.tested == 6 * 3  # 9 months with documents, the first 3 only a window
    said = tl.sentences()
    assert any(s.startswith("Topic 0 (Zero) rose from 5.0% to 40% of the coverage in 2005-08") for s in said)
    assert not any(s.startswith("No notable change") for s in said)


def test_c_no_change_gives_no_row_and_says_so():
    tl = T.build_timeline(monthly({}), TOPICS3)
    assert tl.changes.empty and tl.tested == 21
    assert tl.sentences()[-1].startswith("No notable change: no topic's share moved by 10 percentage points")
    # the chart says so in lines that fit it (one line of this length ran off both sides of the figure)
    fig, _ = FT.change_chart(tl)
    lines = fig.layout.annotations[0].text.split("<br>")
    assert html.unescape(" ".join(lines)) == tl.sentences()[-1] and len(lines) >= 2 and max(map(len, lines)) <= 90


def test_c_noise_alone_flags_nothing():
    # 20 topics with fixed shares, 60 one-document articles a month for 24 months: every difference is chance
    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.ones(20))
    rows = [(f"{2004 + m // 12}-{m % 12 + 1:02d}-15", int(t), f"{m}-{i}", "x")
            for m in range(24) for i, t in enumerate(rng.choice(20, 60, p=probs))]
    topics = pd.DataFrame({"topic": range(20), "label": [f"t{i}" for i in range(20)], "count": 1})
    tl = T.build_timeline(corpus(rows), topics)
    assert tl.tested == 21 * 20 and tl.changes.empty


def test_c_a_small_jump_is_not_notable_however_clear():
    # topic 0 from 5% to 12% on 2,000 documents a month: clear (z = 10.8) but under 10 points
    tl = T.build_timeline(monthly({m: 240 if m == 7 else 100 for m in range(10)}, per_month=2000), TOPICS3)
    assert tl.changes.empty
    r = T.TimeRule()
    row = pd.Series({"period": "2005-08", "topic": 0, "label": "Zero", "direction": "rise", "share_before": 0.05,
                     "share_now": 0.40, "change": 0.35, "z": 5.0, "p_adjusted": 0.001, "count": 16, "total": 40})
    assert T.change_sentence(row, "month", r).startswith("Topic 0 (Zero) rose from 5.0% to 40%")
    # a sentence is never written when its own figures contradict it
    assert T.change_sentence(row.replace({"rise": "fall"}), "month", r) == ""
    assert T.change_sentence(row.replace({0.001: 0.2}), "month", r) == ""
    assert T.change_sentence(row.replace({0.40: 0.12}), "month", r) == ""


# (d) words per period


def test_d_a_word_planted_in_one_period_ranks_first():
    # August's topic-0 documents all say "tariff", 12 of 16 "steel" too; every other document says neither.
    # By hand (prior: the topic's pooled counts; August 60 word-documents, other months 36, prior total 96):
    # tariff: log(32 / 124) - log(16 / 116) = 0.627, sd sqrt(1/32 + 1/16): z = 2.05; steel: log(24 / 132) -
    # log(12 / 120) = 0.598, sd sqrt(1/24 + 1/12): z = 1.69
    planted = {(7, 0, i): "tariff" + (" steel" if i < 12 else "") for i in range(16)}
    tl = T.build_timeline(monthly({7: 16}, words=planted), TOPICS3)
    w = tl.words
    aug = w[(w["topic"] == 0) & (w["period"] == "2005-08")].sort_values("rank")
    assert aug["word"].tolist() == ["tariff", "steel"]
    assert aug["z"].tolist() == pytest.approx([0.627 / np.sqrt(1 / 32 + 1 / 16), 0.598 / np.sqrt(1 / 24 + 1 / 12)],
                                              abs=2e-3)
    assert (aug.iloc[0]["docs_with"], aug.iloc[0]["docs"], aug.iloc[0]["share_other_periods"]) == (16, 16, 0)
    # only August has the 10 documents of topic 0 a period needs; topics 1 and 2 say the same every month
    assert set(zip(w["topic"], w["period"], strict=True)) == {(0, "2005-08")}
    # the same words from the documents tokenized once (a run's Tokens), the outliers and undated ones among them
    from newstopics.model.terms import Tokens

    docs = monthly({7: 16}, words=planted)
    docs.loc[docs.index[::7], "topic"] = -1
    docs.loc[docs.index[3::11], "published"] = ""
    analyzer = T._default_analyzer()
    by_text = T.build_timeline(docs, TOPICS3, analyzer=analyzer).words
    by_tokens = T.build_timeline(docs, TOPICS3, analyzer=Tokens.of(docs["text"], analyzer)).words
    assert len(by_text) and "tariff" in set(by_text["word"])
    pd.testing.assert_frame_equal(by_tokens, by_text)
    with pytest.raises(ValueError, match="not of these"):  # another corpus's tokens: refused, not misread
        T.build_timeline(docs.iloc[1:], TOPICS3, analyzer=Tokens.of(docs["text"], analyzer))
    with pytest.raises(ValueError, match="another order"):  # the same documents sorted since: refused too
        T.build_timeline(docs.sort_values("published"), TOPICS3, analyzer=Tokens.of(docs["text"], analyzer))


def test_d_one_articles_word_is_not_a_periods_word():
    rows = [(f"2005-{m + 1:02d}-10", 0, f"m{m}a{i}", "common words") for m in range(4) for i in range(12)]
    rows += [("2005-02-10", 0, "m1a0", "solo")] * 6  # six paragraphs of one article
    tl = T.build_timeline(corpus(rows), TOPICS3)
    assert "solo" not in set(tl.words["word"])


# (e) outliers


def test_e_outliers_are_left_out_of_the_shares_by_default():
    rows = [("2005-01-03", t, f"a{i}", "x") for i, t in enumerate([0] * 6 + [1] * 2 + [-1] * 2)]
    rows += [("2005-01-04", t, f"b{i}", "x") for i, t in enumerate([0] * 4 + [1] * 4 + [-1] * 2)]
    topics = pd.concat([pd.DataFrame({"topic": [-1], "label": ["outliers"], "count": [4]}), TOPICS3])
    tl = T.build_timeline(corpus(rows), topics)
    s = tl.shares.set_index(["period", "topic"])
    assert -1 not in tl.shares["topic"].tolist()
    assert s.loc[("2005-01-03", 0), "share"] == 0.75 and s.loc[("2005-01-03", 0), "total"] == 8
    assert tl.documents == 16 and "outliers left out" in tl.sentences()[0]
    both = T.build_timeline(corpus(rows), topics, include_outliers=True).shares.set_index(["period", "topic"])
    assert both.loc[("2005-01-03", 0), "share"] == 0.6 and both.loc[("2005-01-03", -1), "count"] == 2
    fig, table = FT.topic_panels(T.build_timeline(corpus(rows), topics, include_outliers=True))
    assert -1 not in table["topic"].tolist()  # never drawn, even when counted


# (f) one date


def test_f_one_date_gives_the_why_sentence_and_no_chart_data():
    rows = [("2005-03-01", i % 3, f"a{i}", "x") for i in range(30)] + [("", 0, "u", "x")]
    tl = T.build_timeline(corpus(rows), TOPICS3)
    assert tl.period is None
    assert tl.why == "Topics over time needs documents from at least 2 distinct dates; 30 documents state a date, " \
                     "all on 2005-03-01."
    assert tl.sentences() == [tl.why]
    assert all(t.empty for t in tl.to_tables().values())
    for name, (fig, table) in FT.time_figures(tl).items():
        assert table.empty, name
        assert how_to_read(fig) == tl.why
        assert not any(len(getattr(tr, "x", None) or []) for tr in fig.data)
    # dated documents that are all outliers: the sentence says they were left out
    tl = T.build_timeline(corpus([(f"2005-03-{d:02d}", -1, f"a{d}", "x") for d in range(1, 21)]), TOPICS3)
    assert tl.period is None and tl.why.endswith("Outliers are left out of this view (20 documents).")


# (g) figures


def many_topics(n_topics: int = 20):
    rng = np.random.default_rng(1)
    rows = []
    for m in range(8):
        for i in range(120):
            t = int(rng.integers(0, n_topics))
            rows.append((f"2005-{m + 1:02d}-{1 + i % 28:02d}", t, f"{m}-{i // 2}", f"w{t} shared words m{m}x{t}"))
    docs = corpus(rows)
    docs.loc[docs.index[:40], "topic"] = -1
    topics = pd.DataFrame({"topic": range(-1, n_topics),
                           "label": ["outliers"] + [f"<script>alert({i})</script> label {i}" for i in range(n_topics)],
                           "count": 1})
    themes = pd.DataFrame({"theme": [0, 1], "label": ["Even <b>theme</b>", "Odd theme"]})
    return docs, topics, themes


def test_g_figures_build_serialise_carry_a_guide_and_keep_to_the_cap():
    docs, topics, themes = many_topics()
    tl = T.build_timeline(docs, topics, themes)
    assert tl.period == "week"
    figs = FT.time_figures(tl, max_topics=12)
    assert set(figs) == {"themes_over_time", "topics_over_time", "changes_over_time", "words_over_time"}
    for name, (fig, _table) in figs.items():
        text = fig.to_json()
        assert json.loads(text)["layout"]["title"]["text"], name
        assert how_to_read(fig), name
        assert "<script>" not in text and "<b>theme" not in text, name
        assert fig.layout.height <= 1000, name
    fig, table = figs["topics_over_time"]
    assert len(fig.layout.annotations) == 12 and "the 12 largest of 20 topics" in fig.layout.title.text
    assert table["topic"].nunique() == 12 and not fig.layout.showlegend
    sizes = tl.shares.groupby("topic")["count"].sum().sort_values(ascending=False, kind="stable")
    assert set(table["topic"]) == set(sizes.index[:12])
    fig, table = figs["themes_over_time"]
    assert [a.text for a in fig.layout.annotations] == ["Even &lt;b&gt;theme&lt;/b&gt;", "Odd theme"] or \
        [a.text for a in fig.layout.annotations] == ["Odd theme", "Even &lt;b&gt;theme&lt;/b&gt;"]
    assert set(table["theme"]) == {0, 1}
    # the planted-change corpus: the change chart has one row, the topic panel its ring
    tl = T.build_timeline(monthly({7: 16}), TOPICS3)
    fig, table = FT.change_chart(tl)
    assert len(table) == 1 and fig.data[-1].y == ("2005-08 · 0: Zero",)
    hover = json.loads(fig.to_json())["data"][-1]["customdata"][0]  # numbers, so that the hover can format them
    assert hover[:3] == [16, 40, 5.6] and isinstance(hover[3], float) and hover[4].startswith("title of m7-a0 | ")
    fig, _ = FT.topic_panels(tl)
    rings = [tr for tr in fig.data if tr.hovertemplate and tr.hovertemplate.startswith("notable change")]
    assert len(rings) == 1 and rings[0].text == ("rise from 5.0% to 40%",)
    # no change: the chart is the sentence
    fig, table = FT.change_chart(T.build_timeline(monthly({}), TOPICS3))
    assert table.empty and how_to_read(fig).startswith("No notable change")


def test_g_the_change_chart_keeps_the_largest_changes_as_its_title_says():
    # six changes: topic 0 +45 points in April and September; topics 1 and 2 -22.5 in both. Capped at 2 rows the
    # chart keeps the two +45 rises (in time order), not the first two of the table or of the calendar
    tl = T.build_timeline(monthly({3: 20, 8: 20}), TOPICS3)
    fig, table = FT.change_chart(tl, max_rows=2)
    assert len(table) == 6 and "(the 2 largest of 6)" in fig.layout.title.text
    assert list(fig.data[-1].y) == ["2005-04 · 0: Zero", "2005-09 · 0: Zero"]
    assert list(fig.data[-1].x) == pytest.approx([0.5, 0.5])


def test_tables_read_back_as_written(tmp_path):
    planted = {(7, 0, i): "tariff null" for i in range(16)}  # "null" is a word, not a missing value
    tl = T.build_timeline(monthly({7: 16}, words=planted), TOPICS3)
    for name, table in tl.to_tables().items():
        table.to_csv(tmp_path / f"{T.FILES[name]}.csv", index=False)
    back = T.read_tables(tmp_path)
    assert set(back) == set(T.FILES)
    for name, table in tl.to_tables().items():
        pd.testing.assert_frame_equal(back[name], table.reset_index(drop=True), check_dtype=False, atol=1e-9)
    assert "null" in back["words"]["word"].tolist()
    years = T.build_timeline(three_years_of_50(), TOPICS3, rule=T.TimeRule(min_docs=5))
    years.shares.to_csv(tmp_path / "time_shares.csv", index=False)
    assert T.read_tables(tmp_path)["shares"]["period"].iloc[0] == "2003"


# on a real fit


@pytest.fixture(scope="module")
def seeds_result():
    docs = C.load_corpus(SEEDS).documents
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "pca"})
    return M.fit_topics(docs, LsaEmbedder(), params)


def test_seeds_two_dated_articles_are_not_a_time_view(seeds_result):
    from newstopics.model.terms import tokens_of

    fitted = seeds_result.tokens
    tl = T.timeline_of(seeds_result)
    assert tokens_of(seeds_result) is fitted  # the fit's own tokens, recognised as the documents', not made again
    dated = seeds_result.documents[seeds_result.documents["published"] != ""]
    assert dated["article_id"].nunique() == 2  # the manifest dates two of the five articles
    assert tl.period is None and f"{len(dated):,} documents from 2 articles on 2 dates" in tl.why
    assert tl.sentences() == [tl.why]


def test_seeds_with_dates_spread_over_eight_weeks(seeds_result):
    # every paragraph its own date, the seeds' paragraphs dealt round-robin over 8 Mondays: a real model's topics,
    # labels and analyzer through the whole view
    docs = seeds_result.documents.copy()
    docs["published"] = [(date(2026, 1, 5) + timedelta(weeks=i % 8)).isoformat() for i in range(len(docs))]
    result = M.TopicResult(seeds_result.model, docs, seeds_result.topics, seeds_result.embeddings,
                           seeds_result.sizing, themes=seeds_result.themes)
    tl = T.timeline_of(result)
    assert tl.period == "week" and len(tl.periods) == 8
    assert tl.periods["documents"].sum() == (docs["topic"] != -1).sum()
    # each week's shares are its topics' documents over its documents, counted here by hand
    in_topics = docs[docs["topic"] != -1]
    week = pd.to_datetime(in_topics["published"]).dt.to_period("W").dt.start_time.dt.strftime("%Y-%m-%d")
    by_hand = in_topics.groupby([week, "topic"]).size() / in_topics.groupby(week).size()
    got = tl.shares[tl.shares["count"] > 0].set_index(["start", "topic"])["share"]
    assert got.sort_index().to_dict() == pytest.approx(by_hand.sort_index().to_dict())
    assert set(tl.theme_shares["theme"]) == set(seeds_result.themes["theme"])
    # period words need a topic with words_min_docs documents in a week; the seeds spread over 8 weeks have none
    assert in_topics.groupby([week, "topic"]).size().max() < tl.rule.words_min_docs and tl.words.empty
    for fig, _ in FT.time_figures(tl).values():
        fig.to_json()
        assert how_to_read(fig)
    assert tl.sentences()[0].startswith(f"{len(docs):,} of {len(docs):,} documents carry a date")


def test_c_a_theme_that_rises_through_several_topics_is_found_at_the_theme_level():
    """Topics 0, 2 and 4 form theme 0 (see ``corpus``); in month 6 each gains 7 points: no topic moves by the 10
    points the rule asks, the theme moves by 21."""
    rows = []
    for m in range(10):
        for i in range(60):
            if m == 6:
                topic = [0, 2, 4][i % 3] if i < 33 else [1, 3, 5][i % 3]  # theme 0: 55%
            else:
                topic = [0, 2, 4][i % 3] if i < 20 else [1, 3, 5][i % 3]  # theme 0: 33%
            rows.append((f"2005-{m + 1:02d}-{10 + i % 4:02d}", topic, f"m{m}-a{i}", "common words here"))
    docs = corpus(rows)
    topics = pd.DataFrame({"topic": range(6), "label": [f"t{t}" for t in range(6)], "count": 1})
    themes = pd.DataFrame({"theme": [0, 1], "label": ["even", "odd"]})
    tl = T.build_timeline(docs, topics, themes)
    assert tl.changes.empty  # each topic: 11.1% -> 18.3%, under 10 points
    rise = tl.theme_changes[tl.theme_changes["direction"] == "rise"]
    assert rise[["period", "theme"]].values.tolist() == [["2005-07", 0]]
    assert rise["share_now"].iloc[0] == pytest.approx(33 / 60) and rise["share_before"].iloc[0] == pytest.approx(1 / 3)
    assert any(s.startswith("Theme 0 (even) rose from 33% to 55%") for s in tl.sentences())
    assert "time_theme_changes" in tl.files()


def test_c_a_themes_change_is_tested_on_the_themes_own_effective_size():
    """20 articles a month of 6 paragraphs; each article is wholly one theme, its paragraphs spread 2-2-2 over the
    theme's three topics. Theme 0 holds 8 articles a month, 12 in month 7 (40% -> 60%). Over topics an article's
    paragraphs vary (each topic a third of it), so the months' effective size is about 99 of 120 documents; over
    themes every article is all one theme: about 19 (an article is one voice). On 19 + 57 effective documents a
    20-point move is z 1.5, no notable change; read on the topics' 99 it would be about z 3.5."""
    rows = []
    for m in range(10):
        for a in range(20):
            theme = 0 if a < (12 if m == 6 else 8) else 1
            rows += [(f"2005-{m + 1:02d}-{10 + a % 4:02d}", [0, 2, 4][i % 3] + theme, f"m{m}-a{a}", "common words")
                     for i in range(6)]
    docs = corpus(rows)
    topics = pd.DataFrame({"topic": range(6), "label": [f"t{t}" for t in range(6)], "count": 1})
    tl = T.build_timeline(docs, topics, pd.DataFrame({"theme": [0, 1], "label": ["even", "odd"]}))
    assert (tl.periods["n_eff"] > 90).all()
    assert tl.theme_shares["n_eff"].iloc[0] == pytest.approx(19.16, abs=0.01)
    assert tl.changes.empty and tl.theme_changes.empty  # each topic moves 6.7 points; the theme is not clear
    dated = docs.assign(pi=pd.factorize(docs["published"].str[:7], sort=True)[0])
    on_topics, _ = T.detect_changes(tl.theme_shares, tl.periods["n_eff"].to_numpy(), dated, tl.rule, by="theme")
    assert set(on_topics["period"]) >= {"2005-07"}  # what the topics' effective size would have claimed


def test_c_too_few_periods_say_that_no_change_could_be_tested():
    # 3 months: the window needs 3 earlier months with documents, so no month can be tested, and the view says so
    # instead of "No notable change"
    tl = T.build_timeline(monthly({}, months=3), TOPICS3)
    assert tl.period == "month" and tl.tested == 0 and tl.changes.empty
    assert tl.sentences()[-1] == ("No change could be tested: that needs a month with 4 documents or more after 3 "
                                  "such months.")


def test_c_changes_beyond_the_sentence_cap_are_counted_not_dropped():
    # topic 0 jumps to 20 of 40 in April and in September (5% -> 50%, +45 points); topics 1 and 2 each fall from
    # 47.5% to 25% (-22.5 points) with it: 6 changes. With max_sentences=1, the largest is said and the 5 others
    # are counted
    tl = T.build_timeline(monthly({3: 20, 8: 20}), TOPICS3, rule=T.TimeRule(max_sentences=1))
    ch = tl.changes
    assert sorted(zip(ch["period"], ch["topic"], ch["change"].round(3), strict=True)) == [
        ("2005-04", 0, 0.45), ("2005-04", 1, -0.225), ("2005-04", 2, -0.225),
        ("2005-09", 0, 0.45), ("2005-09", 1, -0.225), ("2005-09", 2, -0.225)]
    said = tl.sentences()
    assert len(said) == 3 and said[1].startswith("Topic 0 (Zero) rose from 5.0% to 50% of the coverage in 2005-04")
    assert said[2] == "5 more notable change(s) are listed in the table of changes."
