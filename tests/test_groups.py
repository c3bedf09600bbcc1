"""Comparing the coverage by a metadata column (analysis/groups.py, figures/groups.py): the statistics against cases
worked by hand, the verdicts against their own figures, and the whole comparison on the seed articles."""
import json
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS
from scipy import stats

from newstopics.analysis import groups as G
from newstopics.analysis import stats as S
from newstopics.figures import groups as FG
from newstopics.figures.render import how_to_read
from newstopics.runs.catalog import _read_table

TOPICS3 = pd.DataFrame({"topic": [-1, 0, 1, 2], "label": ["Outliers", "Chips", "Models", "Prices"]})
WORDS = {0: "chips export rules", 1: "models open source", 2: "prices cheap api"}


def documents(rows: list[dict]) -> pd.DataFrame:
    """Documents from (group, article, topic[, text]) rows; doc_id in order, a title per article."""
    out = pd.DataFrame(rows)
    out.insert(0, "doc_id", range(len(out)))
    if "text" not in out:
        out["text"] = [WORDS.get(t, "outlier words") + " filler" for t in out["topic"]]
    out["title"] = "Title of " + out["article_id"].astype(str)
    return out


def table_docs(counts: dict[str, list[int]], docs_per_article: int = 1) -> pd.DataFrame:
    """Documents whose group x topic table is ``counts``; ``docs_per_article`` consecutive documents of a group and
    topic share an article (1: every document its own article)."""
    rows = []
    for g, per_topic in counts.items():
        for t, n in enumerate(per_topic):
            for i in range(n):
                rows.append({"src": g, "article_id": f"{g}-{t}-{i // docs_per_article}", "topic": t})
    return documents(rows)


def alpha_beta(n: int) -> pd.DataFrame:
    """Topic 0: group A's n documents say "alpha", B's n say "beta"; topic 1 (both groups) adds to the corpus."""
    rows = []
    for g, word in (("A", "alpha"), ("B", "beta")):
        rows += [{"src": g, "article_id": f"{g}{i}", "topic": 0, "text": f"{word} shared shared"} for i in range(n)]
        rows += [{"src": g, "article_id": f"{g}x{i}", "topic": 1, "text": "other shared"} for i in range(20)]
    return documents(rows)


# --- (a) weighted log-odds, by hand ------------------------------------------------------------------------------

def test_log_odds_z_matches_monroe_formulas_by_hand():
    # group counts 3, 1, 0 (n = 4); rest 1, 2, 3 (n = 6); prior 0.5, 0.3, 0.2 (a0 = 1)
    delta, z = S.log_odds_z([3, 1, 0], [1, 2, 3], [0.5, 0.3, 0.2])
    # word 0: log(3.5 / (4 + 1 - 3 - 0.5)) - log(1.5 / (6 + 1 - 1 - 0.5)) = log(3.5/1.5) - log(1.5/5.5)
    assert delta[0] == pytest.approx(2.146581, abs=1e-6)
    assert z[0] == pytest.approx(2.146581 / math.sqrt(1 / 3.5 + 1 / 1.5), abs=1e-6) == pytest.approx(2.199591, 1e-6)
    # word 1: log(1.3 / 3.7) - log(2.3 / 4.7)
    assert delta[1] == pytest.approx(-0.331315, abs=1e-6)
    assert z[1] == pytest.approx(-0.301943, abs=1e-6)
    # word 2, never in the group: log(0.2 / 4.8) - log(3.2 / 3.8), var 1/0.2 + 1/3.2
    assert delta[2] == pytest.approx(-3.006204, abs=1e-6)
    assert z[2] == pytest.approx(-1.304274, abs=1e-6)
    # swapping the sides flips the signs exactly
    d2, z2 = S.log_odds_z([1, 2, 3], [3, 1, 0], [0.5, 0.3, 0.2])
    assert np.allclose(d2, -delta) and np.allclose(z2, -z)


def test_distinctive_words_use_the_topic_prior_and_report_their_counts():
    # topic 0: group A says "alpha", group B "beta"; topic 1 (both groups) plays no part in topic 0's words
    docs = alpha_beta(12)
    cmp = G.compare_groups(docs, TOPICS3, "src", str.split)
    row = cmp.distinctive.query("topic == 0 and group == 'A' and word == 'alpha'").iloc[0]
    # counts in topic 0: A says alpha 12 times of 36 words; B never, of 36; the prior is the topic's pooled count
    # each article counts a word once: A's 12 articles use alpha and shared (24 presences), B's use beta and shared
    assert (row.count_group, row.count_rest, row.total_group, row.total_rest) == (12, 0, 24, 24)
    assert (row.articles_group, row.articles_rest) == (12, 12) and row.prior == 12
    # by hand: a = 12, a0 = 48; delta = log((12 + 12) / (24 + 48 - 24)) - log((0 + 12) / (24 + 48 - 12))
    # = log(24/48) - log(12/60) = log(2.5) = 0.916; var = 1/24 + 1/12 = 0.125; z = 0.916 / 0.354 = 2.59
    assert row.delta == pytest.approx(math.log(2.5))
    assert row.z == pytest.approx(math.log(2.5) / math.sqrt(0.125))
    assert "beta" not in set(cmp.distinctive.query("group == 'A'")["word"])
    assert set(cmp.distinctive.query("group == 'B'")["word"]) == {"beta"}
    assert "shared" not in set(cmp.distinctive["word"])  # same rate in both groups


