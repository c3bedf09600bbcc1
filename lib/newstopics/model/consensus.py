"""Topics that do not hinge on one random draw: an ensemble of UMAP + HDBSCAN fits, then one consensus clustering.

On a few hundred paragraphs, UMAP + HDBSCAN changes its answer with the seed (3 to 12 topics on the seed articles).
:class:`ConsensusClustering` fits ``members`` layouts, each with its own seed, clusters each with HDBSCAN, counts
how often every pair of documents lands in the same cluster (the co-association matrix; an outlier shares a
cluster with nobody), and clusters that matrix once: average linkage, cut where groups are together in more than
half of the fits (strict majority). Groups smaller than the minimum topic size become outliers. BERTopic receives
it as its clustering model (``hdbscan_model``), with an identity reducer, so c-TF-IDF, representations, topic
reduction, labels, save/load and the figures all work on the consensus topics.

What the members share, and what they do not. For a given corpus the exact k-nearest-neighbour graph, UMAP's
fuzzy graph built from it, and UMAP's spectral starting layout are the same for every seed; only the stochastic
optimisation of the layout differs. Each is therefore computed once, and each member runs only its own optimisation
(``umap.umap_.simplicial_set_embedding``, checked against the installed UMAP; a whole UMAP fit per member when it
differs). Members run two at a time in forked worker processes (numba's layout code holds the GIL). Measured on the
seed articles (145 paragraphs, 30 neighbours, 3 components): about 30 ms of CPU per member at 100 epochs; 75 members
give a pairwise adjusted Rand index of at least 0.82 between the consensus topics of random_state 1 to 4 (50 members:
0.67; a single fit: 0.18 to 0.28), and 0.8 or more against refits on 90% samples
(``bench/results/consensus_robustness.md``).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import multiprocessing
import os
import time
import uuid
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import sparse

from .. import speedups
from ..paths import cache_dir
from .sizing import Sizing

MEMBER_EPOCHS = 100  # per member; the ensemble averages out the extra noise (at 100 epochs more robust than at 200)
CUT = 0.5  # documents stay together when they are together in more than this share of the fits
CACHE_VERSION = 1  # bump when what a member computes changes
SEED_STRIDE = 1000  # member seeds: random_state * 1000 + i, so different random_states give disjoint ensembles
# the arguments of umap.umap_.simplicial_set_embedding that a member's layout passes, in order (umap-learn 0.5.12)
LAYOUT_SIGNATURE = ["data", "graph", "n_components", "initial_alpha", "a", "b", "gamma", "negative_sample_rate",
                    "n_epochs", "init", "random_state", "metric", "metric_kwds", "densmap", "densmap_kwds",
                    "output_dens", "output_metric", "output_metric_kwds", "euclidean_output", "parallel", "verbose",
                    "tqdm_kwds"]


def member_seeds(random_state: int, members: int) -> list[int]:
    """Seeds of an ensemble's members: a block of its own for each random_state."""
    return [(int(random_state) * SEED_STRIDE + i) % (2**32 - 1) for i in range(members)]


