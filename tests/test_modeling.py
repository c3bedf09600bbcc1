"""The topic model on real seeds: cheap LSA embeddings for speed; the real model in test_e2e."""
import os
import time

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS
from lsa import LSA_MODEL, LsaEmbedder

from newstopics import corpus as C
from newstopics import figures as F
from newstopics import model as M
from newstopics import params as P


@pytest.fixture(scope="module")
def seeds_docs():
    return C.load_corpus(SEEDS).documents


def test_sizing_follows_the_corpus():
    small, large = M.size_for(150, P.DEFAULTS), M.size_for(5000, P.DEFAULTS)
    assert small.min_cluster_size < 10 and small.n_neighbors == M.sizing.NEIGHBOURS
    assert small.members == P.DEFAULTS.ensemble
    assert large.min_cluster_size == 34  # 5000 / 150, rounded up
    assert large.n_neighbors == M.sizing.NEIGHBOURS == 15
    assert M.size_for(150, P.validate({"corpus": str(SEEDS), "reducer": "pca"})).members == P.DEFAULTS.ensemble
    assert M.size_for(6, P.DEFAULTS).n_neighbors == 5  # every other document, in a corpus that small
    assert M.size_for(150, P.validate({"corpus": str(SEEDS), "min_topic_size": 7})).min_cluster_size == 7


def test_labels_read_like_phrases():
    assert M.make_label(["open", "source", "open source", "models"]) == "Open source · models"
    assert (
        M.make_label(["ai models", "chinese ai", "ai model", "apps"], forms={"ai": "AI", "chinese": "Chinese"})
        == "AI models · Chinese AI · apps"
    )
    assert M.surface_forms({"ai", "china"}, ["The rise of AI in China.", "China leads. Cheap AI wins."]) == {
        "ai": "AI",
        "china": "China",
    }


def test_phrase_analyzer_never_spans_punctuation():
    a = M.PhraseAnalyzer(frozenset({"the", "are"}))
    terms = a("Cheap, widely used tools are the norm")
    assert "widely used" in terms and "cheap widely" not in terms and "tools norm" not in terms
    # every term, in order: "Don’t" is "don't" (a stop word here), a single letter and a dash between spaces break
    # a run, a hyphen inside a word does not; punctuation ends a phrase
    a = M.PhraseAnalyzer(frozenset({"the", "don't"}), ngram_range=(1, 3))
    assert a("Don’t stop open-weight models x cheap - fast API prices. The U.S. market") == [
        "stop", "open-weight", "models", "stop open-weight", "open-weight models", "stop open-weight models",
        "cheap", "fast", "api", "prices", "fast api", "api prices", "fast api prices", "market"]


@pytest.mark.parametrize("reducer", ["pca", "umap"])
def test_fit_on_seeds_with_cheap_embeddings(seeds_docs, reducer):
    params = P.validate({"corpus": str(SEEDS), "reducer": reducer, "embedding_model": LSA_MODEL})
    result = M.fit_topics(seeds_docs, LsaEmbedder(), params)
    t = result.topics
    assert (t["topic"] >= 0).sum() >= 2
    assert t["label"].is_unique
    assert t["count"].sum() == len(seeds_docs)
    assert result.documents["topic"].isin(t["topic"]).all()
    assert set(result.documents.columns) >= {"doc_id", "article_id", "topic", "theme", "agreement", "label",
                                             "nearest_topic"}
    # every topic has a theme, and a theme is a union of whole topics
    assert (t.loc[t["topic"] >= 0, "theme"] >= 0).all()
    assert result.documents.groupby("topic")["theme"].nunique().max() == 1
    assert result.themes["count"].sum() == (result.documents["topic"] >= 0).sum()
    mix = result.article_mix()
    assert np.allclose(mix.sum(axis=1), 1)
    # each topic's vector is the mean of its documents' vectors, as BERTopic makes it (summed here block by block)
    E, topics = np.asarray(result.embeddings), result.documents["topic"].to_numpy()
    expect = np.array([E[topics == k].mean(axis=0) for k in sorted(set(topics))])
    assert np.allclose(result.model.topic_embeddings_, expect, atol=1e-6)


