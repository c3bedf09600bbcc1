"""Run parameters: the one place where their names, defaults, types and limits live.

The notebook's ``parameters`` cell, the CLI and the tests all go through
:func:`validate`. A test checks that the notebook's parameters cell declares
exactly these names with exactly these defaults.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

DOC_UNITS = ("paragraph", "article", "sentence")
# "auto" is UMAP at every size: PCA needs no JIT compilation, but on BBC subsets of 150-1,000 articles it gave
# lower NPMI and C_v and 3-10x the outliers (bench/results/reducer_quality.md); it stays available for quick looks.
REDUCERS = ("auto", "umap", "pca")
OUTLIER_STRATEGIES = ("none", "c-tf-idf", "embeddings", "distributions")
PACKAGED_MODEL = "all-MiniLM-L6-v2"


class ParameterError(ValueError):
    """A parameter has a wrong name, type or value. The message names it and what is accepted."""


@dataclass(frozen=True)
class Params:
    corpus: str = "seeds"
    output_dir: str = ""
    run_name: str = ""
    doc_unit: str = "paragraph"
    embedding_model: str = PACKAGED_MODEL
    min_topic_size: int | None = None
    nr_topics: int | str | None = None
    random_state: int = 42
    ensemble: int = 75
    top_n_words: int = 10
    reducer: str = "auto"
    clean: bool = True
    min_words: int = 8
    baselines: bool | None = None
    stability_runs: int = 3
    seed_topics: tuple[tuple[str, ...], ...] | None = None
    zeroshot_topics: tuple[str, ...] | None = None
    zeroshot_min_similarity: float = 0.5
    outlier_strategy: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists, not tuples): what papermill, JSON and YAML take."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = [list(x) if isinstance(x, tuple) else x for x in v]
        return d


DEFAULTS = Params()
NAMES = tuple(f.name for f in fields(Params))

# One line of help per parameter: shown in errors, the CLI's --help and the README.
HELP = {
    "corpus": "folder of .txt/.md/.html articles, or a .csv/.jsonl/.parquet table with a text column",
    "output_dir": "folder to write this run into; empty = a new folder under outputs/runs/",
    "run_name": "short name added to the run id (letters, digits, '-', '_')",
    "doc_unit": "what one document is: " + ", ".join(DOC_UNITS),
    "embedding_model": f"'{PACKAGED_MODEL}' (packaged, offline), 'static' (a static table distilled once from it: "
    "far faster for large corpora, coarser), a local model folder, or a sentence-transformers name already on this "
    "machine",
    "min_topic_size": "smallest topic, in documents (>= 2); None = sized to the corpus",
    "nr_topics": "None = as found, 'auto' = merge similar topics, or an int >= 2 to reduce to",
    "random_state": "seed of the ensemble (int >= 0): the same seed gives the same topics, another one nearly the same",
    "ensemble": "UMAP + HDBSCAN fits whose consensus gives the topics (1..200; 1 = a single fit, seed-dependent)",
    "top_n_words": "words per topic, 3..30",
    "reducer": f"dimension reduction before clustering: {', '.join(REDUCERS)} (auto = umap; pca is faster, coarser)",
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
}
BASELINES_AUTO_MAX_DOCS = 20_000

_RUN_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _fail(name: str, value: Any, accepted: str) -> ParameterError:
    return ParameterError(f"parameter {name!r} = {value!r} is not valid: expected {accepted}.")


def _as_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            raise _fail(name, value, f"an integer ({HELP[name]})")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise _fail(name, value, f"an integer {rng} ({HELP[name]})")
    return value


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise _fail(name, value, "True or False")


def _as_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise _fail(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value.strip().lower()


def _as_str(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, Path)):
        raise _fail(name, value, f"a string ({HELP[name]})")
    return str(value)


def _parse_list(name: str, value: Any) -> Any:
    """Lists may come as Python lists or, from the command line, as JSON/YAML text."""
    if isinstance(value, str):
        import yaml

        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise _fail(name, value, f"a list ({HELP[name]})") from None
    return value


def _as_word_lists(name: str, value: Any) -> tuple[tuple[str, ...], ...] | None:
    if _none_like(value):
        return None
    value = _parse_list(name, value)
    if isinstance(value, dict):  # {"price": ["cheap", "cost"]}: the name is a seed word too
        value = [[k, *v] for k, v in value.items()]
    ok = (
        isinstance(value, (list, tuple))
        and value
        and all(
            isinstance(ws, (list, tuple)) and ws and all(isinstance(w, str) and w.strip() for w in ws) for ws in value
        )
    )
    if not ok:
        raise _fail(name, value, f"a non-empty list of non-empty lists of words ({HELP[name]})")
    return tuple(tuple(w.strip().lower() for w in ws) for ws in value)


def _as_names(name: str, value: Any) -> tuple[str, ...] | None:
    if _none_like(value):
        return None
    value = _parse_list(name, value)
    if not (isinstance(value, (list, tuple)) and value and all(isinstance(n, str) and n.strip() for n in value)):
        raise _fail(name, value, f"a non-empty list of topic names ({HELP[name]})")
    if len(set(value)) != len(value):
        raise _fail(name, value, "topic names without repeats")
    return tuple(n.strip() for n in value)


def _as_float(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise _fail(name, value, f"a number between {lo} and {hi}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise _fail(name, value, f"a number between {lo} and {hi}") from None
    if not lo <= f <= hi:
        raise _fail(name, value, f"a number between {lo} and {hi}")
    return f


def _none_like(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def _reject_unknown(values: dict[str, Any], names: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; the accepted names are: {', '.join(names)}."
        )


def validate(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> Params:
    """Check every given parameter and return a complete :class:`Params` (defaults for the rest).

    Args:
        values: parameter values by name; strings from the command line are typed ("5", "auto", "false").
        check_corpus: also check that the corpus path exists.

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
    _reject_unknown(values, NAMES)
    v = {**DEFAULTS.to_dict(), **values}

    out: dict[str, Any] = {}
    out["corpus"] = _as_str("corpus", v["corpus"])
    if not out["corpus"]:
        raise _fail("corpus", v["corpus"], "a path to a folder or table of articles")
    out["output_dir"] = _as_str("output_dir", v["output_dir"])
    out["run_name"] = _as_str("run_name", v["run_name"])
    if not set(out["run_name"]) <= _RUN_NAME_OK or len(out["run_name"]) > 60:
        raise _fail("run_name", v["run_name"], "at most 60 letters, digits, '-' or '_'")
    out["doc_unit"] = _as_choice("doc_unit", v["doc_unit"], DOC_UNITS)
    out["embedding_model"] = _as_str("embedding_model", v["embedding_model"]).strip()
    if not out["embedding_model"]:
        raise _fail("embedding_model", v["embedding_model"], HELP["embedding_model"])
    out["min_topic_size"] = (
        None if _none_like(v["min_topic_size"]) else _as_int("min_topic_size", v["min_topic_size"], 2, 100_000)
    )
    nt = v["nr_topics"]
    if _none_like(nt):
        out["nr_topics"] = None
    elif isinstance(nt, str) and nt.strip().lower() == "auto":
        out["nr_topics"] = "auto"
    else:
        try:
            out["nr_topics"] = _as_int("nr_topics", nt, 2, 10_000)
        except ParameterError:
            raise _fail("nr_topics", nt, HELP["nr_topics"]) from None
    out["random_state"] = _as_int("random_state", v["random_state"], 0, 2**32 - 1)
    out["ensemble"] = _as_int("ensemble", v["ensemble"], 1, 200)
    out["top_n_words"] = _as_int("top_n_words", v["top_n_words"], 3, 30)
    out["reducer"] = _as_choice("reducer", v["reducer"], REDUCERS)
    out["clean"] = _as_bool("clean", v["clean"])
    out["min_words"] = _as_int("min_words", v["min_words"], 0, 50)
    out["baselines"] = None if _none_like(v["baselines"]) else _as_bool("baselines", v["baselines"])
    out["stability_runs"] = _as_int("stability_runs", v["stability_runs"], 0, 20)
    out["seed_topics"] = _as_word_lists("seed_topics", v["seed_topics"])
    out["zeroshot_topics"] = _as_names("zeroshot_topics", v["zeroshot_topics"])
    out["zeroshot_min_similarity"] = _as_float("zeroshot_min_similarity", v["zeroshot_min_similarity"], 0.0, 1.0)
    out["outlier_strategy"] = _as_choice("outlier_strategy", v["outlier_strategy"], OUTLIER_STRATEGIES)

    params = Params(**out)
    if check_corpus and not Path(params.corpus).exists():
        raise ParameterError(
            f"parameter 'corpus' = {params.corpus!r}: no such file or folder (looked in {Path.cwd()}). "
            f"Pass a folder of .txt/.md/.html articles or a .csv/.jsonl/.parquet table."
        )
    return params


