"""Metrics computed by hand on tiny data, and on real seeds with cheap embeddings."""
import math

import numpy as np
import pytest
from conftest import SEEDS
from lsa import LSA_MODEL, LsaEmbedder

from newstopics import corpus as C
from newstopics import evaluation as EV
from newstopics import figures as F
from newstopics import model as M
from newstopics import params as P
from newstopics.model.represent import agreement_weights


def test_npmi_by_hand():
    # 4 documents shorter than the window: each is one window
    docs = [["a", "b"], ["a", "b"], ["a", "c"], ["d"]]
    counts = EV.WindowCounts(docs, ["a", "b", "c"], window=10)
    p_ab, p_a, p_b = 2 / 4, 3 / 4, 2 / 4
    expected = math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)
    assert EV.npmi_coherence([["a", "b"]], counts)[0] == pytest.approx(expected, abs=1e-6)
    # words that never co-occur score near -1 (gensim's epsilon of 1e-12 keeps it just above)
    never = EV.npmi_coherence([["b", "c"]], counts)[0]
    assert (
        never == pytest.approx((math.log(1e-12) - math.log(2 / 4 * 1 / 4)) / -math.log(1e-12), abs=1e-6)
        and never < -0.9
    )


def test_sliding_windows_and_phrases():
    docs = [["x"] * 3 + ["a"] + ["x"] * 20 + ["b"]]  # a and b are 21 tokens apart
    near = EV.WindowCounts(docs, ["a", "b"], window=10)
    assert near.co[0, 1] == 0 and near.n_windows == len(docs[0]) - 9
    far = EV.WindowCounts(docs, ["a", "b"], window=110)
    assert far.co[0, 1] == 1
    phrase = EV.WindowCounts([["data", "privacy", "x"], ["data", "x"]], ["data privacy", "data"], window=10)
    assert phrase.single.tolist() == [1, 2]