def test_a_word_the_group_uses_about_as_often_is_not_listed_however_frequent_elsewhere():
    # inside topic 0, 6 of the small group's 10 documents and 50 of the large group's 100 use "win"; topic 1 is full
    # of "win". With the topic's pooled counts as prior this is no word of the small group's (z 0.1); a corpus prior
    # (a = a0 x the corpus's share of the word) would list it far past the threshold
    rows = [{"src": "small", "article_id": f"s{i}", "topic": 0, "text": ("win " if i < 6 else "") + "aa"}
            for i in range(10)]
    rows += [{"src": "large", "article_id": f"l{i}", "topic": 0, "text": ("win " if i < 50 else "") + "bb"}
             for i in range(100)]
    rows += [{"src": g, "article_id": f"{g}t{i}", "topic": 1, "text": "win " * 20} for g in ("small", "large")
             for i in range(40)]
    docs = documents(rows)
    y_g, y_r = np.array([6, 10, 0]), np.array([50, 0, 100])  # win, aa, bb: documents using each in topic 0
    delta, z = S.log_odds_z(y_g, y_r, y_g + y_r)
    # by hand: a = 56, a0 = 166: log(62 / 120) - log(106 / 210) = 0.023 over sqrt(1/62 + 1/106): z 0.15
    assert z[0] == pytest.approx(math.log(62 / 120 / (106 / 210)) / math.sqrt(1 / 62 + 1 / 106))
    assert z[0] < G.WORD_Z
    corpus = Counter(w for t in docs["text"] for w in set(t.split()))
    share = np.array([corpus[w] for w in ("win", "aa", "bb")]) / sum(corpus.values())
    _, z_corpus = S.log_odds_z(y_g, y_r, 166 * share, a0=166)
    assert z_corpus[0] > G.WORD_Z  # what a corpus prior would say of it
    cmp = G.compare_groups(docs, TOPICS3, "src", str.split, min_group_articles=1)
    small = cmp.distinctive.query("topic == 0 and group == 'small'")
    assert "aa" in set(small["word"]) and "win" not in set(small["word"])  # 60% against 50%: used more, not enough


def test_a_word_is_named_in_a_sentence_only_past_its_threshold():
    cmp = G.compare_groups(alpha_beta(12), TOPICS3, "src", str.split)
    z = cmp.distinctive.set_index(["group", "word"])["z"]
    assert G.WORD_Z <= z[("A", "alpha")] < G.SENTENCE_WORD_Z  # 12 times against none: in the table only
    assert not any("Inside topic" in s for s in cmp.sentences())
    cmp = G.compare_groups(alpha_beta(40), TOPICS3, "src", str.split)
    z = cmp.distinctive.set_index(["group", "word"])["z"]
    assert z[("A", "alpha")] >= G.SENTENCE_WORD_Z
    # every article is one document: documents are the unit, and the sentence says so
    said = [s for s in cmp.sentences() if s.startswith("Inside topic 0 (Chips), A's documents use these words more")]
    # by hand: a = 40, a0 = 160: log(80/160) - log(40/200) = 0.916 over sqrt(1/80 + 1/40) = 0.194: z 4.7
    assert len(said) == 1 and ": “alpha” in 40 of 40 (100%) against 0 of 40 (0%), z 4.7 (z ≥ 3)." in said[0]


def test_a_word_the_group_uses_less_is_never_called_distinctive():
    # inside topic 0, 20 of A's 40 documents use "zz" and nothing else; A's other 20 use "aa". All 40 of B's use "zz"
    # among nine other words. Of the words A's documents use, zz is half; of B's, a tenth: its log-odds z for A is
    # 2.6. But half of A's documents use it against all of B's: A uses it less, and it is not listed
    rows = [{"src": "A", "article_id": f"a{i}", "topic": 0, "text": "zz" if i < 20 else "aa"} for i in range(40)]
    rows += [{"src": "B", "article_id": f"b{i}", "topic": 0, "text": "zz " + " ".join(f"b{j}" for j in range(9))}
             for i in range(40)]
    # by hand: a = 60, a0 = 440: log(80 / 400) - log(100 / 740) = 0.392 over sqrt(1/80 + 1/100) = 0.15: z 2.61
    _, z = S.log_odds_z([20, 20] + [0] * 9, [40, 0] + [40] * 9, np.array([60, 20] + [40] * 9))
    assert z[0] == pytest.approx(math.log(80 / 400 / (100 / 740)) / math.sqrt(1 / 80 + 1 / 100))
    assert z[0] > G.WORD_Z
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    a_words = set(cmp.distinctive.query("group == 'A' and topic == 0")["word"])
    assert "aa" in a_words and "zz" not in a_words
    assert not any("“zz”" in s for s in cmp.sentences())


# --- (b) chi-square and adjusted residuals, by hand ----------------------------------------------------------------

def test_adjusted_residuals_and_chi_square_on_a_2x3_table_by_hand():
    observed = np.array([[10, 20, 30], [20, 20, 10]])
    expected, resid = S.adjusted_residuals(observed)
    # rows 60 and 50, columns 30, 40, 40, N = 110: E = row * column / N
    assert expected[0] == pytest.approx([16.363636, 21.818182, 21.818182])
    assert expected[1] == pytest.approx([13.636364, 18.181818, 18.181818])
    # (10 - 16.3636) / sqrt(16.3636 * (1 - 60/110) * (1 - 30/110))
    assert resid[0, 0] == pytest.approx(-2.736076, abs=1e-5)
    assert resid[1, 0] == pytest.approx(2.736076, abs=1e-5)  # two rows: the other row mirrors it
    # X² = 2.4747 + 0.1515 + 3.0682 + 2.9697 + 0.1818 + 3.6818 = 12.5278 on 2 df
    docs = table_docs({"A": [10, 20, 30], "B": [20, 20, 10]})  # every document its own article: documents are units
    cmp = G.compare_groups(docs, TOPICS3, "src", str.split)
    t = cmp.test
    scipy_result = stats.chi2_contingency(observed, correction=False)
    assert cmp.unit == "document" and t.design_effect == 1
    assert t.statistic == pytest.approx(12.527778, abs=1e-5) == pytest.approx(scipy_result.statistic)
    assert t.df == 2 and t.p_value == pytest.approx(scipy_result.pvalue) == pytest.approx(0.0019038, abs=1e-6)
    assert t.cramers_v == pytest.approx(math.sqrt(12.527778 / 110))
    cell = t.residuals.set_index(["group", "topic"])
    assert cell.loc[("A", 0), "residual"] == pytest.approx(-2.736076, abs=1e-5)
    assert cell.loc[("A", 0), "p"] == pytest.approx(2 * stats.norm.sf(2.736076), abs=1e-6)
    assert cell.loc[("A", 0), "share_group"] == pytest.approx(10 / 60)
    assert cell.loc[("A", 0), "share_rest"] == pytest.approx(20 / 50)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> running maximum 0.03, 0.06, 0.06
    assert S.holm(np.array([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])
    assert S.holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])