def test_representative_documents_are_drawn_from_a_seeded_pool_of_each_topic(seeds_docs, monkeypatch):
    """BERTopic's own draw where no topic is larger than the pool; past it, a seeded pool per topic (so the whole
    table is never sorted by topic), and each representative document is still one of its topic's."""
    from bertopic import BERTopic

    from newstopics.model import build

    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL})
    model = M.fit_topics(seeds_docs, LsaEmbedder(), params).model
    topics = np.asarray(model.topics_)
    documents = pd.DataFrame({"Document": seeds_docs["text"].tolist(), "ID": range(len(topics)), "Topic": topics})
    args = (model.c_tf_idf_, documents, model.topic_representations_)
    assert np.bincount(topics[topics >= 0]).max() <= build.REPRESENTATIVE_POOL
    assert model._extract_representative_docs(*args, nr_repr_docs=3) == BERTopic._extract_representative_docs(
        model, *args, nr_repr_docs=3)
    monkeypatch.setattr(build, "REPRESENTATIVE_POOL", 2)  # two candidates per topic: at most two of its documents
    mapping, _, _, ids = model._extract_representative_docs(*args, nr_repr_docs=3)
    assert model._extract_representative_docs(*args, nr_repr_docs=3)[3] == ids  # seeded: the same pool again
    assert mapping.keys() == set(model.topic_representations_)
    for topic, rows in zip(sorted(mapping), ids, strict=True):
        assert 1 <= len(set(rows)) <= 2 and (topics[rows] == topic).all()
        assert set(mapping[topic]) == set(documents["Document"].to_numpy()[rows])


def test_fingerprint_is_of_the_texts_however_they_are_held(seeds_docs):
    """The same texts, in a pyarrow column (one chunk or several, sliced), as an object column or as a list: one
    fingerprint; another order, another cut between two texts or a missing text: another."""
    from newstopics.model.terms import fingerprint

    texts = seeds_docs["text"].tolist()
    arrow = pd.Series(texts, dtype="str")
    assert arrow.array.__arrow_array__().num_chunks == 1
    chunked = pd.concat([pd.Series(texts[:7], dtype="str"), pd.Series(texts[7:], dtype="str")], ignore_index=True)
    assert chunked.array.__arrow_array__().num_chunks == 2
    sliced = pd.Series(["x", *texts], dtype="str").iloc[1:]  # a column that starts inside its buffers
    same = {fingerprint(x) for x in (texts, arrow, chunked, sliced, pd.Series(texts, dtype=object))}
    assert len(same) == 1
    assert fingerprint(texts[::-1]) not in same and fingerprint(texts[:-1]) not in same
    for held in (list, lambda t: pd.Series(t, dtype="str")):
        assert fingerprint(held(["ab", "c"])) != fingerprint(held(["a", "bc"]))
        assert fingerprint(held(["", "c"])) != fingerprint(held([None, "c"]))
        assert fingerprint(held(["ab", "c"])) == fingerprint(["ab", "c"])


def test_topics_texts_are_joined_as_bertopic_joins_them(seeds_docs):
    """Each topic's documents joined in table order, topics in order (outliers first): pandas' groupby join, which
    BERTopic's c-TF-IDF reads, whether the texts are a pyarrow column (in one chunk or several) or Python strings."""
    from newstopics.model.build import joined_by_topic

    texts = seeds_docs["text"].tolist()
    topic = (np.arange(len(texts)) * 7) % 5 - 1
    for column in (pd.Series(texts, dtype="str"), pd.Series(texts, dtype=object),
                   pd.concat([pd.Series(texts[:9], dtype="str"), pd.Series(texts[9:], dtype="str")],
                             ignore_index=True)):
        documents = pd.DataFrame({"Document": column, "ID": range(len(texts)), "Topic": topic})
        ours = joined_by_topic(documents)
        pandas = documents.groupby(["Topic"], as_index=False).agg({"Document": " ".join})
        assert ours["Topic"].tolist() == pandas["Topic"].tolist() == [-1, 0, 1, 2, 3]
        assert ours["Document"].tolist() == pandas["Document"].tolist()
        assert ours["Document"].iloc[1] == " ".join(t for t, k in zip(texts, topic, strict=True) if k == 0)


