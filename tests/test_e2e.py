"""The real thing: the notebook through papermill with the packaged model on the seeds,
the report rendered by nbconvert and drawn by headless Chromium with no network."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, SEEDS, render_dom

from newstopics import corpus as C
from newstopics import model as M
from newstopics import params as P
from newstopics import runs
from newstopics.embed import Embedder
from newstopics.paths import notebook

pytestmark = pytest.mark.e2e


def test_run_folder_contract(seeds_run):
    names = {p.name for p in seeds_run.iterdir()}
    assert {
        "report.html",
        "notebook.ipynb",
        "documents.csv",
        "topics.csv",
        "run.json",
        "model",
        "articles.csv",
        "cleaning.csv",
    } <= names
    assert not any(n.endswith(".partial") for n in os.listdir(seeds_run.parent))
    meta = json.loads((seeds_run / "run.json").read_text())
    assert meta["status"] == "succeeded" and meta["error"] is None
    assert meta["run_id"] == seeds_run.name
    assert meta["params"]["corpus"] == str(SEEDS)
    assert meta["versions"]["bertopic"] and meta["versions"]["torch"].startswith("2.13.0")
    assert {i["file"] for i in meta["inputs"]} == {p.name for p in SEEDS.iterdir()} - {"manifest.csv"}
    timings = meta["timings"]
    stages = ("cluster", "corpus", "topics", "figures", "evaluation", "save")
    assert set(stages) | {"notebook_s", "render_s", "embed_s", "fit_s"} <= set(timings)
    # the stages are timed one after another inside the notebook's own time; the fit is inside the topics stage
    assert sum(timings[s] for s in stages) <= timings["notebook_s"] and timings["fit_s"] <= timings["topics"]
    assert timings["topics"] > 0.5 and timings["evaluation"] > 0.1  # a real fit and a real evaluation ran
    memory = meta["memory_mib"]  # the kernel's peak so far at the end of each stage
    assert (
        list(memory) == ["cluster", "corpus", "topics", "figures", "evaluation", "save"]
        and 100 < memory["corpus"] <= memory["save"]
    )
    held = meta["held_mib"]  # what it still held after each stage
    assert list(held) == list(memory) and all(50 < held[s] <= memory[s] + 1 for s in held)
    assert meta["embedding"]["name"] == "all-MiniLM-L6-v2"
    # a batch run takes every speed-up, and says so
    notes = meta["speedups"]
    assert notes["bertopic_import"].startswith("optional back-ends hidden")
    assert notes["umap_distances"].startswith("vectorised")
    assert notes["numba_cache"].split()[0].isdigit() and notes["papermill_engine"].startswith("saves at most")


def test_the_kernel_leaves_no_temporary_folder(seeds_run, run_tempdir):
    """The kernel's IPC sockets live in a folder of their own in the temporary folder, removed when it ends."""
    assert (seeds_run / "run.json").is_file()
    assert not list(run_tempdir.glob("newstopics-kernel-*"))


def test_tables(seeds_run):
    docs = pd.read_csv(seeds_run / "documents.csv", keep_default_na=False)
    topics = pd.read_csv(seeds_run / "topics.csv", keep_default_na=False)
    assert {"doc_id", "article_id", "text", "theme", "topic", "agreement", "nearest_topic", "title", "published",
            "source"} <= set(docs.columns)
    themes = pd.read_csv(seeds_run / "themes.csv", keep_default_na=False)
    assert themes["count"].sum() == (docs["topic"] != -1).sum() and len(themes) >= 1  # every topic in one theme
    assert {"topic", "count", "label", "top_words"} <= set(topics.columns)
    assert set(docs["article_id"]) == {p.name for p in SEEDS.glob("*.txt")}
    real = topics[topics["topic"] != -1]
    assert len(real) > 2
    assert real["label"].str.len().between(3, 90).all() and real["label"].is_unique
    assert topics["count"].sum() == len(docs)
    assert docs.groupby("topic").size().to_dict() == topics.set_index("topic")["count"].to_dict()


