"""The consensus clustering: worked by hand on tiny cases, then on the seed articles with the packaged model."""
import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import SEEDS
from lsa import LSA_MODEL, LsaEmbedder
from sklearn.metrics import adjusted_rand_score

from newstopics import corpus as C
from newstopics import evaluation as EV
from newstopics import params as P
from newstopics import speedups
from newstopics.model import consensus, fit_topics, size_for


def test_coassociation_by_hand():
    members = np.array([[0, 0, 1, 1, -1],
                        [0, 0, 0, 1, 1],
                        [2, 2, 1, -1, -1]])
    C_ = consensus.coassociation(members)
    assert C_[0, 1] == pytest.approx(1.0)  # together in all three
    assert C_[1, 2] == pytest.approx(1 / 3)  # together in the second only
    assert C_[3, 4] == pytest.approx(1 / 3)  # the first member left 4 out: it shares a cluster with nobody there
    assert C_[4, 4] == pytest.approx(1 / 3) and C_[0, 4] == 0.0
    assert np.allclose(C_, C_.T)


def test_majority_cut_by_hand():
    # documents 0-3 together in 3 of 4 fits, 4-6 in all, 7 with nobody; 3 and 4 together in exactly half
    C_ = np.eye(8)
    C_[np.ix_(range(4), range(4))] = 0.75
    C_[np.ix_(range(4, 7), range(4, 7))] = 1.0
    C_[3, 4] = C_[4, 3] = 0.5
    np.fill_diagonal(C_, 1.0)
    labels = consensus.majority_clusters(C_, min_size=3)
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 1, -1]  # a tie at one half does not merge: strict majority
    assert consensus.majority_clusters(C_, min_size=4).tolist() == [0] * 4 + [-1] * 4  # too small -> outliers


def _fitted(C_, member_labels, members=4):
    """A ConsensusClustering holding a given co-association, as after fit."""
    sizing = size_for(len(C_), P.DEFAULTS)
    c = consensus.ConsensusClustering(sizing, members=members)
    c.coassociation_, c.member_labels_ = C_, member_labels
    return c


def test_agreement_and_outlier_placement_by_hand():
    C_ = np.array([[1.0, 0.8, 0.6, 0.1, 0.3],
                   [0.8, 1.0, 0.4, 0.0, 0.2],
                   [0.6, 0.4, 1.0, 0.2, 0.4],
                   [0.1, 0.0, 0.2, 1.0, 0.9],
                   [0.3, 0.2, 0.4, 0.9, 1.0]])
    c = _fitted(C_, np.zeros((4, 5), int))
    labels = np.array([0, 0, 0, -1, -1])
    agreement = c.agreement(labels)
    assert agreement[:3] == pytest.approx([(0.8 + 0.6) / 2, (0.8 + 0.4) / 2, (0.6 + 0.4) / 2])
    assert np.isnan(agreement[3:]).all()
    # outliers join the topic whose documents they most often share a fit with
    assert c.place_outliers(labels).tolist() == [0, 0, 0, 0, 0]
    two = np.array([0, 0, 1, -1, 1])
    assert c.place_outliers(two).tolist() == [0, 0, 1, 1, 1]  # doc 3: 0.05 with topic 0, (0.2 + 0.9) / 2 with 1
    assert _fitted(C_, np.zeros((1, 5), int), members=1).place_outliers(labels).tolist() == labels.tolist()


def test_exact_neighbours_match_brute_force():
    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    idx, dist = consensus.exact_knn(X, 7, block=64)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    brute = np.argsort(-(unit @ unit.T), axis=1)[:, :7]
    assert (idx[:, 0] == np.arange(300)).all() and (dist[:, 0] == 0).all()
    assert np.array_equal(np.sort(idx, axis=1), np.sort(brute, axis=1))
    assert np.allclose(dist[:, 1:], 1 - np.take_along_axis(unit @ unit.T, idx[:, 1:], 1), atol=1e-5)


# -- the seed articles, packaged model -------------------------------------------------------------------------------

ENSEMBLE = """
import json, sys
from newstopics import corpus, params
from newstopics.embed import Embedder
from newstopics.model import consensus, size_for
embedder = Embedder(show_progress=False)
docs = corpus.load_corpus(sys.argv[1], max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens).documents
X = embedder.embed(docs["text"].tolist())
sizing = size_for(len(X), params.DEFAULTS)
fit = consensus.ConsensusClustering(sizing, random_state=int(sys.argv[2]), cache=False).fit(X)  # fitted, not read
print(json.dumps(fit.labels_.tolist()))
"""


@pytest.mark.slow
def test_consensus_topics_are_reproducible_and_nearly_seed_free(packaged_embedder):
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", ENSEMBLE, str(SEEDS), str(seed)],
                             capture_output=True, text=True, env=os.environ, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        runs[name] = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    assert np.array_equal(runs["a"], runs["b"])  # same seed, another process: identical
    assert adjusted_rand_score(runs["a"], runs["c"]) >= 0.8  # another seed: nearly the same topics
    assert len(set(runs["a"].tolist()) - {-1}) >= 3