def test_tiny_corpus_does_not_crash_umap():
    docs = pd.DataFrame(
        {
            "doc_id": range(12),
            "article_id": ["a"] * 6 + ["b"] * 6,
            "title": "",
            "source": "",
            "text": [f"chips export controls rule number {i} for semiconductors" for i in range(6)]
            + [f"open models prices developers download number {i} cheap" for i in range(6)],
        }
    )
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "umap"})
    result = M.fit_topics(docs, LsaEmbedder(), params)
    assert len(result.documents) == 12


@pytest.mark.slow
def test_umap_compiled_code_is_kept_for_the_next_process():
    """UMAP's layout code is not marked cacheable upstream; speedups.import_umap() makes numba keep it on disk."""
    import json
    import subprocess
    import sys

    code = """
import json, numpy as np
from newstopics import speedups
umap = speedups.import_umap()
from umap import layouts
data = np.random.default_rng(0).normal(size=(60, 8)).astype("float32")
umap.UMAP(n_neighbors=5, n_components=2, random_state=0, n_jobs=1).fit_transform(data)
stats = layouts._nb_optimize_layout_euclidean_single_epoch.stats  # the serial variant: a seed makes UMAP serial
print(json.dumps({"hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
"""
    runs = []
    for _ in range(2):  # the first process may compile (a fresh cache); the second must not
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[1]["misses"] == 0 and runs[1]["hits"] >= 1, runs


def test_document_map_samples_large_corpora(seeds_docs):
    from newstopics import figures as F

    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "reducer": "pca"})
    result = M.fit_topics(seeds_docs, LsaEmbedder(), params)
    coords = M.document_coords(result.embeddings, result.sizing, 0, max_docs=50)
    drawn = ~np.isnan(coords).any(axis=1)
    assert drawn.sum() == 50 and len(coords) == len(seeds_docs)
    fig = F.document_map(result, coords)
    assert sum(len(t.x) for t in fig.data) == 50 and f"a random 50 of {len(seeds_docs)}" in fig.layout.title.text
    heat = F.article_topic_heatmap(result, max_rows=2)
    assert len(heat.data[0].y) == 2 and "the 2 with most documents, of 5" in heat.layout.title.text


def test_a_saved_model_gives_its_own_documents_exactly_their_topics(seeds_docs, tmp_path):
    """Outliers included, and after outlier reassignment too (BERTopic's update_topics left a stale outlier row in
    the topic embeddings, which put every label of a reloaded model one topic off)."""
    from sklearn.metrics import adjusted_rand_score

    for strategy in ("none", "embeddings"):
        params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "ensemble": 8,
                             "outlier_strategy": strategy})
        embedder = LsaEmbedder()
        result = M.fit_topics(seeds_docs, embedder, params)
        assert len(result.model.topic_embeddings_) == len(result.model.get_topics())
        M.save_model(result.model, tmp_path / strategy, LSA_MODEL)
        loaded = M.load_model(tmp_path / strategy, embedder)
        fitted = result.documents["topic"].to_numpy()
        again = M.assign_topics(loaded, seeds_docs, embedder, result.topics.drop(columns=["representative_docs"]),
                                fitted=(result.embeddings, fitted))
        np.testing.assert_array_equal(again.documents["topic"].to_numpy(), fitted)
        assert adjusted_rand_score(fitted, again.documents["topic"]) == 1.0
        assert again.documents["vote_share"].notna().all()  # placed by the neighbours' vote, not the mean rule
        bare = M.assign_topics(loaded, seeds_docs, embedder, result.topics.drop(columns=["representative_docs"]))
        assert bare.documents["vote_share"].isna().all()  # BERTopic's nearest-mean rule: no vote, no share


