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
# # New articles, known topics
#
# Labels new articles with the topics of an earlier run: its saved model is loaded offline (safetensors,
# with the local embedding model handed in, so nothing is fetched), the new articles go through the same
# ingestion as that run, and each document gets the topic the model assigns. Topics are not refitted,
# so results stay comparable with the earlier report.
#
# Run it as `newstopics assign --run outputs/runs/<run-id> --corpus path/to/new/articles`.

# %% tags=["parameters"]
# Parameters: `newstopics assign --help`. Defaults and checks live in newstopics.params.AssignParams.
model_run: str = ""  # a finished run folder whose model/ labels the new articles
corpus: str = ""  # the new articles: a folder of .txt/.md/.html files or a .csv/.jsonl/.parquet table
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id

# %%
# Check every parameter before any work.
from newstopics import params

cfg = params.assign_from_namespace(globals())

# %%
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from newstopics import figures, runs
from newstopics.corpus import load_corpus
from newstopics.embed import Embedder
from newstopics.figures import esc, show
from newstopics.model import MODEL_DIR, OUTLIER, assign_topics, load_model

figures.setup()
run = runs.Run.open(cfg)
source = runs.read_run_json(cfg.model_run)
fitted = params.validate(source["params"], check_corpus=False)
embedder = Embedder(fitted.embedding_model)
display(
    Markdown(
        f"Run {esc(run.run_id)} labels {esc(cfg.corpus)} with the model of run {esc(source.get('run_id'))} "
        f"({source.get('results', {}).get('topics', '?')} topics, fitted on {esc(fitted.corpus)}, documents = "
        f"{fitted.doc_unit}s)."
    )
)

# %%
with run.stage("corpus"):
    corpus = load_corpus(
        cfg.corpus,
        fitted.doc_unit,
        clean=fitted.clean,
        min_words=fitted.min_words,
        max_tokens=embedder.max_tokens,
        count_tokens=embedder.count_tokens,
        min_documents=1,
    )
with run.stage("assign"):
    model = load_model(Path(cfg.model_run) / MODEL_DIR, embedder)
    result = assign_topics(
        model, corpus.documents, embedder, pd.read_csv(Path(cfg.model_run) / "topics.csv", keep_default_na=False)
    )
s = corpus.summary()
display(
    Markdown(
        f"**{s['articles']} new articles**, {s['documents']} documents; cleaning removed {s['lines_removed']} lines, "
        f"{s['skipped']} inputs were skipped."
    )
)
display(HTML(figures.table_html(corpus.articles_table().drop(columns=["url"]))))

# %% [markdown]
# ## Topics of the new articles

# %%
display(HTML(figures.table_html(result.topics[["topic", "count", "share", "label", "top_words"]])))
show(
    figures.article_topic_heatmap(result), run.path("figures"), "topics_per_article", result.article_mix().reset_index()
)

# %%
cols = ["doc_id", "article_id", "position", "topic", "label", "probability", "title", "source", "published", "text"]
display(
    HTML(figures.table_html(result.documents[cols].assign(text=lambda d: d["text"].str.slice(0, 200)), max_rows=40))
)

# %%
with run.stage("save"):
    run.write_csv(result.documents[cols], "documents.csv")
    run.write_csv(result.topics.drop(columns=["representative_docs"]), "topics.csv")
    run.write_csv(corpus.audit, "cleaning.csv")
    run.record(
        model_run=str(cfg.model_run),
        model_run_id=source.get("run_id"),
        corpus=corpus.summary(),
        inputs=corpus.inputs,
        skipped=corpus.skipped,
        embedding=embedder.describe(),
        timings=result.timings,
        results={
            "documents": len(result.documents),
            "outlier_share": float((result.documents["topic"] == OUTLIER).mean()),
        },
    )
display(Markdown(f"Run {esc(run.run_id)} wrote `documents.csv`, `topics.csv`, `cleaning.csv` and `figures/`."))
