"""A dated corpus of outlets, authors and columns of its own, of the size where the views change their ways (more
than 4,096 documents: the map's UMAP given exact neighbours, per-article mixes of a few paragraphs): the report compares
by source, author and a custom column, reads the time line, finds the planted event, and warns of nothing."""
import importlib.util
import json

import pandas as pd
import pytest
from conftest import ROOT, render_dom

from newstopics import runs

ARTICLES = 1_600  # about 4,800 paragraphs


def _dated_corpus():
    bbc = ROOT.parent / "shared" / "benchmarks" / "bbc_news" / "corpus.tsv"  # bench/dated_corpus.py builds on it
    if not bbc.exists():
        pytest.skip(f"benchmark corpus not found at {bbc} (its texts are for research use: not copied in)")
    spec = importlib.util.spec_from_file_location("dated_corpus", ROOT / "bench" / "dated_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_corpus(ARTICLES, seed=3)


@pytest.fixture(scope="module")
def coverage_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coverage")
    table = _dated_corpus()
    table.to_csv(folder / "dated.csv", index=False)
    return runs.execute({"corpus": str(folder / "dated.csv"), "embedding_model": "static", "stability_runs": 0,
                         "compare_by": ["source", "author", "desk", "region"]}, runs_dir=folder / "runs",
                        progress=False)


@pytest.mark.slow
@pytest.mark.e2e
def test_a_dated_corpus_is_compared_by_any_column_and_read_over_time(coverage_run):
    meta = json.loads((coverage_run / "run.json").read_text())
    assert meta["status"] == "succeeded" and meta["compare_by"] == ["source", "author", "desk", "region"]
    assert meta["corpus"]["documents"] > 4_096 and "desk" in meta["corpus"]["metadata_columns"]
    nb = json.loads((coverage_run / runs.EXECUTED_NOTEBOOK).read_text())
    stderr = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"
              or o["output_type"] == "error"]
    assert stderr == []  # no warning box anywhere in the report, at this size too
    loaded = runs.load_run(coverage_run)
    assert set(loaded.comparisons) == {"source", "author", "desk", "region"}
    by_source = loaded.comparisons["source"]
    assert len(by_source.included) == 4 and by_source.test.p_value < 0.001  # the outlets' desk mixes differ
    assert any("differs by source" in line for line in by_source.sentences())
    assert not loaded.comparisons["desk"].distinctive.empty
    # the planted framing: half of Northern Ledger's sport articles speak of a "stadium subsidy"; inside a sport
    # topic the comparison by source finds it, for that outlet alone
    words = by_source.distinctive[by_source.distinctive["word"].isin(["stadium", "subsidy"])]
    assert not words.empty and set(words["group"]) == {"Northern Ledger"}
    assert any("Northern Ledger's articles use these words more" in line and "“subsidy”" in line
               for line in by_source.sentences())
    # region was dealt independently of everything else (bench/dated_corpus.py): the null control finds nothing
    by_region = loaded.comparisons["region"]
    assert by_region.test.p_value >= 0.05 and not by_region.test.residuals["flagged"].any()
    assert any(line.startswith("No clear difference in the topic mix by region") for line in by_region.sentences())
    assert not any(" use these words more " in line for line in by_region.sentences())  # no word named as a finding
    figs = {p.stem for p in (coverage_run / "figures").glob("*.html")}
    assert {f"compare_{c}_{v}" for c in ("source", "author", "desk") for v in ("prevalence", "residuals", "words")} \
        <= figs
    # the planted event: the tech desk's volume triples in March 2024. At this size tech shares a theme with sport
    # and culture, so the rise is listed at the topic level: a tech topic, with the headlines that carry it
    time = loaded.time
    assert {"shares", "theme_shares", "words", "changes", "theme_changes", "periods"} <= set(time)
    assert (time["shares"]["topic"] != -1).all()  # outliers are never a line
    changes = pd.concat([time["changes"], time["theme_changes"]])
    rises = changes[(changes["direction"] == "rise") & (changes["period"] == "2024-03")]
    assert not rises.empty and (rises["title_1"].fillna("") != "").all() and (rises["change"] >= 0.10).all()
    tech = {"phone", "mobile", "broadband", "software", "computer", "technology", "net", "user", "game", "digital"}
    assert any(tech & set(label.lower().replace("·", " ").split()) for label in rises["label"])
    # the other months: nothing planted, nothing listed as rising in the tech topic of March
    assert not ((changes["period"] != "2024-03") & changes["label"].isin(rises["label"])
                & (changes["direction"] == "rise") & (changes["change"] >= 0.25)).any()
    assert {"themes_over_time", "topics_over_time", "changes_over_time", "words_over_time"} <= figs
    assert "topics_per_article" in figs  # articles of 2 to 4 paragraphs: the per-article mix is worth drawing


@pytest.mark.browser
@pytest.mark.slow
def test_the_coverage_report_draws_every_chart_offline(coverage_run, tmp_path):
    html = (coverage_run / runs.REPORT).read_text()
    assert runs.external_references(html) == []
    nb = json.loads((coverage_run / runs.EXECUTED_NOTEBOOK).read_text())
    n_figures = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for c in nb["cells"]
                    for o in c.get("outputs", []))
    dom = render_dom(coverage_run / runs.REPORT, tmp_path)
    assert n_figures >= 20 and dom.count('class="plot-container plotly"') == n_figures
