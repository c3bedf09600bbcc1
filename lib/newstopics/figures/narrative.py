"""The report's sentences, written from the run itself, so its text always matches what ran.

Every value taken from the corpus or the parameters goes through :func:`~.render.esc`: it shows, never runs.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import pandas as pd

from ..model import OUTLIER
from .render import esc

LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
                  "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ru": "Russian", "ar": "Arabic", "ko": "Korean",
                  "und": "undetermined (too short or unclear)"}


def plural(n: int, word: str) -> str:
    """``1 article``, ``2 articles``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def run_header(run, cfg, embedder) -> str:
    """The report's first lines: the run, the corpus, the model as it really is, the seed."""
    model = esc(embedder.name)
    reads = ", ".join(language_name(c) for c in sorted(embedder.languages)) if embedder.languages else "not known here"
    fits = (f"a single Leiden partition of the documents' neighbour graph seeded with {cfg.random_state}"
            if cfg.ensemble == 1
            else f"the consensus of {cfg.ensemble} Leiden partitions of the documents' neighbour graph seeded from "
                 f"{cfg.random_state}")
    return (f"Run **{esc(run.run_id)}** on `{esc(cfg.corpus)}`: documents are {esc(cfg.doc_unit)}s, embedded with "
            f"**{model}** (reads: {reads}); topics are {fits}. Everything ran offline.")


CLUSTER_WORK = {  # what each notebook sends to the workers
    "topics": "the articles are parsed and cleaned, the texts the embedding cache lacks are encoded and the words "
              "behind the coherence metrics are counted there",
    "assign": "the articles are parsed and cleaned and the texts the embedding cache lacks are encoded there",
}


def cluster_note(info: dict, notebook: str = "topics") -> str:
    """What runs on the Dask cluster, when there is one, with its dashboard's link where it serves one."""
    if not info.get("scheduler"):
        return ""
    dashboard = ""
    if info.get("dashboard"):  # a URL in Markdown: no space, parenthesis or angle bracket may stay as it is
        link = quote(str(info["dashboard"]), safe=":/?#[]@!$&'*+,;=%~")
        dashboard = f"; watch it work on its [dashboard]({link}) while the run lasts"
    local = str(info["scheduler"]).startswith(("tcp://127.", "tcp://localhost"))
    where = "" if local else (" The articles' text went to that cluster's workers, unencrypted over TCP, and Dask "
                              "exchanged pickled tasks with it: use only a cluster you trust.")
    return (f"\n\nOn the Dask cluster at `{esc(info['scheduler'])}` ({info['workers']} workers, {info['threads']} "
            f"threads){dashboard}: for a large corpus, {CLUSTER_WORK[notebook]} (a small corpus stays in this "
            f"kernel).{where}")


def corpus_summary(corpus, embedder, other_languages: str) -> str:
    """What was read, cleaned, dropped and skipped; which articles are not in the model's language."""
    s = corpus.summary()
    text = (f"**{plural(s['articles'], 'article')}**, {s['documents']} documents ({s['doc_unit']}s, median "
            f"{s['words_per_document_median']:.0f} words), {s['words_total']:,} words. {s['dated_articles']} of "
            f"{s['articles']} articles state a date; {s['sources']} distinct sources are named. Cleaning removed "
            f"{s['lines_removed']} lines; {s['duplicates_dropped']} duplicate documents were dropped; {s['skipped']} "
            f"files or rows were skipped.")
    return text + language_note(corpus, embedder, other_languages)


def language_note(corpus, embedder, other_languages: str) -> str:
    """A warning when articles are not in the language the embedding model reads (or were dropped for it)."""
    if not embedder.languages:
        if other_languages == "drop":
            return (f"\n\n*`other_languages=drop` had no effect: the languages {esc(embedder.name)} reads are not "
                    "known here, so no article was dropped for its language.*")
        return ""
    reads = ", ".join(language_name(c) for c in sorted(embedder.languages))
    dropped = [s for s in corpus.skipped if "other_languages=drop" in s["reason"]]
    arts = corpus.articles
    foreign = list(arts[~arts["language"].isin({*embedder.languages, "und"})].itertuples())
    if dropped:
        return (f"\n\n**{len(dropped)} article(s) were dropped** because they are not in {reads}, the language the "
                f"embedding model reads (`other_languages=drop`): "
                + "; ".join(esc(s["item"]) for s in dropped) + ".")
    if foreign:
        listed = "; ".join(f"{esc(a.title or a.article_id)} ({language_name(a.language)})" for a in foreign[:10])
        return (f"\n\n**Warning: {len(foreign)} article(s) are not in {reads}**, the language the embedding model "
                f"reads, so their documents are placed by a model that cannot read them: {listed}"
                + (" …" if len(foreign) > 10 else "")
                + ". Run with `other_languages=drop` to leave them out, or with a multilingual embedding model.")
    return ""


