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
# and which article, source and date carries which theme, with checks that say how far to trust the answer.
# The documents are the articles' paragraphs (by default), embedded with a sentence-embedding model and grouped
# by BERTopic. Everything here runs offline; the first lines below name the corpus and the model this run used.
#
# All logic lives in the `newstopics` library; this notebook only calls it and shows what came back.
# In JupyterLab: edit the parameters cell, then Run All (each Run All is a new run in its own folder).
# In batch: `papermill notebooks/topics.ipynb out.ipynb -p corpus PATH` from any folder, or
# `newstopics report --corpus PATH`, which also renders this page as an offline HTML report.

# %% tags=["parameters"]
# Parameters: `newstopics params` lists the accepted values. Defaults live in newstopics.params.
corpus: str = "seeds"  # folder of .txt/.md/.html articles, or a .csv/.jsonl/.parquet table with a text column
output_dir: str = ""  # folder for the outputs of this run; empty: a new folder under outputs/runs/
run_name: str = ""  # short name added to the run id
doc_unit: str = "paragraph"  # what one document is: paragraph, article or sentence
embedding_model: str = "all-MiniLM-L6-v2"  # packaged offline model; "static" (fast, coarser); a local folder
other_languages: str = "keep"  # articles not in the model's language: keep (with a warning) or drop
min_topic_size: "Optional[int]" = None  # smallest topic in documents; None: sized to the corpus
nr_topics: "Union[int, str, None]" = None  # None: as found; "auto": merge similar topics; or a number to reduce to
random_state: int = 42  # seed of the ensemble: the same seed gives the same topics, another nearly the same
ensemble: int = 30  # Leiden partitions of the neighbour graph whose consensus gives the topics; 1: a single one
top_n_words: int = 10  # words kept per topic
reducer: str = "auto"  # the document map's reduction to 2-D: auto, umap or pca
clean: bool = True  # remove boilerplate lines (every removal is audited in cleaning.csv)
min_words: int = 8  # shorter documents (headings, list items) are merged with their neighbour
baselines: "Optional[bool]" = None  # also fit LDA and NMF for comparison; None: when at most 20,000 documents
stability_runs: int = 2  # refits on 90% resamples with other seeds; 0: skip
seed_topics: "Optional[list]" = None  # guided topics: word lists, e.g. [["price", "cheap"], ["chips", "export"]]
zeroshot_topics: "Optional[list]" = None  # named topics documents are matched to first, e.g. ["AI chips"]
zeroshot_min_similarity: float = 0.5  # similarity a document needs to join a named topic
outlier_strategy: str = "none"  # reassign outliers: none, c-tf-idf, embeddings or distributions
compare_by: "Optional[list]" = None  # columns to compare by, e.g. ["source", "author"]; None: source, else author
cluster: str = ""  # where a large corpus is read and embedded: empty, this kernel; local:N; tcp://host:port

# %%
# Check the declared parameters before any work: a wrong name, type or value stops here with a plain message.
from newstopics import params

cfg = params.from_namespace(globals())

# %%
from IPython.display import HTML, Markdown, display

from newstopics import figures, runs
from newstopics.analysis.groups import compare_columns, compare_result, file_stem, files_of
from newstopics.analysis.time import timeline_of
from newstopics.cluster import describe as describe_cluster
from newstopics.cluster import start as start_cluster
from newstopics.corpus import load_corpus
from newstopics.embed import Embedder
from newstopics.evaluation import evaluate, want_baselines
from newstopics.figures import esc, narrative, show
from newstopics.figures.groups import distinctive_words, passages_table, prevalence_chart, residual_heatmap
from newstopics.figures.time import time_figures
from newstopics.model import document_coords, fit_topics

figures.setup()
run = runs.Run.open(cfg)
with run.stage("cluster"):  # None unless `cluster` is set; stopped when the run ends
    client = start_cluster(cfg.cluster)
run.record(cluster=(cluster_info := describe_cluster(client)))
embedder = Embedder(cfg.embedding_model, client=client)
display(Markdown(narrative.run_header(run, cfg, embedder) + narrative.cluster_note(cluster_info)))

# %% [markdown]
# ## The corpus
# Articles are read, their header lines (title, date, source, byline) turned into metadata, and boilerplate
# (navigation, "see also" pointers, promotions, tag lists, footers) removed; every removed line is kept in
# `cleaning.csv` with the rule that removed it. Each article's language is detected. Paragraphs are rebuilt,
# tiny fragments such as headings are merged into the text they introduce, and pieces longer than the model's
# window are split at sentences.

