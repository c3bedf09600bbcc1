"""The graph consensus: its steps worked by hand on tiny graphs, then the seed articles with the packaged model."""
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
from newstopics.model import fit_topics, graph, size_for


def test_edges_are_undirected_and_counted_once():
    # 0 -> 1, 2; 1 -> 0, 2; 2 -> 0, 3; 3 -> 2, 1: six directed pairs of which {0,1}, {0,2}, {2,3} appear twice
    idx = np.array([[1, 2], [0, 2], [0, 3], [2, 1]])
    sim = np.array([[0.9, 0.8], [0.9, 0.7], [0.8, 0.6], [0.6, 0.1]], np.float32)
    a, b, w = graph.edge_list(idx, sim)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    assert np.allclose(w, [0.9, 0.8, 0.7, 0.1, 0.6])


def test_neighbours_are_the_exact_nearest_by_cosine():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 8)).astype(np.float32)
    idx, sim = graph.neighbours(X, 7)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    full = unit @ unit.T
    np.fill_diagonal(full, -np.inf)
    brute = np.argsort(-full, axis=1)[:, :7]
    assert np.array_equal(np.sort(idx, axis=1), np.sort(brute, axis=1))
    assert np.allclose(sim, np.take_along_axis(full, idx, 1), atol=1e-5)
    assert not (idx == np.arange(300)[:, None]).any()  # never its own neighbour


def test_agreement_is_the_mean_over_a_documents_edges_inside_its_topic():
    a, b = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3])
    agree = np.array([1.0, 0.5, 0.8, 0.2])
    labels = np.array([0, 0, 0, 1])
    got = graph.agreement_of(labels, a, b, agree)
    # doc 0: edges to 1 (1.0) and 2 (0.5); doc 1: to 0 (1.0), 2 (0.8); doc 2: to 0 (0.5), 1 (0.8); doc 3: none inside
    assert np.allclose(got[:3], [0.75, 0.9, 0.65]) and np.isnan(got[3])


def test_small_communities_are_grouped_and_a_group_too_small_joins_the_nearest_topic():
    # A: 5 documents along (1, 0); B: 5 along (0, 1); c (2 documents) and d (1) just off B: c and d are grouped (3
    # documents, under the minimum of 4) and the group joins B, whose mean vector is nearest
    vectors = np.array([[1, 0]] * 5 + [[0, 1]] * 5 + [[0.1, 1], [0.1, 1], [0.2, 1]], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    fine = np.array([0] * 5 + [1] * 5 + [2, 2, 3])
    out = graph.group_small(fine, vectors, min_size=4, random_state=0, members=5)
    assert out.tolist() == [1] * 5 + [0] * 8  # B with c and d (8 documents) first
    # three islands of 2 near (1, 1): grouped, 6 documents, a topic of their own
    more = np.vstack([vectors[:10], np.tile(np.array([[0.7, 0.72]], np.float32), (6, 1))])
    out = graph.group_small(np.array([0] * 5 + [1] * 5 + [2, 2, 3, 3, 4, 4]), more, min_size=4, random_state=0,
                            members=5)
    assert len(set(out[10:].tolist())) == 1 and set(out[10:].tolist()).isdisjoint(out[:10].tolist())
    assert (out >= 0).all()


def test_the_resolution_search_finds_as_many_communities_as_asked():
    # a ring of 8 cliques of 5, each joined to the next by one edge: resolution 1 or more keeps the 8 cliques, a low
    # one joins neighbours
    a, b = [], []
    for k in range(8):
        pairs = [(i, j) for i in range(5) for j in range(i + 1, 5)]
        a += [5 * k + i for i, _ in pairs] + [5 * k]
        b += [5 * k + j for _, j in pairs] + [5 * ((k + 1) % 8) + 1]
    g, w = graph._graph(40, np.array(a), np.array(b)), np.ones(len(a))
    for target in (2, 8):
        resolution = graph.resolution_for(g, w, target, seed=0)
        assert graph.leiden(g, w, 0, resolution, iterations=-1).max() + 1 == target


def test_small_communities_are_grouped_into_groups_of_about_the_asked_size():
    # 24 communities of 3 documents (under the minimum of 4) around a circle: at resolution 1 they made 3 groups of
    # 24 whatever their number; asked for groups of about 2 x 4 documents, about 72 / 8 = 9 groups
    angle = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    vectors = np.repeat(np.column_stack([np.cos(angle), np.sin(angle)]), 3, axis=0).astype(np.float32)
    fine = np.repeat(np.arange(24), 3)
    out = graph.group_small(fine, vectors, min_size=4, random_state=0, members=5, group_size=2)
    sizes = np.bincount(out)
    assert 7 <= len(sizes) <= 11 and sizes.min() >= 4 and sizes.max() <= 16
    coarser = graph.group_small(fine, vectors, min_size=4, random_state=0, members=5, group_size=6)
    assert 2 <= coarser.max() + 1 < len(sizes)


def test_approximate_neighbours_are_the_same_every_run_and_near_the_exact_ones():
    """Past exact_max the graph is approximate (two HNSW graphs, one per half of the rows, each built on one thread):
    two runs in fresh processes give the same graph, whatever random_state the ensemble has, and most of the exact
    neighbours are found, with their true similarities, never a row itself."""
    script = (
        "import sys, numpy as np\n"
        "from newstopics.model import graph\n"
        "X = np.random.default_rng(0).standard_normal((3000, 16)).astype(np.float32)\n"
        "idx, sim = graph.neighbours(X, 10, exact_max=1000)\n"
        "np.save(sys.argv[1], idx)\n"
    )
    runs = []
    for i in range(2):
        out = f"{os.environ.get('TMPDIR', '/tmp')}/hnsw-{os.getpid()}-{i}.npy"
        subprocess.run([sys.executable, "-c", script, out], check=True, timeout=300)
        runs.append(np.load(out))
        os.remove(out)
    assert np.array_equal(runs[0], runs[1])
    X = np.random.default_rng(0).standard_normal((3000, 16)).astype(np.float32)
    idx, sim = graph.neighbours(X, 10, exact_max=1000)
    assert np.array_equal(idx, runs[0]) and not (idx == np.arange(3000)[:, None]).any() and (idx >= 0).all()
    exact, _ = graph.neighbours(X, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx, exact, strict=True)])
    assert recall > 0.9
    unit = graph.unit(X)
    assert np.allclose(sim, np.einsum("ij,ikj->ik", unit, unit[idx]), atol=1e-5)  # each similarity is the true one
    # a half's graph held on a worker tells the worker's memory accounting (sys.getsizeof) about its vectors at least
    assert sys.getsizeof(graph._HalfIndex(graph._hnsw_index(unit[::2], 10))) >= 1500 * 16 * 4


