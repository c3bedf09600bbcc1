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
# # Curate a run's topics: merge, rename, drop
#
# A topic model proposes; a researcher decides. This notebook takes a finished run and applies what the
# researcher decided: topics merged into one, topics given a name, topics dropped (their documents become
# outliers). A topic whose documents stay the same (renamed or untouched) keeps its words, keywords and, unless
# renamed, its label; merged topics get theirs recomputed, with topic embeddings for all. Nothing is refitted, and
# the parent run is never changed: the result is a new run folder with its own report, tables and model,
# and `parent_run` in its `run.json`.
#
# Run it as `newstopics curate --run outputs/runs/<run-id> -p merge=[[1,4]] -p rename={"3":"Export controls"}`,
# with papermill, or here: set the parameters below and Run All. Topic ids are those of the parent's `topics.csv`.

# %% tags=["parameters"]
# Parameters: defaults and checks live in newstopics.params.CurateParams.
run: str = ""  # a finished run folder whose topics to curate; it is never changed
merge: "Optional[list]" = None  # groups of topic ids to merge, e.g. [[1, 4], [2, 7]]
rename: "Optional[dict]" = None  # new labels by topic id, e.g. {3: "Export controls"}
drop: "Optional[list]" = None  # topic ids whose documents become outliers, e.g. [5]
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id

# %%
# Check the declared parameters (and that every topic id is one of the parent's) before any work.
from newstopics import params

cfg = params.from_namespace(globals(), "curate")

# %%
from IPython.display import HTML, Markdown, display

from newstopics import figures, runs
from newstopics.figures import esc, show
from newstopics.model import OUTLIER, curate, document_coords

figures.setup()
parent = runs.load_run(cfg.run)
curated_run = runs.Run.open(cfg, parent_run=parent.meta.get("run_id"), parent_folder=str(parent.folder),
                            curation={k: v for k, v in cfg.to_dict().items() if k in ("merge", "rename", "drop")})
display(Markdown(f"Run `{curated_run.run_id}` curates run `{esc(parent.meta.get('run_id'))}` "
                 f"({len(parent.topics[parent.topics['topic'] != OUTLIER])} topics on `{esc(parent.params.corpus)}`, "
                 f"embedded with **{esc(parent.embedder.name)}**)."))

# %%
with curated_run.stage("curate"):
    result = curate(parent.model, parent.documents, parent.embeddings, parent.params, parent.sizing, parent.embedder,
                    merge=cfg.merge, rename=dict(cfg.rename or ()), drop=cfg.drop)
found = result.topics[result.topics["topic"] != OUTLIER]
changes = []
if cfg.merge:
    changes.append("merged " + "; ".join("+".join(map(str, g)) for g in cfg.merge))
if cfg.rename:
    changes.append("renamed " + ", ".join(str(t) for t, _ in cfg.rename))
if cfg.drop:
    changes.append("dropped " + ", ".join(map(str, cfg.drop)))
display(Markdown(f"**{len(found)} topics** after curation ({'; '.join(changes) or 'no change asked'}); "
                 f"{(result.documents['topic'] == OUTLIER).mean():.0%} of documents are outliers. Topic ids are "
                 "renumbered from 0 in the order of their parent topics; `parent_topics` gives each one's topics in "
                 "the parent run. A document keeps its *agreement* (the share of the fit's ensemble that kept it with "
                 "its neighbours in its topic) only in a topic with the same documents as before; in a merged topic, "
                 "or dropped to the outliers, it has none: only the fit's ensemble could say."))
display(HTML(figures.table_html(result.topics[["topic", "parent_topics", "count", "share", "label", "top_words"]])))

# %%
figs = curated_run.path("figures")
with curated_run.stage("figures"):
    show(figures.topic_barchart(result), figs, "topic_words", result.topics.drop(columns=["representative_docs"]))

# %%
with curated_run.stage("figures"):
    coords = document_coords(result.embeddings, result.sizing, parent.params.random_state)
    show(figures.document_map(result, coords), figs, "document_map", figures.document_positions(result, coords))

# %%
with curated_run.stage("figures"):
    show(figures.article_topic_heatmap(result), figs, "topics_per_article", result.article_mix().reset_index())

# %%
figures.interactive_table(figures.documents_table(result), "Documents with their curated topic", pageLength=10)

# %%
with curated_run.stage("save"):
    written = runs.save_curated(curated_run, parent, result, parent.embedder)
display(Markdown(f"Run `{curated_run.run_id}` wrote: " + ", ".join(f"`{p.name}`" for p in written.values())
                 + f" into `{curated_run.home}`. The parent run is unchanged."))

# %%
curated_run.finish()