def test_new_documents_take_the_vote_of_their_nearest_fitted_documents():
    """Worked by hand: fitted documents on two axes; a new document near the first axis is voted into its topic."""
    fitted = np.array([[1, 0], [0.9, 0.1], [0.8, 0.2], [0, 1], [0.1, 0.9]], dtype=np.float32)
    topics = np.array([0, 0, 1, 1, 1])
    rows, sims = M.io.nearest_fitted(np.array([[1, 0.05], [0.05, 1]], dtype=np.float32), fitted, k=3)
    assert rows.tolist() == [[0, 1, 2], [3, 4, 2]]
    topic, share = M.io.vote(rows, sims, topics)
    assert topic.tolist() == [0, 1]
    # first: topic 0 holds rows 0 and 1 (similarities ~0.999 and ~0.996) of three (row 2: ~0.976)
    s = sims[0].astype(float)
    assert share[0] == pytest.approx((s[0] + s[1]) / s.sum(), abs=1e-4)
    # blocks of the fitted documents give the same neighbours as one block
    whole, parts = M.io.nearest_fitted(fitted, fitted, k=2), M.io.nearest_fitted(fitted, fitted, k=2, block=2)
    np.testing.assert_array_equal(whole[0], parts[0])
    np.testing.assert_array_equal(whole[1], parts[1])


def test_topic_means_and_nearest_documents_in_blocks_equal_the_direct_computation(tmp_path):
    from newstopics.model import means

    rng = np.random.default_rng(3)
    X = rng.standard_normal((40_000, 16)).astype(np.float32)
    topics = rng.integers(-1, 6, len(X))
    topics[topics == 4] = 9  # ids need not be consecutive
    np.save(tmp_path / "x.npy", X)
    for vectors in (X, np.load(tmp_path / "x.npy", mmap_mode="r")):  # in memory, and on disk
        ids = np.unique(topics)
        direct = np.vstack([X[topics == t].mean(axis=0, dtype=np.float64) for t in ids])
        np.testing.assert_allclose(means.topic_means(vectors, topics), direct, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(means.topic_means(vectors, topics, [9, 0, 42])[:2], direct[[6, 1]], rtol=1e-6,
                                   atol=1e-7)
        assert not means.topic_means(vectors, topics, [9, 0, 42])[2].any()  # a topic with no documents
        nearest = means.nearest_to_means(vectors, topics, k=3)
        for t in ids:
            rows = np.flatnonzero(topics == t)
            score = X[rows] @ X[rows].mean(axis=0)
            assert nearest[int(t)] == rows[np.argsort(-score, kind="stable")[:3]].tolist()


def test_curating_keeps_the_words_of_topics_whose_documents_stay(seeds_docs, tmp_path):
    """A rename changes a label, never the words; a merge recomputes only the merged topic's words."""
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "ensemble": 8})
    embedder = LsaEmbedder()
    result = M.fit_topics(seeds_docs, embedder, params)
    M.save_model(result.model, tmp_path / "m", LSA_MODEL)
    columns = ["top_words", "keybert_words", "mmr_words"]
    ids = sorted(t for t in result.topics["topic"] if t != -1)
    renamed = M.curate(M.load_model(tmp_path / "m", embedder), result.documents, result.embeddings, params,
                       result.sizing, embedder, rename={ids[1]: "Named by hand"})
    pd.testing.assert_frame_equal(renamed.topics[columns].reset_index(drop=True),
                                  result.topics[columns].reset_index(drop=True))
    assert renamed.topics.set_index("topic").at[ids[1], "label"] == "Named by hand"
    merged = M.curate(M.load_model(tmp_path / "m", embedder), result.documents, result.embeddings, params,
                      result.sizing, embedder, merge=[[ids[0], ids[1]]])
    before = result.topics.set_index("topic")
    after = merged.topics.set_index("parent_topics")
    for parent in ids[2:]:  # untouched topics keep every word
        assert after.loc[str(parent), columns].tolist() == before.loc[parent, columns].tolist()
    assert after.loc[f"{ids[0]} {ids[1]}", "top_words"] not in set(before["top_words"])


