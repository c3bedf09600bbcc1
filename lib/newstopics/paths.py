"""Where things live on disk: the user cache folder (embeddings, compiled code, distilled models).

Safe to delete at any time; the next run rebuilds what it needs.
"""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder: ``$NEWSTOPICS_CACHE_DIR``, else ``newstopics`` under the user cache folder."""
    root = os.environ.get("NEWSTOPICS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newstopics")
    return Path(root)


RUNS_DIR = Path("outputs") / "runs"
SWEEPS_DIR = Path("outputs") / "sweeps"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def notebook(name: str) -> Path:
    """A notebook of the project by name (``topics``, ``assign``, ``compare``)."""
    return NOTEBOOKS / f"{name}.ipynb"
