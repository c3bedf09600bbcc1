"""Command line: ``newstopics report | assign | sweep | render | params``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import params


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
    rep.add_argument("--runs-dir", default=None, help="where run folders go (default outputs/runs)")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    asg = sub.add_parser("assign", help="label new articles with the model of a finished run (offline)")
    asg.add_argument("--run", required=True, help="the run folder whose model/ to use")
    asg.add_argument("--corpus", required=True, help="the new articles: a folder or a table")
    asg.add_argument("--runs-dir", default=None, help="where run folders go (default outputs/runs)")
    asg.add_argument("--quiet", action="store_true", help="no progress bar")
    swp = sub.add_parser("sweep", help="run every combination of a YAML grid (2 at a time), then a comparison page")
    swp.add_argument("config", help="sweep file: {name, base: {param: value}, grid: {param: [values]}}")
    swp.add_argument("--workers", type=int, default=2, help="runs at once (default 2)")
    swp.add_argument("--runs-dir", default=None, help="where run folders go (default outputs/runs)")
    ren = sub.add_parser("render", help="render an executed notebook (or a run folder) to an offline HTML report")
    ren.add_argument("path")
    sub.add_parser("params", help="list the parameters, their defaults and accepted values")
    return parser


def _render(args) -> int:
    from .runs import EXECUTED_NOTEBOOK, REPORT, render_html

    src = Path(args.path)
    nb = src / EXECUTED_NOTEBOOK if src.is_dir() else src
    print(render_html(nb, (src if src.is_dir() else src.parent) / REPORT))
    return 0


def _sweep(args) -> int:
    from .paths import RUNS_DIR
    from .runs import sweep

    folder = sweep(
        yaml.safe_load(Path(args.config).read_text()), runs_dir=args.runs_dir or RUNS_DIR, workers=args.workers
    )
    print(f"comparison: {folder / 'report.html'}")
    return 0


def _run(args) -> int:
    from .paths import RUNS_DIR, notebook
    from .runs import execute

    if args.command == "assign":
        values = {"model_run": args.run, "corpus": args.corpus}
        extra = {"notebook": notebook("assign"), "validate": params.validate_assign}
    else:
        values, extra = _parse_pairs(args.param), {}
        if args.corpus is not None:
            values["corpus"] = args.corpus
    folder = execute(values, runs_dir=args.runs_dir or RUNS_DIR, progress=not args.quiet, **extra)
    print(f"report: {folder / 'report.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit status 0 on success, 1 when a run failed, 2 for a bad parameter."""
    args = _parser().parse_args(argv)
    commands = {
        "params": lambda _: print(params.describe()) or 0,
        "render": _render,
        "sweep": _sweep,
        "report": _run,
        "assign": _run,
    }
    from .runs import RunError

    try:
        return commands[args.command](args)
    except RunError as exc:
        print(f"newstopics: {exc}", file=sys.stderr)
        return 1
    except params.ParameterError as exc:
        print(f"newstopics: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
