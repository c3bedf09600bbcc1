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
# # What the coverage talks about
#
# A topic report on a corpus of news articles: which themes the articles share, how large each is,
# and which article carries which theme. The documents are the articles' paragraphs (by default),
# embedded with all-MiniLM-L6-v2 and grouped by BERTopic. Everything here runs offline.
#
# All logic lives in the `newstopics` library; this notebook only calls it and shows what came back.
# Run it from JupyterLab, with `papermill notebooks/topics.ipynb out.ipynb -p corpus PATH`,
# or as `make report CORPUS=PATH`, which also renders this page as an offline HTML report.

# %% tags=["parameters"]
# Parameters: `newstopics params` lists the accepted values. Defaults live in newstopics.params.
corpus: str = "seeds"  # folder of .txt/.md/.html articles, or a .csv/.jsonl/.parquet table with a text column
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id
doc_unit: str = "paragraph"  # what one document is: paragraph, article or sentence
embedding_model: str = "all-MiniLM-L6-v2"  # packaged offline model, a local model folder, or a cached model name
min_topic_size: "Optional[int]" = None  # smallest topic in documents; None: sized to the corpus
nr_topics: "Union[int, str, None]" = None  # None: as found; "auto": merge similar topics; or a number of topics to reduce to
random_state: int = 42  # seed: the same seed gives the same topics
top_n_words: int = 10  # words kept per topic
reducer: str = "auto"  # dimension reduction: auto, umap or pca
clean: bool = True  # remove boilerplate lines (every removal is audited in cleaning.csv)
min_words: int = 8  # shorter documents (headings, list items) are merged with their neighbour

# %%
# Check every parameter before any work: a wrong name, type or value stops here with a plain message.
from newstopics import params as P

cfg = P.from_namespace(globals())

# %%
import pandas as pd
from IPython.display import HTML, Markdown, display

from newstopics import corpus as C, figures as F, modeling as M, runs as R
from newstopics.embeddings import Embedder

F.setup()
run = R.Run.open(cfg)
embedder = Embedder(cfg.embedding_model)
display(Markdown(f"Run `{run.run_id}` on `{cfg.corpus}`, documents = {cfg.doc_unit}s, seed {cfg.random_state}."))

# %% [markdown]
# ## The corpus
# Articles are read, their header lines (title, date, source, byline) turned into metadata, and boilerplate
# (navigation, "see also" pointers, promotions, tag lists, footers) removed; every removed line is kept in
# `cleaning.csv` with the rule that removed it. Paragraphs are rebuilt, tiny fragments such as headings
# are merged into the text they introduce, and pieces longer than the model's window are split at sentences.

# %%
with run.stage("corpus"):
    corpus = C.load_corpus(cfg.corpus, cfg.doc_unit, clean=cfg.clean, min_words=cfg.min_words,
                           max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens)
s = corpus.summary()
display(Markdown(
    f"**{s['articles']} articles**, {s['documents']} documents ({s['doc_unit']}s, median {s['words_per_document_median']:.0f} words), "
    f"{s['words_total']:,} words. {s['dated_articles']} of {s['articles']} articles state a date; "
    f"{s['sources']} distinct sources are named. Cleaning removed {s['lines_removed']} lines; "
    f"{s['duplicates_dropped']} duplicate documents were dropped; {s['skipped']} files or rows were skipped."
))
display(HTML(F.table_html(corpus.articles_table().drop(columns=["url"]))))

# %% [markdown]
# What the cleaning removed, per article and rule (header lines became metadata):

# %%
display(HTML(F.table_html(corpus.cleaning_summary())))
if corpus.skipped:
    display(Markdown("Skipped or re-encoded inputs:"))
    display(HTML(F.table_html(pd.DataFrame(corpus.skipped))))

# %% [markdown]
# ## Topics
# BERTopic's parts are sized to the corpus: small corpora get smaller neighbourhoods and smaller minimum
# topic sizes than BERTopic's defaults, which are tuned for thousands of documents.

# %%
with run.stage("topics"):
    result = M.fit_topics(corpus.documents, embedder, cfg)
found = result.topics[result.topics["topic"] != M.OUTLIER]
outliers = (result.documents["topic"] == M.OUTLIER).mean()
display(Markdown(
    f"**{len(found)} topics** found; {outliers:.0%} of documents fit no topic well (outliers). "
    f"Settings used: {result.sizing.reducer.upper()} with {result.sizing.n_neighbors} neighbours, "
    f"topics of at least {result.sizing.min_cluster_size} documents. "
    f"Embeddings: {embedder.stats['hits']} from cache, {embedder.stats['misses']} computed."
))
display(HTML(F.topics_html(result)))

# %%
fig = F.topic_barchart(result)
display(Markdown(F.how_to_read(fig)))
fig.show()

# %%
fig = F.intertopic_map(result)
display(Markdown(F.how_to_read(fig)))
fig.show()

# %% [markdown]
# ## Which article talks about what

# %%
fig = F.article_topic_heatmap(result)
display(Markdown(F.how_to_read(fig)))
fig.show()

# %% [markdown]
# ## Outputs
# The run folder holds `documents.csv` (each document with its topic), `topics.csv`, `articles.csv`,
# `cleaning.csv` (every removed line and why), `duplicates.csv`, `run.json` (parameters, versions,
# input hashes, timings, status) and `model/` (the fitted model in safetensors, reloadable offline).

# %%
with run.stage("save"):
    written = R.save_result(run, corpus, result, embedder)
display(Markdown(f"Run `{run.run_id}` wrote: " + ", ".join(f"`{p.name}`" for p in written.values())))
