"""Topics that do not hinge on one random draw, at any corpus size: a sparse consensus on a k-nearest-neighbour graph.

:class:`GraphConsensus` is BERTopic's clustering model (``hdbscan_model``, with an identity reducer). Its cost grows
about linearly with the corpus and it never builds a document-by-document matrix:

1. **One neighbour graph.** Each document's :data:`NEIGHBOURS` nearest documents by cosine similarity (exact, in
   blocks, up to :data:`EXACT_MAX` documents; approximate above, by HNSW graphs (faiss) built and searched the same
   way every time, see :func:`neighbours`, on a Dask cluster's workers from :data:`WORKERS_FROM` documents), as an
   undirected graph weighted by similarity: n x k numbers. The graph is the corpus's: only the members below differ
   between random_states.
2. **An ensemble of partitions.** ``members`` Leiden partitions of that graph (modularity, resolution 1), each with
   its own seed. Leiden is cheap (about 10 ms on the 145 seed paragraphs, about 0.4 s on 26,579), so the members are
   many; on a large graph they run in two forked processes, or on a Dask cluster's workers.
3. **Agreement on the edges.** For each edge, the share of members that put its two documents in the same community:
   again n x k numbers.
4. **The consensus.** Edges on which at most half of the members agree are dropped, the others weighted by
   similarity x agreement, and Leiden partitions that graph once more (seeded, to convergence).
   A community of at least the minimum topic size is a topic. The smaller ones (on a corpus of many near-identical
   texts, islands that link only each other) are grouped by the same consensus on a graph of their own, each linked
   to the communities whose mean vectors are nearest its own, at the resolution that makes groups of about
   :data:`GROUP_SIZE` x the minimum topic size; a group still too small joins the topic whose mean vector is
   nearest. Every document is in a topic.
5. **Themes above topics** (:func:`themes_of`): the topics form a graph of their own (the document edges between
   them, summed), partitioned by the same consensus; a theme is always a union of topics.

Measured (``bench/topic_model.py``, ``bench/results/topic_model.md``, random_state 1, 2, 3; 30 members, 20 from
50,000 documents): on the seed articles 5 or 6 topics, pairwise adjusted Rand index 0.97 to 1.0; on synthetic
paragraphs of story-sized themes in five desks, 0.93 to 0.95 at 26,579 documents (42 topics, more homogeneous in
their source articles than k-means with as many clusters: 0.46 against 0.41; five themes, NMI with the desks 0.75
against k-means' 0.65) and 0.83 to 0.87 at 100,000 (41 or 42 topics, homogeneity 0.46 against 0.40; five themes, NMI
0.72 against 0.66), every document in a topic. (With NN-descent's graph, which shares 99.6% of its edges with this
one, 0.85 to 0.88 and 0.85 to 0.92: at 100,000 the seeds' agreement moves with a fraction of a percent of the
edges.) Grouping the small communities at resolution 1 had left 12 topics at
100,000 (``bench/results/topic_resolution.md``).

Each document's ``agreement`` is the mean, over its graph edges to documents of its own topic, of the share of
members that kept the edge inside one community: how firmly the ensemble holds it with its neighbours.
"""
from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from scipy import sparse

from .sizing import NEIGHBOURS, Sizing

EXACT_MAX = 20_000  # up to this many documents the neighbours are exact (blocked products); HNSW graphs above
RESOLUTION = 1.0  # Leiden's modularity resolution, for members and consensus alike
# Leiden's passes for each member (the consensus itself runs to convergence). One pass made the members 30% cheaper
# and the topics less seed-stable: pairwise ARI 0.74-0.82 at 100,000 paragraphs against 0.81-0.82, and 0.87-0.90 at
# 26,579 against 0.92-0.94 (bench/topic_model.py)
MEMBER_ITERATIONS = 2
AGREE = 0.5  # an edge stays in the consensus graph when more than this share of members agree on it
SEED_STRIDE = 1000  # member seeds: random_state * 1000 + i, so different random_states give disjoint ensembles
BLOCK = 2048  # rows per block of the exact neighbour search


# Approximate neighbours past EXACT_MAX: two HNSW graphs (faiss), one per half of the documents (even and odd rows),
# each built on one thread, so that its insertion order, and with it the graph, is the same on every run; the two
# build side by side and every document is searched in both. At 100,000 static-embedding paragraphs: 11 to 26 s,
# 91% to 99.7% of the exact 15 nearest found. NN-descent (pynndescent), used before, took 38 to 52 s for 89% to 99.9%,
# most of it compiling numba code that cannot be kept on disk, so compiled again in every run
# (bench/results/neighbours.md).
HNSW_LINKS = 16  # M: links per node
HNSW_BUILD = 40  # efConstruction: candidates kept while linking a new node
HNSW_SEARCH = 32  # efSearch: candidates kept while searching (at least k + 1)