def test_no_pickle_and_model_reloads_offline(seeds_run):
    assert not [p for p in seeds_run.rglob("*") if p.suffix in (".pkl", ".pickle", ".bin", ".pt", ".joblib")]
    embedder = Embedder()
    model = M.load_model(seeds_run / "model", embedder)
    assert model.embedding_model is embedder  # the local model, not a name to fetch
    saved = pd.read_csv(seeds_run / "topics.csv")
    assert sorted(model.get_topics()) == sorted(saved["topic"])
    for row in saved.itertuples():
        assert [w for w, _ in model.get_topic(row.topic)][:3] == row.top_words.split(", ")[:3]


def test_model_loader_refuses_pickles(seeds_run, tmp_path):

    bad = tmp_path / "model"
    shutil.copytree(seeds_run / "model", bad)
    (bad / "topic_embeddings.bin").write_bytes(b"\x80\x04N.")
    with pytest.raises(ValueError, match="refusing to load"):
        M.load_model(bad, Embedder())


@pytest.mark.browser
def test_report_renders_every_chart_offline(seeds_run, tmp_path):
    html = (seeds_run / "report.html").read_text()
    assert runs.external_references(html) == []
    assert "def " not in html.split("<body", 1)[1][:2000]  # code cells are excluded
    nb = nbformat.read(str(seeds_run / "notebook.ipynb"), as_version=4)
    n_figures = sum(
        "application/vnd.plotly.v1+json" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])
    )
    exported = sorted(p.stem for p in (seeds_run / "figures").glob("*.html"))
    assert n_figures == len(exported) == len(VIEWS)
    # plotly.js is in the page once, not in the notebook (which papermill rewrites as cells finish)
    assert html.count("plotly.js v") == 1 and (seeds_run / "notebook.ipynb").stat().st_size < 2_000_000
    dom = render_dom(seeds_run / "report.html", tmp_path)
    assert dom.count('class="plot-container plotly"') == n_figures  # plotly.js ran and drew each chart
    assert dom.count('class="main-svg"') >= n_figures
    for title in VIEWS.values():
        assert f">{title}<" in dom, title
    assert "too few or too spread out for topics over time: 34 documents from 2 articles" in dom  # why, not a chart
    assert "The topic mix is not compared by source: fewer than two groups are large enough" in dom


VIEWS = {  # exported name -> chart title; the seeds name two sources; two dated articles are too few for time
    "topic_words": "Top words per topic",
    "intertopic_map": "Intertopic distance map",
    "topic_similarity": "Topic similarity",
    "topic_hierarchy": "Topic hierarchy",
    "document_map": "Documents by topic",
    "topics_per_article": "Topic mix per article",
}


def test_every_view_is_exported_with_its_data(seeds_run):
    figs = seeds_run / "figures"
    assert {p.stem for p in figs.glob("*.html")} == set(VIEWS)
    assert (figs / "plotly.min.js").exists()
    for name in (
        "topic_words",
        "intertopic_map",
        "document_map",
        "topics_per_article",
    ):
        assert len(pd.read_csv(figs / f"{name}.csv")) > 0, name
    html = (figs / "topic_words.html").read_text()
    assert runs.external_references(html) == [] and 'src="plotly.min.js"' in html


