"""How figures reach the reader: in JupyterLab, in the offline HTML report, and as standalone pages.

Every figure has a title, axis labels and a one-sentence reading guide (``fig.layout.meta["how_to_read"]``).
Text from articles goes through :func:`esc`, so markup in a corpus shows as text and never runs.
"""
from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from .. import speedups

RENDERER = "newstopics"


class OfflineRenderer:
    """Plotly renderer for notebooks that become offline reports.

    Each figure carries two forms: plotly's JSON mimetype, which JupyterLab draws
    interactively, and HTML, which nbconvert keeps. The HTML does not carry
    plotly.js: the report's template inlines it once in the page head (see
    ``report.render_html``), so the executed notebook stays small (papermill
    rewrites it after every cell) and the report draws every chart with no
    network. No MathJax or require.js is referenced (plotly's own notebook
    renderer links MathJax from a CDN, and its mimetype alone leaves nbconvert
    HTML empty).
    """

    def to_mimebundle(self, fig_dict: dict) -> dict:
        import json

        from plotly.io import to_html, to_json

        fig_dict = json.loads(to_json(fig_dict, validate=False))  # numpy arrays -> lists, for the JSON mimetype
        html_ = to_html(fig_dict, include_plotlyjs=False, include_mathjax=False, full_html=False,
                        default_width="100%", config={"displaylogo": False, "responsive": True})
        return {
            "application/vnd.plotly.v1+json": {
                "data": fig_dict.get("data", []),
                "layout": fig_dict.get("layout", {}),
                "config": {},
            },
            "text/html": html_,
        }

    def activate(self) -> None:
        pass


def setup_figures() -> None:
    """Make figures render in JupyterLab and, offline, in the HTML report."""
    if speedups.batch_mode():
        speedups.hide_notebook_extras()  # plotly's renderers import nbformat
    import plotly.io as pio
    from plotly.io.base_renderers import MimetypeRenderer

    class _Renderer(OfflineRenderer, MimetypeRenderer):
        pass

    pio.renderers[RENDERER] = _Renderer()
    pio.renderers.default = RENDERER
    pio.templates.default = "plotly_white"


def esc(text: object, width: int = 0) -> str:
    """Text for plotly labels and hover boxes: HTML-escaped, optionally wrapped with <br>."""
    s = html.escape(str(text), quote=True)
    if width:
        s = "<br>".join(textwrap.wrap(s, width)) or s
    return s


def guide(fig: go.Figure, how_to_read: str) -> go.Figure:
    margins = {k: v for k, v in {"t": 70, "l": 10, "r": 10, "b": 40}.items() if getattr(fig.layout.margin, k) is None}
    fig.update_layout(meta={"how_to_read": how_to_read}, margin=margins)
    return fig


def how_to_read(fig: go.Figure) -> str:
    return (fig.layout.meta or {}).get("how_to_read", "")


def empty_figure(title: str, why: str) -> go.Figure:
    fig = go.Figure()
    text = esc(why, 90)  # wrapped: one long line runs off both sides of the figure
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font_size=14)
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False,
                      height=max(220, 140 + 22 * (text.count("<br>") + 1)))
    return guide(fig, why)


def show(fig: go.Figure, folder=None, name: str | None = None, data: pd.DataFrame | None = None) -> None:
    """In a notebook: the figure's reading guide, the figure, and (given a folder) its standalone copy.

    Args:
        fig: a figure of this package (it carries its reading guide).
        folder: where to export it (``run.path("figures")``), or None.
        name: the exported file's name, without suffix.
        data: the figure's data, exported beside it as CSV.
    """
    from IPython.display import Markdown, display

    display(Markdown(how_to_read(fig)))
    fig.show()
    if folder is not None and name:
        export(fig, folder, name, data)


def export(fig: go.Figure, folder, name: str, data: pd.DataFrame | None = None) -> None:
    """Write a figure as standalone HTML (plotly.js once, beside it, so it opens offline) and its data as CSV."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig.write_html(folder / f"{name}.html", include_plotlyjs="directory", include_mathjax=False, full_html=True)
    if data is not None:
        data.to_csv(folder / f"{name}.csv", index=False)
