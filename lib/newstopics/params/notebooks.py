"""The parameters of the other notebooks: ``assign`` (new articles, a saved model), ``compare`` (runs side by side),
``curate`` (a finished run's topics merged, renamed or dropped)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ..paths import find_run
from .checks import HELP, ParameterError, as_run_name, as_str, none_like, parse_list, reject_unknown
from .report import as_cluster, check_corpus_path

HELP.update({
    "model_run": "a finished run folder (outputs/runs/<run-id>) whose model/ labels the new articles",
    "runs": "run folders to compare",
    "run": "a finished run folder (outputs/runs/<run-id>) whose topics to curate; it is never changed",
    "merge": "groups of topic ids to merge, e.g. [[1, 4], [2, 7]]; None = no merges",
    "rename": 'new labels by topic id, e.g. {3: "Export controls"} (an id of a merged group names the merged topic)',
    "drop": "topic ids whose documents become outliers, e.g. [5]; None = none",
})


def _folder(name: str, value: str, needs: str, what: str) -> str:
    """A run folder (a path from the working directory or the project, or a run id) that holds ``needs``."""
    folder, looked = find_run(value) if value else (None, [])
    if folder is None or not (folder / needs).exists():
        where = f" (looked in {', '.join(dict.fromkeys(looked))})" if looked else ""
        raise ParameterError(f"parameter {name!r} = {value!r}: expected {what} holding {needs}{where}; "
                             "`newstopics runs` lists the runs.")
    return str(folder)


@dataclass(frozen=True)
class AssignParams:
    """Parameters of notebooks/assign.ipynb: label new articles with a saved run's model."""

    model_run: str = ""
    corpus: str = ""
    output_dir: str = ""
    run_name: str = ""
    cluster: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ASSIGN_NAMES = tuple(f.name for f in fields(AssignParams))


def validate_assign(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> AssignParams:
    """Check the assign notebook's parameters (see :class:`AssignParams`)."""
    values = dict(values or {})
    reject_unknown(values, ASSIGN_NAMES)
    v = {**AssignParams().to_dict(), **values}
    out = {k: as_str(k, v[k]) for k in ASSIGN_NAMES}
    out["run_name"] = as_run_name(out["run_name"])
    out["cluster"] = as_cluster(out["cluster"])
    if not out["corpus"]:
        raise ParameterError("parameter 'corpus' is empty: expected the new articles (a folder or a table).")
    if check_corpus:
        out["corpus"] = check_corpus_path(out["corpus"])
        out["model_run"] = _folder("model_run", out["model_run"], "model/topics.json", "a finished run folder")
    return AssignParams(**out)


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


COMPARE_NAMES = tuple(f.name for f in fields(CompareParams))


def validate_compare(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> CompareParams:
    """Check the compare notebook's parameters (see :class:`CompareParams`)."""
    values = dict(values or {})
    reject_unknown(values, COMPARE_NAMES)
    runs = parse_list("runs", values.get("runs")) if "runs" in values else ()
    if not isinstance(runs, (list, tuple)) or not runs or not all(isinstance(r, str) for r in runs):
        raise ParameterError(f"parameter 'runs' = {runs!r} is not valid: expected a non-empty list of run folders.")
    if check_corpus:
        runs = [_folder("runs", r, "run.json", "run folders") for r in runs]
    return CompareParams(runs=tuple(runs), output_dir=as_str("output_dir", values.get("output_dir", "")),
                         run_name=as_run_name(values.get("run_name", "")))


@dataclass(frozen=True)
class CurateParams:
    """Parameters of notebooks/curate.ipynb: a finished run's topics merged, renamed or dropped, as a new run."""

    run: str = ""
    merge: tuple[tuple[int, ...], ...] | None = None
    rename: tuple[tuple[int, str], ...] | None = None
    drop: tuple[int, ...] | None = None
    output_dir: str = ""
    run_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "merge": [list(g) for g in self.merge] if self.merge else None,
                "rename": {str(t): label for t, label in self.rename} if self.rename else None,
                "drop": list(self.drop) if self.drop else None, "output_dir": self.output_dir,
                "run_name": self.run_name}


CURATE_NAMES = tuple(f.name for f in fields(CurateParams))


def _ids(name: str, value: Any) -> list[int]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, int) and not isinstance(t, bool) for t in value):
        raise ParameterError(f"parameter {name!r} = {value!r} is not valid: expected {HELP[name]}.")
    return [int(t) for t in value]


def validate_curate(values: dict[str, Any] | None = None, *, check_corpus: bool = True) -> CurateParams:
    """Check the curate notebook's parameters; with ``check_corpus``, also that every topic id is one of the run's."""
    values = dict(values or {})
    reject_unknown(values, CURATE_NAMES)
    v = {**CurateParams().to_dict(), **values}
    merge = None if none_like(v["merge"]) else [_ids("merge", g) for g in (parse_list("merge", v["merge"]) or [])]
    if merge is not None and (not merge or any(len(g) < 2 for g in merge)):
        raise ParameterError(f"parameter 'merge' = {v['merge']!r} is not valid: expected {HELP['merge']}.")
    rename = None if none_like(v["rename"]) else parse_list("rename", v["rename"])
    if rename is not None:
        if not isinstance(rename, dict) or not all(isinstance(x, str) and x.strip() for x in rename.values()):
            raise ParameterError(f"parameter 'rename' = {v['rename']!r} is not valid: expected {HELP['rename']}.")
        try:
            rename = {int(t): label.strip() for t, label in rename.items()}
        except (TypeError, ValueError):
            raise ParameterError(f"parameter 'rename': topic ids must be integers, got {list(rename)}.") from None
    drop = None if none_like(v["drop"]) else _ids("drop", parse_list("drop", v["drop"]))
    flat = [t for g in merge or [] for t in g]
    if len(flat) != len(set(flat)) or set(flat) & set(drop or []):
        raise ParameterError("parameters 'merge' and 'drop': a topic may be merged once, and not merged and dropped.")
    run = as_str("run", v["run"])
    if check_corpus:
        run = _folder("run", run, "model/topics.json", "a finished run folder")
        _check_topic_ids(run, set(flat) | set(rename or {}) | set(drop or []))
    return CurateParams(run=run, merge=tuple(tuple(g) for g in merge) if merge else None,
                        rename=tuple(sorted(rename.items())) if rename else None, drop=tuple(drop) if drop else None,
                        output_dir=as_str("output_dir", v["output_dir"]), run_name=as_run_name(v["run_name"]))


def _check_topic_ids(run: str, ids: set[int]) -> None:
    import csv

    with open(Path(run) / "topics.csv", newline="", encoding="utf-8") as fh:
        known = {int(row["topic"]) for row in csv.DictReader(fh)} - {-1}
    unknown = sorted(ids - known)
    if unknown:
        raise ParameterError(f"topic id(s) {unknown} are not topics of run {Path(run).name}; its topics are "
                             f"{sorted(known)} (see its topics.csv).")