# Names that IPython and Jupyter put in a notebook's namespace on their own.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def from_namespace(namespace: dict[str, Any], *, check_corpus: bool = True) -> Params:
    """Validate the parameters a notebook holds after papermill injected its own.

    Every user-defined name in the namespace that is not a known parameter is
    reported, so a misspelt ``-p min_topic_sise 5`` stops the run instead of
    being silently ignored. Call it right after the parameters cell, before any import.
    """
    return validate(_user_names(namespace), check_corpus=check_corpus)


def _user_names(namespace: dict[str, Any]) -> dict[str, Any]:
    return {
        k: val
        for k, val in namespace.items()
        if not k.startswith("_") and k not in _KERNEL_NAMES and not callable(val) and not _is_module(val)
    }


def _is_module(value: Any) -> bool:
    return type(value).__name__ == "module"


def describe() -> str:
    """Plain-text table of every parameter, its default and what it accepts."""
    rows = [f"  {n} = {json.dumps(getattr(DEFAULTS, n))}\n      {HELP[n]}" for n in NAMES]
    return "Parameters:\n" + "\n".join(rows)


# --------------------------------------------------------------------------- the assign notebook


@dataclass(frozen=True)
class AssignParams:
    """Parameters of notebooks/assign.ipynb: label new articles with a saved run's model."""

    model_run: str = ""
    corpus: str = ""
    output_dir: str = ""
    run_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ASSIGN_DEFAULTS = AssignParams()
