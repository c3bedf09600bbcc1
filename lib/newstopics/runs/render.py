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
