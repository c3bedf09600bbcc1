"""Settings sized to the corpus: BERTopic's defaults are tuned for thousands of documents."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import Params

NEIGHBOURS = 15  # edges per document in the consensus's neighbour graph (see .graph)
MAP_NEIGHBOURS = 30  # UMAP's neighbours for the 2-D document map
MAX_TOPICS = 150  # topics a person can read: past 1,500 fitted documents, the minimum topic size grows to keep to it
# From LARGE_FROM documents the ensemble has at most LARGE_MEMBERS partitions: a member of 100,000 paragraphs' graph
# takes about 4 s (about 0.7 s at 26,579) and the members were most of the fit. There, with the graph the same for
# every seed (bench/topic_model.py, seeds 1, 2, 3): 10 members, topics' pairwise ARI 0.78 to 0.83; 20 members, 0.85 to
# 0.92; 30 members, 0.81 to 0.87 (the grouping of the small communities, not the members, makes most of the spread).
LARGE_FROM = 50_000
LARGE_MEMBERS = 20


@dataclass
class Sizing:
    """Settings derived from the corpus size; recorded in run.json."""

    n_documents: int
    reducer: str  # the document map's reduction to two dimensions: umap or pca
    n_neighbors: int  # edges per document in the neighbour graph
    min_cluster_size: int
    min_df: int
    members: int = 1  # Leiden partitions in the consensus ensemble
    ngram_range: tuple[int, int] = (1, 2)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, values: dict) -> Sizing:
        """The sizing a run recorded (run.json's ``derived``); other keys there are ignored."""
        import dataclasses

        names = {f.name for f in dataclasses.fields(cls)}
        kept = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in names}
        return cls(**kept)


def size_for(n_docs: int, params: Params) -> Sizing:
    """Graph and vectorizer settings that suit ``n_docs`` documents.

    Topics here are at least ~2.5% of the corpus, between 3 and 10 documents unless ``min_topic_size`` says
    otherwise, and at least 1/:data:`MAX_TOPICS` of it: smaller communities of the consensus are grouped, and a group
    still that small joins the nearest topic (see :mod:`.graph`), so there are never more than 150 topics however
    large the corpus, unless
    ``min_topic_size`` is set lower. Each document is linked to its 15 nearest documents (fewer in a corpus that
    small). From :data:`LARGE_FROM` documents the ensemble has at most :data:`LARGE_MEMBERS` partitions.
    """
    min_cluster = params.min_topic_size or max(int(np.clip(round(n_docs / 40), 3, 10)), -(-n_docs // MAX_TOPICS))
    reducer = params.reducer if params.reducer != "auto" else "umap"
    return Sizing(
        n_documents=n_docs,
        reducer=reducer,
        n_neighbors=max(1, min(NEIGHBOURS, n_docs - 1)),
        min_cluster_size=min_cluster,
        min_df=1 if n_docs < 500 else 2,
        members=min(params.ensemble, LARGE_MEMBERS) if n_docs >= LARGE_FROM else params.ensemble,
    )

