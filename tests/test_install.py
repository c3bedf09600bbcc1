"""The package as a package: a wheel (not an editable install) in a fresh venv runs a report from any folder.

The wheel is built from a copy of the project's sources, offline and without build isolation; the fresh venv
reaches the already-installed dependencies through a .pth line and their data files through JUPYTER_PATH (nothing
is downloaded), while newstopics itself comes from the wheel alone: its notebooks, templates and seed articles are
package data.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from newstopics import runs

pytestmark = [pytest.mark.slow, pytest.mark.e2e]  # a wheel, a fresh venv and a report: the full tier


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_wheel_in_a_fresh_venv_runs_a_report_from_a_temporary_folder(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("lib", "notebooks", "seeds"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(tmp_path / "dist"), str(source)])
    (wheel,) = (tmp_path / "dist").glob("newstopics-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # the dependencies, already here
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])

    work = tmp_path / "elsewhere"
    (work / "articles").mkdir(parents=True)
    for name in ("000_a1bbf47d87e3effc.txt", "001_9b69ef394eaf3add.txt", "004_cf8bdfc681ce0cf9.txt"):
        shutil.copy(SEEDS / name, work / "articles" / name)
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSTOPICS_RUNS_DIR", "PYTHONPATH")}
    # the data files the dependencies install beside site-packages (nbconvert's base templates), which a full
    # `pip install` would put into the fresh venv: reached where they are, like the packages themselves
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = _run([str(python), "-c", "import newstopics, newstopics.paths as p; print(newstopics.__file__); "
                  "print(p.project_root()); print(p.notebook('topics')); print(p.seeds_dir())"], cwd=work, env=env)
    package, project, notebook, seeds = where.stdout.split()
    assert package.startswith(str(venv)) and project == "None"  # the wheel's copy, not the checkout
    assert Path(notebook).is_file() and Path(notebook).is_relative_to(venv)
    assert sorted(p.name for p in Path(seeds).iterdir()) == sorted(p.name for p in SEEDS.iterdir())

    _run([str(venv / "bin" / "newstopics"), "report", "--quiet", "--corpus", "articles", "-p", "reducer=pca",
          "-p", "stability_runs=0", "-p", "baselines=false"], cwd=work, env=env)
    (run,) = (work / "outputs" / "runs").iterdir()
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "succeeded" and meta["params"]["corpus"] == str(work / "articles")
    html = (run / "report.html").read_text()
    assert "js-plotly-plot" in html and runs.external_references(html) == []