# %%
with run.stage("corpus"):
    articles = load_corpus(
        cfg.corpus,
        cfg.doc_unit,
        clean=cfg.clean,
        min_words=cfg.min_words,
        max_tokens=embedder.max_tokens,
        count_tokens=embedder.count_tokens,
        client=client,
        languages=embedder.languages if cfg.other_languages == "drop" else None,
    )
    compare_by = compare_columns(articles.documents, cfg.compare_by)  # checked before the fit: a typo stops here
run.record(compare_by=compare_by)
display(Markdown(narrative.corpus_summary(articles, embedder, cfg.other_languages)))
figures.interactive_table(articles.articles_table().drop(columns=["url"]), "The articles (articles.csv)")

# %% [markdown]
# What the cleaning removed, per article and rule (header lines became metadata):

# %%
display(HTML(figures.table_html(articles.cleaning_summary())))
if articles.skipped:
    display(Markdown("Skipped, dropped or re-encoded inputs:"))
    figures.interactive_table(figures.skipped_table(articles.skipped))

# %% [markdown]
# ## Topics and themes
# Every document is linked to its nearest documents by meaning (the cosine similarity of their vectors); an
# ensemble of community partitions of that graph, each with its own random seed, votes on which links fall inside
# a topic, and the topics are the consensus of those votes, so they do not hinge on one random draw. Topics group
# into a handful of *themes*, the groups of topics the documents link most. A topic's top words are the words its
# documents use far more often than the corpus does and that appear together in the same documents.

# %%
with run.stage("topics"):
    result = fit_topics(articles.documents, embedder, cfg, client=client)
display(Markdown(narrative.topics_summary(result, embedder)))
display(Markdown("**Themes**, each a group of topics:\n\n" + narrative.themes_summary(result)))
display(HTML(figures.topics_html(result)))

# %% [markdown]
# Every document with its theme and topic: search for a word, a source or a topic label; sort by any column.
# `agreement` is the share of the ensemble's partitions that keep the document with its neighbours in its topic.

# %%
figures.interactive_table(figures.documents_table(result), "Documents per topic (full text in documents.csv)",
                          pageLength=10)

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
    show(figures.document_map(result, coords), figs, "document_map", figures.document_positions(result, coords))

# %% [markdown]
# ## Which article, which source, and when

# %%
if not (why := figures.article_mix_note(result)):
    with run.stage("figures"):
        show(figures.article_topic_heatmap(result), figs, "topics_per_article", result.article_mix().reset_index())
else:
    display(Markdown(why))

# %% [markdown]
# ### How the coverage differs by source, author or any column
# For each column compared (`compare_by`; by default `source` when the articles name two or more, else `author`):
# each group's share of documents in each topic with a 95% interval that counts an article's documents as one
# article's worth of evidence; a chi-square test of whether the topic mix differs, corrected for that clustering,
# with the cells that stand out after a Holm correction; and, inside each topic, the words one group uses far more
# than the others (weighted log-odds, Monroe, Colaresi and Quinn 2008, with the topic's own word counts as prior),
# with the counts behind them and passages that show them. Groups too small to say anything are named, not drawn.

# %%
with run.stage("figures"):
    comparisons = [compare_result(result, by) for by in compare_by]
if not comparisons:
    display(Markdown("*No comparison: the articles name fewer than two sources and fewer than two authors. Set "
                     "`compare_by` to a column of your table or manifest to compare by it.*"))
for comparison in comparisons:
    display(Markdown(f"#### By {esc(comparison.by)}\n\n" + "\n".join(f"- {esc(line)}"
                                                                      for line in comparison.sentences())))
    if len(comparison.included) >= 2:
        with run.stage("figures"):
            stem = file_stem(comparison.by)
            for name, (fig, table) in {"prevalence": prevalence_chart(comparison),
                                       "residuals": residual_heatmap(comparison),
                                       "words": distinctive_words(comparison)}.items():
                show(fig, figs, f"{stem}_{name}", table)
        figures.interactive_table(passages_table(comparison), f"Passages that show what each {comparison.by} says "
                                  "differently inside a topic", pageLength=5)

# %% [markdown]
# ### Over time
# When the articles state their dates, the topics' shares per period: the period (day, week, month, quarter or
# year) is the finest at which the median period holds enough documents from several articles, outliers are left
# out of the shares, and each band is a 95% interval that counts an article's documents as one article's worth of
# evidence. Changes are listed only when a topic's share moves by at least 10 points against its level over the
# three periods before and the move holds after correcting for the many periods and topics tested (Benjamini-
# Hochberg). The words per period are those that set a period's documents of a topic apart from its other periods:
# how the framing of a topic moves.

