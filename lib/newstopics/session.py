"""What kind of session runs this code: a batch run, or a researcher's JupyterLab kernel.

* **batch**: ``newstopics report`` (and sweeps) set ``NEWSTOPICS_BATCH=1`` in the kernels they start: no progress
  bars (they would only clutter the report), and the speed-ups that are safe only there (see ``speedups``);
* **interactive**: a kernel JupyterLab started (Jupyter Server gives its kernels ``JPY_SESSION_NAME``): progress
  bars draw as widgets. A plain papermill kernel is neither: it shows no progress bars and takes no batch-only
  speed-ups.
"""
from __future__ import annotations

import os


def batch_mode() -> bool:
    """True in a batch run (``newstopics report`` sets ``NEWSTOPICS_BATCH=1``), not in an interactive session."""
    return os.environ.get("NEWSTOPICS_BATCH") == "1"


def interactive() -> bool:
    """True in a kernel JupyterLab started, where progress bars draw as widgets."""
    return bool(os.environ.get("JPY_SESSION_NAME")) and not batch_mode()
