"""Command line: ``newstopics report``, ``newstopics render``, ``newstopics params``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import params as P


def _parse_pairs(pairs: list[str]) -> dict:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise P.ParameterError(f"-p expects name=value, got {pair!r}")
        name, raw = pair.split("=", 1)
        try:
            values[name.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            values[name.strip()] = raw
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newstopics", description="Topic reports on news articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run the topic notebook on a corpus and render its HTML report",
                         epilog=P.describe(), formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("--corpus", default=None, help=f"corpus path (default {P.DEFAULTS.corpus!r})")
    rep.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (repeatable)")
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
    args = parser.parse_args(argv)

    try:
        if args.command == "params":
            print(P.describe())
            return 0
        if args.command == "render":
            from .report import render_html
            from .runs import EXECUTED_NOTEBOOK, REPORT

            src = Path(args.path)
            nb = src / EXECUTED_NOTEBOOK if src.is_dir() else src
            html = render_html(nb, (src if src.is_dir() else src.parent) / REPORT)
            print(html)
            return 0
        from .runs import ASSIGN_NOTEBOOK, RUNS_DIR, RunError, execute

        if args.command == "sweep":
            from .runs import sweep

            config = yaml.safe_load(Path(args.config).read_text())
            try:
                folder = sweep(config, runs_dir=args.runs_dir or RUNS_DIR, workers=args.workers)
            except RunError as exc:
                print(f"newstopics: {exc}", file=sys.stderr)
                return 1
            print(f"comparison: {folder / 'report.html'}")
            return 0
        if args.command == "assign":
            values, extra = {"model_run": args.run, "corpus": args.corpus}, {"notebook": ASSIGN_NOTEBOOK, "validate": P.validate_assign}
        else:
            values, extra = _parse_pairs(args.param), {}
            if args.corpus is not None:
                values["corpus"] = args.corpus
        try:
            folder = execute(values, runs_dir=args.runs_dir or RUNS_DIR, progress=not args.quiet, **extra)
        except RunError as exc:
            print(f"newstopics: {exc}", file=sys.stderr)
            return 1
        print(f"report: {folder / 'report.html'}")
        return 0
    except P.ParameterError as exc:
        print(f"newstopics: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