def test_metrics_baselines_and_stability_are_recorded(seeds_run):
    meta = json.loads((seeds_run / "run.json").read_text())["evaluation"]
    models = {r["model"]: r for r in meta["scores"]}
    assert set(models) == {"BERTopic", "BERTopic, lift only", "NMF", "LDA"}
    assert models["NMF"]["topics"] == models["BERTopic"]["topics"] == models["LDA"]["topics"]
    assert "half B" in meta["protocol"] and meta["halves"]["half_a"] + meta["halves"]["half_b"] == len(
        pd.read_csv(seeds_run / "documents.csv"))
    metrics = pd.read_csv(seeds_run / "metrics.csv")  # the same figures in the table and in run.json
    assert metrics.set_index("model")["npmi"].to_dict() == pytest.approx({m: r["npmi"] for m, r in models.items()})
    stab = meta["stability"]
    assert len(stab["seeds"]) == P.DEFAULTS.stability_runs
    # the seeds' topics are stable under refits (pairwise ARI about 0.9 measured), and the verdict says so
    assert stab["ari_min"] >= 0.8 and stab["verdict"] == "stable" and stab["ari_mean"] >= stab["ari_min"]
    assert meta["terms"].startswith("each model is scored on")
    quality = pd.read_csv(seeds_run / "topic_quality.csv")
    assert {"topic", "label", "count", "npmi_in_sample", "c_v_in_sample", "reappears", "word_overlap",
            "stable"} <= set(quality.columns)
    assert pd.read_csv(seeds_run / "metrics.csv")["model"].tolist() == ["BERTopic", "BERTopic, lift only", "NMF", "LDA"]


def test_same_parameters_same_topics(seeds_run):
    """Refit in this process with the run's parameters: identical assignments (reproducibility across processes)."""
    meta = json.loads((seeds_run / "run.json").read_text())
    params = P.validate({k: v for k, v in meta["params"].items() if k != "output_dir"})
    embedder = Embedder()
    corpus = C.load_corpus(
        params.corpus, params.doc_unit, max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens
    )
    result = M.fit_topics(corpus.documents, embedder, params)
    saved = pd.read_csv(seeds_run / "documents.csv", keep_default_na=False)
    assert embedder.stats["misses"] == 0  # the run filled the cache: nothing re-embedded
    assert result.documents["text"].tolist() == saved["text"].tolist()
    assert np.array_equal(result.documents["topic"].to_numpy(), saved["topic"].to_numpy())


@pytest.mark.slow
def test_notebook_failure_leaves_a_failed_run_folder(tmp_path, short_tmp, monkeypatch):
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "a.txt").write_text("Title\n\nOnly one paragraph here, about open models and chips and prices.\n")
    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))  # what $TMPDIR sets, for this run only
    with pytest.raises(runs.RunError, match="too small to model") as err:
        runs.execute({"corpus": str(tiny)}, runs_dir=tmp_path / "runs", progress=False)
    assert not list(short_tmp.iterdir())  # the failed kernel's IPC folder is gone too
    folders = list((tmp_path / "runs").iterdir())
    assert len(folders) == 1 and str(folders[0]) in str(err.value)
    meta = json.loads((folders[0] / "run.json").read_text())
    assert meta["status"] == "failed" and "CorpusError" in meta["error"]
    assert (folders[0] / "notebook.ipynb").exists() and (folders[0] / "report.html").exists()


