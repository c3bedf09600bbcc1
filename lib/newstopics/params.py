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
# "auto" picks by corpus size (see modeling.reducer_for); "umap" and "pca" force one.
REDUCERS = ("auto", "umap", "pca")
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
    top_n_words: int = 10
    reducer: str = "auto"
    clean: bool = True
    min_words: int = 8

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULTS = Params()
NAMES = tuple(f.name for f in fields(Params))

# One line of help per parameter: shown in errors, the CLI's --help and the README.
HELP = {
    "corpus": "folder of .txt/.md/.html articles, or a .csv/.jsonl/.parquet table with a text column",
    "output_dir": "folder to write this run into; empty = a new folder under outputs/runs/",
    "run_name": "short name added to the run id (letters, digits, '-', '_')",
    "doc_unit": "what one document is: " + ", ".join(DOC_UNITS),
    "embedding_model": f"'{PACKAGED_MODEL}' (packaged, offline), a local model folder, or a sentence-transformers name already on this machine",
    "min_topic_size": "smallest topic, in documents (>= 2); None = sized to the corpus",
    "nr_topics": "None = as found, 'auto' = merge similar topics, or an int >= 2 to reduce to",
    "random_state": "seed for UMAP/PCA (int >= 0); the same seed gives the same topics",
    "top_n_words": "words per topic, 3..30",
    "reducer": "dimension reduction before clustering: " + ", ".join(REDUCERS),
    "clean": "remove boilerplate lines (audited in cleaning.csv)",
    "min_words": "documents shorter than this many words are merged into a neighbour (0..50)",
}

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


def _none_like(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def validate(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> Params:
    """Check every given parameter and return a complete :class:`Params`.

    Unknown names, wrong types and out-of-range values raise :class:`ParameterError`
    with a message that names the parameter and the accepted values.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(NAMES))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; the accepted names are: {', '.join(NAMES)}."
        )
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
    out["min_topic_size"] = None if _none_like(v["min_topic_size"]) else _as_int("min_topic_size", v["min_topic_size"], 2, 100_000)
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
    out["top_n_words"] = _as_int("top_n_words", v["top_n_words"], 3, 30)
    out["reducer"] = _as_choice("reducer", v["reducer"], REDUCERS)
    out["clean"] = _as_bool("clean", v["clean"])
    out["min_words"] = _as_int("min_words", v["min_words"], 0, 50)

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
    user = {
        k: val
        for k, val in namespace.items()
        if not k.startswith("_") and k not in _KERNEL_NAMES and not callable(val) and not _is_module(val)
    }
    return validate(user, check_corpus=check_corpus)


def _is_module(value: Any) -> bool:
    return type(value).__name__ == "module"


def describe() -> str:
    """Plain-text table of every parameter, its default and what it accepts."""
    rows = [f"  {n} = {json.dumps(getattr(DEFAULTS, n))}\n      {HELP[n]}" for n in NAMES]
    return "Parameters:\n" + "\n".join(rows)