def test_chi_square_is_corrected_when_articles_hold_many_documents():
    # 10 articles per group, 10 paragraphs each, every article wholly in one topic: A 6 articles in topic 0 and 4 in
    # topic 1, B the reverse. On documents: 60/40 against 40/60, X² = 8.0, p = 0.005. Over articles it is 6/4
    # against 4/6: no evidence. By hand, every cluster variance is 10/9 * (6 * 4² + 4 * 6²) / 100² = 0.02667, so the
    # design effect is 2 * (1/2) * 100 * 2 * 0.02667 / 0.5 / 1 = 10.67 and X² / 10.67 = 0.75; a chi-square on the
    # articles' own topics gives 0.8. Its p-value is Rao-Scott's F form: 0.75 / 1 on F(1, 1 * (20 articles - 2
    # groups)) = F(1, 18), p = 0.398 (the chi-square's 0.386 would trust the variance of 18 df as if exact).
    rows = [{"src": g, "article_id": f"{g}{a}", "topic": t} for g, first in (("A", 6), ("B", 4))
            for a in range(10) for t in [0 if a < first else 1] for _ in range(10)]
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    t = cmp.test
    assert cmp.unit == "article"
    assert t.statistic == pytest.approx(8.0) and t.p_documents < 0.01
    assert t.design_effect == pytest.approx(32 / 3)
    assert t.statistic_adjusted == pytest.approx(0.75) and t.p_value == pytest.approx(0.3979, abs=1e-4)
    assert t.p_value == pytest.approx(stats.f.sf(0.75, 1, 18))
    # in a 2x2 table every adjusted residual is ±sqrt(X²): ±2.828 on documents, ±sqrt(0.75) = ±0.866 corrected
    cell = t.residuals.set_index(["group", "topic"]).loc[("A", 0)]
    assert cell["residual"] == pytest.approx(math.sqrt(8)) and cell["residual_adjusted"] == pytest.approx(0.866025)
    assert not t.residuals["flagged"].any()
    said = " ".join(cmp.sentences())
    assert "differs" not in said and "No clear difference in the topic mix by src" in said
    assert "design effect 10.67" in said
    # the sentence gives the statistic its p-value is read from: F = 0.75 / 1 on 1 and 18 df
    assert "(Rao-Scott F 0.75 on 1 and 18 df, p = 0.398, Cramér's V 0.20, 200 documents in 2 groups" in said
    assert t.df_denominator == 18
    # each cell's design effect by hand: N / (a - 1) = 100 / 9 when articles are wholly one topic
    assert cmp.prevalence["design_effect"].to_numpy()[:2] == pytest.approx([100 / 9, 100 / 9])
    # so A's share of topic 0 (0.6) counts as 100 / (100/9) = 9 documents, with t on 10 - 1 articles (2.2622):
    # Wilson(0.6, 9, 2.2622) = 0.2666-0.8609, where 100 independent documents would give 0.5020-0.6906
    a0 = cmp.prevalence.set_index(["group", "topic"]).loc[("A", 0)]
    assert (a0["low"], a0["high"]) == pytest.approx((0.266580, 0.860923), abs=1e-5)


def test_design_effect_is_one_when_paragraphs_are_independent_of_their_article():
    rng = np.random.default_rng(3)
    rows = [{"src": g, "article_id": f"{g}{a}", "topic": int(rng.integers(3))}
            for g in "AB" for a in range(40) for _ in range(5)]
    t = G.compare_groups(documents(rows), TOPICS3, "src", str.split).test
    assert 1.0 <= t.design_effect < 1.3


# --- (c) intervals -----------------------------------------------------------------------------------------------

def test_wilson_interval_by_hand():
    low, high = S.wilson(np.array([0.5]), np.array([100]), 1.96)
    # centre 0.5, half-width 1.96 / (1 + 1.96²/100) * sqrt(0.0025 + 1.96² / 40000) = 0.09617
    assert (low[0], high[0]) == pytest.approx((0.403832, 0.596168), abs=1e-5)
    low, high = S.wilson(np.array([0.0]), np.array([50]), 1.96)
    assert low[0] == 0 and high[0] == pytest.approx(1.96 ** 2 / (50 + 1.96 ** 2), abs=1e-9)  # 0.0714


def _articles(group: str, compositions: list[list[int]], copies: int) -> list[dict]:
    return [{"src": group, "article_id": f"{group}{c}-{a}", "topic": t}
            for c in range(copies) for a, comp in enumerate(compositions)
            for t, n in enumerate(comp) for _ in range(n)]


def test_intervals_contain_the_share_and_shrink_with_more_articles():
    # each article: 8 documents, in different mixes; B is A's articles twice over (same shares, twice the articles)
    comps = [[6, 2, 0], [2, 6, 0], [4, 4, 0], [1, 5, 2], [5, 1, 2]]
    docs = documents(_articles("A", comps, 1) + _articles("B", comps, 2) + _articles("C", comps, 4))
    p = G.compare_groups(docs, TOPICS3, "src", str.split).prevalence.set_index(["group", "topic"])
    for t in (0, 1, 2):
        assert p.loc[("A", t), "share"] == pytest.approx(p.loc[("B", t), "share"])
        width = {g: p.loc[(g, t), "high"] - p.loc[(g, t), "low"] for g in "ABC"}
        assert width["A"] > width["B"] > width["C"] > 0
    # by hand, A's topic 0: share 18/40 = 0.45; article residuals 6-3.6, 2-3.6, 4-3.6, 1-3.6, 5-3.6 square to 17.2;
    # cluster variance 5/4 * 17.2 / 40² = 0.0134375 against 0.45 * 0.55 / 40 = 0.0061875 for 40 independent
    # documents: design effect 2.1717
    assert p.loc[("A", 0), "design_effect"] == pytest.approx(0.0134375 / 0.0061875)


def test_interval_of_a_zero_share_is_not_zero_width():
    comps = [[4, 4, 0], [6, 2, 0], [3, 5, 0], [5, 3, 0]]
    docs = documents(_articles("A", comps, 2) + _articles("B", [[2, 2, 4], [1, 3, 4]], 4))
    p = G.compare_groups(docs, TOPICS3, "src", str.split).prevalence.set_index(["group", "topic"])
    assert p.loc[("A", 2), "share"] == 0 and p.loc[("A", 2), "low"] == 0 and p.loc[("A", 2), "high"] > 0.01