ASSIGN_NAMES = tuple(f.name for f in fields(AssignParams))
ASSIGN_HELP = {
    "model_run": "a finished run folder (outputs/runs/<run-id>) whose model/ labels the new articles",
    "corpus": HELP["corpus"],
    "output_dir": HELP["output_dir"],
    "run_name": HELP["run_name"],
}


def validate_assign(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> AssignParams:
    values = dict(values or {})
    _reject_unknown(values, ASSIGN_NAMES)
    v = {**ASSIGN_DEFAULTS.to_dict(), **values}
    out = {k: _as_str(k, v[k]) for k in ASSIGN_NAMES}
    base = validate(
        {"corpus": out["corpus"] or ".", "run_name": out["run_name"], "output_dir": out["output_dir"]},
        check_corpus=False,
    )
    if not out["corpus"]:
        raise ParameterError("parameter 'corpus' is empty: expected the new articles (a folder or a table).")
    if check_corpus:
        if not Path(out["corpus"]).exists():
            raise ParameterError(f"parameter 'corpus' = {out['corpus']!r}: no such file or folder.")
        model_dir = Path(out["model_run"]) / "model"
        if not out["model_run"] or not (model_dir / "topics.json").exists():
            raise ParameterError(
                f"parameter 'model_run' = {out['model_run']!r}: expected a finished run folder holding "
                f"model/topics.json ({ASSIGN_HELP['model_run']})."
            )
    return AssignParams(
        model_run=out["model_run"], corpus=out["corpus"], output_dir=base.output_dir, run_name=base.run_name
    )


def assign_from_namespace(namespace: dict[str, Any], *, check_corpus: bool = True) -> AssignParams:
    return validate_assign(_user_names(namespace), check_corpus=check_corpus)


# --------------------------------------------------------------------------- the compare notebook


@dataclass(frozen=True)
class CompareParams:
    """Parameters of notebooks/compare.ipynb: rank finished runs by their metrics."""

    runs: tuple[str, ...] = ()
    output_dir: str = ""
    run_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["runs"] = list(self.runs)
        return d


def validate_compare(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> CompareParams:
    values = dict(values or {})
    _reject_unknown(values, tuple(f.name for f in fields(CompareParams)))
    runs = _parse_list("runs", values.get("runs", ())) if "runs" in values else ()
    if not isinstance(runs, (list, tuple)) or not runs or not all(isinstance(r, str) for r in runs):
        raise ParameterError(f"parameter 'runs' = {runs!r} is not valid: expected a non-empty list of run folders.")
    if check_corpus:
        missing = [r for r in runs if not (Path(r) / "run.json").exists()]
        if missing:
            raise ParameterError(f"parameter 'runs': no run.json in {', '.join(missing)}.")
    base = validate(
        {"corpus": ".", "run_name": values.get("run_name", ""), "output_dir": values.get("output_dir", "")},
        check_corpus=False,
    )
    return CompareParams(runs=tuple(runs), output_dir=base.output_dir, run_name=base.run_name)


def compare_from_namespace(namespace: dict[str, Any], *, check_corpus: bool = True) -> CompareParams:
    return validate_compare(_user_names(namespace), check_corpus=check_corpus)


def grid(config: dict[str, Any]) -> list[Params]:
    """Every combination of a sweep file's ``grid`` over its ``base`` parameters, each validated.

    The file: ``{name: str, base: {param: value}, grid: {param: [values]}}``.
    """
    import itertools

    unknown = sorted(set(config) - {"name", "base", "grid"})
    if unknown:
        raise ParameterError(
            f"sweep file: unknown key(s) {', '.join(map(repr, unknown))}; expected name, base and grid."
        )
    base = dict(config.get("base") or {})
    axes = dict(config.get("grid") or {})
    if not axes or not all(isinstance(v, list) and v for v in axes.values()):
        raise ParameterError("sweep file: 'grid' must map parameter names to non-empty lists of values.")
    combos = []
    for values in itertools.product(*axes.values()):
        combos.append(validate({**base, **dict(zip(axes, values, strict=True))}))
    return combos
