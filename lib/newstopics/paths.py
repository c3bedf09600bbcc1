"""Where things live, wherever the kernel or the shell stands: the corpus, the runs folder, the notebooks, the cache.

A JupyterLab kernel starts in ``notebooks/``, papermill's in the caller's folder, an installed package anywhere; so
nothing here depends on the working directory except a user's own relative paths, which are theirs:

* the **project** is the checkout this package runs from (``pyproject.toml`` naming newstopics, beside ``seeds/``
  and ``notebooks/``); an installed package (``pip install .``) has none, and carries its notebooks, templates and
  the seed articles inside it instead;
* a **corpus** path is taken relative to the working directory first, then to the project; the default, ``seeds``,
  is the project's seed articles (or the packaged copy);
* **runs** go to ``$NEWSTOPICS_RUNS_DIR`` when set, else the project's ``outputs/runs/``, else ``outputs/runs/``
  under the working directory;
* the **cache** is ``$NEWSTOPICS_CACHE_DIR``, else ``newstopics`` under the user cache folder. Safe to delete.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DEFAULT_CORPUS = "seeds"
RUNS_ENV = "NEWSTOPICS_RUNS_DIR"


def cache_dir() -> Path:
    """The cache folder: ``$NEWSTOPICS_CACHE_DIR``, else ``newstopics`` under the user cache folder."""
    root = os.environ.get("NEWSTOPICS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newstopics")
    return Path(root)


@lru_cache(maxsize=1)
def project_root() -> Path | None:
    """The project checkout this package runs from, or None for an installed package."""
    candidate = PACKAGE.parents[1]
    manifest = candidate / "pyproject.toml"
    if manifest.is_file() and (candidate / "notebooks").is_dir() and 'name = "newstopics"' in manifest.read_text():
        return candidate
    return None


def notebooks_dir() -> Path:
    """The report's notebooks: the project's ``notebooks/``, or the copy an installed package carries."""
    root = project_root()
    return root / "notebooks" if root is not None else PACKAGE / "notebooks"


def notebook(name: str) -> Path:
    """A notebook by name: ``topics`` (the report), ``assign``, ``compare``, ``curate``."""
    return notebooks_dir() / f"{name}.ipynb"


def seeds_dir() -> Path:
    """The seed articles: the project's ``seeds/``, or the copy an installed package carries."""
    root = project_root()
    return root / "seeds" if root is not None else PACKAGE / "seeds"


def runs_dir() -> Path:
    """Where run folders go: ``$NEWSTOPICS_RUNS_DIR``, the project's ``outputs/runs``, or ``./outputs/runs``."""
    if os.environ.get(RUNS_ENV):
        return Path(os.environ[RUNS_ENV]).expanduser()
    root = project_root()
    return (root if root is not None else Path.cwd()) / "outputs" / "runs"


def sweeps_dir() -> Path:
    """Where sweep comparison pages go: ``sweeps/`` beside the runs folder."""
    return runs_dir().parent / "sweeps"


def find_corpus(value: str) -> tuple[Path | None, list[str]]:
    """A corpus path as the user meant it, and the places looked in.

    Relative paths are tried against the working directory first, then the project; ``seeds`` alone is the
    project's seed articles (the packaged copy outside a checkout).

    Example:
        >>> find_corpus("seeds")[0].name   # from any folder  # doctest: +SKIP
        'seeds'
    """
    path = Path(value).expanduser()
    looked = [str(path.resolve())]
    if path.exists():
        return path.resolve(), looked
    if not path.is_absolute():
        root = project_root()
        if root is not None:
            looked.append(str(root / path))
            if (root / path).exists():
                return (root / path).resolve(), looked
        if value.strip("/") == DEFAULT_CORPUS:
            looked.append(str(seeds_dir()))
            if seeds_dir().is_dir():
                return seeds_dir(), looked
    return None, looked


def find_run(value: str | Path) -> tuple[Path | None, list[str]]:
    """A run folder as the user meant it, and the places looked in: the path as given (from the working directory),
    then from the project, then a run id (or path) under the runs folder. A JupyterLab kernel stands in
    ``notebooks/``, so ``outputs/runs/<id>`` is found there too.

    Example:
        >>> find_run("20261123-093012-seeds-3fa2")[0]   # a bare run id  # doctest: +SKIP
    """
    path = Path(value).expanduser()
    candidates = [path]
    if not path.is_absolute():
        root = project_root()
        if root is not None:
            candidates.append(root / path)
        candidates.append(runs_dir() / path)
        candidates.append(runs_dir() / path.name)
    looked = []
    for candidate in candidates:
        looked.append(str(candidate.resolve()))
        if (candidate / "run.json").is_file():
            return candidate.resolve(), looked
    return None, looked