def test_design_effect_standard_error_agrees_with_an_article_bootstrap():
    """The interval's variance (cluster-robust) against a seeded bootstrap of the group's articles."""
    rng = np.random.default_rng(11)
    counts = []
    for _ in range(30):  # 30 articles of 5 to 25 documents, each leaning to its own topic
        n = int(rng.integers(5, 26))
        counts.append(rng.multinomial(n, rng.dirichlet([0.6, 0.6, 0.6])))
    c = np.array(counts, dtype=float)
    v = S.cluster_variance(c)
    draws = rng.integers(0, len(c), size=(4000, len(c)))
    boot = np.array([c[d].sum(axis=0) / c[d].sum() for d in draws])
    assert np.sqrt(v) == pytest.approx(boot.std(axis=0), rel=0.12)
    assert (S.design_effects(c) > 1.5).all()  # topics follow their article here: far from independent


# --- (d) groups too small ----------------------------------------------------------------------------------------

def test_small_groups_are_left_out_and_named():
    rows = _articles("big", [[5, 3, 2], [2, 5, 3], [3, 3, 4]], 2)  # 60 documents, 6 articles
    rows += _articles("other", [[2, 4, 4], [4, 4, 2]], 2)  # 40 documents, 4 articles
    rows += _articles("tiny", [[2, 2, 2]], 3)  # 18 documents in 3 articles: too few documents
    rows += [{"src": "one-article", "article_id": "solo", "topic": t % 3} for t in range(40)]  # 40, one article
    rows += [{"src": "", "article_id": "nameless", "topic": 1} for _ in range(7)]
    rows += [{"src": "big", "article_id": "big0-0", "topic": -1} for _ in range(3)]  # outliers count nowhere
    # 40 documents in topics, all in one article; two more articles of outliers only: one article to measure over
    rows += [{"src": "mostly-outliers", "article_id": "m0", "topic": t % 3} for t in range(40)]
    rows += [{"src": "mostly-outliers", "article_id": f"m{a}", "topic": -1} for a in (1, 2) for _ in range(5)]
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    g = cmp.groups.set_index("group")
    assert cmp.included == ["big", "other"]
    assert g.loc["tiny", "reason"] == "fewer than 30 documents in topics"
    assert g.loc["one-article", "reason"] == "fewer than 3 articles with documents in topics"
    assert g.loc["mostly-outliers", "reason"] == "fewer than 3 articles with documents in topics"
    assert (g.loc["mostly-outliers", "articles"], g.loc["mostly-outliers", "articles_in_topics"]) == (3, 1)
    assert g.loc["", "reason"] == "no value" and g.loc["", "documents"] == 7
    assert (g.loc["big", "documents"], g.loc["big", "in_topics"], g.loc["big", "outliers"]) == (63, 60, 3)
    for table in (cmp.prevalence, cmp.test.residuals, cmp.distinctive, cmp.passages):
        assert set(table["group"]) <= {"big", "other"}
    assert cmp.prevalence.groupby("group")["total"].first().to_dict() == {"big": 60, "other": 40}
    assert cmp.test.n == 100 and cmp.test.groups == 2
    said = cmp.sentences()
    small = [s for s in said if s.startswith("Too small")]
    assert len(small) == 1 and "tiny (18 documents in topics, in 3 articles)" in small[0]
    assert "one-article (40 documents in topics, in 1 article)" in small[0]
    assert "mostly-outliers (40 documents in topics, in 1 article)" in small[0]
    assert "or fewer than 3 articles with documents in topics" in small[0]
    assert "7 documents (1 article) have no src and are left out." in said


def test_a_topic_no_group_uses_gives_no_words_whatever_the_cell_minimum():
    cmp = G.compare_groups(table_docs({"A": [20, 20, 0], "B": [20, 10, 0]}), TOPICS3, "src", str.split,
                           min_cell_docs=0)
    assert 2 not in set(cmp.distinctive["topic"]) and cmp.test.topics == 2


def test_one_group_is_not_tested_and_says_why():
    cmp = G.compare_groups(table_docs({"A": [20, 20, 20], "B": [5, 5, 5]}), TOPICS3, "src", str.split)
    assert not cmp.test.tested and cmp.test.residuals.empty
    assert any("not compared by src: fewer than two groups are large enough" in s for s in cmp.sentences())
    assert not any("differ" in s for s in cmp.sentences())
    fig, table = FG.prevalence_chart(cmp)
    assert table.empty and "fewer than two groups" in how_to_read(fig)


def test_comparing_by_article_treats_documents_as_independent_and_says_so():
    docs = table_docs({"A": [20, 10, 10], "B": [10, 20, 10]}, docs_per_article=40)  # one article per group and topic
    docs["article_id"] = docs["src"]  # now each group is one article
    cmp = G.compare_groups(docs, TOPICS3, "article_id", str.split)
    assert cmp.unit == "document" and cmp.included == ["A", "B"]
    assert any(s.startswith("Each article_id group is a single article") for s in cmp.sentences())
    assert "(chi-square " in " ".join(cmp.sentences()) and cmp.test.df_denominator == 0


def test_comparing_by_article_counts_words_per_document():
    # two articles, each with 40 paragraphs in topic 0 and 20 in topic 1: A's 40 of topic 0 say "alpha", B's never.
    # Counted per article, each side is one article and no word could reach 3 of them; documents are the unit, and
    # the words are counted per document. By hand: a = 40, a0 = 200 (A: 40 alpha + 80 chips/export, B: 80):
    # log(80 / 240) - log(40 / 240) = log 2 over sqrt(1/80 + 1/40): z 3.58
    rows = [{"src": g, "article_id": g, "topic": 0, "text": ("alpha " if g == "A" else "") + "chips export"}
            for g in "AB" for i in range(40)]
    rows += [{"src": g, "article_id": g, "topic": 1, "text": "models open"} for g in "AB" for i in range(20)]
    cmp = G.compare_groups(documents(rows), TOPICS3, "article_id", str.split)
    assert cmp.unit == "document" and cmp.counted == "document"
    row = cmp.distinctive.query("group == 'A' and word == 'alpha'").iloc[0]
    assert (row.count_group, row.articles_group, row.count_rest, row.articles_rest) == (40, 40, 0, 40)
    assert row.z == pytest.approx(math.log(2) / math.sqrt(1 / 80 + 1 / 40))
    said = [s for s in cmp.sentences() if s.startswith("Inside topic 0 (Chips), A's documents use these words")]
    assert len(said) == 1 and "“alpha” in 40 of 40 (100%) against 0 of 40 (0%), z 3.6" in said[0]


