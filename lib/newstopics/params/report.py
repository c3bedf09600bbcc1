"""The report's parameters (``notebooks/topics.ipynb``): names, defaults, help lines and the check of each.

A test checks that the notebook's parameters cell declares exactly these names with exactly these defaults.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..paths import find_corpus
from .checks import (
    HELP,
    ParameterError,
    as_bool,
    as_choice,
    as_columns,
    as_float,
    as_int,
    as_names,
    as_run_name,
    as_str,
    as_word_lists,
    check_cluster,
    fail,
    none_like,
    reject_unknown,
)

DOC_UNITS = ("paragraph", "article", "sentence")
# The document map's reduction: "auto" is UMAP at every size; PCA needs no JIT compilation (a quick look).
REDUCERS = ("auto", "umap", "pca")
OUTLIER_STRATEGIES = ("none", "c-tf-idf", "embeddings", "distributions")
LANGUAGE_CHOICES = ("keep", "drop")
PACKAGED_MODEL = "all-MiniLM-L6-v2"
BASELINES_AUTO_MAX_DOCS = 20_000


@dataclass(frozen=True)
class Params:
    """The report's parameters, validated (see :func:`validate` and ``newstopics params``)."""

    corpus: str = "seeds"
    output_dir: str = ""
    run_name: str = ""
    doc_unit: str = "paragraph"
    embedding_model: str = PACKAGED_MODEL
    other_languages: str = "keep"
    min_topic_size: int | None = None
    nr_topics: int | str | None = None
    random_state: int = 42
    ensemble: int = 30
    top_n_words: int = 10
    reducer: str = "auto"
    clean: bool = True
    min_words: int = 8
    baselines: bool | None = None
    stability_runs: int = 2
    seed_topics: tuple[tuple[str, ...], ...] | None = None
    zeroshot_topics: tuple[str, ...] | None = None
    zeroshot_min_similarity: float = 0.5
    outlier_strategy: str = "none"
    compare_by: tuple[str, ...] | None = None
    cluster: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists, not tuples): what papermill, JSON and YAML take."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = [list(x) if isinstance(x, tuple) else x for x in v]
        return d


def as_cluster(value: Any) -> str:
    """A ``cluster`` value (see :mod:`newstopics.cluster`)."""
    try:
        return check_cluster(as_str("cluster", value))
    except ValueError as exc:
        raise fail("cluster", value, str(exc)) from None


DEFAULTS = Params()
NAMES = tuple(f.name for f in fields(Params))

HELP.update({
    "corpus": "folder of .txt/.md/.html articles, or a .csv/.jsonl/.parquet table with a text column "
              "(relative to the working directory, then the project; 'seeds' = the project's seed articles)",
    "output_dir": "folder to write this run into; empty = a new folder under the runs folder "
                  "($NEWSTOPICS_RUNS_DIR, else the project's outputs/runs)",
    "run_name": "short name added to the run id (letters, digits, '-', '_')",
    "doc_unit": "what one document is: " + ", ".join(DOC_UNITS),
    "embedding_model": f"'{PACKAGED_MODEL}' (packaged, offline, English), 'static' (a static table distilled once from "
                       "it: far faster for large corpora, coarser), a local model folder, or a sentence-transformers "
                       "name already on this machine",
    "cluster": "where a large corpus is read and embedded: empty = in-process; local:N = N Dask worker "
               "processes on this machine; tcp://host:port = a running Dask scheduler (SLURM/PBS via dask-jobqueue, "
               "Kubernetes via dask-kubernetes)",
    "other_languages": "articles not in the embedding model's language (English for the packaged model): "
                       "'keep' them (the report says which) or 'drop' them",
    "min_topic_size": "smallest topic, in documents (>= 2); None = sized to the corpus",
    "nr_topics": "None = as found, 'auto' = merge similar topics, or an int >= 2 to reduce to",
    "random_state": "seed of the ensemble (int >= 0): the same seed gives the same topics, another one nearly the same",
    "ensemble": "Leiden partitions of the documents' neighbour graph whose consensus gives the topics "
                "(1..200; 1 = a single partition, seed-dependent)",
    "top_n_words": "words per topic, 3..30",
    "reducer": f"the document map's reduction to two dimensions: {', '.join(REDUCERS)} (auto = umap; pca is faster)",
    "clean": "remove boilerplate lines (audited in cleaning.csv)",
    "min_words": "documents shorter than this many words are merged into a neighbour (0..50)",
    "baselines": "fit LDA and NMF with as many topics, for comparison; "
                 "None = when the corpus has at most 20,000 documents",
    "stability_runs": "refits on 90% resamples with other seeds, to tell stable topics from chance (0..20; 0 = off)",
    "seed_topics": 'guided modeling: a list of word lists, e.g. [["price", "cheap"], ["chips", "export"]]; '
                   "None = unguided",
    "zeroshot_topics": 'named topics documents are matched to first, e.g. ["AI chips and export controls"]; '
                       "None = none",
    "zeroshot_min_similarity": "cosine similarity a document needs to join a named topic (0..1)",
    "outlier_strategy": "reassign outlier documents: " + ", ".join(OUTLIER_STRATEGIES),
    "compare_by": "document columns to compare the topics by: a name ('author'), a list (['source', 'section']; any "
                  "column of a table or manifest), [] for none; None = 'source' when it has 2+ values, else 'author' "
                  "when it has 2+, else none",
})