def topics_summary(result, embedder) -> str:
    """How many topics and themes, how many outliers and why, how they were found."""
    s = result.sizing
    found = result.topics[result.topics["topic"] != OUTLIER]
    n_themes = len(result.themes)
    members = (f"the consensus of {s.members} Leiden partitions" if s.members > 1 else "one Leiden partition")
    return (f"**{plural(len(found), 'topic')}** found, grouped in **{plural(n_themes, 'theme')}**. The topics are "
            f"{members} of a graph linking each of the {s.n_documents:,} documents to its {s.n_neighbors} nearest "
            f"documents: the links more than half of the partitions keep inside one community are partitioned once "
            f"more. Communities smaller than {s.min_cluster_size} documents are grouped by how alike their documents "
            f"are, and a group still that small joins the topic nearest it. Each document's *agreement* is the share "
            f"of partitions that keep it with its neighbours in its topic; a theme is a group of topics the documents "
            f"link most. " + outlier_note(result) +
            f" Vectors (documents, and the candidate words of the keyword representations): "
            f"{embedder.stats['hits']} from the cache, {embedder.stats['misses']} computed.")


def outlier_note(result) -> str:
    """How many documents are left without a topic, why, and where the nearest topic is offered."""
    docs = result.documents
    outliers = int((docs["topic"] == OUTLIER).sum())
    if not outliers:
        return "Every document is in a topic (no outliers)."
    return (f"{outliers:,} of {len(docs):,} documents ({outliers / len(docs):.1%}) are left as outliers (no topic "
            f"took them). Each has its nearest topic (by vector) in the `nearest_topic` column of the documents; "
            "`outlier_strategy` places them in a topic instead.")


def themes_summary(result) -> str:
    """One sentence per theme: its label, size and topics."""
    if result.themes.empty:
        return "*No theme: no topic was found.*"
    labels = dict(zip(result.topics["topic"], result.topics["label"], strict=True))
    lines = []
    for r in result.themes.itertuples():
        topics = [int(t) for t in str(r.topics).split()]
        named = "; ".join(f"{t}: {esc(labels.get(t, ''))}" for t in topics[:6]) + (" …" if len(topics) > 6 else "")
        lines.append(f"- **Theme {r.theme}: {esc(r.label)}**, {r.count:,} documents ({r.share:.0%}), "
                     f"{plural(r.n_topics, 'topic')}: {named}")
    return "\n".join(lines)


def steering_summary(result, cfg) -> str:
    """What seed topics, zero-shot topics and outlier reassignment did in this run."""
    o = result.outliers
    steer = []
    if cfg.seed_topics:
        steer.append(f"guided by {len(cfg.seed_topics)} seed word lists")
    if cfg.zeroshot_topics:
        matched = (result.topics["origin"] == "named (zero-shot)").sum()
        steer.append(f"{matched} of {len(cfg.zeroshot_topics)} named topics matched documents (similarity ≥ "
                     f"{cfg.zeroshot_min_similarity})")
    text = "This run was " + "; ".join(steer) + ". " if steer else "This run was not steered. "
    if o["strategy"] != "none":
        return text + (f"Outliers: {o['before']:.0%} of documents before reassignment by `{o['strategy']}`, "
                       f"{o['after']:.0%} after (a reassigned document has no agreement).")
    return text + f"Outliers: {o['before']:.0%} of documents (no reassignment)."


def code(text: object) -> str:
    """Text as a Markdown code span: shown as typed (Markdown renders a code span's content as text, never as
    markup), with backticks and line breaks that would end the span replaced."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def steering_examples(result, run) -> str:
    """How to steer the next run, with examples made from this run's topics (not from any one corpus)."""
    found = result.topics[result.topics["topic"] != OUTLIER].sort_values("count", ascending=False)
    if found.empty:
        return ""
    words = [[w.strip() for w in str(t).split(",")[:3] if w.strip()] for t in found["top_words"].head(2)]
    name = str(found["label"].iloc[0]).split(" · ")[0].replace("'", "")
    guided = "-p 'seed_topics=" + json.dumps([w for w in words if w]) + "'"
    zeroshot = "-p 'zeroshot_topics=" + json.dumps([name]) + "'"
    lines = [f"- guided: {code(guided)} (the top words of this run's largest topics);",
             f"- zero-shot: {code(zeroshot)} (a name for documents like topic {int(found['topic'].iloc[0])});"]
    if len(found) >= 2:
        pair = sorted(int(t) for t in found["topic"].head(2))
        curate = f"newstopics curate --run {run.home} -p 'merge=[{pair}]'"
        lines.append(f"- curate this run: {code(curate)}.")
    return ("For example, from the command line (`newstopics report ... -p NAME=VALUE`), or the same values in the "
            "parameters cell:\n\n" + "\n".join(lines))


def settings_table(params, versions: dict, run=None) -> pd.DataFrame:
    """The parameters the run used and the versions of the packages it ran with, one row each (``output_dir`` as
    where the run lands, when ``run`` is given: a batch run is written into a staging folder first)."""
    values = {**params.to_dict(), **({"output_dir": str(run.home)} if run is not None else {})}
    rows = [{"kind": "parameter", "name": k, "value": str(v)} for k, v in values.items()]
    rows += [{"kind": "package", "name": k, "value": v} for k, v in versions.items()]
    return pd.DataFrame(rows)