def test_a_column_that_varies_inside_articles_counts_each_other_article_once():
    # 12 articles, each with one paragraph of section X, one of Y and one of Z, all in topic 0. X's paragraphs say
    # "xword"; Y's and Z's "common". The other sections' side of X is 12 articles (each holding a Y and a Z
    # paragraph), not 24 (group, article) pairs
    rows = [{"src": sec, "article_id": f"a{i}", "topic": 0, "text": ("xword " if sec == "X" else "common ") + "chips"}
            for i in range(12) for sec in "XYZ"]
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split, min_group_docs=10)
    assert cmp.unit == "article"
    x = cmp.distinctive.query("group == 'X'").set_index("word")
    assert (x.loc["xword", "count_group"], x.loc["xword", "articles_group"]) == (12, 12)
    assert (x.loc["xword", "count_rest"], x.loc["xword", "articles_rest"]) == (0, 12)
    # and the prior is the pooled units: xword 12 + 0, "chips" in all 12 of X's and all 12 others
    assert x.loc["xword", "prior"] == 12 and x.loc["xword", "total_rest"] == 24  # "common" + "chips" in 12 each


# --- (e) no verdict against its figure ------------------------------------------------------------------------------

def test_no_difference_prints_no_differs_sentence():
    cmp = G.compare_groups(table_docs({"A": [20, 20, 20], "B": [21, 19, 20]}), TOPICS3, "src", str.split)
    assert cmp.test.p_value > 0.5
    said = cmp.sentences()
    assert not any("differs" in s or "represented" in s for s in said)
    assert any(s.startswith("No clear difference in the topic mix by src") for s in said)
    assert not cmp.test.residuals["flagged"].any()


def test_strong_difference_prints_the_sentence_with_its_figures():
    cmp = G.compare_groups(table_docs({"A": [60, 10, 10], "B": [10, 10, 60]}), TOPICS3, "src", str.split)
    t = cmp.test
    said = cmp.sentences()
    differs = [s for s in said if s.startswith("The topic mix differs by src")]
    assert t.p_value < 0.001 and len(differs) == 1
    assert "p < 0.001" in differs[0] and f"Cramér's V {t.cramers_v:.2f}" in differs[0]
    assert not any(s.startswith("No clear difference") for s in said)
    over = [s for s in said if "over-represented in A" in s]
    assert over and over[0].startswith("Topic 0 (Chips)")
    assert any(s.startswith("Topic 2 (Prices) is over-represented in B") for s in said)
    # every sentence naming a cell agrees with that cell's figures
    cells = t.residuals.set_index(["topic", "group"])
    for s in said:
        m = re.match(r"Topic (\d+) \(.*?\) is (over|under)-represented in (\w+)", s)
        if m:
            c = cells.loc[(int(m[1]), m[3])]
            assert c.flagged and c.p_holm < G.ALPHA
            assert (c.residual_adjusted > 0) == (m[2] == "over") == (c.share_group > c.share_rest)


def test_a_cell_is_not_named_when_the_test_as_a_whole_fails():
    # 13 groups, all 20/20/20 but A (34/13/13): A's topic 0 passes Holm on its own (p_holm 0.01), yet the mix as a
    # whole shows no clear difference (p 0.96); the cell is not named against the test
    counts = {"A": [34, 13, 13]} | {f"G{i}": [20, 20, 20] for i in range(12)}
    cmp = G.compare_groups(table_docs(counts), TOPICS3, "src", str.split)
    r = cmp.test.residuals
    assert cmp.test.p_value >= G.ALPHA and r["p_holm"].min() < G.ALPHA
    assert not r["flagged"].any()
    assert not any("represented" in s for s in cmp.sentences())
    assert (np.array(FG.residual_heatmap(cmp)[0].data[0].text) != "●").all()


def test_a_cell_is_named_only_after_holm():
    # A and B differ strongly; C's topic 1 (20 of 80 against 20 of 160 elsewhere) has p = 0.014 alone, but four
    # cells with p ~ 0 come first, so Holm multiplies it by 9 - 4 = 5: 0.072, not significant
    cmp = G.compare_groups(table_docs({"A": [60, 10, 10], "B": [10, 10, 60], "C": [30, 20, 30]}), TOPICS3, "src",
                           str.split)
    r = cmp.test.residuals.set_index(["group", "topic"])
    assert r.loc[("C", 1), "p"] == pytest.approx(0.0143, abs=1e-4)
    assert r.loc[("C", 1), "p_holm"] == pytest.approx(5 * r.loc[("C", 1), "p"])
    assert not r.loc[("C", 1), "flagged"]
    assert (r["flagged"] == ((r["p_holm"] < G.ALPHA) & (cmp.test.p_value < G.ALPHA))).all()
    assert r["flagged"].sum() == 4
    said = cmp.sentences()
    assert not any(" in C:" in s for s in said)
    assert sum("-represented in " in s for s in said) == 4


def test_sentences_follow_the_figures_when_the_figures_change():
    cmp = G.compare_groups(table_docs({"A": [60, 10, 10], "B": [10, 10, 60]}), TOPICS3, "src", str.split)
    assert any("differs" in s for s in cmp.sentences())
    cmp.test.p_value = 0.2  # the same comparison, had its test come out otherwise
    said = cmp.sentences()
    assert not any("differs" in s or "represented" in s for s in said)
    assert any(s.startswith("No clear difference") for s in said)


# --- columns -------------------------------------------------------------------------------------------------------