def test_the_per_article_mix_is_drawn_only_when_articles_hold_several_documents(seeds_docs):
    params = P.validate({"corpus": str(SEEDS), "embedding_model": LSA_MODEL, "ensemble": 4})
    result = M.fit_topics(seeds_docs, LsaEmbedder(), params)
    assert F.article_mix_note(result) == ""  # 5 articles of about 29 paragraphs each
    one_each = M.TopicResult(result.model, result.documents.assign(article_id=result.documents["doc_id"]),
                             result.topics, result.embeddings, result.sizing)
    note = F.article_mix_note(one_each)
    assert "100% of the 145 articles hold a single document" in note
    tall = F.article_topic_heatmap(one_each)
    assert len(tall.data[0].y) == F.HEATMAP_MAX_ROWS and tall.layout.height <= 900
    # many rows: each name on one line (cut at 45 characters, whole in the hover box), a repeated title numbered
    # rather than folded into the row of its namesake
    pairs = result.documents.assign(article_id=result.documents["doc_id"] // 2)
    pairs["title"] = ["A very long headline about chips, prices and open models, in full "
                      + ("even" if a % 2 else "odd") for a in pairs["article_id"]]
    heat = F.article_topic_heatmap(M.TopicResult(result.model, pairs, result.topics, result.embeddings,
                                                 result.sizing)).data[0]
    assert len(heat.y) == len(set(heat.y)) == F.HEATMAP_MAX_ROWS
    assert all("<br>" not in y and len(y) <= 45 + 5 for y in heat.y)
    assert heat.y[0] == "A very long headline about chips, prices and…" and heat.y[2].endswith("… (3)")
    assert heat.customdata[0][0][0].endswith("open models, in full odd")


def _terms_by_pieces(analyzer, doc: str) -> list[str]:
    """The phrase analyzer's terms as its rule states them: cut the text at its phrase breaks, then read each piece's
    words, a run of words ending at a stop word or a one-letter word."""
    import re

    from newstopics.text import WORD

    out = []
    for piece in re.split(r"[^\w\s'’-]+|\s[-–—]\s", doc.lower().replace("’", "'")):
        runs, run = [], []
        for w in WORD.findall(piece):
            if len(w) > 1 and w not in analyzer.stop_words:
                run.append(w)
            else:
                runs.append(run)
                run = []
        for r in [*runs, run]:
            out += r + [f"{a} {b}" for a, b in zip(r, r[1:], strict=False)]
    return out


def test_phrase_analyzer_reads_the_pieces_between_its_breaks(seeds_docs):
    """The analyzer scans words and breaks in one pass; its terms are those of cutting the text at the breaks first,
    on the seed paragraphs and on texts made of the characters that could confuse it."""
    from newstopics.model.terms import news_analyzer

    analyzer = news_analyzer()
    texts = seeds_docs["text"].tolist() + [
        "x—y a/b ‘quoted’ 3d 2024's e-mail naïve café—bar (AI) [GPU] ok-- --no", "a  - b -- c - -d e- f 'g' h'",
        "Don’t stop: open-weight models, cheap - fast; API prices. The U.S. market", "x²y ½ price_cap 5G ß µs — end",
        "", "   ", "—", "a", "deepseek\nqwen\tkimi"]
    assert [analyzer(t) for t in texts] == [_terms_by_pieces(analyzer, t) for t in texts]
    assert analyzer("Open weight, cheap models") == ["open", "weight", "open weight", "cheap", "models",
                                                      "cheap models"]


def test_a_long_text_is_read_a_piece_at_a_time_with_the_same_terms(seeds_docs, monkeypatch):
    """A topic's documents joined into one long text (what c-TF-IDF counts) are read a piece at a time, each cut
    before a stop word: the same terms, in the same order, as reading it whole, whatever surrounds the cuts (also in a
    text with no "the", as a corpus with its articles' stop words mostly removed); and the same c-TF-IDF counts through
    scikit-learn's vectorizer, after BERTopic's own cleaning (which drops punctuation)."""
    import re

    from sklearn.feature_extraction.text import CountVectorizer

    from newstopics.model import terms

    analyzer = terms.news_analyzer()
    joined = " ".join(seeds_docs["text"]) + " open weight - THE end. cheap models\tthe\nprice The"
    cleaned = re.sub(r"[^A-Za-z0-9 ]+", "", joined.replace("\n", " ").replace("\t", " "))
    sparse_stops = re.sub(r"(?i)\b(the|a|an|of|to|and|in|is|it|that|for|on|its|with|as|was|by|are|at|be)\b ?", "",
                          cleaned)
    assert " the " not in sparse_stops.lower()
    assert len(terms._cuts(analyzer.stop_words).findall(sparse_stops)) > 100  # still many places to cut
    whole = {text: analyzer._terms(text, 1, 2) for text in (joined, cleaned, sparse_stops)}
    counts = {text: CountVectorizer(analyzer=analyzer).fit_transform([text, "open weight models"]) for text in whole}
    monkeypatch.setattr(terms, "LONG_TEXT", 40)
    for text, expected in whole.items():
        read = analyzer(text)
        assert not isinstance(read, list) and list(read) == expected
        again = CountVectorizer(analyzer=analyzer).fit_transform([text, "open weight models"])
        assert (again != counts[text]).nnz == 0
    assert joined.lower().count(" the ") > 100  # many cuts


def test_tokens_read_in_two_processes_are_those_read_in_one(seeds_docs, monkeypatch):
    """A large corpus is tokenized in two forked processes and joined: the same vocabulary (in order of first
    appearance), ids and documents as one process reads, for a list and for a column with an index of its own."""
    from newstopics.model import terms

    texts = seeds_docs["text"].copy()
    texts.index = texts.index + 1000
    alone = terms.Tokens.of(texts, terms.news_analyzer())
    monkeypatch.setattr(terms, "FORK_FROM", 10)
    forked = []
    real = terms.Tokens._forked.__func__
    monkeypatch.setattr(terms.Tokens, "_forked", classmethod(lambda cls, *a: forked.append(1) or real(cls, *a)))
    for given in (texts, texts.tolist()):
        both = terms.Tokens.of(given, terms.news_analyzer())
        assert both.vocab.tolist() == alone.vocab.tolist() and len(both) == len(texts) == 145
        np.testing.assert_array_equal(both.ids, alone.ids)
        np.testing.assert_array_equal(both.indptr, alone.indptr)
        assert both.lists() == [terms.news_analyzer().words(t) for t in texts]
        assert both.source == alone.source == terms.fingerprint(texts)
    assert len(forked) == 2  # both read in the forked processes, not here
    # processes that do not answer in time are ended and the texts read here: the same tokens
    monkeypatch.setattr(terms, "_fork_limit", lambda n: 0.0)
    late = terms.Tokens.of(texts, terms.news_analyzer())
    assert len(forked) == 3 and late.lists() == alone.lists() and late.vocab.tolist() == alone.vocab.tolist()
    # a process that dies (killed for want of memory, say) is noticed at once, not after the time limit
    monkeypatch.setattr(terms, "_fork_limit", lambda n: 600.0)
    monkeypatch.setattr(terms, "_read_into", lambda span, send: os._exit(9))
    started = time.monotonic()
    dead = terms.Tokens.of(texts, terms.news_analyzer())
    assert len(forked) == 4 and dead.lists() == alone.lists() and time.monotonic() - started < 60


def test_tokens_belong_to_the_texts_they_were_read_from(seeds_docs):
    """A run's tokens are used only for its own documents: the same texts in another order, or other texts of the
    same number, are tokenized again; rows taken by position (negative ones too) or mask are those documents'."""
    from types import SimpleNamespace

    from sklearn.feature_extraction.text import CountVectorizer

    from newstopics.model import terms

    analyzer = terms.news_analyzer()
    docs = seeds_docs[["text"]].reset_index(drop=True)
    result = SimpleNamespace(documents=docs, model=SimpleNamespace(vectorizer_model=CountVectorizer(analyzer=analyzer)))
    first = terms.tokens_of(result)
    assert terms.tokens_of(result) is first  # kept on the result and used again
    result.documents = docs.iloc[::-1].reset_index(drop=True)
    again = terms.tokens_of(result)
    assert again is not first and again.lists() == first.lists()[::-1]
    assert terms.fingerprint(docs["text"]) == terms.fingerprint(docs["text"].tolist())
    assert terms.fingerprint(docs["text"]) != terms.fingerprint(docs["text"].iloc[[1, 0, *range(2, len(docs))]])
    assert first.take([-1, 0]).lists() == [first.lists()[-1], first.lists()[0]]
    assert first.take(np.arange(len(first)) % 2 == 1).lists() == first.lists()[1::2]
    with pytest.raises(IndexError):
        first.take([len(first)])
    # counts over chosen words: columns in their order, a word never seen a column of zeros
    words = ["chips", "zzz-never", "deepseek", "models"]
    expect = np.array([[ws.count(w) for w in words] for ws in first.lists()], dtype=float)
    np.testing.assert_array_equal(first.counts(words).toarray(), expect)
    np.testing.assert_array_equal(first.presence(words).toarray(), (expect > 0).astype(float))
    # counts over the whole vocabulary leave the tokens as they were (the matrix does not share their arrays)
    before = first.lists()
    whole = first.counts()
    assert first.lists() == before
    word = before[0][0]
    assert whole.sum() == sum(map(len, before)) and whole[0, first.index()[word]] == before[0].count(word)
    # tokens are checked against the texts they are used for: a reordered table of the same length is refused
    first.check(docs["text"])
    with pytest.raises(ValueError, match="another order"):
        first.check(docs["text"].iloc[::-1])
    with pytest.raises(ValueError, match="not of these"):
        first.check(docs["text"].iloc[1:])


def test_single_words_read_alone_are_the_phrase_analyzers_own(seeds_docs):
    """The topic words' presence and the views' word counts read an analyzer's single words alone
    (PhraseAnalyzer.words) instead of making its phrases and dropping them: the same matrices, checked against the
    analyzer's full terms on the seed paragraphs and on texts with apostrophes, dashes and stop words."""
    from sklearn.feature_extraction.text import CountVectorizer

    from newstopics.analysis.words import word_matrix
    from newstopics.model.represent import presence_of
    from newstopics.model.terms import analyzer_of, news_analyzer

    texts = seeds_docs["text"].tolist() + ["Don’t stop open-weight models x cheap - fast API prices. The U.S. market",
                                           "It's the chips, the chips' prices and co-operation — again",
                                           "x—y a/b ‘quoted’ 3d 2024's e-mail naïve café—bar (AI) [GPU] ok-- --no"]
    analyzer = news_analyzer()
    assert [analyzer.words(t) for t in texts] == [[w for w in analyzer(t) if " " not in w] for t in texts]
    fitted = CountVectorizer(analyzer=analyzer, min_df=2).fit(texts)
    assert analyzer_of(fitted) is analyzer
    plain = CountVectorizer(analyzer=lambda t: analyzer(t), min_df=2).fit(texts)  # no .words: the transform path
    fast, fast_words = presence_of(fitted, texts)
    slow, slow_words = presence_of(plain, texts)
    assert list(fast_words) == list(slow_words) and (fast != slow).nnz == 0 and fast.nnz > 1000
    vocab_fast, counts_fast = word_matrix(texts, analyzer)
    vocab_slow, counts_slow = word_matrix(texts, lambda t: analyzer(t))
    assert vocab_fast == vocab_slow and (counts_fast != counts_slow).nnz == 0 and counts_fast.sum() > counts_fast.nnz