def test_a_large_corpus_has_fewer_members():
    from newstopics.model import sizing

    assert size_for(sizing.LARGE_FROM - 1, P.DEFAULTS).members == P.DEFAULTS.ensemble
    assert size_for(sizing.LARGE_FROM, P.DEFAULTS).members == min(P.DEFAULTS.ensemble, sizing.LARGE_MEMBERS)
    assert size_for(sizing.LARGE_FROM, P.validate({"corpus": str(SEEDS), "ensemble": 4})).members == 4


def test_by_size_numbers_largest_first_and_keeps_outliers():
    assert graph.by_size(np.array([7, 7, 3, 3, 3, -1, 9])).tolist() == [1, 1, 0, 0, 0, -1, 2]


def _blobs(n=60, dims=12, centres=3, seed=0):
    rng = np.random.default_rng(seed)
    centre = rng.standard_normal((centres, dims)) * 4
    truth = np.repeat(np.arange(centres), n // centres)
    return (centre[truth] + rng.standard_normal((len(truth), dims))).astype(np.float32), truth


def test_the_consensus_finds_clear_groups_whatever_the_seed():
    X, truth = _blobs()
    sizing = size_for(len(X), P.DEFAULTS)
    for seed in (1, 2, 3):
        fit = graph.GraphConsensus(sizing, random_state=seed).fit(X)
        assert adjusted_rand_score(truth, fit.labels_) == 1.0
        assert np.nanmin(fit.agreement(fit.labels_)) > 0.5
        assert (fit.predict(X) == fit.labels_).all()  # each document is nearest its own topic's centroid


def test_bertopic_hands_the_clustering_the_vectors_themselves_not_a_copy():
    """BERTopic copies whatever its reducer returns (np.nan_to_num): the reducer hands on a stand-in of no width that
    points to the vectors, so the clustering reads the very array the fit was given (vectors on disk stay on disk),
    and labels new documents through the same stand-in."""
    from bertopic import BERTopic

    X, truth = _blobs(n=300)
    U = graph.unit(X)
    seen = []

    class Seen(graph.GraphConsensus):
        def fit(self, X, y=None):
            seen.append(X)
            return super().fit(X, y)

    docs = [f"desk{t} story{t} words{i % 7}" for i, t in enumerate(truth)]
    model = BERTopic(umap_model=graph.Unreduced(), hdbscan_model=Seen(size_for(len(U), P.DEFAULTS), 1),
                     calculate_probabilities=False)
    topics, _ = model.fit_transform(docs, embeddings=U)
    assert seen[0].shape == (300, 0) and seen[0].nbytes == 0 and graph.vectors_of(seen[0]) is U
    assert adjusted_rand_score(truth, topics) == 1.0
    again, _ = model.transform(docs[::50], embeddings=U[::50])
    assert list(again) == list(np.asarray(topics)[::50])


def test_vectors_with_some_rows_not_of_unit_length_are_normalised_before_the_graph():
    # guided topics average some documents' vectors with their seed topic's: those rows are shorter than 1, wherever
    # they are, and the graph must see them normalised like every other row (a check of a sample of rows missed them)
    X, _ = _blobs(n=300)
    U = graph.unit(X)
    assert graph._is_unit(U)
    shrunk = U.copy()
    shrunk[[1, 2, 150, 298]] *= 0.5  # none on the rows a 64-row sample would read
    assert not graph._is_unit(shrunk)
    empty = U.copy()
    empty[7] = 0.0  # a text with no word the embedding knows: a row of zeros, as unit() leaves it, used without a copy
    assert graph._is_unit(empty) and not graph.unit(empty)[7].any()
    broken = U.copy()
    broken[9, 3] = np.nan  # a caller's vectors with a non-finite value: not unit; made unit with that value as 0
    fixed = U[9].copy()
    fixed[3] = 0.0
    assert not graph._is_unit(broken) and np.allclose(graph.unit(broken)[9], graph.unit(fixed[None])[0])
    with pytest.raises(ValueError, match="no width"):  # a stand-in that lost its vectors is refused, not clustered
        graph.GraphConsensus(size_for(len(X), P.DEFAULTS), random_state=1).fit(np.zeros((len(X), 0), np.float32))
    sizing = size_for(len(X), P.DEFAULTS)
    fit, same = (graph.GraphConsensus(sizing, random_state=1).fit(V) for V in (shrunk, U))
    assert (fit.labels_ == same.labels_).all() and np.allclose(fit.centroids_, same.centroids_, atol=1e-6)


def test_themes_are_unions_of_topics_linked_most():
    # 4 topics: 0-1 strongly linked, 2-3 strongly linked, the pairs weakly: two themes
    topics = np.repeat(np.arange(4), 5)
    a, b, w = [], [], []
    for t in range(4):
        for i in range(5):
            for j in range(i + 1, 5):
                a.append(5 * t + i)
                b.append(5 * t + j)
                w.append(1.0)
    for x, y, weight in ((0, 1, 0.9), (2, 3, 0.9), (1, 2, 0.05)):
        for i in range(5):
            a.append(5 * x + i)
            b.append(5 * y + i)
            w.append(weight)

    class Fitted:
        labels_ = topics
        edges_ = (np.array(a), np.array(b), np.array(w), np.ones(len(a)))

    centroids = np.eye(4)
    themes = graph.themes_of(topics, Fitted(), centroids, np.full(4, 5), random_state=0, members=10)
    assert themes[0] == themes[1] and themes[2] == themes[3] and themes[0] != themes[2]
    capped = graph.themes_of(topics, Fitted(), centroids, np.full(4, 5), random_state=0, members=10, max_themes=1)
    assert (capped == 0).all()


# -- the seed articles, packaged model -------------------------------------------------------------------------------

ENSEMBLE = """
import json, sys
from newstopics import corpus, params
from newstopics.embed import Embedder
from newstopics.model import GraphConsensus, size_for
embedder = Embedder(show_progress=False)
docs = corpus.load_corpus(sys.argv[1], max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens).documents
X = embedder.embed(docs["text"].tolist())
fit = GraphConsensus(size_for(len(X), params.DEFAULTS), random_state=int(sys.argv[2])).fit(X)
print(json.dumps(fit.labels_.tolist()))
"""


@pytest.mark.slow
def test_consensus_topics_are_reproducible_and_nearly_seed_free(packaged_embedder):
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2), ("d", 3)):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", ENSEMBLE, str(SEEDS), str(seed)],
                             capture_output=True, text=True, env=os.environ, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        runs[name] = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    assert np.array_equal(runs["a"], runs["b"])  # same seed, another process: identical
    for x, y in (("a", "c"), ("a", "d"), ("c", "d")):
        assert adjusted_rand_score(runs[x], runs[y]) >= 0.8, (x, y)  # other seeds: nearly the same topics
    counts = [len(set(r.tolist()) - {-1}) for r in runs.values()]
    assert min(counts) >= 3 and max(counts) - min(counts) <= 2


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
    assert stab.refit_documents == [n_refit] * 2 and len(stab.topics_per_run) == 2