def check_corpus_path(value: str) -> str:
    """The corpus as an absolute path, found where :func:`~newstopics.paths.find_corpus` looks; else a clear error."""
    found, looked = find_corpus(value)
    if found is None:
        raise ParameterError(
            f"parameter 'corpus' = {value!r}: no such file or folder (looked in {', '.join(looked)}). "
            f"Pass a folder of .txt/.md/.html articles or a .csv/.jsonl/.parquet table.")
    return str(found)


def validate(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> Params:
    """Check every given parameter and return a complete :class:`Params` (defaults for the rest).

    Args:
        values: parameter values by name; strings from the command line are typed ("5", "auto", "false").
        check_corpus: also find the corpus (relative paths: the working directory first, then the project) and
            record it as an absolute path.

    Returns:
        The validated :class:`Params`.

    Raises:
        ParameterError: an unknown name, a wrong type or an out-of-range value; the message names the parameter
            and what it accepts.

    Example:
        >>> validate({"corpus": "seeds", "min_topic_size": "5"}).min_topic_size  # doctest: +SKIP
        5
    """
    values = dict(values or {})
    reject_unknown(values, NAMES)
    v = {**DEFAULTS.to_dict(), **values}
    out: dict[str, Any] = {"corpus": as_str("corpus", v["corpus"]), "output_dir": as_str("output_dir", v["output_dir"]),
                           "run_name": as_run_name(v["run_name"])}
    if not out["corpus"]:
        raise fail("corpus", v["corpus"], "a path to a folder or table of articles")
    out["doc_unit"] = as_choice("doc_unit", v["doc_unit"], DOC_UNITS)
    out["embedding_model"] = as_str("embedding_model", v["embedding_model"]).strip()
    if not out["embedding_model"]:
        raise fail("embedding_model", v["embedding_model"], HELP["embedding_model"])
    out["other_languages"] = as_choice("other_languages", v["other_languages"], LANGUAGE_CHOICES)
    out["cluster"] = as_cluster(v["cluster"])
    out.update(_model_settings(v))
    if check_corpus:
        out["corpus"] = check_corpus_path(out["corpus"])
    return Params(**out)


def _model_settings(v: dict[str, Any]) -> dict[str, Any]:
    """The checks of the topic model's parameters."""
    out: dict[str, Any] = {}
    out["min_topic_size"] = None if none_like(v["min_topic_size"]) else as_int("min_topic_size", v["min_topic_size"],
                                                                               2, 100_000)
    nt = v["nr_topics"]
    if none_like(nt):
        out["nr_topics"] = None
    elif isinstance(nt, str) and nt.strip().lower() == "auto":
        out["nr_topics"] = "auto"
    else:
        try:
            out["nr_topics"] = as_int("nr_topics", nt, 2, 10_000)
        except ParameterError:
            raise fail("nr_topics", nt, HELP["nr_topics"]) from None
    out["random_state"] = as_int("random_state", v["random_state"], 0, 2**32 - 1)
    out["ensemble"] = as_int("ensemble", v["ensemble"], 1, 200)
    out["top_n_words"] = as_int("top_n_words", v["top_n_words"], 3, 30)
    out["reducer"] = as_choice("reducer", v["reducer"], REDUCERS)
    out["clean"] = as_bool("clean", v["clean"])
    out["min_words"] = as_int("min_words", v["min_words"], 0, 50)
    out["baselines"] = None if none_like(v["baselines"]) else as_bool("baselines", v["baselines"])
    out["stability_runs"] = as_int("stability_runs", v["stability_runs"], 0, 20)
    out["seed_topics"] = as_word_lists("seed_topics", v["seed_topics"])
    out["zeroshot_topics"] = as_names("zeroshot_topics", v["zeroshot_topics"])
    out["zeroshot_min_similarity"] = as_float("zeroshot_min_similarity", v["zeroshot_min_similarity"], 0.0, 1.0)
    out["outlier_strategy"] = as_choice("outlier_strategy", v["outlier_strategy"], OUTLIER_STRATEGIES)
    out["compare_by"] = as_columns("compare_by", v["compare_by"])
    return out


def describe() -> str:
    """Plain-text table of every parameter, its default and what it accepts."""
    rows = [f"  {n} = {json.dumps(getattr(DEFAULTS, n))}\n      {HELP[n]}" for n in NAMES]
    return "Parameters:\n" + "\n".join(rows)


def grid(config: dict[str, Any]) -> list[Params]:
    """Every combination of a sweep file's ``grid`` over its ``base`` parameters, each validated.

    The file: ``{name: str, base: {param: value}, grid: {param: [values]}}``.
    """
    unknown = sorted(set(config) - {"name", "base", "grid"})
    if unknown:
        raise ParameterError(f"sweep file: unknown key(s) {', '.join(map(repr, unknown))}; "
                             "expected name, base and grid.")
    base = dict(config.get("base") or {})
    axes = dict(config.get("grid") or {})
    if not axes or not all(isinstance(v, list) and v for v in axes.values()):
        raise ParameterError("sweep file: 'grid' must map parameter names to non-empty lists of values.")
    combos = [validate({**base, **dict(zip(axes, values, strict=True))})
              for values in itertools.product(*axes.values())]
    if len({c.cluster for c in combos}) > 1:
        raise ParameterError("sweep file: one cluster serves a whole sweep (its runs are tasks on its workers); set "
                             "cluster in 'base', not in 'grid'.")
    return combos