def exact_knn(X: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine distance (itself first, at distance 0), computed exactly in blocks."""
    Xn = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
    n = len(X)
    k = min(k, n)
    idx = np.zeros((n, k), np.int64)
    dist = np.zeros((n, k), np.float32)
    for s in range(0, n, block):
        sims = Xn[s:s + block] @ Xn.T
        rows = np.arange(s, min(s + block, n))
        sims[np.arange(len(rows)), rows] = np.inf  # itself first, whatever the rounding
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, 1), axis=1, kind="stable")
        idx[rows] = np.take_along_axis(part, order, 1)
        dist[rows] = np.clip(1.0 - np.take_along_axis(sims, idx[rows], 1), 0.0, 2.0)
    dist[:, 0] = 0.0
    return idx, dist


class SharedLayout:
    """What every member's layout shares: the neighbour graph and UMAP's spectral start.

    :meth:`layout` runs one member's optimisation.
    """

    def __init__(self, X: np.ndarray, s: Sizing, epochs: int, random_state: int):
        speedups.import_umap()  # first, so numba keeps UMAP's compiled code between runs
        from umap.spectral import spectral_layout

        self.X, self.s, self.epochs = np.asarray(X, np.float32), s, epochs
        self.knn = exact_knn(self.X, s.n_neighbors)
        self.first = self._umap(random_state, init="spectral").fit(self.X)  # also the fuzzy graph, a and b
        start = spectral_layout(self.X, self.first.graph_, s.n_components, np.random.RandomState(random_state))
        self.start = (10.0 * start / (np.abs(start).max() or 1.0)).astype(np.float32)  # as UMAP scales it
        self.direct = _direct_layout()

    def _umap(self, seed: int, init):
        from umap import UMAP

        # exact neighbours have no search index: UMAP warns that transform() is unavailable, which no member needs
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
        return UMAP(n_neighbors=self.s.n_neighbors, n_components=self.s.n_components, min_dist=0.0, metric="cosine",
                    random_state=seed, n_jobs=1, n_epochs=self.epochs, init=init, precomputed_knn=self.knn,
                    force_approximation_algorithm=True)

    def layout(self, seed: int) -> np.ndarray:
        """One member's layout: the shared start (plus UMAP's own tiny noise), optimised with this seed."""
        rng = np.random.RandomState(seed)
        init = self.start + rng.normal(scale=1e-4, size=self.start.shape).astype(np.float32)
        if self.direct is None:
            return self._umap(seed, init).fit(self.X).embedding_
        from umap import distances

        f = self.first
        embedding, _ = self.direct(self.X, f.graph_, self.s.n_components, f.learning_rate, f._a, f._b,
                                   f.repulsion_strength, f.negative_sample_rate, self.epochs, init, rng, "cosine", {},
                                   False, {}, False, distances.named_distances_with_gradients["euclidean"], {}, True,
                                   False, False, None)
        return embedding


def _direct_layout():
    """``simplicial_set_embedding`` when the installed UMAP has the signature members call it with, else None."""
    if not speedups.enabled():
        speedups.NOTES["consensus_layouts"] = "a full UMAP fit per member (speed-ups off)"
        return None
    try:
        from umap.umap_ import simplicial_set_embedding

        found = list(inspect.signature(simplicial_set_embedding).parameters)
        if found != LAYOUT_SIGNATURE:
            raise TypeError(f"simplicial_set_embedding{inspect.signature(simplicial_set_embedding)} changed")
        speedups.NOTES["consensus_layouts"] = "shared neighbour graph and start; each member optimises its own layout"
        return simplicial_set_embedding
    except Exception as exc:
        speedups.NOTES["consensus_layouts"] = f"a full UMAP fit per member ({type(exc).__name__}: {str(exc)[:120]})"
        return None


_SHARED: dict = {}  # the state forked workers read: set just before the pool starts, cleared after


def _member(seed: int) -> np.ndarray:
    """One member's clusters: its layout, then HDBSCAN (-1 for the documents it leaves out)."""
    from hdbscan import HDBSCAN

    shared, s = _SHARED["layout"], _SHARED["sizing"]
    points = shared.layout(seed) if shared is not None else _SHARED["points"]
    return HDBSCAN(min_cluster_size=s.min_cluster_size, min_samples=s.min_samples, metric="euclidean",
                   cluster_selection_method="eom").fit(points).labels_.astype(np.int32)


