# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Which settings to trust: runs side by side
#
# Each row is one run (one combination of a sweep). Finished runs are ranked by the mean of their ranks on
# NPMI, C_v, topic diversity and stability (higher is better) and on outlier share (lower is better);
# rank 1 is best on balance, not best on every metric. Only the parameters that differ between runs are shown.
# Made by `make sweep` (or `newstopics sweep FILE.yaml`).

# %% tags=["parameters"]
# Parameters: defaults and checks live in newstopics.params.CompareParams.
runs: "Optional[list]" = None  # run folders to compare
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id

# %%
from newstopics import params

cfg = params.from_namespace(globals(), "compare")

# %%
import os
from pathlib import Path

import plotly.graph_objects as go
from IPython.display import HTML, Markdown, display

from newstopics import figures
from newstopics.figures import show
from newstopics.runs import REPORT, Run, compare_runs

figures.setup()
run = Run.open(cfg)
table = compare_runs(list(cfg.runs))
run.write_csv(table, "comparison.csv")
ok = (table["status"] == "succeeded").sum()
display(Markdown(f"**{len(table)} runs**, {ok} succeeded. Full table: `comparison.csv` in run `{run.run_id}`."))

# %%
home = run.home  # where this run's report lands (a batch run is moved there when done)
reports = [os.path.relpath(Path(f) / REPORT, home) if (Path(f) / REPORT).exists() else None for f in table["folder"]]
shown = table.drop(columns=["folder", "rank_score"])
display(HTML(figures.table_html(shown, links={"run_id": reports})))
display(Markdown("Each run id links to that run's report."))

# %%
done = table[table["status"] == "succeeded"]
fig = go.Figure(
    go.Scatter(
        x=done["npmi"],
        y=done["diversity"],
        mode="markers+text",
        text=done["rank"].astype("Int64").astype(str),
        textposition="top center",
        marker=dict(
            size=10 + 20 * done["stability_ari"].fillna(0).clip(0, 1),
            color=done["outlier_share"],
            colorscale="RdYlGn_r",
            colorbar=dict(title="outliers"),
            showscale=True,
        ),
        customdata=done["run_id"],
        hovertemplate="%{customdata}<br>NPMI %{x:.3f}, diversity %{y:.2f}<extra></extra>",
    )
)
fig.update_layout(
    title="Coherence against diversity",
    xaxis_title="NPMI (higher: more coherent)",
    yaxis_title="topic diversity",
    height=460,
    meta={"how_to_read": "Each dot is a run, labelled with its rank; up and right is better, bigger dots are more "
                         "stable, greener fewer outliers."},
)
show(fig, run.path("figures"), "coherence_vs_diversity", done)

# %%
run.finish()
