"""Render an executed notebook into one self-contained HTML report that opens offline."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import speedups

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Anything the page would fetch over the network: script/link/img sources and ES module imports.
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//|import\(\s*["'](?:https?:)?//""",
    re.I,
)


@lru_cache(maxsize=1)
def _exporter():
    """One exporter per process, so its compiled template is reused."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def prepare_render() -> None:
    """Import nbconvert and load the report template ahead of time (the run calls this while the kernel works)."""
    speedups.hide_notebook_extras()
    from plotly.offline import get_plotlyjs

    _exporter().environment.get_template("index.html.j2")
    get_plotlyjs()


def render_html(notebook: str | Path, html_path: str | Path) -> Path:
    """Write the report: no code cells, no input prompts, plotly.js and every chart's script inline."""
    speedups.hide_notebook_extras()
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    resources = {}
    if any(PLOTLY_MIME in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])):
        from plotly.offline import get_plotlyjs

        resources["plotlyjs"] = get_plotlyjs()  # once, in the page head: the figures' own HTML does not carry it
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    links = external_references(body)
    if links:
        raise RuntimeError(f"report would load {len(links)} resource(s) from the network, e.g. {links[0]!r}")
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def external_references(html: str) -> list[str]:
    """Tags or imports in ``html`` that would fetch something from the network."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def notebook_output_text(notebook: Path) -> str:
    """The text a notebook's cells showed (streams, displays, results), error outputs left out."""
    import json

    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    parts = []
    for output in (o for c in cells for o in c.get("outputs", []) if o.get("output_type") != "error"):
        if output.get("name") == "stderr":
            continue
        data = output.get("data", {})
        for value in [output.get("text", ""), *(data.get(m, "") for m in ("text/plain", "text/markdown", "text/html"))]:
            parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def render_run(folder: str | Path, notebook: str | Path | None = None) -> Path:
    """Render a run's report: ``folder/report.html`` from its executed notebook.

    A run made by ``newstopics report`` keeps its notebook in the folder; one made by papermill or JupyterLab may
    not. Given ``notebook``, that notebook is copied into the folder (as ``notebook.ipynb``) and rendered; without it,
    the folder's own notebook is used, or the one its run.json names.

    Raises:
        FileNotFoundError: no executed notebook is known; the message says what to pass.
        ValueError: the notebook is not this run's (its outputs never name the run's id: another run, or one that
            stopped before it opened this folder), so its report would not be this run's.
    """
    import shutil

    from .folder import EXECUTED_NOTEBOOK, REPORT, read_run_json, update_run_json

    folder = Path(folder).expanduser().resolve()
    meta = read_run_json(folder)
    if notebook is None:
        inside = [folder / EXECUTED_NOTEBOOK, *(Path(p) for p in [meta.get("notebook")] if p), *folder.glob("*.ipynb")]
        notebook = next((p for p in inside if p.is_file() and p.resolve().parent == folder), None)
        if notebook is None:
            named = f" (its run.json names {meta['notebook']})" if meta.get("notebook") else ""
            raise FileNotFoundError(
                f"no executed notebook in {folder}{named}; pass the notebook papermill wrote (or JupyterLab saved): "
                f"newstopics render {folder} --notebook path/to/executed.ipynb")
    notebook = Path(notebook).expanduser().resolve()
    run_id = meta.get("run_id") or folder.name
    if run_id not in notebook_output_text(notebook):
        raise ValueError(f"{notebook} is not the notebook of run {run_id}: its outputs never name that run (a notebook "
                         "of another run, or one that stopped before it opened this folder); nothing was rendered.")
    if notebook.parent != folder:
        shutil.copyfile(notebook, folder / EXECUTED_NOTEBOOK)
        notebook = folder / EXECUTED_NOTEBOOK
        if meta:
            update_run_json(folder, notebook=str(notebook))
    return render_html(notebook, folder / REPORT)