def run_members(seeds: list[int], workers: int) -> np.ndarray:
    """Member labels, one row per seed; ``workers`` forked processes at once when that helps, else in this process."""
    if workers > 1 and len(seeds) > 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                return np.vstack(list(pool.map(_member, seeds, chunksize=max(1, len(seeds) // (4 * workers)))))
        except Exception as exc:  # a platform or session where forking fails: the same members, one by one
            speedups.NOTES["consensus_workers"] = f"in-process ({type(exc).__name__}: {str(exc)[:120]})"
    return np.vstack([_member(s) for s in seeds])


def coassociation(member_labels: np.ndarray) -> np.ndarray:
    """Share of the members that put each pair of documents in the same cluster (float32, documents x documents).

    ``member_labels``: one row per member, -1 for a document the member left out (it shares a cluster with nobody).
    """
    member_labels = np.asarray(member_labels)
    n = member_labels.shape[1]
    blocks = []
    for labels in member_labels:
        kept = labels >= 0
        if kept.any():
            _, cluster = np.unique(labels[kept], return_inverse=True)
            blocks.append(sparse.csr_matrix((np.ones(kept.sum(), np.float32), (np.flatnonzero(kept), cluster)),
                                            shape=(n, cluster.max() + 1)))
    if not blocks:
        return np.zeros((n, n), np.float32)
    onehot = sparse.hstack(blocks).tocsr()
    together = (onehot @ onehot.T).toarray()  # float32 counts, exact; divided in place (n x n is the large part)
    together /= np.float32(len(member_labels))
    return together


def majority_clusters(C: np.ndarray, min_size: int, cut: float = CUT) -> np.ndarray:
    """Average-linkage clusters of ``1 - C`` cut below ``cut`` (strict majority), smaller than ``min_size`` -> -1,
    numbered by size, largest first."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = len(C)
    if n < 2:
        return np.full(n, -1)
    # the condensed distances straight from the upper triangle (C is symmetric), in place: at 30,000 documents the
    # square matrix is 3.6 GB and each full-size temporary as much again
    distance = squareform(np.asarray(C, np.float32), checks=False).astype(np.float64)
    np.subtract(1.0, distance, out=distance)
    tree = linkage(distance, method="average")
    labels = fcluster(tree, t=cut - 1e-9, criterion="distance") - 1
    sizes = np.bincount(labels)
    big = [c for c in np.argsort(-sizes, kind="stable") if sizes[c] >= min_size]
    renumber = np.full(len(sizes), -1)
    renumber[big] = np.arange(len(big))
    return renumber[labels]


class ConsensusClustering:
    """BERTopic's clustering model: the consensus of an ensemble of UMAP + HDBSCAN fits (see the module notes).

    Args:
        sizing: the settings sized to the corpus (neighbours, components, minimum topic size, reducer).
        members: fits in the ensemble; 1 is a single UMAP + HDBSCAN fit. PCA layouts do not vary with the seed,
            so with ``reducer="pca"`` the ensemble is one fit.
        random_state: the ensemble's seed; its members' seeds follow from it.
        epochs: UMAP epochs per member.
        workers: processes at once (default: the machine's cores, at most 2 per ensemble).
        cache: keep the members' labels in the cache folder (``ensembles/``), keyed by the vectors, the sizing, the
            seeds and the library versions, so the same fit asked again (a re-run, a sweep member that varies only
            what comes after the clustering) is read, not refitted. The fits are deterministic, so what is read
            equals what would be fitted.

    After ``fit``: ``labels_`` (the consensus topic of each document, -1 for outliers), ``member_labels_``,
    ``coassociation_``, ``timings_``.

    Example:
        >>> clustering = ConsensusClustering(size_for(len(X), params), members=50, random_state=42)  # doctest: +SKIP
        >>> clustering.fit(X).labels_                                                                 # doctest: +SKIP
    """

    def __init__(self, sizing: Sizing, members: int = 75, random_state: int = 42, epochs: int = MEMBER_EPOCHS,
                 workers: int | None = None, cache: bool = True):
        self.sizing = sizing
        self.members = 1 if sizing.reducer == "pca" else max(1, int(members))
        self.random_state = random_state
        self.epochs = epochs
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.cache = cache

    def fit(self, X, y=None):
        X = np.asarray(X, np.float32)
        t0 = time.perf_counter()
        self.member_labels_ = self._member_labels(X)
        t1 = time.perf_counter()
        self.coassociation_ = coassociation(self.member_labels_)
        self.labels_ = majority_clusters(self.coassociation_, self.sizing.min_cluster_size)
        self._centroids(X)
        self.timings_ = {"members_s": round(t1 - t0, 3), "consensus_s": round(time.perf_counter() - t1, 3),
                         "members": self.members, "from_cache": self.cached_}
        return self

    def _member_labels(self, X: np.ndarray) -> np.ndarray:
        """The members' labels: from the ensemble cache when these exact fits were made before, else fitted."""
        key = self._cache_key(X)
        path = cache_dir() / "ensembles" / f"{key}.npz"
        if self.cache and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as stored:
                    self.cached_ = True
                    return stored["member_labels"]
            except Exception:  # a damaged file: fit again and replace it
                pass
        self.cached_ = False
        labels = self._fit_members(X)
        if self.cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{key}.{uuid.uuid4().hex}.tmp.npz")
            np.savez(tmp, member_labels=labels)
            os.replace(tmp, path)
        return labels

    def _cache_key(self, X: np.ndarray) -> str:
        """Everything a member's result depends on: the vectors, the sizing, the seeds, epochs and library versions."""
        from importlib.metadata import version

        h = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float32).tobytes())
        for part in (json.dumps(self.sizing.to_dict(), sort_keys=True), self.members, self.random_state, self.epochs,
                     CACHE_VERSION, version("umap-learn"), version("hdbscan"), self._direct_available()):
            h.update(str(part).encode())
        return h.hexdigest()[:32]

    @staticmethod
    def _direct_available() -> bool:
        return _direct_layout() is not None

    def _fit_members(self, X: np.ndarray) -> np.ndarray:
        s = self.sizing
        if len(X) <= s.n_neighbors or s.reducer == "pca":
            from .build import make_reducer

            _SHARED.update(layout=None, sizing=s, points=make_reducer(s, self.random_state).fit_transform(X))
            seeds = [self.random_state]
        else:
            _SHARED.update(layout=SharedLayout(X, s, self.epochs, self.random_state), sizing=s, points=None)
            seeds = member_seeds(self.random_state, self.members)
        try:
            return run_members(seeds, self.workers)
        finally:
            _SHARED.clear()

    def _centroids(self, X: np.ndarray) -> None:
        unit = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
        self.topic_ids_ = np.array(sorted(t for t in set(self.labels_.tolist()) if t != -1), dtype=int)
        c = np.vstack([unit[self.labels_ == t].mean(axis=0) for t in self.topic_ids_]) if len(self.topic_ids_) \
            else np.zeros((0, X.shape[1]), np.float32)
        self.centroids_ = c / (np.linalg.norm(c, axis=1, keepdims=True) + 1e-12)

    def fit_predict(self, X, y=None):
        return self.fit(X, y).labels_

    def predict(self, X) -> np.ndarray:
        """The consensus topic whose centroid is nearest (cosine) to each new document."""
        X = np.asarray(X, np.float32)
        if not len(self.topic_ids_):
            return np.full(len(X), -1)
        unit = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
        return self.topic_ids_[np.argmax(unit @ self.centroids_.T, axis=1)]

    def agreement(self, labels: np.ndarray) -> np.ndarray:
        """Per document, the share of fits that put it with the other documents of its topic (mean co-association
        with them); NaN for outliers and for topics of one document.

        Args:
            labels: the documents' topics, in fit order (after any topic reduction).
        """
        labels = np.asarray(labels)
        out = np.full(len(labels), np.nan)
        for t in set(labels.tolist()) - {-1}:
            rows = np.flatnonzero(labels == t)
            if len(rows) > 1:
                block = self.coassociation_[np.ix_(rows, rows)]
                out[rows] = (block.sum(axis=1) - np.diag(block)) / (len(rows) - 1)
        return out

    def place_outliers(self, labels: np.ndarray) -> np.ndarray:
        """The topics with each outlier placed in the topic whose documents it most often shares a fit with.

        For comparing fits like with like (the fit and its refits alike); labels unchanged for a single fit,
        whose co-association says nothing about outliers.
        """
        labels = np.asarray(labels).copy()
        ids = sorted(set(labels.tolist()) - {-1})
        outliers = np.flatnonzero(labels == -1)
        if self.members < 2 or not ids or not len(outliers) or len(labels) != len(self.coassociation_):
            return labels
        shared = np.vstack([self.coassociation_[np.ix_(outliers, np.flatnonzero(labels == t))].mean(axis=1)
                            for t in ids]).T
        labels[outliers] = np.asarray(ids)[np.argmax(shared, axis=1)]
        return labels

    def split_half(self) -> np.ndarray | None:
        """Consensus topics of the odd members, to compare with the even members' (two independent ensembles);
        None with fewer than 4 members. Returns ``(even_labels, odd_labels)`` as a 2-row array."""
        if self.members < 4:
            return None
        halves = [majority_clusters(coassociation(self.member_labels_[i::2]), self.sizing.min_cluster_size)
                  for i in (0, 1)]
        return np.vstack(halves)