def unit(X) -> np.ndarray:
    """Rows scaled to length 1 (float32), a non-finite value taken as 0; a row of zeros stays zeros."""
    X = np.asarray(X, np.float32)
    if not np.isfinite(X).all():  # copied only then: the vectors may be large, and are never changed in place
        X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    return X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)


def _is_unit(X) -> bool:
    """Whether ``X`` is float32 with every row of length 1 or 0 (a text with no word the embedding knows is a row
    of zeros, which :func:`unit` leaves as it is): checked on every row, a block at a time (one read of the vectors,
    about a second at 1,000,000 on disk), since a caller may have shrunk some rows in place (guided topics pull
    documents towards their seed topics this way) and a sample of rows would miss them."""
    if not (isinstance(X, np.ndarray) and X.dtype == np.float32 and X.ndim == 2 and X.shape[1] > 0):
        return False
    from ..memory import in_blocks

    for _, block in in_blocks(X, size=65536):
        length = np.einsum("ij,ij->i", block, block)  # NaN where a row holds one: not unit (unit() makes it zeros)
        if not (np.isclose(length, 1, rtol=0, atol=2e-4) | (length == 0)).all():
            return False
    return True


class Vectors(np.ndarray):
    """A stand-in of no width (n x 0) for the documents' vectors, which it points to (``of``): what BERTopic is
    handed as the documents' "reduced" vectors (:class:`Unreduced`). BERTopic copies whatever its reducer returns
    (``np.nan_to_num``), which for the vectors themselves was a second copy of them in memory (1 GB at 1,000,000 x
    256) and read every page of vectors kept on disk; the stand-in costs nothing to copy (numpy keeps ``of`` on the
    copy), and the clustering reads the vectors it points to (:func:`vectors_of`)."""

    def __array_finalize__(self, obj) -> None:
        self.of = getattr(obj, "of", None)


def vectors_of(X):
    """The vectors a :class:`Vectors` stand-in points to; any other array as it is."""
    return X.of if isinstance(X, Vectors) and X.of is not None else X


def _with_width(X):
    """``X``, refused when its rows have no width (a :class:`Vectors` stand-in that lost its vectors, as a pickled
    copy does): clustering nothing would give topics that mean nothing."""
    if getattr(X, "ndim", 2) == 2 and X.shape[0] and X.shape[1] == 0:
        raise ValueError("the clustering was given vectors of no width (a stand-in without the vectors it stands for); "
                         "pass the documents' vectors")
    return X


class Unreduced:
    """BERTopic's reducer (``umap_model``) when the clustering links documents by their own vectors, as BERTopic's
    ``BaseDimensionalityReduction`` does, except that it hands on a :class:`Vectors` stand-in for them, not the
    vectors (which BERTopic would copy)."""

    def fit(self, X=None, y=None):
        return self

    def transform(self, X) -> Vectors:
        out = np.empty((X.shape[0], 0), np.float32).view(Vectors)
        out.of = vectors_of(X)
        return out


def member_seeds(random_state: int, members: int) -> list[int]:
    """Seeds of an ensemble's members: a block of its own for each random_state."""
    return [(int(random_state) * SEED_STRIDE + i) % (2**31 - 1) for i in range(members)]


def neighbours(X, k: int = NEIGHBOURS, exact_max: int | None = None, client=None):
    """Each row's ``k`` nearest other rows by cosine similarity: ``(index, similarity)``, both n x k. ``X`` of unit
    length (:func:`unit`) is used as it is, without a copy.

    Exact (matrix products in blocks) up to ``exact_max`` rows (None: :data:`EXACT_MAX`); approximate above
    (:func:`hnsw_neighbours`, on ``client``'s workers from :data:`WORKERS_FROM` rows).
    """
    return _unit_neighbours(X if _is_unit(X) else unit(X), k, exact_max, client)


