"""Command line: ``newstopics report | assign | curate | sweep | runs | render | params``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import params
from .paths import runs_dir

RUNS_HELP = "where run folders go (default: $NEWSTOPICS_RUNS_DIR, else the project's outputs/runs)"


def _parse_pairs(pairs: list[str]) -> dict:
    """``-p name=value`` pairs; values are read as YAML (numbers, booleans, lists), else kept as text."""
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise params.ParameterError(f"-p expects name=value, got {pair!r}")
        name, raw = pair.split("=", 1)
        try:
            values[name.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            values[name.strip()] = raw
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newstopics", description="Topic reports on news articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run the topic notebook on a corpus and render its HTML report",
                         epilog=params.describe(), formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("--corpus", default=None, help=f"corpus path (default {params.DEFAULTS.corpus!r})")
    rep.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (repeatable)"
    )
    rep.add_argument("--runs-dir", default=None, help=RUNS_HELP)
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    cur = sub.add_parser("curate", help="merge, rename or drop a finished run's topics, as a new run with its report")
    cur.add_argument("--run", required=True, help="the finished run folder (it is never changed)")
    cur.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                     help='merge=[[1,4]], rename={3: "Export controls"}, drop=[5] (repeatable)')
    cur.add_argument("--runs-dir", default=None, help=RUNS_HELP)
    cur.add_argument("--quiet", action="store_true", help="no progress bar")
    asg = sub.add_parser("assign", help="label new articles with the model of a finished run (offline)")
    asg.add_argument("--run", required=True, help="the run folder whose model/ to use")
    asg.add_argument("--corpus", required=True, help="the new articles: a folder or a table")
    asg.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                     help="run_name=..., cluster=local:2 (repeatable)")
    asg.add_argument("--runs-dir", default=None, help=RUNS_HELP)
    asg.add_argument("--quiet", action="store_true", help="no progress bar")
    swp = sub.add_parser("sweep", help="run every combination of a YAML grid (2 at a time), then a comparison page")
    swp.add_argument("config", help="sweep file: {name, base: {param: value}, grid: {param: [values]}}")
    swp.add_argument("--workers", type=int, default=2, help="runs at once (default 2)")
    swp.add_argument("--runs-dir", default=None, help=RUNS_HELP)
    lst = sub.add_parser("runs", help="list the runs with their status, corpus, topics and age")
    lst.add_argument("--runs-dir", default=None, help=RUNS_HELP)
    lst.add_argument("--all", action="store_true", help="every run, not only the 20 newest")
    ren = sub.add_parser("render", help="render a run's executed notebook to its offline HTML report")
    ren.add_argument("path", help="a run folder (or, on its own, an executed notebook)")
    ren.add_argument("--notebook", default=None, help="the executed notebook of that run, when it lies elsewhere "
                                                     "(papermill's output, a notebook saved from JupyterLab)")
    sub.add_parser("params", help="list the parameters, their defaults and accepted values")
    return parser


def _render(args) -> int:
    from .runs import REPORT, render_html, render_run

    src = Path(args.path)
    if src.is_dir():
        try:
            print(render_run(src, args.notebook))
        except ValueError as exc:  # not this run's notebook
            print(f"newstopics: {exc}", file=sys.stderr)
            return 2
    else:  # a notebook on its own: its report beside it
        print(render_html(src, src.parent / REPORT))
    return 0


def _list(args) -> int:
    import pandas as pd

    from .runs import list_runs

    table = list_runs(args.runs_dir)
    if table.empty:
        print(f"no runs in {args.runs_dir or runs_dir()}")
        return 0
    shown = table if args.all else table.head(20)
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(shown.drop(columns=["error", "parent_run"]).to_string(index=False))
    failed = shown[shown["status"].isin(["failed", "abandoned", "interrupted"])]
    for r in failed.itertuples():
        print(f"\n{r.run_id}: {r.status}" + (f": {r.error}" if r.error else " (its process is gone)"))
    return 0


def _sweep(args) -> int:
    from .runs import sweep

    folder = sweep(yaml.safe_load(Path(args.config).read_text()), runs_dir=args.runs_dir, workers=args.workers)
    print(f"comparison: {folder / 'report.html'}")
    return 0


def _run(args) -> int:
    from .paths import notebook
    from .runs import execute

    if args.command == "assign":
        values = {**_parse_pairs(args.param), "model_run": args.run, "corpus": args.corpus}
        extra = {"notebook": notebook("assign"), "validate": params.validate_assign}
    elif args.command == "curate":
        values = {**_parse_pairs(args.param), "run": args.run}
        extra = {"notebook": notebook("curate"), "validate": params.validate_curate}
    else:
        values, extra = _parse_pairs(args.param), {}
        if args.corpus is not None:
            values["corpus"] = args.corpus
    folder = execute(values, runs_dir=args.runs_dir, progress=not args.quiet, **extra)
    print(f"report: {folder / 'report.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit status 0 on success, 1 when a run failed, 2 for a bad parameter."""
    args = _parser().parse_args(argv)
    commands = {"params": lambda _: print(params.describe()) or 0, "render": _render, "sweep": _sweep, "runs": _list,
                "report": _run, "assign": _run, "curate": _run}
    from .runs import RunError

    try:
        return commands[args.command](args)
    except RunError as exc:
        print(f"newstopics: {exc}", file=sys.stderr)
        return 1
    except (params.ParameterError, FileNotFoundError) as exc:
        print(f"newstopics: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
