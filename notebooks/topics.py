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
embedding_model: str = "all-MiniLM-L6-v2"  # packaged offline model; "static" (fast, coarser); a local folder
min_topic_size: "Optional[int]" = None  # smallest topic in documents; None: sized to the corpus
nr_topics: "Union[int, str, None]" = None  # None: as found; "auto": merge similar topics; or a number to reduce to
random_state: int = 42  # seed of the ensemble: the same seed gives the same topics, another nearly the same
ensemble: int = 75  # UMAP + HDBSCAN fits whose consensus gives the topics; 1: a single fit
top_n_words: int = 10  # words kept per topic
reducer: str = "auto"  # dimension reduction: auto, umap or pca
clean: bool = True  # remove boilerplate lines (every removal is audited in cleaning.csv)
min_words: int = 8  # shorter documents (headings, list items) are merged with their neighbour
baselines: "Optional[bool]" = None  # also fit LDA and NMF for comparison; None: when at most 20,000 documents
stability_runs: int = 3  # refits on 90% resamples with other seeds; 0: skip
seed_topics: "Optional[list]" = None  # guided topics: word lists, e.g. [["price", "cheap"], ["chips", "export"]]
zeroshot_topics: "Optional[list]" = None  # named topics documents are matched to first, e.g. ["AI chips"]
zeroshot_min_similarity: float = 0.5  # similarity a document needs to join a named topic
outlier_strategy: str = "none"  # reassign outliers: none, c-tf-idf, embeddings or distributions

# %%
# Check every parameter before any work: a wrong name, type or value stops here with a plain message.
from newstopics import params

cfg = params.from_namespace(globals())

# %%
import pandas as pd
from IPython.display import HTML, Markdown, display

from newstopics import figures, runs
from newstopics.corpus import load_corpus
from newstopics.embed import Embedder
from newstopics.evaluation import evaluate, want_baselines
from newstopics.figures import esc, show
from newstopics.model import OUTLIER, document_coords, fit_topics

figures.setup()
run = runs.Run.open(cfg)
embedder = Embedder(cfg.embedding_model)
# Text from the corpus or the parameters goes through esc() before it reaches Markdown: it shows, never runs.
display(Markdown(f"Run {esc(run.run_id)} on {esc(cfg.corpus)}, documents = {cfg.doc_unit}s, seed {cfg.random_state}."))

# %% [markdown]
# ## The corpus
# Articles are read, their header lines (title, date, source, byline) turned into metadata, and boilerplate
# (navigation, "see also" pointers, promotions, tag lists, footers) removed; every removed line is kept in
# `cleaning.csv` with the rule that removed it. Paragraphs are rebuilt, tiny fragments such as headings
# are merged into the text they introduce, and pieces longer than the model's window are split at sentences.

# %%
with run.stage("corpus"):
    corpus = load_corpus(
        cfg.corpus,
        cfg.doc_unit,
        clean=cfg.clean,
        min_words=cfg.min_words,
        max_tokens=embedder.max_tokens,
        count_tokens=embedder.count_tokens,
    )
s = corpus.summary()
display(
    Markdown(
        f"**{s['articles']} articles**, {s['documents']} documents ({s['doc_unit']}s, median "
        f"{s['words_per_document_median']:.0f} words), "
        f"{s['words_total']:,} words. {s['dated_articles']} of {s['articles']} articles state a date; "
        f"{s['sources']} distinct sources are named. Cleaning removed {s['lines_removed']} lines; "
        f"{s['duplicates_dropped']} duplicate documents were dropped; {s['skipped']} files or rows were skipped."
    )
)
display(HTML(figures.table_html(corpus.articles_table().drop(columns=["url"]))))

# %% [markdown]
# What the cleaning removed, per article and rule (header lines became metadata):

# %%
display(HTML(figures.table_html(corpus.cleaning_summary())))
if corpus.skipped:
    display(Markdown("Skipped or re-encoded inputs:"))
    display(HTML(figures.table_html(pd.DataFrame(corpus.skipped))))

# %% [markdown]
# ## Topics
# BERTopic's parts are sized to the corpus: small corpora get smaller minimum topic sizes than BERTopic's
# defaults, which are tuned for thousands of documents. On a few hundred documents a single UMAP + HDBSCAN fit
# changes its answer with the random seed, so the topics are the consensus of an ensemble of fits: documents
# that most fits put together form a topic. A topic's top words are the words its documents use far more often
# than the corpus does and that appear together in the same documents.

# %%
with run.stage("topics"):
    result = fit_topics(corpus.documents, embedder, cfg)
found = result.topics[result.topics["topic"] != OUTLIER]
outliers = (result.documents["topic"] == OUTLIER).mean()
display(
    Markdown(
        f"**{len(found)} topics** found; {outliers:.0%} of documents fit no topic well (outliers). "
        f"The topics are the consensus of {result.sizing.members} {result.sizing.reducer.upper()} + HDBSCAN fits "
        f"({result.sizing.n_neighbors} neighbours, topics of at least {result.sizing.min_cluster_size} documents); "
        f"each document's `agreement` is the share of fits that put it with its topic's other documents. "
        f"Embeddings: {embedder.stats['hits']} from cache, {embedder.stats['misses']} computed."
    )
)
display(HTML(figures.topics_html(result)))

# %%
figs = run.path("figures")
with run.stage("figures"):  # timed cell by cell, added up
    show(figures.topic_barchart(result), figs, "topic_words", result.topics.drop(columns=["representative_docs"]))

