"""BERTopic assembled from parts sized to the corpus: reducer, clusterer, vectorizer, c-TF-IDF, representations.

Mirrors BERTopic's own design: one object of small composable parts. The library builds the parts from
validated parameters and hands them to BERTopic rather than re-implementing it.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from .. import speedups
from ..memory import take
from ..params import Params
from .graph import GraphConsensus, Unreduced
from .represent import LiftRepresentation
from .sizing import MAP_NEIGHBOURS, Sizing
from .terms import news_analyzer

MAP_MAX_DOCS = (
    5000  # the document map shows a random sample beyond this: more dots hide each other and swell the report
)
MAP_EPOCHS, MAP_EPOCHS_FROM = 200, 2000  # the map's UMAP epochs from this many documents on


def make_reducer(s: Sizing, random_state: int, n_epochs: int | None = None, n_components: int = 2):
    """The document map's reduction: UMAP (cosine, ``min_dist=0``) or PCA to ``n_components`` dimensions, seeded.

    A fixed seed makes UMAP single-threaded and deterministic: the same input gives the same map. ``n_epochs``:
    UMAP's own choice when None (500 under 10,000 points, 200 above).
    """
    if s.reducer == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=n_components, random_state=random_state, svd_solver="full")
    return speedups.umap_class()(
        n_neighbors=max(2, min(MAP_NEIGHBOURS, s.n_documents - 1)),
        n_components=n_components,
        min_dist=0.0,
        metric="cosine",
        random_state=random_state,
        n_jobs=1,
        low_memory=True,
        n_epochs=n_epochs,
    )


def make_vectorizer(s: Sizing):
    """The count vectorizer of topic terms: words and two-word phrases (:class:`~.terms.PhraseAnalyzer`)."""
    from sklearn.feature_extraction.text import CountVectorizer

    # ngram_range is unused while our analyzer runs, but a saved model records it, and the
    # plain CountVectorizer BERTopic rebuilds on load needs it to find the two-word terms.
    warnings.filterwarnings("ignore", message="The parameter 'ngram_range' will not be used")
    return CountVectorizer(analyzer=news_analyzer(s.ngram_range), ngram_range=s.ngram_range, min_df=s.min_df)


class TopicModel(speedups.import_bertopic().BERTopic):
    """BERTopic, its topic vectors (each topic's mean document vector) summed a block of documents at a time
    (:func:`~.means.topic_means`): BERTopic's own takes each topic's vectors at once, a copy of them (400 MB for a
    topic of 400,000 documents) that also reads every page of vectors kept on disk. The same means; saved and loaded
    as BERTopic."""

    def _create_topic_vectors(self, documents=None, embeddings=None, mappings=None):
        from .graph import vectors_of
        from .means import topic_means

        X = vectors_of(embeddings)
        if isinstance(X, np.ndarray) and documents is not None and X.ndim == 2 and X.shape[1]:
            ids = documents["ID"].to_numpy().astype(int)
            topics = documents["Topic"].to_numpy().astype(int)
            if len(ids) and ids.min() >= 0 and ids.max() < X.shape[0] and len(np.unique(ids)) == len(ids):
                per_row = np.full(X.shape[0], topics.min() - 1)  # rows no document names: in no topic
                per_row[ids] = topics
                self.topic_embeddings_ = topic_means(X, per_row, np.unique(topics))
                return
        super()._create_topic_vectors(documents, embeddings, mappings)

    def _extract_topics(self, documents, embeddings=None, mappings=None, verbose=False,
                        fine_tune_representation=True):
        """BERTopic's (0.17), each topic's documents joined into its one text by :func:`joined_by_topic` rather than by
        pandas, which made a Python string of every document first."""
        self.c_tf_idf_, words = self._c_tf_idf(joined_by_topic(documents))
        self.topic_representations_ = self._extract_words_per_topic(
            words, documents, fine_tune_representation=fine_tune_representation,
            calculate_aspects=fine_tune_representation, embeddings=embeddings)
        self._create_topic_vectors(documents=documents, embeddings=embeddings, mappings=mappings)

    def _extract_representative_docs(self, c_tf_idf, documents, topics, nr_samples=500, nr_repr_docs=5,
                                     diversity=None):
        """BERTopic's representative documents (its own method and its own draw of ``nr_samples`` per topic), drawn
        from at most :data:`REPRESENTATIVE_POOL` documents of each topic, themselves a seeded random sample: BERTopic
        sorts the whole table by topic to draw them, a copy of every text (1.1 GB at 1,000,000 paragraphs) for 500
        per topic. Where no topic is larger than the pool, the table is BERTopic's as it is (the same documents)."""
        topic = documents["Topic"].to_numpy()
        ids, first, counts = np.unique(topic, return_index=True, return_counts=True)
        if len(documents) and counts.max() > REPRESENTATIVE_POOL:
            order = np.argsort(topic, kind="stable")
            rng = np.random.default_rng(REPRESENTATIVE_SEED)
            keep = [rows if len(rows) <= REPRESENTATIVE_POOL else rng.choice(rows, REPRESENTATIVE_POOL, replace=False)
                    for rows in np.split(order, np.cumsum(counts)[:-1])]
            documents = documents.iloc[np.sort(np.concatenate(keep))]
        return super()._extract_representative_docs(c_tf_idf, documents, topics, nr_samples, nr_repr_docs, diversity)


def joined_by_topic(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per topic (``Topic``, in order) with its documents' texts joined by a space in table order
    (``Document``): BERTopic's ``documents.groupby(["Topic"], as_index=False).agg({"Document": " ".join})``. A column
    held in pyarrow is joined in pyarrow, a topic at a time, so the only Python strings made are the topics' texts:
    pandas made one of every document (1,000,000 strings of about 500 bytes, in Python's small-object arenas, which
    stayed fragmented and held after)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..text import arrow_chunks

    chunks = arrow_chunks(documents["Document"])
    topic = documents["Topic"].to_numpy()
    if chunks is None or not len(topic) or topic.dtype.kind not in "iu" or documents["Document"].isna().any():
        return documents.groupby(["Topic"], as_index=False).agg({"Document": " ".join})
    column = pa.chunked_array(chunks, type=chunks[0].type)
    ids, counts = np.unique(topic, return_counts=True)
    order = np.argsort(topic, kind="stable")
    texts = []
    for rows in np.split(order, np.cumsum(counts)[:-1]):
        piece = column.take(pa.array(rows)).combine_chunks().cast(pa.large_string())
        lists = pa.LargeListArray.from_arrays(pa.array([0, len(piece)], pa.int64()), piece)
        texts.append(pc.binary_join(lists, pa.scalar(" ", pa.large_string()))[0].as_py())
        del piece, lists
    return pd.DataFrame({"Topic": ids, "Document": pd.Series(texts, dtype=object)})  # as they are: no copy into Arrow


REPRESENTATIVE_POOL = 5000  # documents per topic BERTopic draws its representative documents' candidates from
REPRESENTATIVE_SEED = 42  # the pool's draw (BERTopic's own draw from it is seeded 42 too)


def build_model(params: Params, s: Sizing, embedder, representations: bool = True, client=None):
    """A BERTopic instance made of parts sized by ``s``: the consensus of ``s.members`` Leiden partitions of the
    documents' neighbour graph as its clustering (:mod:`.graph`), lift words as its main representation
    (:mod:`.represent`), c-TF-IDF for topic reduction and topic embeddings, KeyBERT-style and MMR keywords beside them.

    Args:
        params: the run's parameters (seed, top words, steering, topic reduction).
        s: the sizing, from :func:`~.sizing.size_for` (a refit passes the sizing of the fit it judges).
        embedder: the :class:`~newstopics.embed.Embedder` BERTopic embeds words and new documents with.
        representations: add KeyBERT-style and MMR keywords beside the main words (False for refits that compare
            topics and main words only).
        client: a Dask client whose workers hold the consensus's neighbour graphs and run its members on a large
            corpus (None: this machine).

    Returns:
        An unfitted :class:`TopicModel` (a ``bertopic.BERTopic``).
    """
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer

    clustering = GraphConsensus(s, random_state=params.random_state, client=client)
    representation = {"Main": LiftRepresentation(clustering, top_n_words=params.top_n_words)}
    if representations:
        representation["KeyBERT"] = KeyBERTInspired(top_n_words=params.top_n_words, random_state=params.random_state)
        representation["MMR"] = MaximalMarginalRelevance(diversity=0.3, top_n_words=params.top_n_words)
    return TopicModel(
        embedding_model=embedder,
        umap_model=Unreduced(),  # the clustering links documents by their own vectors (handed on, not copied)
        hdbscan_model=clustering,
        vectorizer_model=make_vectorizer(s),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=representation,
        top_n_words=params.top_n_words,
        nr_topics=params.nr_topics,
        seed_topic_list=[list(ws) for ws in params.seed_topics] if params.seed_topics else None,
        zeroshot_topic_list=list(params.zeroshot_topics) if params.zeroshot_topics else None,
        zeroshot_min_similarity=params.zeroshot_min_similarity,
        calculate_probabilities=False,
        verbose=False,
    )


def document_coords(embeddings: np.ndarray, s: Sizing, random_state: int, max_docs: int = MAP_MAX_DOCS) -> np.ndarray:
    """2-D coordinates by the same kind of reducer the model used, for every document or, past ``max_docs``,
    for a seeded random sample of them (the other rows are NaN)."""
    n = len(embeddings)
    rows = (
        np.arange(n)
        if n <= max_docs
        else np.sort(np.random.default_rng(random_state).choice(n, max_docs, replace=False))
    )
    coords = np.full((n, 2), np.nan)
    # a map of thousands of points settles in UMAP's 200 epochs for large data (500, its choice under 10,000, took
    # 20 s for the 5,000 of a large corpus); small corpora keep UMAP's own choice
    epochs = MAP_EPOCHS if len(rows) >= MAP_EPOCHS_FROM else None
    reducer = make_reducer(dataclasses.replace(s, n_documents=len(rows)), random_state, epochs)
    vectors = take(embeddings, rows)
    with warnings.catch_warnings():
        if len(rows) >= UMAP_APPROXIMATE_FROM and hasattr(reducer, "precomputed_knn"):
            # UMAP would find the neighbours of 4,096 points or more by NN-descent, whose compiled code (unlike
            # UMAP's) is built anew in every process: 15 to 30 s of a large corpus's report. The map's few thousand
            # points get their exact neighbours from one matrix product instead, as UMAP itself does below 4,096
            reducer.precomputed_knn = exact_knn(vectors, reducer.n_neighbors)
            warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")  # only transform() needs NN-descent
        coords[rows] = np.asarray(reducer.fit_transform(vectors))
    return coords


UMAP_APPROXIMATE_FROM = 4096  # UMAP finds neighbours by NN-descent from this many points on (umap_.py)


def exact_knn(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine distance, itself first (distance 0), as UMAP's ``precomputed_knn``
    wants them: ``(indices, distances)``, n x k."""
    from .graph import neighbours, unit

    idx, sim = neighbours(unit(vectors), k - 1, exact_max=len(vectors))
    n = len(vectors)
    indices = np.column_stack([np.arange(n), idx]).astype(np.int64)
    distances = np.column_stack([np.zeros(n, np.float32), np.clip(1.0 - sim, 0.0, 2.0)]).astype(np.float32)
    order = np.argsort(distances, axis=1, kind="stable")  # nearest first, as UMAP's own search returns them
    return np.take_along_axis(indices, order, 1), np.take_along_axis(distances, order, 1)
