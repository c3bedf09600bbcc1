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
# Each row is one run (one combination of a sweep). Only comparable runs are ranked against each other: those
# of the same corpus (the same input files), document unit and number of top words share a `group`. Within a group,
# finished runs are ranked on one measure, named in `ranked_by`: `npmi_over_nmf`, our topics' held-out NPMI minus
# that of NMF with as many topics fitted on the same half in the same run (fewer topics score higher on any model;
# the margin over NMF is not moved by the topic count alone). Runs without NMF (baselines off) are ranked on
# held-out `npmi` only when they all have the same number of topics, and left unranked otherwise. Outlier share is
# shown, never ranked: reassigning outliers by rule lowers it without making a topic better. Diversity and
# stability are shown beside the rank, for you to weigh. Only the parameters that differ between runs are shown.
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
shown = table.drop(columns=["folder"])
display(HTML(figures.table_html(shown, links={"run_id": reports})))
display(Markdown("Each run id links to that run's report."))

# %%
done = table[table["status"] == "succeeded"]
fig = go.Figure()
for checked, rows in done.groupby(done["stability_ari"].notna()):
    fig.add_trace(go.Scatter(
        x=rows["npmi"],
        y=rows["diversity"],
        mode="markers+text",
        name="stability checked" if checked else "no stability check",
        text=[f"{g}:{r:.0f}" if r == r else f"{g}:-" for g, r in zip(rows["group"], rows["rank"], strict=True)],
        textposition="top center",
        marker=dict(size=10 + 20 * rows["stability_ari"].clip(0, 1) if checked else 12,
                    symbol="circle" if checked else "circle-open", color="#2c7fb8" if checked else "#888"),
        customdata=rows[["run_id", "topics"]],
        hovertemplate="%{customdata[0]}<br>held-out NPMI %{x:.3f}, diversity %{y:.2f}, %{customdata[1]} topics"
                      "<extra></extra>",
    ))
fig.update_layout(
    title="Held-out coherence against diversity",
    xaxis_title="held-out NPMI (higher: more coherent)",
    yaxis_title="topic diversity",
    height=460,
    meta={"how_to_read": "Each dot is a run, labelled group:rank (- when unranked); up and right is better. Filled "
                         "dots had a stability check, bigger is more stable (mean ARI of the refits); open grey dots "
                         "had none. Compare NPMI between runs with similar topic counts (hover): fewer topics score "
                         "higher."},
)
show(fig, run.path("figures"), "coherence_vs_diversity", done)

# %%
run.finish()