# %%
with run.stage("figures"):
    show(figures.intertopic_map(result), figs, "intertopic_map", figures.topic_positions(result))

# %%
with run.stage("figures"):
    show(figures.similarity_heatmap(result), figs, "topic_similarity")

# %%
with run.stage("figures"):
    show(figures.hierarchy(result), figs, "topic_hierarchy")

# %%
with run.stage("figures"):
    coords = document_coords(result.embeddings, result.sizing, cfg.random_state)
    show(
        figures.document_map(result, coords),
        figs,
        "document_map",
        result.documents[["doc_id", "article_id", "topic", "label"]].assign(x=coords[:, 0], y=coords[:, 1]),
    )

# %% [markdown]
# ## Which article, which source, and when

# %%
with run.stage("figures"):
    show(figures.article_topic_heatmap(result), figs, "topics_per_article", result.article_mix().reset_index())

# %%
n_sources = result.documents["source"].replace("", None).nunique()
if n_sources >= 2:
    with run.stage("figures"):
        show(
            figures.article_topic_heatmap(result, by="source", label_col=None),
            figs,
            "topics_per_source",
            result.article_mix("source").reset_index(),
        )
else:
    display(
        Markdown(
            f"*Topics per source is skipped: the articles name {n_sources} source(s), and a comparison needs at least "
            f"two.*"
        )
    )

# %%
with run.stage("figures"):
    fig, over_time = figures.topics_over_time(result)
    show(fig, figs, "topics_over_time", over_time)

# %% [markdown]
# ## Steering the model
# Three parameters point the model at the questions you care about, without hand-labelling:
#
# - `outlier_strategy` reassigns documents that fit no topic (`c-tf-idf`, `embeddings` or `distributions`);
# - `seed_topics` nudges the clustering toward themes given as word lists (guided modeling), for example
#   `[["price", "cheap", "cost"], ["chips", "export"]]`;
# - `zeroshot_topics` names topics and assigns each document whose similarity to a name reaches
#   `zeroshot_min_similarity` to it; the rest are clustered as usual, for example `["AI chips and export controls"]`.
#
# From the command line: `make report ARGS='-p zeroshot_topics=["AI chips and export controls"]'`.

# %%
o = result.outliers
steer = []
if cfg.seed_topics:
    steer.append(f"guided by {len(cfg.seed_topics)} seed word lists")
if cfg.zeroshot_topics:
    matched = (result.topics["origin"] == "named (zero-shot)").sum()
    steer.append(
        f"{matched} of {len(cfg.zeroshot_topics)} named topics matched documents (similarity ≥ "
        f"{cfg.zeroshot_min_similarity})"
    )
display(
    Markdown(
        ("This run was " + "; ".join(steer) + ". " if steer else "This run was not steered. ")
        + (
            f"Outliers: {o['before']:.0%} of documents before reassignment by `{o['strategy']}`, {o['after']:.0%} "
            f"after."
            if o["strategy"] != "none"
            else f"Outliers: {o['before']:.0%} of documents (no reassignment)."
        )
    )
)

# %% [markdown]
# ## How good are these topics, and how sure can we be?
# A topic model always returns topics. These checks say whether to trust them:
#
# - **coherence**: do a topic's top words occur together in these documents more than chance? NPMI (-1 to 1,
#   windows of 10 words) and C_v (0 to 1, windows of 110 words), computed on this run's documents. Every model is
#   scored on its topics' top single words (`top_n_words`): a two-word phrase beside its own words would look
#   coherent on any text;
# - **diversity**: the share of unique words among all topics' top words (1 = no word repeated);
# - **baselines**: NMF and LDA with the same number of topics on the same documents. If a baseline scores
#   as well, the embeddings are not adding much on this corpus;
# - **stability**: the topics are the consensus of an ensemble of fits; two independent halves of that ensemble
#   are compared, and the whole model is refitted on random 90% samples with other seeds and the same settings. A
#   topic *reappears* in a refit when some topic there holds at least half of the union of their documents
#   (document Jaccard ≥ 0.5); topics that reappear in fewer than two thirds of the refits are marked unstable. The
#   adjusted Rand index compares whole assignments (1 = identical), with each outlier counted in the topic it most
#   often joined in the ensemble, for this fit and the refits alike.

# %%
with run.stage("evaluation"):
    evaluation = evaluate(
        result, embedder, cfg, baselines=want_baselines(cfg, len(result.documents)), stability_runs=cfg.stability_runs
    )
display(HTML(figures.table_html(evaluation.scores)))
if evaluation.stability is not None:
    display(Markdown(evaluation.stability.summary()))
display(HTML(figures.table_html(evaluation.per_topic)))

# %% [markdown]
# ## Outputs
# The run folder holds `documents.csv` (each document with its topic), `topics.csv`, `articles.csv`,
# `cleaning.csv` (every removed line and why), `duplicates.csv`, `metrics.csv` and `topic_quality.csv`,
# `figures/` (every chart as a standalone HTML page with its data as CSV), `run.json` (parameters, versions,
# input hashes, timings, status) and `model/` (the fitted model in safetensors, reloadable offline).

# %%
with run.stage("save"):
    written = runs.save_result(run, corpus, result, embedder, evaluation)
display(Markdown(f"Run {esc(run.run_id)} wrote: " + ", ".join(f"`{p.name}`" for p in written.values())))
