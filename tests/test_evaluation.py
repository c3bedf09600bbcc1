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


def test_diversity():
    assert EV.diversity([list("abcdefghij"), list("abcdefghij")]) == 0.5
    assert EV.diversity([list("abcdefghij"), list("klmnopqrst")]) == 1.0


def test_topic_matching():
    ref = {0: list("abcdefghij"), 1: list("klmnopqrst")}
    other = {5: list("abcdefgxyz"), 6: list("uvwxyz1234")}
    m = EV.match_topics(ref, other)
    assert m[0] == (5, pytest.approx(7 / 13)) and m[1][1] == 0.0


@pytest.fixture(scope="module")
def seeds_result():
    docs = C.load_corpus(SEEDS).documents
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "pca"})
    embedder = LsaEmbedder()
    return M.fit_topics(docs, embedder, params), embedder, params


def test_evaluate_on_seeds(seeds_result):
    result, embedder, params = seeds_result
    ev = EV.evaluate(result, embedder, params, baselines=True, stability_runs=2)
    assert ev.scores["model"].tolist() == ["BERTopic", "NMF", "LDA"]
    assert (ev.scores["topics"] == ev.scores.loc[0, "topics"]).all()
    assert ev.scores[["npmi"]].abs().le(1).all().all()
    assert set(ev.per_topic["topic"]) == set(result.topics["topic"])
    assert ev.stability is not None and len(ev.stability.seeds) == 2
    assert ev.stability.per_topic["reappears"].between(0, 1).all()
    js = ev.to_json()
    assert js["sizes"]["topics"] == (result.topics["topic"] != -1).sum()


def test_without_baselines_or_stability(seeds_result):
    result, embedder, params = seeds_result
    ev = EV.evaluate(result, embedder, params, baselines=False, stability_runs=0)
    assert ev.scores["model"].tolist() == ["BERTopic"] and ev.stability is None
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
        F.topics_over_time(small)[0],
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