def test_bad_parameter_stops_before_anything_runs(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "newstopics.cli",
            "report",
            "--corpus",
            str(SEEDS),
            "--runs-dir",
            str(tmp_path / "r"),
            "-p",
            "min_topic_sise=5",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2
    assert "unknown parameter(s) 'min_topic_sise'" in out.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_plain_papermill_run_with_a_bad_parameter_fails_in_the_first_cell(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(ROOT / "notebooks" / "topics.ipynb"),
            str(tmp_path / "out.ipynb"),
            "-p",
            "corpus",
            str(FIXTURES / "messy"),
            "-p",
            "doc_unit",
            "chapter",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode != 0
    nb = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ParameterError" and "'doc_unit'" in errors[0]["evalue"]
    assert not (tmp_path / "outputs").exists()  # nothing was created before the check


STEERED = {
    "reducer": "pca",
    "stability_runs": 0,
    "outlier_strategy": "c-tf-idf",
    "seed_topics": [["privacy", "security", "data"], ["chips", "export", "semiconductor"]],
    "zeroshot_topics": ["Prices and cost of AI models", "AI chips and export controls"],
}


@pytest.fixture(scope="module")
def steered_run(tmp_path_factory):
    """Guided, zero-shot and outlier reassignment, all passed as papermill parameters."""
    return runs.execute({"corpus": str(SEEDS), **STEERED}, runs_dir=tmp_path_factory.mktemp("steered"), progress=False)


@pytest.mark.slow
def test_guided_and_zeroshot_run(steered_run):
    meta = json.loads((steered_run / "run.json").read_text())
    assert meta["status"] == "succeeded"
    assert (
        meta["params"]["seed_topics"] == STEERED["seed_topics"]
        and meta["params"]["zeroshot_topics"] == STEERED["zeroshot_topics"]
    )
    topics = pd.read_csv(steered_run / "topics.csv", keep_default_na=False)
    named = topics[topics["origin"] == "named (zero-shot)"]
    assert set(named["label"]) <= set(STEERED["zeroshot_topics"]) and len(named) >= 1
    docs = pd.read_csv(steered_run / "documents.csv", keep_default_na=False)
    assert (docs["topic"] == -1).mean() < 0.05  # outliers were reassigned
    loaded = runs.load_run(steered_run).documents  # the reassigned flag is saved and read back as a flag
    assert loaded["reassigned"].dtype == bool and loaded["agreement"][loaded["reassigned"]].isna().all()
    html = (steered_run / "report.html").read_text()
    assert "before reassignment by" in html and "guided by 2 seed word lists" in html


@pytest.mark.slow
def test_saved_model_labels_new_articles_offline(steered_run, tmp_path):
    folder = runs.execute(
        {"model_run": str(steered_run), "corpus": str(FIXTURES / "messy")},
        notebook=notebook("assign"),
        validate=P.validate_assign,
        runs_dir=tmp_path,
        progress=False,
    )
    meta = json.loads((folder / "run.json").read_text())
    assert meta["status"] == "succeeded" and meta["model_run_id"] == steered_run.name
    docs = pd.read_csv(folder / "documents.csv", keep_default_na=False)
    known = pd.read_csv(steered_run / "topics.csv", keep_default_na=False)
    assert set(docs["article_id"]) == {"latin1_kimi.txt", "qwen_page.html", "wire_chips.txt"}
    assert set(docs["label"]) <= set(known["label"])
    assert (folder / "report.html").exists() and runs.external_references((folder / "report.html").read_text()) == []


def test_assign_refuses_a_folder_without_a_model(tmp_path):
    with pytest.raises(P.ParameterError, match="model_run"):
        P.validate_assign({"model_run": str(tmp_path), "corpus": str(FIXTURES / "messy")})


@pytest.mark.slow
def test_sweep_runs_each_combination_and_ranks_them(tmp_path):
    config = {
        "name": "t",
        "base": {"corpus": str(SEEDS), "reducer": "pca", "stability_runs": 1},
        "grid": {"min_topic_size": [4, 6]},
    }
    page = runs.sweep(config, runs_dir=tmp_path / "runs", sweeps_dir=tmp_path / "sweeps", progress=False)
    members = sorted((tmp_path / "runs").iterdir())
    assert len(members) == 2 and all(json.loads((m / "run.json").read_text())["status"] == "succeeded" for m in members)
    table = pd.read_csv(page / "comparison.csv")
    assert sorted(table["min_topic_size"]) == [4, 6] and "reducer" not in table.columns  # only what varied
    assert sorted(table["rank"]) in ([1.0, 2.0], [1.0, 1.0])
    html = (page / "report.html").read_text()
    for m in members:  # each run id links to that run's report, as a link (not escaped text)
        assert f'<a href="../../runs/{m.name}/report.html">{m.name}</a>' in html
    assert "&lt;a href" not in html and '"pca"' not in html


def test_sweep_file_is_checked_before_any_run(tmp_path):
    with pytest.raises(P.ParameterError, match="min_topic_size"):
        runs.sweep(
            {"base": {"corpus": str(SEEDS)}, "grid": {"min_topic_size": [4, 1]}},
            runs_dir=tmp_path / "r",
            sweeps_dir=tmp_path / "s",
        )
    with pytest.raises(P.ParameterError, match="unknown key"):
        P.grid({"grid": {"min_topic_size": [4]}, "bsae": {}})
    assert not (tmp_path / "r").exists()