def _unit_neighbours(U: np.ndarray, k: int = NEIGHBOURS, exact_max: int | None = None, client=None):
    """:func:`neighbours` of rows already of unit length (checked once by the caller)."""
    from ..memory import in_blocks

    exact_max = EXACT_MAX if exact_max is None else exact_max
    n = len(U)
    k = max(1, min(int(k), n - 1))
    if n > exact_max:
        return hnsw_neighbours(U, k, client)
    idx = np.empty((n, k), np.int64)
    sim = np.empty((n, k), np.float32)
    for start, block in in_blocks(U, size=BLOCK):
        S = block @ U.T
        rows = np.arange(start, start + len(block))
        S[np.arange(len(rows)), rows] = -np.inf  # not its own neighbour
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        idx[rows] = part
        sim[rows] = np.take_along_axis(S, part, 1)
    return idx, sim


def hnsw_neighbours(U: np.ndarray, k: int, client=None) -> tuple[np.ndarray, np.ndarray]:
    """Approximate ``k`` nearest rows of unit rows ``U`` by inner product: an HNSW graph (faiss) of each half of the
    rows (even, odd), each built on one thread of its own (the same graph every run), every row searched in both, the
    ``k`` most similar of the two answers kept (itself left out). Rows found fewer than ``k`` times are padded with
    index -1 (never, in practice: each half alone answers ``k + 1``).

    With a running Dask ``client`` and at least :data:`WORKERS_FROM` rows, each half's graph is built and searched
    on a worker of its own (:class:`_OnWorkers`): the same graphs and answers, and this process holds neither graph
    (at 1,000,000 x 256 the two hold 1.1 GB, and their halves another 1 GB while they are built)."""
    from concurrent.futures import ThreadPoolExecutor

    from ..cluster import running
    from ..memory import in_blocks, take

    n = len(U)
    halves = [np.arange(0, n, 2), np.arange(1, n, 2)]
    idx = np.empty((n, k), np.int64)
    sim = np.empty((n, k), np.float32)
    with ThreadPoolExecutor(2) as pool:  # faiss lets go of the GIL: the two halves run side by side
        if running(client) and n >= WORKERS_FROM:
            searcher = _OnWorkers(client, U, halves, k)  # releases what it sent should it fail on the way
        else:
            indexes = list(pool.map(lambda rows: _hnsw_index(take(U, rows), k), halves))
            searcher = lambda block: list(pool.map(lambda index: _search(index, block, k), indexes))  # noqa: E731
        # searched a block at a time (the same answer per row), so the two answers are merged a block at a time and
        # vectors on disk are read a block at a time
        try:
            for start, block in in_blocks(U, size=SEARCH_BLOCK):
                answers = searcher(np.ascontiguousarray(block, dtype=np.float32))
                rows = np.arange(start, start + len(block))
                b_sim = np.concatenate([a[0] for a in answers], axis=1)
                b_idx = np.concatenate([np.where(a[1] >= 0, halves[h][np.maximum(a[1], 0)], -1)
                                        for h, a in enumerate(answers)], axis=1)
                b_sim[(b_idx == rows[:, None]) | (b_idx < 0)] = -np.inf
                best = np.argsort(-b_sim, axis=1, kind="stable")[:, :k]
                b_idx, b_sim = np.take_along_axis(b_idx, best, 1), np.take_along_axis(b_sim, best, 1)
                b_idx[~np.isfinite(b_sim)] = -1
                idx[rows], sim[rows] = b_idx, np.where(np.isfinite(b_sim), b_sim, 0.0)
        finally:
            if hasattr(searcher, "close"):  # the graphs on the workers: let go of
                searcher.close()
    return idx, sim


def _hnsw_index(vectors: np.ndarray, k: int):
    """An HNSW graph (faiss) of ``vectors``, built on one thread: its insertion order fixed, the graph reproducible.
    OpenMP's thread count is each thread's own: set in the thread that builds."""
    import faiss

    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_BUILD
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    index.hnsw.efSearch = max(HNSW_SEARCH, k + 1)
    return index


