"""Large corpora: a fit on a seeded sample, the other documents assigned by their nearest fitted documents, and a
number of topics a person can read at any size. Real seed articles with the cheap LSA embedding."""
import numpy as np
import pytest
from conftest import SEEDS
from lsa import LSA_MODEL, LsaEmbedder

from newstopics import corpus as C
from newstopics import model as M
from newstopics import params as P
from newstopics.evaluation import evaluate
from newstopics.model import sample as S


@pytest.fixture(scope="module")
def seeds_docs():
    return C.load_corpus(SEEDS).documents


@pytest.fixture(scope="module")
def sampled(seeds_docs):
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "fit_sample": 100, "ensemble": 12})
    return M.fit_topics(seeds_docs, LsaEmbedder(), params), params


def test_topics_stay_readable_at_any_size():
    for n in (150, 1_500, 2_225, 5_000, 30_000):
        s = M.size_for(n, P.DEFAULTS)
        assert n // s.min_cluster_size <= M.sizing.MAX_TOPICS  # disjoint topics of at least that size: <= 150
    assert M.size_for(1_500, P.DEFAULTS).min_cluster_size == 10  # small corpora keep their finer topics
    assert M.size_for(5_000, P.DEFAULTS).min_cluster_size == 34


def test_the_sample_is_seeded_and_only_taken_from_a_large_corpus():
    assert S.fit_rows(2_500, None, 1).tolist() == list(range(2_500))  # auto: all of a corpus this size
    a, b, c = S.fit_rows(20_000, None, 1), S.fit_rows(20_000, None, 1), S.fit_rows(20_000, None, 2)
    assert len(a) == S.FIT_SAMPLE_AUTO and np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.all(np.diff(a) > 0)
    assert len(S.fit_rows(145, 100, 42)) == 100
    with pytest.raises(P.ParameterError, match="fit_sample"):
        P.validate({"fit_sample": 40_000}, check_corpus=False)


def test_the_vote_worked_by_hand():
    fitted = S.unit(np.array([[1, 0, 0], [1, 0.1, 0], [1, 0, 0.1], [0, 1, 0], [0, 1, 0.1], [0, 0, 1]], np.float32))
    topics = np.array([0, 0, 0, 1, 1, -1])
    # nearest three of (1, .05, 0): the three topic-0 rows -> topic 0, share 1
    # nearest three of (0, 1, .5): both topic-1 rows and the outlier row -> topic 1, share 2/3
    # nearest two of (0.7, 0.7, 0): one row of each topic, a tie -> the nearer voter, topic 0 at (1, .1, 0)
    got, share = S.vote(np.array([[1, 0.05, 0], [0, 1, 0.5]], np.float32), fitted, topics, k=3)
    assert got.tolist() == [0, 1] and np.allclose(share, [1, 2 / 3])
    tie, tie_share = S.vote(np.array([[0.7, 0.7, 0]], np.float32), fitted[[1, 4]], np.array([0, 1]), k=2)
    assert tie.tolist() == [0] and tie_share.tolist() == [0.5]
    # the outliers vote too: a document among outliers is an outlier
    assert S.vote(np.array([[0, 0, 1]], np.float32), fitted, topics, k=1)[0].tolist() == [-1]


def test_a_fit_on_a_sample_assigns_every_other_document_by_its_neighbours(sampled, seeds_docs):
    result, params = sampled
    docs = result.documents
    assert result.fit == {"documents": len(seeds_docs), "fitted": 100, "assigned": len(seeds_docs) - 100,
                          "method": "neighbours", "neighbours": S.NEIGHBOURS,
                          "words": {"documents": len(seeds_docs), "parts": 1, "terms": result.fit["words"]["terms"]}}
    assert docs["fitted"].sum() == 100 and result.sizing.n_documents == 100
    rows = result.fitted_rows()
    assert np.array_equal(rows, np.flatnonzero(docs["fitted"]))
    assert np.array_equal(rows, S.fit_rows(len(docs), 100, params.random_state))
    # each assigned document, checked one by one: the topic most of its 15 nearest fitted documents have
    X = S.unit(result.embeddings)
    for i in np.flatnonzero(~docs["fitted"].to_numpy()):
        near = rows[np.argsort(-(X[rows] @ X[i]), kind="stable")[:S.NEIGHBOURS]]
        votes = docs["topic"].to_numpy()[near]
        counts = {t: int((votes == t).sum()) for t in set(votes.tolist())}
        assert counts[docs.at[i, "topic"]] == max(counts.values())
        assert docs.at[i, "agreement"] == pytest.approx(counts[docs.at[i, "topic"]] / S.NEIGHBOURS, abs=1e-4)
    assert result.topics["count"].sum() == len(docs)  # the topic table counts every document, fitted or not
    assert docs["label"].notna().all()