@pytest.mark.parametrize("top_n", [5, 10, 15])
def test_diversity_for_any_number_of_top_words(top_n):
    words = [f"w{i}" for i in range(40)]
    same = [words[:top_n], words[:top_n]]
    apart = [words[:top_n], words[top_n:2 * top_n]]
    half = [words[:top_n], words[:top_n // 2] + words[top_n:2 * top_n - top_n // 2]]
    assert EV.diversity(same, top_n) == 0.5 and EV.diversity(apart, top_n) == 1.0
    assert EV.diversity(half, top_n) == pytest.approx((2 * top_n - top_n // 2) / (2 * top_n))  # unique / listed
    longer = [words[:20], words[20:40]]  # lists longer than top_n count only their first top_n words
    assert EV.diversity(longer, top_n) == 1.0 and EV.diversity([words[:20], words[:20]], top_n) == 0.5


def test_documents_match_a_topic_by_jaccard():
    fit = np.array([0, 0, 0, 0, 1, 1, 1, -1])
    refit = np.array([7, 7, 7, 9, 9, 9, 9, 7])
    # topic 0 = docs {0..3}; refit 7 = {0, 1, 2, 7}: 3 shared of 5 -> 0.6; refit 9 = {3..6}: 1 of 7
    # topic 1 = docs {4, 5, 6}; refit 9: 3 shared of 4 -> 0.75
    assert EV.document_jaccard(fit, refit) == {0: pytest.approx(3 / 5), 1: pytest.approx(3 / 4)}
    assert EV.document_jaccard(fit, np.full(8, -1)) == {0: 0.0, 1: 0.0}  # outliers match nothing
    assert EV.REAPPEAR == 0.5  # what the report calls "reappears": document Jaccard of at least one half


@pytest.mark.parametrize("top_n", [5, 10, 15])
def test_word_overlap_uses_the_top_n_words(top_n):
    words = [f"w{i}" for i in range(30)]
    shifted = words[top_n // 2:]  # shares the last top_n - top_n // 2 of the first top_n words
    expected = (top_n - top_n // 2) / top_n
    assert EV.word_overlap(words, [shifted, ["x"]], top_n) == pytest.approx(expected)
    assert EV.word_overlap(words, [words[top_n:]], top_n) == 0.0


def test_phrases_beside_their_own_words_do_not_inflate_coherence():
    """On random text, "a b" beside "a" scores an NPMI near 0.5 (a phrase occurs only where both its words do), so a
    topic listing phrases beside their words looks coherent where nothing is. Every model is scored on single words."""
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(50)]
    docs = [list(rng.choice(vocab, size=200)) for _ in range(300)]
    plain = [vocab[i:i + 10] for i in range(0, 50, 10)]
    with_phrases = [[t[0], f"{t[0]} {t[1]}", t[1], f"{t[1]} {t[2]}"] + t[2:] for t in plain]
    counts = EV.WindowCounts(docs, [w for t in with_phrases for w in t], EV.NPMI_WINDOW)
    assert counts.npmi(["w0 w1", "w0"])[0, 1] > 0.4 and abs(counts.npmi(["w0", "w1"])[0, 1]) < 0.05
    inflated = np.nanmean(EV.npmi_coherence([t[:10] for t in with_phrases], counts))
    honest = EV.score_topics("x", dict(enumerate(with_phrases)), docs, top_n=10)
    reference = EV.score_topics("x", dict(enumerate(plain)), docs, top_n=10)
    assert abs(reference.npmi) < 0.05 and inflated > reference.npmi + 0.03
    assert honest.npmi == pytest.approx(reference.npmi) and honest.diversity == reference.diversity
    assert EV.single_words(with_phrases[0], 3) == plain[0][:3]


@pytest.fixture(scope="module")
def seeds_result():
    docs = C.load_corpus(SEEDS).documents
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "pca"})
    embedder = LsaEmbedder()
    return M.fit_topics(docs, embedder, params), embedder, params


def test_evaluate_on_seeds(seeds_result):
    result, embedder, params = seeds_result
    ev = EV.evaluate(result, embedder, params, baselines=True, stability_runs=2)
    assert ev.scores["model"].tolist() == [EV.OURS, EV.OURS_LIFT_ONLY, "NMF", "LDA"]
    assert ev.halves == {"half_a": 72, "half_b": 73}
    # the baselines get as many topics as ours has words for on half A
    assert (ev.scores["topics"] == ev.scores.loc[0, "topics"]).all()
    # the report's NPMI is the held-out one: recounted here on half B alone, by hand
    analyzer = result.model.vectorizer_model.build_analyzer()
    half_b = result.documents["text"][~EV.halves(len(result.documents), params.random_state)].tolist()
    weights = agreement_weights(result.documents["agreement"])  # as the report weighs our words
    again = EV.compare_models(result.documents["text"], analyzer, result.model.vectorizer_model,
                              result.documents["topic"].to_numpy(), weights, top_n=params.top_n_words,
                              random_state=params.random_state, baselines=False)
    tokens = EV.tokenize(half_b, analyzer)
    assert again.scores[EV.OURS_LIFT_ONLY].npmi == pytest.approx(
        EV.score_topics("x", again.words[EV.OURS_LIFT_ONLY], tokens, top_n=params.top_n_words).npmi)
    # ... and that recount is the figure the report's table shows
    for name in (EV.OURS, EV.OURS_LIFT_ONLY):
        assert ev.scores.set_index("model").at[name, "npmi"] == pytest.approx(again.scores[name].npmi, abs=1e-3)
    # the per-topic table scores the shown words on all documents (in sample)
    shown = {int(r.topic): r.top_words.split(", ") for r in result.topics.itertuples() if r.topic != -1}
    in_sample = EV.score_topics("x", shown, EV.tokenize(result.documents["text"].tolist(), analyzer),
                                top_n=params.top_n_words).per_topic.set_index("topic")["npmi"]
    per_topic = ev.per_topic.set_index("topic")["npmi_in_sample"]
    assert per_topic[in_sample.index].tolist() == pytest.approx(in_sample.tolist(), abs=1e-4)
    assert set(ev.per_topic["topic"]) == set(result.topics["topic"])
    assert ev.stability is not None and len(ev.stability.seeds) == 2
    js = ev.to_json()
    assert js["sizes"]["topics"] == (result.topics["topic"] != -1).sum() and js["halves"] == ev.halves
    assert "half B" in js["protocol"]


def test_words_are_chosen_on_half_a_and_scored_on_half_b():
    """Worked by hand: half B's texts are replaced by others; the words stay, the scores follow half B."""
    from newstopics.model.build import make_vectorizer
    from newstopics.model.terms import news_analyzer

    texts = C.load_corpus(SEEDS).documents["text"]
    labels = np.arange(len(texts)) % 4
    in_a = EV.halves(len(texts), 7)
    vectorizer = make_vectorizer(M.size_for(len(texts), P.DEFAULTS)).fit(texts)
    analyzer = news_analyzer()
    first = EV.compare_models(texts, analyzer, vectorizer, labels, None, top_n=10, random_state=7, baselines=True)
    other = texts.copy()
    other[~in_a] = np.resize(texts[in_a].to_numpy(), (~in_a).sum())  # half B now repeats half A's texts
    second = EV.compare_models(other, analyzer, vectorizer, labels, None, top_n=10, random_state=7, baselines=True)
    for name in (EV.OURS, EV.OURS_LIFT_ONLY, "NMF"):
        assert first.words[name] == second.words[name], name  # chosen on half A only
        assert first.scores[name].npmi != second.scores[name].npmi, name  # scored on half B only
        tokens_b = EV.tokenize(other[~in_a].tolist(), analyzer)
        assert second.scores[name].npmi == pytest.approx(EV.score_topics(name, second.words[name], tokens_b).npmi)
    # the in-sample counts are of every document: half A's and half B's added up
    whole = EV.WindowCounts(EV.tokenize(other.tolist(), analyzer), second.counts[0].terms, EV.NPMI_WINDOW)
    np.testing.assert_array_equal(second.counts[0].co, whole.co)


def test_runs_are_ranked_only_against_comparable_runs_on_a_stated_measure():
    import pandas as pd

    t = pd.DataFrame({
        "run_id": list("abcdef"), "status": ["succeeded"] * 6, "corpus_key": list("xxyyzz"),
        "npmi": [0.10, 0.15, 0.20, 0.25, 0.30, 0.05], "nmf_npmi": [0.05, 0.14, None, None, None, None],
        "topics": [20, 6, 8, 8, 4, 9], "outlier_share": [0.4, 0.0, 0.0, 0.0, 0.0, 0.0],
    })
    ranked = EV.rank_runs(t).set_index("run_id")
    # x: a's margin over NMF (0.05) beats b's (0.01), though b has the higher NPMI (fewer topics) and no outliers
    assert ranked.loc[["a", "b"], "rank"].tolist() == [1, 2] and set(ranked.loc[["a", "b"], "ranked_by"]) == {
        "npmi_over_nmf"}
    # y: no NMF, same topic counts: held-out NPMI
    assert ranked.loc[["c", "d"], "rank"].tolist() == [2, 1] and set(ranked.loc[["c", "d"], "ranked_by"]) == {"npmi"}
    # z: no NMF and different topic counts: nothing comparable, so no rank
    assert ranked.loc[["e", "f"], "rank"].isna().all() and ranked.at["e", "ranked_by"].startswith("not ranked")
    assert ranked["group"].nunique() == 3


def test_without_baselines_or_stability(seeds_result):
    result, embedder, params = seeds_result
    ev = EV.evaluate(result, embedder, params, baselines=False, stability_runs=0)
    assert ev.scores["model"].tolist() == [EV.OURS, EV.OURS_LIFT_ONLY] and ev.stability is None
    assert "No baseline" in ev.comparison_summary()
    assert "stability" not in ev.to_json()


def test_baselines_default_by_size():
    assert EV.want_baselines(P.DEFAULTS, 150) and not EV.want_baselines(P.DEFAULTS, 50_000)
    assert not EV.want_baselines(P.validate({"corpus": str(SEEDS), "baselines": False}), 150)


@pytest.mark.parametrize("n_topics", [0, 1, 2])
def test_figures_survive_few_topics(seeds_result, n_topics):
    result, _, params = seeds_result
    docs = result.documents.copy()
    keep = sorted(t for t in docs["topic"].unique() if t != -1)[:n_topics]
    docs.loc[~docs["topic"].isin(keep), "topic"] = -1
    topics = result.topics[result.topics["topic"].isin(keep + [-1])].copy()
    topics.loc[topics["topic"] == -1, "count"] = int((docs["topic"] == -1).sum())
    docs["label"] = docs["topic"].map(dict(zip(topics["topic"], topics["label"], strict=True)))
    small = M.TopicResult(result.model, docs, topics, result.embeddings, result.sizing)
    for fig in (
        F.topic_barchart(small),
        F.intertopic_map(small),
        F.similarity_heatmap(small),
        F.hierarchy(small),
        F.article_topic_heatmap(small),
        F.document_map(small, np.zeros((len(docs), 2))),
    ):
        assert fig.layout.title.text and F.how_to_read(fig)
        fig.to_json()


def test_hover_text_is_escaped(seeds_result):
    result, _, _ = seeds_result
    docs = result.documents.copy()
    docs.loc[0, "text"] = "<script>alert(1)</script> <b>bold</b>"
    fig = F.document_map(
        M.TopicResult(result.model, docs, result.topics, result.embeddings, result.sizing), np.zeros((len(docs), 2))
    )
    hovers = [t for tr in fig.data for t in tr.text]
    assert any("&lt;script&gt;" in h for h in hovers) and not any("<script>" in h for h in hovers)


def test_window_counts_match_a_brute_force_count():
    import random

    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(12)]
    docs = [[rng.choice(vocab) for _ in range(rng.randint(0, 30))] for _ in range(60)]
    terms = vocab[:6] + ["w1 w2"]
    for window in (1, 4, 10, 110):
        counts = EV.WindowCounts(docs, terms, window)
        windows = [set(d[i : i + window]) for d in docs for i in range(max(1, len(d) - window + 1))]
        assert counts.n_windows == len(windows)
        for a in terms:
            for b in terms:
                need = set(a.split()) | set(b.split())
                assert counts.co[counts.col[a], counts.col[b]] == sum(need <= w for w in windows), (window, a, b)


def test_window_counts_in_parts_add_up_to_one_count_of_all_documents():
    from newstopics.model.terms import news_analyzer

    texts = C.load_corpus(SEEDS).documents["text"].tolist()
    analyzer = news_analyzer()
    terms = ["deepseek", "open", "chips", "export", "price", "models", "open source"]
    whole = [EV.WindowCounts(EV.tokenize(texts, analyzer), terms, w) for w in (EV.NPMI_WINDOW, EV.CV_WINDOW)]
    parts = EV.count_windows(texts, analyzer, terms, chunk=17)  # 145 documents in 9 parts
    tokens = EV.tokenize(texts, analyzer)
    from_tokens = EV.count_windows(tokens, None, terms, chunk=17)  # the run's tokens, sent as positions
    for one, summed, again in zip(whole, parts, from_tokens, strict=True):
        assert summed.n_windows == one.n_windows == again.n_windows and summed.co.sum() > 0
        np.testing.assert_array_equal(summed.co, one.co)
        np.testing.assert_array_equal(summed.single, one.single)
        np.testing.assert_array_equal(again.co, one.co)
    # the windows counted all at once against windows walked one by one
    for window in (3, EV.NPMI_WINDOW):
        counts = EV.WindowCounts(tokens, terms, window)
        co = np.zeros((len(terms), len(terms)))
        n_windows = 0
        for doc in tokens.lists():
            for start in range(max(1, len(doc) - window + 1)):
                seen = set(doc[start:start + window])
                held = np.array([all(w in seen for w in t.split()) for t in terms], float)
                co += np.outer(held, held)
                n_windows += 1
        assert counts.n_windows == n_windows and co[0, 0] > 0
        np.testing.assert_array_equal(counts.co, co)
    with pytest.raises(ValueError, match="do not add up"):
        parts[0] + parts[1]


def test_comparison_summary_says_when_nmf_is_ahead_and_what_the_step_does():
    # ours 0.120, NMF 0.150: NMF ahead by 0.030 (over TIE 0.02); lift only 0.090: the co-occurrence step adds 0.030
    import pandas as pd

    scores = pd.DataFrame({"model": [EV.OURS, EV.OURS_LIFT_ONLY, "NMF"], "topics": [8, 8, 8],
                           "npmi": [0.12, 0.09, 0.15]})
    text = EV.Evaluation(scores, None, {}, None, {}, {"half_a": 70, "half_b": 71}).comparison_summary()
    assert "NMF with as many topics on the same halves: 0.150, above ours by 0.030: on this corpus the embeddings " \
           "do not make the topics' words more coherent than word counts alone." in text
    assert "(the step changes it by +0.030, it helps)" in text
    scores["npmi"] = [0.12, 0.15, 0.13]  # within TIE of NMF; the step costs 0.030
    text = EV.Evaluation(scores, None, {}, None, {}, {"half_a": 70, "half_b": 71}).comparison_summary()
    assert "0.130, within 0.02 of ours: no clear difference" in text and "(the step changes it by -0.030, it hurts)" \
        in text