def test_unknown_column_names_the_columns_available():
    docs = table_docs({"A": [1, 1, 1]})
    docs["section"] = "x"
    with pytest.raises(ValueError, match=r"'sourse'.*no such column.*'src'.*'section'") as err:
        G.compare_groups(docs, TOPICS3, "sourse", str.split)
    assert "'text'" not in str(err.value) and "'topic'" not in str(err.value)
    with pytest.raises(ValueError, match="the model's output"):
        G.check_compare_by(docs, "topic")
    assert G.check_compare_by(docs, "section") == "section"


def test_default_compare_by():
    docs = table_docs({"A": [1, 1, 1], "B": [1, 1, 1]})
    docs["source"], docs["author"] = docs["src"], ""
    assert G.default_compare_by(docs) == ["source"]
    docs["source"] = ["x"] * 3 + [""] * 3  # one non-empty value
    docs["author"] = ["p", "q", "p", None, " ", "q"]
    assert G.default_compare_by(docs) == ["author"]
    docs["author"] = ["p"] * 6
    assert G.default_compare_by(docs) == []
    assert G.default_compare_by(docs.drop(columns=["source", "author"])) == []


def test_outlier_constant_is_the_models():
    from newstopics.model import OUTLIER

    assert G.OUTLIER == OUTLIER


# --- (f) the seed articles -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds_result():
    from lsa import LSA_MODEL, LsaEmbedder

    from newstopics import corpus as C
    from newstopics import model as M
    from newstopics import params as P

    docs = C.load_corpus(SEEDS).documents
    params = P.validate({"corpus": str(SEEDS), "reducer": "pca", "embedding_model": LSA_MODEL})
    result = M.fit_topics(docs, LsaEmbedder(), params)
    d = result.documents
    # synthetic metadata: a desk per article (3 and 2 articles), and each article's first and second half
    d["desk"] = np.where(d["article_id"].str[:3].isin(["000", "001", "002"]), "wire", "features")
    rank = d.groupby("article_id").cumcount() / d.groupby("article_id")["doc_id"].transform("size")
    d["half"] = np.where(rank < 0.5, "first", "second")
    return result


def test_seeds_by_article_level_column(seeds_result):
    r = seeds_result
    analyzer = r.model.vectorizer_model.build_analyzer()
    # by default a desk of 2 articles is too small: the spread between 2 articles is no measure of uncertainty
    default = G.compare_groups(r.documents, r.topics, "desk", analyzer)
    assert default.included == ["wire"] and not default.test.tested
    said = default.sentences()
    assert any(s.startswith("Too small to compare") and "features (" in s and "2 articles)" in s for s in said)
    assert "The topic mix is not compared by desk: fewer than two groups are large enough (1)." in said
    cmp = G.compare_groups(r.documents, r.topics, "desk", analyzer, min_group_articles=2)
    assert cmp.unit == "article" and sorted(cmp.included) == ["features", "wire"]
    d = r.documents[r.documents["topic"] != -1]
    expected = pd.crosstab(d["desk"], d["topic"]).stack()
    got = cmp.prevalence.set_index(["group", "topic"])["count"]
    assert got.sort_index().to_dict() == {k: v for k, v in expected.sort_index().items()}
    t = cmp.test
    # Rao-Scott's F form on the 5 articles in 2 groups: X² / d / df on F(df, df * 3)
    assert t.p_value == pytest.approx(stats.f.sf(t.statistic / t.design_effect / t.df, t.df, 3 * t.df))
    said = cmp.sentences()
    assert sum(s.startswith("The topic mix differs by desk") for s in said) == (t.p_value < G.ALPHA)
    assert sum(s.startswith("No clear difference in the topic mix by desk") for s in said) == (t.p_value >= G.ALPHA)


def test_seeds_by_article_id_leaves_small_articles_out(seeds_result):
    r = seeds_result
    cmp = G.compare_groups(r.documents, r.topics, "article_id", r.model.vectorizer_model.build_analyzer())
    sizes = r.documents[r.documents["topic"] != -1].groupby("article_id").size()
    assert cmp.unit == "document"
    assert sorted(cmp.included) == sorted(sizes[sizes >= G.MIN_GROUP_DOCS].index)
    named = next(s for s in cmp.sentences() if s.startswith("Too small"))
    for article in sizes[sizes < G.MIN_GROUP_DOCS].index:
        assert article in named


def test_seeds_words_and_passages_are_the_texts_own(seeds_result):
    """A column that varies inside articles; every count and z recomputed from the analyzer and the formulas."""
    r = seeds_result
    analyzer = r.model.vectorizer_model.build_analyzer()
    # halves of the same articles hardly differ: no word reaches the report's z of 1.96 (checked), so a lower
    # threshold here, to have words whose counts and z-scores can be checked
    assert G.compare_groups(r.documents, r.topics, "half", analyzer, min_cell_docs=4).distinctive.empty
    cmp = G.compare_groups(r.documents, r.topics, "half", analyzer, min_cell_docs=4, word_z=1.0)
    assert cmp.unit == "article" and len(cmp.distinctive) >= 1 and len(cmp.passages) >= 1
    # the run's documents tokenized once (what compare_result passes) give the same tables
    once = G.compare_result(r, "half", min_cell_docs=4, word_z=1.0)
    pd.testing.assert_frame_equal(once.distinctive, cmp.distinctive)
    pd.testing.assert_frame_equal(once.passages, cmp.passages)
    docs = r.documents
    words = [{w for w in analyzer(t) if " " not in w} for t in docs["text"]]

    def per_article(mask) -> tuple[Counter, int]:  # each article of the cell counts a word once
        used: dict[str, set] = {}
        for ws, a, m in zip(words, docs["article_id"], mask, strict=True):
            if m:
                used.setdefault(a, set()).update(ws)
        return Counter(w for ws in used.values() for w in ws), len(used)

    for row in cmp.distinctive.head(15).itertuples():
        in_topic = (docs["topic"] == row.topic).to_numpy()
        mine, art_g = per_article(in_topic & (docs["half"] == row.group).to_numpy())
        rest, art_r = per_article(in_topic & (docs["half"] != row.group).to_numpy())
        assert (row.count_group, row.count_rest) == (mine[row.word], rest[row.word])
        assert (row.total_group, row.total_rest) == (sum(mine.values()), sum(rest.values()))
        assert (row.articles_group, row.articles_rest) == (art_g, art_r)
        vocab = sorted(set(mine) | set(rest))
        prior = np.array([mine[w] + rest[w] for w in vocab])
        _, z = S.log_odds_z([mine[w] for w in vocab], [rest[w] for w in vocab], prior,
                            a0=row.total_group + row.total_rest)
        assert row.z == pytest.approx(z[vocab.index(row.word)])
        assert row.z >= 1.0 and row.count_group / art_g > row.count_rest / art_r and row.count_group >= 3
    for p in cmp.passages.itertuples():
        doc = docs.set_index("doc_id").loc[p.doc_id]
        assert doc["topic"] == p.topic and doc["half"] == p.group
        listed = set(cmp.distinctive.query("topic == @p.topic and group == @p.group")["word"])
        assert set(p.words.split(", ")) <= listed & set(analyzer(doc["text"]))
        assert p.excerpt.strip("… ") in " ".join(doc["text"].split())


