"""The topic model on real seeds: cheap LSA embeddings for speed; the real model in test_e2e."""
import numpy as np
import pandas as pd
import pytest

from newstopics import corpus as C, modeling as M, params as P
from newstopics.embeddings import Embedder, LSA_MODEL
from conftest import SEEDS


@pytest.fixture(scope="module")
def seeds_docs():
    return C.load_corpus(SEEDS).documents


def test_sizing_follows_the_corpus():
    small, large = M.size_for(150, P.DEFAULTS), M.size_for(5000, P.DEFAULTS)
    assert small.min_cluster_size < 10 and small.n_neighbors < 15
    assert large.min_cluster_size == 10 and large.n_neighbors == 15
    assert M.size_for(6, P.DEFAULTS).n_neighbors <= 5
    assert M.size_for(150, P.validate({"corpus": str(SEEDS), "min_topic_size": 7})).min_cluster_size == 7


def test_labels_read_like_phrases():
    assert M.make_label(["open", "source", "open source", "models"]) == "Open source · models"
    assert M.make_label(["ai models", "chinese ai", "ai model", "apps"], forms={"ai": "AI", "chinese": "Chinese"}) == "AI models · Chinese AI · apps"
    assert M.surface_forms({"ai", "china"}, ["The rise of AI in China.", "China leads. Cheap AI wins."]) == {"ai": "AI", "china": "China"}


def test_phrase_analyzer_never_spans_punctuation():
    a = M.PhraseAnalyzer(frozenset({"the", "are"}))
    terms = a("Cheap, widely used tools are the norm")
    assert "widely used" in terms and "cheap widely" not in terms and "tools norm" not in terms


@pytest.mark.parametrize("reducer", ["pca", "umap"])
def test_fit_on_seeds_with_cheap_embeddings(seeds_docs, reducer):
    params = P.validate({"corpus": str(SEEDS), "reducer": reducer, "embedding_model": LSA_MODEL})
    result = M.fit_topics(seeds_docs, Embedder(LSA_MODEL), params)
    t = result.topics
    assert (t["topic"] >= 0).sum() >= 2
    assert t["label"].is_unique
    assert t["count"].sum() == len(seeds_docs)
    assert result.documents["topic"].isin(t["topic"]).all()
    assert set(result.documents.columns) >= {"doc_id", "article_id", "topic", "probability", "label"}
    mix = result.article_mix()
    assert np.allclose(mix.sum(axis=1), 1)


def test_tiny_corpus_does_not_crash_umap():
    docs = pd.DataFrame({"doc_id": range(12), "article_id": ["a"] * 6 + ["b"] * 6, "title": "", "source": "",
                         "text": [f"chips export controls rule number {i} for semiconductors" for i in range(6)]
                         + [f"open models prices developers download number {i} cheap" for i in range(6)]})
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "umap"})
    result = M.fit_topics(docs, Embedder(LSA_MODEL), params)
    assert len(result.documents) == 12
