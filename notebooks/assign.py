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
# Run it as `newstopics assign --run outputs/runs/<run-id> --corpus path/to/new/articles`, or with papermill
# (`-p model_run RUN -p corpus PATH`), or here: set the parameters below and Run All.

# %% tags=["parameters"]
# Parameters: `newstopics assign --help`. Defaults and checks live in newstopics.params.AssignParams.
model_run: str = ""  # a finished run folder whose model/ labels the new articles
corpus: str = ""  # the new articles: a folder of .txt/.md/.html files or a .csv/.jsonl/.parquet table
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id
cluster: str = ""  # where new articles are read and embedded: empty, this kernel; local:N; tcp://host:port

# %%
# Check the declared parameters before any work.
from newstopics import params

cfg = params.from_namespace(globals(), "assign")

# %%
from IPython.display import HTML, Markdown, display

from newstopics import figures, runs
from newstopics.cluster import describe as describe_cluster
from newstopics.cluster import start as start_cluster
from newstopics.corpus import load_corpus
from newstopics.figures import esc, narrative, show
from newstopics.model import OUTLIER, assign_topics

figures.setup()
fitted_run = runs.load_run(cfg.model_run)
fitted = fitted_run.params
run = runs.Run.open(cfg, model_run=str(cfg.model_run), model_run_id=fitted_run.meta.get("run_id"))
with run.stage("cluster"):  # None unless `cluster` is set; stopped when the run ends
    client = start_cluster(cfg.cluster)
run.record(cluster=(cluster_info := describe_cluster(client)))
embedder = fitted_run.embedder
embedder.use_cluster(client)
display(Markdown(
    f"Run `{run.run_id}` labels `{esc(cfg.corpus)}` with the model of run `{esc(fitted_run.meta.get('run_id'))}` "
    f"({fitted_run.meta.get('results', {}).get('topics', '?')} topics, fitted on `{esc(fitted.corpus)}`, documents = "
    f"{fitted.doc_unit}s, embedded with **{esc(embedder.name)}**)." + narrative.cluster_note(cluster_info, "assign")))

# %%
with run.stage("corpus"):
    articles = load_corpus(
        cfg.corpus,
        fitted.doc_unit,
        clean=fitted.clean,
        min_words=fitted.min_words,
        max_tokens=embedder.max_tokens,
        count_tokens=embedder.count_tokens,
        min_documents=1,
        client=client,
        languages=embedder.languages if fitted.other_languages == "drop" else None,
    )
with run.stage("assign"):
    result = assign_topics(fitted_run.model, articles.documents, embedder, fitted_run.topics,
                           fitted_run.themes, fitted=(fitted_run.embeddings, fitted_run.documents["topic"]))
display(Markdown(narrative.corpus_summary(articles, embedder, fitted.other_languages)))
figures.interactive_table(articles.articles_table().drop(columns=["url"]), "The new articles (articles.csv)")

# %% [markdown]
# ## Topics of the new articles
# The fitted run's topics came from a graph of each document's nearest neighbours, so a new document takes its topic
# the same way: its 15 nearest documents of the fitted run vote, each by its cosine similarity, and the topic with
# the most votes wins (the fitted run's outliers vote as a group of their own). A document that *is* one of the
# fitted run's documents (the same vector) keeps that document's topic, so the run's own corpus gets exactly its
# topics back. `vote_share` is the share of the votes its topic won (0 to 1): how much of its neighbourhood holds
# that topic. `similarity` is the cosine similarity (-1 to 1) of the document to its topic's mean vector: how close,
# not how likely.

# %%
outliers = (result.documents["topic"] == OUTLIER).mean()
display(Markdown(f"{len(result.documents)} documents; {outliers:.0%} went to the fitted run's outliers; median vote "
                 f"share {result.documents['vote_share'].median():.2f}, median similarity to the topic's mean vector "
                 f"{result.documents['similarity'].median():.2f}."))
display(HTML(figures.table_html(result.topics[["topic", "count", "share", "label", "top_words"]])))
show(figures.article_topic_heatmap(result), run.path("figures"), "topics_per_article",
     result.article_mix().reset_index())

# %%
figures.interactive_table(figures.documents_table(result), "Documents with their topic (full text in documents.csv)",
                          pageLength=10)

# %%
with run.stage("save"):
    run.write_csv(result.documents[runs.document_columns(result.documents, articles.extra_columns)], "documents.csv")
    run.write_csv(result.topics.drop(columns=["representative_docs"]), "topics.csv")
    run.write_csv(articles.articles_table(), "articles.csv")
    run.write_csv(articles.audit, "cleaning.csv")
    run.record(
        corpus=articles.summary(),
        inputs=articles.inputs,
        skipped=articles.skipped,
        embedding=embedder.describe(),
        timings=result.timings,
        results={"documents": len(result.documents), "outlier_share": float(round(outliers, 4))},
    )
display(Markdown(f"Run `{run.run_id}` wrote `documents.csv`, `topics.csv`, `articles.csv`, `cleaning.csv` and "
                 f"`figures/` into `{run.home}`."))

# %%
run.finish()  # also stops a Dask cluster the run started