def _search(index, block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(similarities, positions in the index's half)`` of each row of ``block``'s ``k + 1`` nearest, one thread."""
    import faiss

    faiss.omp_set_num_threads(1)
    return index.search(block, k + 1)


class _HalfIndex:
    """A half's HNSW graph held on a worker; pickled by faiss's own serialization should Dask ever move it."""

    def __init__(self, index):
        self.index = index

    def __sizeof__(self) -> int:
        """About the bytes the graph holds (its vectors and its bottom layer's 2M links a node), so that a worker's
        memory accounting (Dask asks ``sys.getsizeof``) sees it."""
        return int(self.index.ntotal) * (4 * int(self.index.d) + 8 * HNSW_LINKS) + 64

    def __getstate__(self):
        import faiss

        return {"index": faiss.serialize_index(self.index)}

    def __setstate__(self, state):
        import faiss

        self.index = faiss.deserialize_index(state["index"])


def _ready(_value) -> None:
    """A task that waits for its argument on the worker holding it, without sending it anywhere."""


def _join_on_worker(pieces: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(pieces)


def _build_on_worker(half: np.ndarray, k: int) -> _HalfIndex:
    return _HalfIndex(_hnsw_index(half, k))


def _search_on_worker(held: _HalfIndex, block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return _search(held.index, block, k)


class _OnWorkers:
    """The two halves' HNSW graphs built and kept on two workers (both on one when the cluster has one), each half
    sent a piece of :data:`SEARCH_BLOCK` rows at a time and joined there; then called with a block of rows, each
    worker searches its graph and the two answers come back. Tasks are pinned to their worker, so a graph never
    moves."""

    def __init__(self, client, U: np.ndarray, halves: list[np.ndarray], k: int):
        from ..cluster import a_worker, result_of, wait_ready
        from ..memory import take

        wait_ready()  # work goes out once the workers have imported the project
        a_worker(client)
        self.client, self.k = client, k
        found = sorted(client.scheduler_info(n_workers=-1).get("workers", {}))
        self.workers = [found[h % len(found)] for h in range(len(halves))]
        self.held = []
        pieces, half = [], None
        try:  # a failure or an interrupt on the way releases what the workers hold (the caller's close is not reached)
            for rows, worker in zip(halves, self.workers, strict=True):
                pieces = [client.scatter(take(U, rows[at:at + SEARCH_BLOCK]), workers=[worker], hash=False)
                          for at in range(0, len(rows), SEARCH_BLOCK)]
                half = client.submit(_join_on_worker, pieces, workers=[worker], allow_other_workers=False, pure=False)
                result_of(client.submit(_ready, half, workers=[worker], pure=False), client)  # joined: pieces go
                pieces = []
                self.held.append(client.submit(_build_on_worker, half, k, workers=[worker],
                                               allow_other_workers=False, pure=False))
                half = None  # let go of once its graph is built
            for held, worker in zip(self.held, self.workers, strict=True):  # a failed build raises here
                result_of(client.submit(_ready, held, workers=[worker], pure=False), client)
        except BaseException:
            for future in [*pieces, *([half] if half is not None else [])]:
                future.release()
            self.close()
            raise

    def __call__(self, block: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        from ..cluster import result_of

        futures = []
        for held, worker in zip(self.held, self.workers, strict=True):
            sent = self.client.scatter(block, workers=[worker], hash=False)
            futures.append(self.client.submit(_search_on_worker, held, sent, self.k, workers=[worker],
                                              allow_other_workers=False, pure=False))
        return [result_of(f, self.client) for f in futures]

    def close(self) -> None:
        for held in self.held:
            held.release()
        self.held = []


SEARCH_BLOCK = 65_536  # rows searched at a time in the HNSW graphs (and sent at a time to a worker)
WORKERS_FROM = 300_000  # rows from which a running cluster's workers hold the HNSW graphs (hnsw_neighbours)


def edge_list(idx: np.ndarray, sim: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The undirected edges of a neighbour graph, each once: ``(a, b, weight)`` with ``a < b``, weight the cosine
    similarity (at least 1e-6: Leiden takes no zero weights). In 32 bits until the pairs are keyed (about 0.6 GB at
    1,000,000 x 15 neighbours, from 1.2 GB in 64)."""
    n, k = idx.shape
    a = np.repeat(np.arange(n, dtype=np.int32), k)
    b = idx.astype(np.int32).ravel()
    valid = (b >= 0) & (b != a)
    a, b, w = a[valid], b[valid], sim.ravel()[valid]
    del valid
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    del a, b
    _, first = np.unique(lo.astype(np.int64) * n + hi, return_index=True)
    # 32-bit: the model keeps its edges (agreement and themes are read from them), 16 bytes an edge with agreement
    return lo[first], hi[first], np.clip(w[first], np.float32(1e-6), None).astype(np.float32)


def _graph(n: int, a: np.ndarray, b: np.ndarray):
    """An undirected igraph graph of ``n`` nodes and edges ``a[i]-b[i]``. Edges given to ``add_edges`` as one int64
    array: passed to the constructor, igraph made a Python pair of each edge first (1.7 s and 280 MiB for 1.6 million
    edges, against 1.0 s and 110 MiB)."""
    import igraph

    graph = igraph.Graph(n=int(n), directed=False)
    edges = np.empty((len(a), 2), np.int64)
    edges[:, 0], edges[:, 1] = a, b
    graph.add_edges(edges)
    return graph


_RANDOM = threading.Lock()  # igraph draws from Python's random module: one seeded partition at a time per process


def leiden(graph, weights, seed: int, resolution: float = RESOLUTION, iterations: int = 2,
           node_weights=None) -> np.ndarray:
    """One Leiden partition (modularity) of ``graph``, seeded: its community per node. Threads take turns (Leiden
    holds the GIL anyway), so a seed gives the same partition whatever else the process runs."""
    with _RANDOM:
        state = random.getstate()
        random.seed(int(seed))
        try:
            found = graph.community_leiden(objective_function="modularity", weights=weights, resolution=resolution,
                                           n_iterations=iterations, node_weights=node_weights)
        finally:
            random.setstate(state)
    return np.asarray(found.membership, dtype=np.int64)


def edge_agreement(graph, a: np.ndarray, b: np.ndarray, w: np.ndarray, seeds: list[int],
                   node_weights=None, client=None, resolution: float = RESOLUTION) -> np.ndarray:
    """Per edge, the share of the members (one Leiden partition per seed) that put its two ends together.

    Leiden holds the GIL, so on a large graph the members are shared out: to a running Dask ``client``'s workers (the
    edges sent to each worker once, the members in groups, each group's counts per edge summed here), else to two
    forked processes of this machine, else run here. Each member is the same partition wherever it runs, so the counts
    are the same numbers whatever the route. ``graph``: the igraph graph of the edges, or its number of nodes (then
    built here only if the members run here: about 0.5 GB at 1,000,000 documents that workers need not cost).
    """
    from ..cluster import each, running, summed

    n = graph if isinstance(graph, int | np.integer) else graph.vcount()
    if running(client) and len(a) >= FORK_FROM_EDGES and node_weights is None and resolution == RESOLUTION:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        groups = [seeds[i::2 * workers] for i in range(min(len(seeds), 2 * workers))]
        (together,) = summed(each(client, _together_on_worker, groups, n=int(n), a=a, b=b, w=w))
        return together / len(seeds)
    if isinstance(graph, int | np.integer):
        graph = _graph(int(n), a, b)
    _SHARED.update(graph=graph, a=a, b=b, w=w, node_weights=node_weights, resolution=resolution)
    try:
        workers = min(2, os.cpu_count() or 1, len(seeds))
        if workers > 1 and len(a) >= FORK_FROM_EDGES and "fork" in multiprocessing.get_all_start_methods():
            try:
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    together = sum(pool.map(_together, [seeds[i::workers] for i in range(workers)]))
            except (OSError, BrokenProcessPool):  # no fork here, or a process died: the same members, here
                together = count_together(graph, a, b, w, node_weights, seeds, resolution)
        else:
            together = count_together(graph, a, b, w, node_weights, seeds, resolution)
    finally:
        _SHARED.clear()
    return together / max(1, len(seeds))


_SHARED: dict = {}  # the graph the forked processes read: set just before they start, cleared after
FORK_FROM_EDGES = 200_000  # below this, a member takes less time than starting a process


def _together_on_worker(seeds: list[int], n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray]:
    """On a Dask worker (whatever its threads): :func:`count_together` for ``seeds``, on the graph rebuilt from its
    edges (a 1-tuple, which :func:`newstopics.cluster.summed` adds element by element)."""
    return (count_together(_graph(n, a, b), a, b, w, None, seeds),)


def _together(seeds: list[int]) -> np.ndarray:
    """In a forked process: :func:`count_together` on the graph the parent set in ``_SHARED``."""
    return count_together(_SHARED["graph"], _SHARED["a"], _SHARED["b"], _SHARED["w"], _SHARED["node_weights"], seeds,
                          _SHARED["resolution"])


def count_together(graph, a: np.ndarray, b: np.ndarray, w: np.ndarray, node_weights, seeds: list[int],
                   resolution: float = RESOLUTION) -> np.ndarray:
    """How many of the members of ``seeds`` put each edge's two ends in one community."""
    together = np.zeros(len(a), np.float32)  # whole numbers up to the members' count: exact
    for seed in seeds:
        member = leiden(graph, w, seed, resolution, iterations=MEMBER_ITERATIONS, node_weights=node_weights)
        together += member[a] == member[b]
    return together


def consensus_partition(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, random_state: int, members: int,
                        node_weights=None, client=None,
                        resolution: float = RESOLUTION) -> tuple[np.ndarray, np.ndarray]:
    """``(communities, edge agreement)``: the Leiden partition of the agreement-weighted graph of an ensemble of
    ``members`` Leiden partitions (one partition when ``members`` is 1), all at modularity ``resolution``; members
    on ``client``'s workers when given."""
    if members <= 1:
        return (leiden(_graph(n, a, b), w, random_state, resolution, iterations=-1, node_weights=node_weights),
                np.ones(len(a)))
    # the graph itself is built only where the members run (and let go of before the consensus graph is built)
    agree = edge_agreement(n, a, b, w, member_seeds(random_state, members), node_weights, client, resolution)
    keep = agree > AGREE
    strong = _graph(n, a[keep], b[keep])
    final = leiden(strong, (w * agree)[keep], int(random_state) * SEED_STRIDE + SEED_STRIDE - 1, resolution,
                   iterations=-1, node_weights=node_weights)
    return final, agree


def by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... by size, largest first (ties by first appearance); -1 stays -1."""
    labels = np.asarray(labels)
    out = np.full(len(labels), -1, dtype=np.int64)
    kept = labels >= 0
    if not kept.any():
        return out
    ids, first, inverse, counts = np.unique(labels[kept], return_index=True, return_inverse=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    out[kept] = rank[inverse]
    return out


def between(labels: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray, size: int) -> sparse.csr_matrix:
    """Summed edge weight between groups (``size`` x ``size``, symmetric, no diagonal); -1 labels left out."""
    la, lb = labels[a], labels[b]
    keep = (la != lb) & (la >= 0) & (lb >= 0)
    m = sparse.coo_matrix((w[keep], (la[keep], lb[keep])), shape=(size, size)).tocsr()
    return (m + m.T).tocsr()


RESOLUTION_RANGE = (0.05, 200.0)  # the resolutions :func:`resolution_for` searches between
RESOLUTION_STEPS = 12  # its bisection's steps: a factor of 4,000 in 12 halvings, about 2% apart at the end
# Small communities grouped at resolution 1 make a handful of groups however many there are: at 100,000 synthetic
# paragraphs the consensus found 1,182 communities (669 of them islands of the neighbour graph), 7 of them of the
# minimum topic size, and the rest became 5 groups: 12 topics, homogeneity in their articles below k-means'. Aimed at
# groups of 4 x the minimum size: 40 topics there, as at 26,579; 1.5 and 3 made more, more homogeneous topics but
# less seed-stable ones (pairwise ARI 0.72 and 0.80 against 0.82; bench/results/topic_resolution.md).
GROUP_SIZE = 4.0  # small communities are grouped into groups of about this many times the minimum topic size
SMALL_LINKS = 10  # nearest communities (by mean vector) each small community is linked to, to group them


def group_small(fine: np.ndarray, vectors: np.ndarray, min_size: int, random_state: int, members: int,
                group_size: float | None = GROUP_SIZE) -> np.ndarray:
    """Topics from the consensus communities: those of at least ``min_size`` documents stay as they are; the smaller
    ones are grouped by the same consensus on a graph of their own (each linked to the :data:`SMALL_LINKS` small
    communities whose mean vectors are nearest its own: an island of near-identical texts, which links only itself in
    the documents' graph, is grouped too), at the modularity resolution that makes about one group per
    ``group_size`` x ``min_size`` of their documents (:func:`resolution_for`; None: resolution 1, whatever their
    number), and a group still smaller than ``min_size`` joins the topic whose mean vector is nearest its own.
    Numbered by size."""
    fine = by_size(fine)
    sizes = np.bincount(fine[fine >= 0]) if (fine >= 0).any() else np.zeros(0, int)
    small = np.flatnonzero(sizes < min_size)
    if len(small) < 2:
        return attach_small(fine, vectors, min_size)
    from .means import unit_means

    centroids = unit_means(vectors, fine, np.arange(len(sizes)))
    a, b, w = edge_list(*neighbours(centroids[small], SMALL_LINKS))
    resolution = RESOLUTION
    if group_size:
        target = max(1, int(round(sizes[small].sum() / (group_size * min_size))))
        resolution = resolution_for(_graph(len(small), a, b), w, target, random_state)
    groups, _ = consensus_partition(len(small), a, b, w, random_state, members, resolution=resolution)
    merged = np.arange(len(sizes))
    merged[small] = len(sizes) + groups
    return attach_small(by_size(np.where(fine >= 0, merged[np.maximum(fine, 0)], -1)), vectors, min_size)


def resolution_for(graph, weights, target: int, seed: int, steps: int = RESOLUTION_STEPS) -> float:
    """The modularity resolution at which a seeded Leiden partition of ``graph`` has about ``target`` communities:
    bisection on its logarithm between :data:`RESOLUTION_RANGE` (more communities as it grows)."""
    lo, hi = np.log(RESOLUTION_RANGE[0]), np.log(RESOLUTION_RANGE[1])
    for _ in range(steps):
        mid = (lo + hi) / 2
        found = leiden(graph, weights, seed, float(np.exp(mid)), iterations=-1).max() + 1
        if found == target:
            return float(np.exp(mid))
        lo, hi = (mid, hi) if found < target else (lo, mid)
    return float(np.exp((lo + hi) / 2))


def attach_small(labels: np.ndarray, vectors: np.ndarray, min_size: int) -> np.ndarray:
    """Groups smaller than ``min_size`` joined to the group of at least that size whose mean vector is nearest their
    own (as they are where no group is that large). Numbered by size."""
    from .means import unit_means

    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    large, small = np.flatnonzero(sizes >= min_size), np.flatnonzero(sizes < min_size)
    if not len(large) or not len(small):
        return labels
    centroids = unit_means(vectors, labels, np.arange(len(sizes)))
    target = np.arange(len(sizes))
    target[small] = large[np.argmax(centroids[small] @ centroids[large].T, axis=1)]
    return by_size(np.where(labels >= 0, target[np.maximum(labels, 0)], -1))


def agreement_of(labels: np.ndarray, a: np.ndarray, b: np.ndarray, agree: np.ndarray) -> np.ndarray:
    """Per document, the mean agreement of its edges to documents of its own topic; NaN where it has none (an
    outlier, or a document placed with a topic none of its neighbours is in)."""
    labels = np.asarray(labels)
    n = len(labels)
    same = (labels[a] == labels[b]) & (labels[a] >= 0)
    total = np.bincount(a[same], agree[same], minlength=n) + np.bincount(b[same], agree[same], minlength=n)
    count = np.bincount(a[same], minlength=n) + np.bincount(b[same], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


class GraphConsensus:
    """BERTopic's clustering model: the consensus of an ensemble of Leiden partitions of the documents' neighbour
    graph (see the module notes).

    Args:
        sizing: the settings sized to the corpus (neighbours, minimum topic size, members).
        random_state: the ensemble's seed; its members' seeds follow from it.
        members: partitions in the ensemble (default: ``sizing.members``); 1 is a single Leiden partition.
        client: a Dask client whose workers build and search the neighbour graphs (from :data:`WORKERS_FROM`
            documents) and run the members (on a large graph); None: all of it here, the members in two forked
            processes.

    After ``fit``: ``labels_`` (each document's topic; every document gets one, -1 only in an empty fit),
    ``edges_`` (``a``, ``b``, ``weight``, ``agreement``), ``timings_``.

    Example:
        >>> clustering = GraphConsensus(size_for(len(X), params), random_state=42)   # doctest: +SKIP
        >>> clustering.fit(X).labels_                                                # doctest: +SKIP
    """

    def __init__(self, sizing: Sizing, random_state: int = 42, members: int | None = None, client=None):
        self.sizing = sizing
        self.random_state = int(random_state)
        self.members = max(1, int(members if members is not None else sizing.members))
        self.client = client  # whose workers hold the neighbour graphs and run the members (None: this machine)

    def fit(self, X, y=None):
        X = _with_width(vectors_of(X))
        X = X if _is_unit(X) else unit(X)  # of unit length, used by every step (a copy only when not already)
        n = len(X)
        t0 = time.perf_counter()
        if n < 2:
            self.labels_ = np.full(n, -1 if n == 0 else 0, dtype=np.int64)
            self.edges_ = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
            self._centroids(X)
            self.timings_ = {"graph_s": 0.0, "consensus_s": 0.0, "members": self.members}
            return self
        idx, sim = _unit_neighbours(X, self.sizing.n_neighbors, client=self.client)  # the corpus's, any random_state
        a, b, w = edge_list(idx, sim)
        del idx, sim
        t1 = time.perf_counter()
        communities, agree = consensus_partition(n, a, b, w, self.random_state, self.members, client=self.client)
        self.labels_ = group_small(communities, X, self.sizing.min_cluster_size, self.random_state, self.members)
        self.edges_ = (a, b, w, agree)
        self._centroids(X)
        self.timings_ = {"graph_s": round(t1 - t0, 3), "consensus_s": round(time.perf_counter() - t1, 3),
                         "members": self.members, "edges": int(len(a))}
        return self

    def _centroids(self, X: np.ndarray) -> None:
        from .means import unit_means

        self.topic_ids_ = np.array(sorted(set(self.labels_.tolist()) - {-1}), dtype=int)
        self.centroids_ = unit_means(X, self.labels_, self.topic_ids_) if len(self.topic_ids_) \
            else np.zeros((0, X.shape[1] if X.ndim == 2 else 0), np.float32)

    def fit_predict(self, X, y=None):
        return self.fit(X, y).labels_

    def predict(self, X) -> np.ndarray:
        """The topic whose centroid is nearest (cosine) to each new document."""
        X = _with_width(np.asarray(vectors_of(X), np.float32))
        if not len(self.topic_ids_):
            return np.full(len(X), -1)
        return self.topic_ids_[np.argmax(unit(X) @ self.centroids_.T, axis=1)]

    def agreement(self, labels: np.ndarray) -> np.ndarray:
        """Per document, the mean agreement of its edges to documents of the same topic in ``labels`` (the fit's
        documents, in fit order, after any topic reduction); NaN where it has none or the documents differ."""
        labels = np.asarray(labels)
        a, b, _, agree = getattr(self, "edges_", (None,) * 4)
        if a is None or len(labels) != len(self.labels_):
            return np.full(len(labels), np.nan)
        return agreement_of(labels, a, b, agree)


def themes_of(topics: np.ndarray, clustering: GraphConsensus | None, centroids: np.ndarray, sizes: np.ndarray,
              random_state: int, members: int, max_themes: int = 15) -> np.ndarray:
    """Each topic's theme (topic ids 0..T-1 in, theme ids out, numbered by size): the consensus partition of the graph
    of topics, an edge weighted by the summed document edges between two topics, or, where the documents' graph is not
    known (a curated or reduced model), by the cosine similarity of their centroids to their 5 nearest topics.
    Themes are merged along the strongest links while there are more than ``max_themes``.

    Args:
        topics: each document's topic (-1 for outliers), in fit order.
        clustering: the fitted :class:`GraphConsensus` (its edges), or None.
        centroids: unit-length topic centroids, row t for topic t.
        sizes: documents per topic.
    """
    n_topics = len(sizes)
    if n_topics <= 1:
        return np.zeros(n_topics, dtype=np.int64)
    edges = getattr(clustering, "edges_", None)
    if edges is not None and len(topics) == len(clustering.labels_):
        a, b, w, _ = edges
        link = between(np.asarray(topics), a, b, w, n_topics)
    else:
        link = sparse.csr_matrix((n_topics, n_topics))
    if link.nnz == 0 or len(_components(link)) > 1:  # islands of topics: linked to their nearest topics too
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -np.inf)
        k = min(5, n_topics - 1)
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        rows = np.repeat(np.arange(n_topics), k)
        extra = sparse.coo_matrix((np.clip(sims[rows, near.ravel()], 1e-6, None) * 1e-3, (rows, near.ravel())),
                                  shape=(n_topics, n_topics)).tocsr()
        link = (link + extra + extra.T).tocsr()
    upper = sparse.triu(link, k=1).tocoo()
    themes, _ = consensus_partition(n_topics, upper.row.astype(np.int64), upper.col.astype(np.int64),
                                    upper.data.astype(np.float64), random_state, members,
                                    node_weights=None)
    themes = by_size(themes)
    while themes.max() + 1 > max_themes:  # merge the pair of themes with the strongest link per document
        k = themes.max() + 1
        onehot = sparse.csr_matrix((np.ones(n_topics), (np.arange(n_topics), themes)), shape=(n_topics, k))
        between_themes = (onehot.T @ link @ onehot).toarray()
        size = np.bincount(themes, weights=sizes, minlength=k)
        np.fill_diagonal(between_themes, -1)
        score = between_themes / np.sqrt(np.outer(size, size))
        i, j = np.unravel_index(np.argmax(score), score.shape)
        themes = by_size(np.where(themes == max(i, j), min(i, j), themes))
    return themes


def _components(link: sparse.csr_matrix) -> np.ndarray:
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(link, directed=False)
    return np.unique(labels)