def test_stability_compares_topics_as_fitted_whatever_the_run_reassigned(lsa_result):
    result, embedder, params = lsa_result
    reassigned = dataclasses.replace(params, outlier_strategy="embeddings", min_topic_size=12)
    columns = ["doc_id", "article_id", "position", "text", "n_words", "title", "published", "source", "author", "url"]
    plain = fit_topics(result.documents[columns], embedder, dataclasses.replace(reassigned, outlier_strategy="none"),
                       embeddings=result.embeddings)
    other = fit_topics(result.documents[columns], embedder, reassigned, embeddings=result.embeddings)
    assert np.array_equal(other.fitted_topics, plain.fitted_topics)  # the same fit, then (perhaps) reassigned
    a = EV.stability(plain, embedder, plain_params := dataclasses.replace(reassigned, outlier_strategy="none"), 1)
    b = EV.stability(other, embedder, reassigned, runs=1)
    assert a.ari_mean == b.ari_mean and plain_params.random_state == reassigned.random_state


def test_every_document_is_in_a_topic_and_carries_its_agreement(lsa_result):
    result, _, _ = lsa_result
    docs = result.documents
    assert (docs["topic"] != -1).all() and (docs["nearest_topic"] == docs["topic"]).all()
    # each document's agreement is the mean agreement of its edges inside its topic, on the fit's own edges
    a, b, _, agree = result.model.hdbscan_model.edges_
    row = int(docs["agreement"].idxmin())
    own = ((a == row) | (b == row)) & (docs["topic"].to_numpy()[a] == docs["topic"].to_numpy()[b])
    assert docs.at[row, "agreement"] == pytest.approx(agree[own].mean(), abs=1e-4) and own.sum() >= 1
    assert docs["agreement"].notna().mean() > 0.9