@pytest.fixture(scope="module")
def lsa_result():
    docs = C.load_corpus(SEEDS).documents
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "ensemble": 8})
    embedder = LsaEmbedder()
    return fit_topics(docs, embedder, params), embedder, params


def test_refits_use_the_settings_of_the_fit_they_judge(lsa_result):
    result, embedder, params = lsa_result
    n_refit = int(round(0.9 * len(result.documents)))
    assert size_for(n_refit, params).min_cluster_size != result.sizing.min_cluster_size  # sizing a refit anew differs
    stab = EV.stability(result, embedder, params, runs=2)
    assert stab.refit_settings == [result.sizing.to_dict()] * 2
    assert stab.ensemble_ari is not None and 0 <= stab.ari_strict <= 1 and len(stab.topics_per_run) == 2


def test_stability_compares_topics_as_fitted_whatever_the_run_reassigned(lsa_result):
    result, embedder, params = lsa_result
    reassigned = dataclasses.replace(params, outlier_strategy="embeddings")
    columns = ["doc_id", "article_id", "position", "text", "n_words", "title", "published", "source", "author", "url"]
    other = fit_topics(result.documents[columns], embedder, reassigned, embeddings=result.embeddings)
    assert (other.documents["topic"] == -1).sum() == 0 and (other.fitted_topics == -1).sum() > 0
    assert np.array_equal(other.fitted_topics, result.fitted_topics)  # the same fit, then reassigned
    a, b = EV.stability(result, embedder, params, runs=1), EV.stability(other, embedder, reassigned, runs=1)
    assert a.ari_mean == b.ari_mean and a.ari_strict == b.ari_strict  # judged on the fit, not on the reassignment


def test_documents_carry_their_agreement(lsa_result):
    result, _, _ = lsa_result
    docs = result.documents
    inliers = docs["topic"] != -1
    assert docs.loc[inliers, "agreement"].between(0, 1).all() and docs.loc[~inliers, "agreement"].isna().all()


def test_a_changed_umap_layout_function_falls_back_to_full_fits(monkeypatch, lsa_result):
    result, _, params = lsa_result
    monkeypatch.setattr(consensus, "LAYOUT_SIGNATURE", consensus.LAYOUT_SIGNATURE[:-1])
    fallback = consensus.ConsensusClustering(result.sizing, members=4, random_state=3).fit(result.embeddings)
    assert speedups.NOTES["consensus_layouts"].startswith("a full UMAP fit per member (TypeError")
    monkeypatch.undo()
    direct = consensus.ConsensusClustering(result.sizing, members=4, random_state=3).fit(result.embeddings)
    assert speedups.NOTES["consensus_layouts"].startswith("shared neighbour graph")
    assert fallback.member_labels_.shape == direct.member_labels_.shape == (4, len(result.embeddings))


def test_the_layout_function_has_the_signature_members_call_it_with():
    import inspect

    from umap.umap_ import simplicial_set_embedding

    assert list(inspect.signature(simplicial_set_embedding).parameters) == consensus.LAYOUT_SIGNATURE


@pytest.mark.slow
def test_an_ensemble_in_a_new_process_compiles_nothing(tmp_path):
    """UMAP's graph functions run first in the ensemble, before any other UMAP call: numba must keep them on disk."""
    code = """
import json, numpy as np
from newstopics import params
from newstopics.model import consensus, size_for
X = np.random.default_rng(0).normal(size=(60, 12)).astype("float32")
consensus.ConsensusClustering(size_for(60, params.DEFAULTS), members=2, workers=1, cache=False).fit(X)  # really fit
import umap.umap_ as u
names = ("smooth_knn_dist", "compute_membership_strengths")
print(json.dumps({f: sum(getattr(u, f).stats.cache_misses.values()) for f in names}))
"""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    runs = []
    for _ in range(2):  # the first process may compile (an empty cache); the second must not
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, env=env,
                             timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[1] == {"smooth_knn_dist": 0, "compute_membership_strengths": 0}, runs


def test_the_ensemble_cache_returns_what_fitting_gives(lsa_result, tmp_path, monkeypatch):
    result, _, _ = lsa_result
    monkeypatch.setenv("NEWSTOPICS_CACHE_DIR", str(tmp_path))
    first = consensus.ConsensusClustering(result.sizing, members=6, random_state=5).fit(result.embeddings)
    again = consensus.ConsensusClustering(result.sizing, members=6, random_state=5).fit(result.embeddings)
    fresh = consensus.ConsensusClustering(result.sizing, members=6, random_state=5, cache=False).fit(result.embeddings)
    assert (first.cached_, again.cached_, fresh.cached_) == (False, True, False)
    assert np.array_equal(again.member_labels_, fresh.member_labels_) and np.array_equal(again.labels_, fresh.labels_)
    other = consensus.ConsensusClustering(result.sizing, members=6, random_state=6).fit(result.embeddings)
    moved = consensus.ConsensusClustering(result.sizing, members=6, random_state=5).fit(result.embeddings[:, ::-1])
    assert not other.cached_ and not moved.cached_  # another seed, other vectors: new fits
    assert len(list((tmp_path / "ensembles").glob("*.npz"))) == 3 and not list(tmp_path.rglob(".*tmp*"))