def test_tables_survive_csv_and_give_the_same_sentences(seeds_result, tmp_path):
    r = seeds_result
    cmp = G.compare_groups(r.documents, r.topics, "half", r.model.vectorizer_model.build_analyzer(),
                           min_cell_docs=4, word_z=1.0, sentence_word_z=1.0)  # low: words in the sentences too
    assert any("articles use these words more" in s for s in cmp.sentences())
    for name, table in cmp.to_tables().items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    back = G.GroupComparison.from_tables({name: _read_table(tmp_path / f"{name}.csv") for name in cmp.to_tables()})
    assert back.sentences() == cmp.sentences()
    assert back.included == cmp.included and back.unit == cmp.unit
    for name in ("prevalence", "residuals", "distinctive"):
        pd.testing.assert_frame_equal(back.to_tables()[name], cmp.to_tables()[name], check_dtype=False)


def test_tables_of_a_run_saved_before_words_were_counted_per_article_are_read_by_one_rule(seeds_result, tmp_path):
    # an earlier version wrote no articles_in_topics, no df_denominator and words counted by occurrence (no
    # articles_group): the tables still load, the test's sentence keeps its F form, and the words are not shown as if
    # they were counts of articles
    r = seeds_result
    cmp = G.compare_groups(r.documents, r.topics, "half", r.model.vectorizer_model.build_analyzer(),
                           min_cell_docs=4, word_z=1.0, sentence_word_z=1.0)
    tables = cmp.to_tables()
    old = {**tables, "groups": tables["groups"].drop(columns="articles_in_topics"),
           "test": tables["test"].drop(columns="df_denominator"),
           "distinctive": tables["distinctive"].drop(columns=["articles_group", "articles_rest"])}
    for name, table in old.items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    back = G.GroupComparison.from_tables({name: _read_table(tmp_path / f"{name}.csv") for name in old})
    assert back.test.df_denominator == cmp.test.df_denominator > 0
    assert back.distinctive.empty and FG.distinctive_table(back).empty
    said = back.sentences()
    assert not any("use these words more" in s for s in said)
    assert any(s.startswith("Distinctive words are not shown: this run was saved by an earlier version") for s in said)
    assert [s for s in said if "topic mix" in s] == [s for s in cmp.sentences() if "topic mix" in s]
    # with articles wholly of outliers the articles written overstate nu: the df is the one whose F gives back the
    # p written. A and B: 10 articles of 10 paragraphs in topics (as in the Rao-Scott case) and 5 of outliers each:
    # F(1, 1 x (20 - 2)), not 1 x (30 - 2)
    rows = [{"src": g, "article_id": f"{g}{a}", "topic": t} for g, first in (("A", 6), ("B", 4))
            for a in range(10) for t in [0 if a < first else 1] for _ in range(10)]
    rows += [{"src": g, "article_id": f"{g}-out{a}", "topic": -1} for g in "AB" for a in range(5) for _ in range(3)]
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    assert cmp.test.df_denominator == 18
    tables = cmp.to_tables()
    old = {**tables, "groups": tables["groups"].drop(columns="articles_in_topics"),
           "test": tables["test"].drop(columns="df_denominator")}
    back = G.GroupComparison.from_tables(old)
    assert back.test.df_denominator == 18 and "on 1 and 18 df" in " ".join(back.sentences())