def test_stability_verdict_follows_its_figure():
    table = __import__("pandas").DataFrame({"topic": [0], "label": ["x"], "reappears": [1.0],
                                            "word_overlap": [1.0], "stable": [True]})
    high = EV.Stability([1, 2], table, 0.85, 0.8, [3, 3])
    low = EV.Stability([1, 2], table, 0.26, 0.2, [3, 9])
    middle = EV.Stability([1, 2], table, 0.6, 0.5, [3, 4])
    assert high.verdict() == "stable" and "do not hinge" in high.summary()
    assert low.verdict() == "unstable" and "do not hinge" not in low.summary() and "largely change" in low.summary()
    assert middle.verdict() == "partly stable" and "do not hinge" not in middle.summary()
    one_low = EV.Stability([1, 2], table, 0.85, 0.5, [3, 3])  # a good mean, one refit far off: not "stable"
    assert one_low.verdict() == "partly stable" and "do not hinge" not in one_low.summary()
    shaky = table.assign(stable=[False], reappears=[0.0])  # every refit agrees, but the topics were not found again
    assert EV.Stability([1, 2], shaky, 0.9, 0.85, [3, 3]).verdict() == "partly stable"
    assert "90% samples" in high.summary() and "50% samples" in EV.Stability([1], table, 0.9, 0.9, [3],
                                                                          sample=0.5).summary()


def test_members_give_the_same_counts_in_forked_processes_and_in_threads(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = _blobs(n=90)
    a, b, w = graph.edge_list(*graph.neighbours(X, 8))
    seeds = graph.member_seeds(4, 6)
    here = graph.edge_agreement(graph._graph(len(X), a, b), a, b, w, seeds)
    monkeypatch.setattr(graph, "FORK_FROM_EDGES", 0)  # a graph this small would stay in this process
    forked = graph.edge_agreement(graph._graph(len(X), a, b), a, b, w, seeds)
    np.testing.assert_array_equal(here, forked)
    # threads that each run members (as a Dask worker with several threads does) get each seed's own partition
    with ThreadPoolExecutor(3) as pool:
        counts = list(pool.map(lambda s: graph.count_together(graph._graph(len(X), a, b), a, b, w, None, [s]), seeds))
    np.testing.assert_array_equal(sum(counts) / len(seeds), here)


def test_themes_link_topics_the_documents_graph_does_not_link_by_their_mean_vectors():
    # four topics with no document edge between them (islands, or a reloaded model): linked by their mean vectors
    topics = np.repeat(np.arange(4), 3)
    centroids = np.array([[1, 0, 0], [0.95, 0.3, 0], [0, 0, 1], [0, 0.3, 0.95]], dtype=np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    themes = graph.themes_of(topics, None, centroids, np.full(4, 3), random_state=0, members=10)
    assert themes[0] == themes[1] and themes[2] == themes[3] and themes[0] != themes[2]