# %%
with run.stage("figures"):
    timeline = timeline_of(result)
if timeline.period is None:
    display(Markdown(f"*{esc(timeline.why)}*"))
else:
    display(Markdown("\n".join(f"- {esc(line)}" for line in timeline.sentences())))
    with run.stage("figures"):
        for name, (fig, table) in time_figures(timeline).items():
            show(fig, figs, name, table)

# %% [markdown]
# ## Steering the model
# Three parameters point the model at the questions you care about, without hand-labelling:
#
# - `outlier_strategy` reassigns documents that fit no topic (`c-tf-idf`, `embeddings` or `distributions`);
# - `seed_topics` nudges the clustering toward themes given as word lists (guided modeling);
# - `zeroshot_topics` names topics and assigns each document whose similarity to a name reaches
#   `zeroshot_min_similarity` to it; the rest are clustered as usual.
#
# To merge, rename or drop topics after the fact, without refitting, use `notebooks/curate.ipynb`
# (`newstopics curate`). The examples below are made from this run's own topics.

# %%
display(Markdown(narrative.steering_summary(result, cfg) + "\n\n" + narrative.steering_examples(result, run)))

# %% [markdown]
# ## How good are these topics, and how sure can we be?
# A topic model always returns topics. These checks say whether to trust them:
#
# - **coherence**: do a topic's top words occur together in documents more than chance? NPMI (-1 to 1, windows of
#   10 words) and C_v (0 to 1, windows of 110 words). Every model is scored on its topics' top single words
#   (`top_n_words`): a two-word phrase beside its own words would look coherent on any text;
# - **held out**: the documents are split at random into two halves; every model chooses its words on the first
#   half and is scored on the second, which no word choice saw. Our words are chosen partly by how often they
#   occur in the same documents, so scoring them on those same documents would reward the choice, not the topics.
#   Our model is scored twice: as it chooses words, and by lift alone (without the co-occurrence step);
# - **baselines**: NMF and LDA fitted on the first half with as many topics as ours. If NMF scores as well, the
#   embeddings are not adding coherence on this corpus (they may still add the topics' shape: stability, themes);
# - **diversity**: the share of unique words among all topics' top words (1 = no word repeated);
# - **per topic**: the coherence of the words this report shows, counted on all documents (in sample: those words
#   were chosen on the same documents, so these figures run higher than the held-out ones above);
# - **stability**: the whole model is refitted on random 90% samples with other seeds and the same settings, each
#   an independent consensus run. The adjusted Rand index compares whole assignments (1 = identical, 0 = chance);
#   at 0.8 or more the topics are called stable. A topic *reappears* in a refit when some topic there holds at
#   least half of the union of their documents (document Jaccard ≥ 0.5); topics that reappear in fewer than two
#   thirds of the refits are marked unstable.

# %%
with run.stage("evaluation"):
    evaluation = evaluate(result, embedder, cfg, baselines=want_baselines(cfg, len(result.documents)),
                          stability_runs=cfg.stability_runs, client=client)
display(HTML(figures.table_html(evaluation.scores)))
display(Markdown(evaluation.comparison_summary()))
if evaluation.stability is not None:
    display(Markdown(evaluation.stability.summary()))
figures.interactive_table(evaluation.per_topic, "Per topic: in-sample coherence of the shown words, and how often the "
                          "topic reappears")

# %% [markdown]
# ## Outputs and settings
# The run folder holds `documents.csv` (each document with its theme and topic), `topics.csv`, `themes.csv`,
# `articles.csv`, `cleaning.csv` (every removed line and why), `duplicates.csv`, `metrics.csv` and `topic_quality.csv`,
# `embeddings.npy` (the documents' vectors), `figures/` (every chart as a standalone HTML page with its data as
# CSV), `run.json` (parameters, versions, input hashes, timings, status) and `model/` (the fitted model in
# safetensors, reloadable offline). `newstopics.load_run(folder)` reads them all back, so analysis can go on
# without refitting.

# %%
with run.stage("save"):
    analysis = {**timeline.files(), **{name: table for c in comparisons for name, table in files_of(c).items()}}
    written = runs.save_result(run, articles, result, embedder, evaluation, tables=analysis)
display(Markdown(f"Run `{run.run_id}` wrote: " + ", ".join(f"`{p.name}`" for p in written.values())
                 + f". Folder: `{run.home}`."))
figures.interactive_table(narrative.settings_table(cfg, runs.versions(), run), "The parameters and package versions "
                          "of this run", pageLength=25)

# %%
run.finish()  # also stops a Dask cluster the run started