def strings(value) -> list[str]:
    """Every string inside a figure's JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_tables_survive_csv_with_numeric_group_names_and_no_test(tmp_path):
    docs = table_docs({"2024": [20, 12, 10], "2025": [10, 12, 20], "1999": [3, 3, 3]})
    docs.loc[:4, "src"] = None
    for case in (docs, docs[docs["src"] != "2025"]):  # compared, and left with one group: not tested
        cmp = G.compare_groups(case, TOPICS3, "src", str.split)
        for name, table in cmp.to_tables().items():
            table.to_csv(tmp_path / f"{name}.csv", index=False)
        back = G.GroupComparison.from_tables({n: _read_table(tmp_path / f"{n}.csv") for n in cmp.to_tables()})
        assert back.sentences() == cmp.sentences() and back.included == cmp.included
        assert back.test.tested == cmp.test.tested


# --- (g) charts ------------------------------------------------------------------------------------------------------

def test_charts_build_serialise_and_carry_a_guide(seeds_result):
    r = seeds_result
    cmp = G.compare_groups(r.documents, r.topics, "half", r.model.vectorizer_model.build_analyzer(),
                           min_cell_docs=4, word_z=1.0)
    for draw in (FG.prevalence_chart, FG.residual_heatmap, FG.distinctive_words):
        fig, table = draw(cmp)
        assert json.loads(fig.to_json())["data"] and how_to_read(fig)
        assert fig.layout.height <= FG.MAX_HEIGHT and len(table)
    assert "<table" in FG.distinctive_html(cmp)


def test_charts_cap_groups_and_topics_escape_text_and_mark_significant_cells():
    rng = np.random.default_rng(5)
    n_topics = 15
    topics = pd.DataFrame({"topic": range(-1, n_topics), "label": ["Outliers"] + [f"T<{k}>" for k in range(n_topics)]})
    rows = []
    for g in range(20):
        name = f"<b>src{g}</b>" if g == 0 else f"src{g}"
        mix = rng.dirichlet(np.ones(n_topics) * (0.5 if g < 3 else 5))
        for a in range(12):
            for t in rng.choice(n_topics, size=5, p=mix):
                rows.append({"src": name, "article_id": f"{g}-{a}", "topic": int(t)})
    cmp = G.compare_groups(documents(rows), topics, "src", str.split)
    assert len(cmp.included) == 20 and cmp.test.p_value < G.ALPHA
    fig, table = FG.prevalence_chart(cmp)
    title = fig.layout.title.text
    assert "the 12 largest of 20 groups" in title and "the 12 largest of 15 topics" in title
    assert table["group"].nunique() == 12 and table["topic"].nunique() == 12 and len(fig.data) == 12
    assert fig.layout.height <= FG.MAX_HEIGHT
    heat, cells = FG.residual_heatmap(cmp)
    text = np.array(heat.data[0].text)
    marked = {(g, t) for g, t, f in zip(cells["group"], cells["topic"], cells["flagged"], strict=True) if f}
    assert (text == "●").sum() == len(marked) > 0
    assert heat.data[0].zmid == 0
    shown = strings(json.loads(fig.to_json())) + strings(json.loads(heat.to_json()))
    assert not any("<b>src0" in s or "T<3>" in s for s in shown)
    assert any("&lt;b&gt;src0&lt;/b&gt;" in s for s in shown) and any("T&lt;3&gt;" in s for s in shown)
    words, _ = FG.distinctive_words(cmp)
    assert how_to_read(words)


def test_sparse_cells_make_the_p_value_approximate_and_it_is_said():
    # one document per article (documents are the unit). A: 28/1/1, B: 1/28/1 of topics 0/1/2. Topic 2 holds 2
    # documents, so its 2 cells expect 1 each: 2 of 6 cells (33%) expect fewer than 5, over Cochran's 20%
    rows = [{"src": g, "article_id": f"{g}{i}", "topic": t}
            for g, mix in (("A", (28, 1, 1)), ("B", (1, 28, 1))) for t, n in enumerate(mix) for i in range(n)]
    for r, i in zip(rows, range(len(rows)), strict=True):
        r["article_id"] += f"-{i}"
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    assert cmp.unit == "document" and cmp.test.low_expected_share == pytest.approx(2 / 6)
    assert "33% of the cells expect fewer than 5 documents, so the chi-square p-value is approximate." in \
        cmp.sentences()
    # the same mix ten times over: every cell expects 10 or more, and the sentence is gone
    big = [dict(r, article_id=f"{r['article_id']}x{k}") for r in rows for k in range(10)]
    cmp = G.compare_groups(documents(big), TOPICS3, "src", str.split)
    assert cmp.test.low_expected_share == 0 and not any("approximate" in s for s in cmp.sentences())


def test_a_difference_no_single_cell_carries_is_said_as_such():
    # 2x2 on documents: A 60/40, B 45/55 of topics 0/1. Expected 52.5/47.5 per group; X² = 2 * 7.5² * (1/52.5 +
    # 1/47.5) = 4.511, p = 0.034: the mix differs. Each adjusted residual is ±sqrt(4.511) with the same p = 0.034,
    # and Holm over 4 cells makes the smallest 4 * 0.034 = 0.135: no single cell stands out
    rows = [{"src": g, "article_id": f"{g}{t}-{i}", "topic": t}
            for g, mix in (("A", (60, 40)), ("B", (45, 55))) for t, n in enumerate(mix) for i in range(n)]
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split)
    t = cmp.test
    assert t.statistic == pytest.approx(2 * 7.5 ** 2 * (1 / 52.5 + 1 / 47.5)) and t.p_value == pytest.approx(0.0337,
                                                                                                          abs=1e-4)
    assert t.residuals["p_holm"].min() == pytest.approx(min(1.0, 4 * t.p_value)) and not t.residuals["flagged"].any()
    said = cmp.sentences()
    assert any(s.startswith("The topic mix differs by src") for s in said)
    assert said[-1] == "No single topic stands out in one src after Holm's correction over 4 cells."


def test_cells_beyond_the_sentence_cap_are_counted():
    # 2 groups x 6 topics, A only in topics 0, 2, 4 and B only in 1, 3, 5 (50 documents each): all 12 cells stand
    # out; 10 are said and "2 more cells" counted
    topics = pd.DataFrame({"topic": range(-1, 6), "label": ["Outliers"] + [f"T{k}" for k in range(6)]})
    rows = [{"src": g, "article_id": f"{g}{t}-{i}", "topic": t}
            for g, own in (("A", (0, 2, 4)), ("B", (1, 3, 5))) for t in own for i in range(50)]
    cmp = G.compare_groups(documents(rows), topics, "src", str.split)
    assert cmp.test.residuals["flagged"].sum() == 12
    said = cmp.sentences()
    assert sum(" is over-represented in " in s or " is under-represented in " in s for s in said) == \
        G.MAX_SENTENCES_PER_KIND == 10
    assert "2 more cells stand out (see the residuals table)." in said


def test_one_article_repeating_a_word_is_one_article_not_forty_uses():
    # X and Y: 10 articles of 4 paragraphs each in topic 0, the same words, except that one article of X says
    # "border" ten times in each of its paragraphs (40 uses). Counted by use, X uses it 40 times to none (z 3.6);
    # counted by article, 1 of X's 10 articles against 0 of Y's: not a word of X's
    rows = [{"src": g, "article_id": f"{g}{a}", "topic": 0,
             "text": "chips export rules " + ("border " * 10 if g == "X" and a == 0 else "")}
            for g in "XY" for a in range(10) for _ in range(4)]
    by_use = S.log_odds_z([40, 40, 40, 40], [0, 40, 40, 40], np.array([40, 80, 80, 80]), a0=280)[1][0]
    assert by_use > G.SENTENCE_WORD_Z
    cmp = G.compare_groups(documents(rows), TOPICS3, "src", str.split, min_cell_docs=4)
    assert cmp.unit == "article" and "border" not in set(cmp.distinctive["word"])
    assert not any("border" in s for s in cmp.sentences())
