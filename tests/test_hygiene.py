"""Notebooks carry no outputs; the .py twins match; conda and pip name the same pinned packages."""
import re
import subprocess
import sys
import tomllib

import nbformat
import yaml
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_committed_without_outputs():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
        assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1, path.name


def test_py_twins_match_the_notebooks(tmp_path):
    for path in NOTEBOOKS:
        twin = path.with_suffix(".py")
        assert twin.exists(), f"{twin.name} missing: run make sync"
        out = tmp_path / twin.name
        subprocess.run(
            [sys.executable, "-m", "jupytext", "--to", "py:percent", str(path), "-o", str(out)],
            check=True,
            capture_output=True,
        )
        assert out.read_text() == twin.read_text(), f"{path.name} and {twin.name} differ: run make sync"


def _pins_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pins = {}
    for d in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([\w.+-]+)", d)
        assert m, f"unpinned dependency in pyproject.toml: {d}"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for p in dep["pip"]:
                if p.startswith("-e"):
                    continue
                name, version = p.split("==")
                pins[name.lower()] = version
        elif dep not in ("pip",) and not dep.startswith("python="):
            name, version = dep.split("=")
            pins[name.lower()] = version
    assert pins == _pins_pyproject()
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_to_the_cpu_build():
    assert _pins_pyproject()["torch"] == "2.13.0"
