"""Peer models with as many topics on the same documents and tokens: NMF (the stronger on news) and LDA."""
from __future__ import annotations

import time

import numpy as np

from ..params import BASELINES_AUTO_MAX_DOCS
from .coherence import TOP_N

LDA_ITERATIONS = (
    10  # scikit-learn's default; 50 costs 5x the time (42 s on BBC News at K = 57) for a slightly better weakest peer
)


def baseline_topics(
    kind: str,
    texts: list[str],
    analyzer,
    k: int,
    random_state: int,
    min_df: int = 1,
    lda_iterations: int = LDA_ITERATIONS,
    top_n: int = TOP_N,
) -> tuple[dict[int, list[str]], np.ndarray, float]:
    """Top words and document assignments of LDA or NMF with ``k`` topics on the same tokens.

    NMF (TF-IDF, nndsvd start) is the strongest of the two on news (see bench/results/bbc_news.md);
    LDA runs ``lda_iterations`` batch EM passes (the benchmark script uses 50)."""
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    t0 = time.perf_counter()
    vec = CountVectorizer(analyzer=lambda d: [w for w in analyzer(d) if " " not in w], min_df=min_df)
    x = vec.fit_transform(texts)
    vocab = np.array(vec.get_feature_names_out())
    k = max(1, min(k, x.shape[0] - 1, x.shape[1] - 1))
    if kind == "nmf":
        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(x)
        model = NMF(n_components=k, init="nndsvd", random_state=random_state, max_iter=400)
        doc_topic = model.fit_transform(tfidf)
    else:
        model = LatentDirichletAllocation(
            n_components=k, learning_method="batch", max_iter=lda_iterations, random_state=random_state
        )
        doc_topic = model.fit_transform(x)
    comp = model.components_
    topics = {i: vocab[np.argsort(-comp[i])[:top_n]].tolist() for i in range(k)}
    return topics, doc_topic.argmax(axis=1), time.perf_counter() - t0


def want_baselines(params, n_documents: int) -> bool:
    """The ``baselines`` parameter, with None meaning: on for corpora of at most 20,000 documents."""
    return params.baselines if params.baselines is not None else n_documents <= BASELINES_AUTO_MAX_DOCS
