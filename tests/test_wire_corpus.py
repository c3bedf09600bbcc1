"""Dozens of hard-wrapped wire stories: documents follow the paragraphs and topics follow the stories.

The stories are BBC News articles from the benchmark corpus beside the project (five desks), written
out as a wire service would: dateline, text wrapped at 66 columns, paragraphs marked only by an
indented first line, and a credit line.
"""
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from newstopics import corpus as C
from newstopics import model as M
from newstopics import params as P
from newstopics.embed import Embedder

BBC = ROOT.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"
PER_DESK = 8
WORDS_PER_PARAGRAPH = 45


def _wire_corpus(folder: Path) -> dict[str, tuple[str, int]]:
    if not BBC.exists():
        pytest.skip(f"benchmark corpus not found at {BBC}")
    table = pd.read_csv(BBC, sep="\t", header=None, names=["text", "split", "label"], quoting=3)
    truth = {}
    table = table[table["text"].str.split().str.len() >= WORDS_PER_PARAGRAPH * 3]  # three full paragraphs each
    for label, group in table.groupby("label"):
        for i, text in enumerate(group["text"].head(PER_DESK)):
            words = text.split()[: WORDS_PER_PARAGRAPH * 3]
            paras = [
                " ".join(words[k : k + WORDS_PER_PARAGRAPH]) + "." for k in range(0, len(words), WORDS_PER_PARAGRAPH)
            ]
            body = []
            for j, para in enumerate(paras):
                if j == 0:
                    para = f"LONDON, March {i + 1}, 2005 (Wire) - " + para
                lines = textwrap.wrap(para, 66)
                body.append("\n".join(["    " + lines[0], *lines[1:]]))
            name = f"{label}_{i:02d}.txt"
            (folder / name).write_text(
                f"Wire story {label} {i}\n" + "\n".join(body) + "\n(Reporting by Desk Staff; Editing by Night Editor)\n"
            )
            truth[name] = (label, len(paras))
    return truth


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wire")
    truth = _wire_corpus(folder)
    embedder = Embedder()
    corpus = C.load_corpus(folder, "paragraph", max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens)
    return truth, corpus, embedder


def test_documents_are_the_paragraphs_not_the_lines(wire):
    truth, corpus, _ = wire
    kept = corpus.documents.groupby("article_id").size()
    dropped = corpus.duplicates.groupby("article_id").size()  # the benchmark holds a few re-published stories
    per_article = kept.add(dropped, fill_value=0).astype(int).to_dict()
    assert per_article == {name: n for name, (_, n) in truth.items()}
    assert corpus.articles["published"].str.startswith("2005-03-").all()
    assert (corpus.audit["rule"] == "credit-line").sum() == len(truth)
    assert not corpus.documents["text"].str.contains("Reporting by|LONDON").any()


def test_topics_follow_the_stories(wire):
    truth, corpus, embedder = wire
    result = M.fit_topics(corpus.documents, embedder, P.validate({"corpus": "seeds"}))
    docs = result.documents.assign(desk=lambda d: d["article_id"].map(lambda a: truth[a][0]))
    inliers = docs[docs["topic"] != -1]
    assert inliers["topic"].nunique() >= 3
    purity = inliers.groupby("topic")["desk"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(inliers)
    assert purity >= 0.7, purity