def test_stability_refits_the_sample_the_model_was_fitted_on(sampled):
    result, params = sampled
    ev = evaluate(result, LsaEmbedder(), params, baselines=False, stability_runs=1)
    assert ev.stability.refit_documents == [90]  # 90% of the 100 fitted, not of all 145
    assert ev.stability.refit_settings[0]["n_documents"] == 100  # with the fit's own settings
    assert 0.0 <= ev.stability.ari_mean <= 1.0


def test_the_report_says_which_documents_were_fitted_and_which_assigned(sampled):
    from newstopics.figures import narrative

    result, _ = sampled
    text = narrative.sample_note(result)
    assert "**100 of the 145 documents**" in text and "45 were *assigned*" in text and "15 nearest" in text
    from newstopics.figures import documents_table

    assert "fitted" in documents_table(result).columns  # the report's documents table shows the column


def test_a_sampled_fits_words_are_counted_over_every_document(seeds_docs, sampled):
    """The words of a fit on everything, made again from counts in parts, are the fit's own; after a sampled fit they
    come from all documents (the assigned ones too) and do not depend on how the corpus was cut."""
    import copy

    from newstopics.model.fit import document_agreement
    from newstopics.model.words import corpus_words

    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "ensemble": 8})
    whole = M.fit_topics(seeds_docs, LsaEmbedder(), params)
    assert "words" not in whole.fit  # fitted on every document: BERTopic's own counts
    own = copy.deepcopy(whole.model.topic_representations_)
    exact = document_agreement(whole.model, whole.fitted_topics)  # documents.csv rounds it
    got = corpus_words(whole.model, seeds_docs["text"], whole.fitted_topics, exact, chunk=40)
    assert got["parts"] == 4 and got["documents"] == len(seeds_docs)
    assert {t: [w for w, _ in ws] for t, ws in whole.model.topic_representations_.items()} == \
        {t: [w for w, _ in ws] for t, ws in own.items()}

    result, _ = sampled
    assert result.fit["words"]["documents"] == len(seeds_docs) > result.fit["fitted"]
    sizes = dict(zip(result.topics["topic"], result.topics["count"], strict=True))
    assert result.model.topic_sizes_ == sizes and result.model.c_tf_idf_.shape[0] == len(sizes)
    assert np.isfinite(result.model.c_tf_idf_.data).all()
    assert np.isfinite(result.model.ctfidf_model._idf_diag.data).all()
    assert all(type(t) is int for t in result.model.topic_representations_)  # saved as JSON keys
    docs = result.documents
    words = [w for t in result.topics["topic"] for w, _ in result.model.get_topic(t) if w]
    in_assigned = " ".join(docs.loc[~docs["fitted"], "text"]).lower()
    assert words and any(w in in_assigned for w in words)
    again = copy.deepcopy(result.model)
    corpus_words(again, docs["text"], docs["topic"].to_numpy(), docs["agreement"].to_numpy(), chunk=7)
    assert {t: [w for w, _ in ws] for t, ws in again.topic_representations_.items()} == \
        {t: [w for w, _ in ws] for t, ws in result.model.topic_representations_.items()}
    np.testing.assert_array_equal(again.c_tf_idf_.toarray(), result.model.c_tf_idf_.toarray())
