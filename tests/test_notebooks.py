"""The notebooks outside the CLI: papermill from any folder, true run statuses, refusals, render, curate, load_run.

Each papermill run here is a real kernel on the seed articles with the packaged model (PCA, no stability refits,
no baselines, to keep the suite quick); the runs folder is a temporary one (``NEWSTOPICS_RUNS_DIR``).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, SEEDS
from sklearn.metrics import adjusted_rand_score

from newstopics import paths, runs
from newstopics.corpus import load_corpus
from newstopics.model import assign_topics

QUICK = ["-p", "reducer", "pca", "-p", "stability_runs", "0", "-p", "baselines", "False"]
CLI = [sys.executable, "-m", "newstopics.cli"]


def _papermill(args: list[str], cwd: Path, runs_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSTOPICS_RUNS_DIR": str(runs_dir)}
    return subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _stderr_outputs(notebook: Path) -> list[str]:
    nb = json.loads(notebook.read_text())
    return ["".join(o.get("text", "")) or o.get("ename", "") for c in nb["cells"] for o in c.get("outputs", [])
            if o.get("name") == "stderr" or o["output_type"] == "error"]


@pytest.mark.slow
@pytest.mark.e2e
def test_papermill_from_the_notebooks_folder_finds_the_seeds_and_the_runs_folder(tmp_path, seeds_run):
    """A kernel started in notebooks/ (as JupyterLab starts it): the default corpus is still the project's seeds."""
    out = tmp_path / "executed.ipynb"
    done = _papermill(["topics.ipynb", str(out), *QUICK], ROOT / "notebooks", tmp_path / "runs")
    assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = (tmp_path / "runs").iterdir()
    meta = runs.read_run_json(folder)
    assert meta["status"] == "succeeded" and meta["params"]["corpus"] == str(SEEDS)
    assert meta["process"]["pid"] != os.getpid() and meta["process"]["host"]
    assert _stderr_outputs(out) == []
    # the executed notebook is elsewhere: render says what to pass, then renders with it
    refused = subprocess.run([*CLI, "render", str(folder)], capture_output=True, text=True)
    assert refused.returncode == 2 and "--notebook" in refused.stderr
    other = subprocess.run([*CLI, "render", str(folder), "--notebook", str(seeds_run / runs.EXECUTED_NOTEBOOK)],
                           capture_output=True, text=True)  # another run's notebook: refused
    assert other.returncode == 2 and "is not the notebook of run" in other.stderr
    assert not (folder / runs.REPORT).exists() and not (folder / runs.EXECUTED_NOTEBOOK).exists()
    rendered = subprocess.run([*CLI, "render", str(folder), "--notebook", str(out)], capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    html = (folder / runs.REPORT).read_text()
    assert runs.external_references(html) == [] and "js-plotly-plot" in html


@pytest.mark.slow
@pytest.mark.e2e
def test_papermill_from_the_root_into_its_own_output_dir_then_render(tmp_path):
    """papermill writing its notebook into the run's own output_dir: accepted, and `render RUN` finds it."""
    target = tmp_path / "my-run"
    target.mkdir()  # papermill writes only into an existing folder
    done = _papermill(["notebooks/topics.ipynb", str(target / "notebook.ipynb"), "-p", "output_dir", str(target),
                       *QUICK], ROOT, tmp_path / "runs")
    assert done.returncode == 0, done.stderr[-3000:]
    meta = runs.read_run_json(target)
    assert meta["status"] == "succeeded" and (target / "topics.csv").exists()
    assert not (tmp_path / "runs").exists()  # output_dir was used, nothing went to the runs folder
    rendered = subprocess.run([*CLI, "render", str(target)], capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    report = (target / runs.REPORT).read_bytes()
    # the same command again: papermill rewrites its notebook before the kernel refuses the finished run; the
    # run's tables stay, and render refuses that notebook rather than make a report of a run that never was
    tables = {p.name: p.read_bytes() for p in target.glob("*.csv")}
    again = _papermill(["notebooks/topics.ipynb", str(target / "notebook.ipynb"), "-p", "output_dir", str(target),
                        *QUICK], ROOT, tmp_path / "runs")
    assert again.returncode != 0 and "runs never overwrite each other" in again.stderr
    assert {p.name: p.read_bytes() for p in target.glob("*.csv")} == tables
    assert runs.read_run_json(target)["status"] == "succeeded"
    refused = subprocess.run([*CLI, "render", str(target)], capture_output=True, text=True)
    assert refused.returncode == 2 and (target / runs.REPORT).read_bytes() == report


@pytest.mark.slow
@pytest.mark.e2e
def test_papermill_into_a_finished_run_is_refused_and_leaves_it_untouched(seeds_run, tmp_path):
    before = _digest(seeds_run)
    done = _papermill(["notebooks/topics.ipynb", str(tmp_path / "out.ipynb"), "-p", "output_dir", str(seeds_run),
                       *QUICK], ROOT, tmp_path / "runs")
    assert done.returncode != 0
    assert "runs never overwrite each other" in done.stderr
    assert _digest(seeds_run) == before


def test_a_run_killed_with_sigkill_is_listed_as_abandoned(tmp_path):
    script = ("import sys, time\nfrom newstopics import params, runs\n"
              f"run = runs.Run.open(params.validate({{'corpus': {str(SEEDS)!r}}}))\n"
              "print(run.folder, flush=True)\ntime.sleep(120)\n")
    env = {**os.environ, "NEWSTOPICS_RUNS_DIR": str(tmp_path / "runs")}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    folder = Path(proc.stdout.readline().strip())
    assert runs.list_runs(tmp_path / "runs").loc[0, "status"] == "running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert runs.read_run_json(folder)["status"] == "running"  # the process could not say anything
    listed = runs.list_runs(tmp_path / "runs")
    assert listed.loc[0, "status"] == "abandoned"
    assert runs.compare_runs([str(folder)]).loc[0, "status"] == "abandoned"
    shown = subprocess.run([*CLI, "runs", "--runs-dir", str(tmp_path / "runs")], capture_output=True, text=True)
    assert shown.returncode == 0 and "abandoned" in shown.stdout
    with pytest.raises(ValueError, match="abandoned"):
        runs.load_run(folder)


def test_load_run_gives_tables_embeddings_and_model(seeds_run, packaged_embedder):
    data = runs.load_run(seeds_run)
    assert len(data.documents) == data.embeddings.shape[0] > 50
    assert data.embeddings.shape[1] == packaged_embedder.embed(["a sentence"]).shape[1]
    assert set(data.tables) >= {"documents", "topics", "articles", "cleaning", "metrics"}
    assert data.params.corpus == str(SEEDS) and data.sizing.n_documents == len(data.documents)
    # the saved run labels its own corpus exactly as documents.csv does, outliers included (not BERTopic's
    # nearest-mean rule: the topics came from a neighbour graph)
    again = assign_topics(data.model, load_corpus(SEEDS).documents, data.embedder, data.topics, data.themes,
                          fitted=(data.embeddings, data.documents["topic"]))
    assert adjusted_rand_score(data.documents["topic"], again.documents["topic"]) == 1.0
    assert again.documents["topic"].tolist() == data.documents["topic"].tolist()
    assert again.documents["theme"].tolist() == data.documents["theme"].tolist()


def test_a_run_is_loaded_only_with_the_model_files_it_recorded(seeds_run, tmp_path):
    """run.json records the content hash of the model's files; a run whose record differs from the files here is
    refused, naming both identities; a run made before the hash was recorded loads, with a note that it was not
    checked."""
    import shutil

    meta = runs.read_run_json(seeds_run)["embedding"]
    assert len(meta["sha256"]) == 64 and meta["identity"].endswith(meta["sha256"][:16])
    assert runs.load_run(seeds_run).embedder.checked.startswith(f"same model files as run {seeds_run.name}")
    other = tmp_path / seeds_run.name
    shutil.copytree(seeds_run, other)
    runs.update_run_json(other, embedding={**meta, "sha256": "0" * 64, "identity": "all-MiniLM-L6-v2-0000000000000000"})
    with pytest.raises(runs.EmbeddingMismatchError) as refused:
        runs.load_run(other)
    assert "identity all-MiniLM-L6-v2-0000000000000000" in str(refused.value)
    assert f"now have identity {meta['identity']}" in str(refused.value) and "fit a new run" in str(refused.value)
    tables_only = runs.load_run(other, check_model=False)  # the tables still load; the model is not handed out
    assert len(tables_only.documents) > 50
    with pytest.raises(runs.EmbeddingMismatchError):
        tables_only.model  # noqa: B018
    older = runs.read_run_json(other)
    older["embedding"] = {k: v for k, v in meta.items() if k != "sha256"}  # what runs recorded before the hash
    (other / runs.RUN_JSON).write_text(json.dumps(older))
    old = runs.load_run(other)
    assert old.embedder.checked.startswith("not checked") and old.model.get_topic(0)


@pytest.mark.slow
@pytest.mark.e2e
def test_a_run_whose_model_files_changed_is_refused_by_assign_curate_and_load_run(tmp_path):
    """A run fitted with a copy of the packaged model; 4 MiB in the middle of the copy's weights then change (its
    size, first and last MiB stay): assign and curate stop with both identities and what to do."""
    from conftest import change_the_middle, copy_of_the_packaged_model

    from newstopics import params as P
    from newstopics.embed import model_identity
    from newstopics.paths import notebook

    model = copy_of_the_packaged_model(tmp_path)
    fitted = runs.execute({"corpus": str(SEEDS), "embedding_model": str(model), "reducer": "pca",
                           "stability_runs": 0, "baselines": False}, runs_dir=tmp_path / "runs", progress=False)
    recorded = runs.read_run_json(fitted)["embedding"]
    before = recorded["identity"]
    assert recorded["path"] == str(model) and before == model_identity("all-MiniLM-L6-v2")
    assert runs.load_run(fitted).embedder.checked.startswith("same model files")
    # while the files are the same, the assign notebook labels the run's own corpus exactly as its documents.csv,
    # outliers included
    same = runs.execute({"model_run": str(fitted), "corpus": str(SEEDS)}, notebook=notebook("assign"),
                        validate=P.validate_assign, runs_dir=tmp_path / "same", progress=False)
    mine = pd.read_csv(fitted / "documents.csv", keep_default_na=False)
    again = pd.read_csv(same / "documents.csv", keep_default_na=False)
    assert again["doc_id"].tolist() == mine["doc_id"].tolist()
    assert again["topic"].tolist() == mine["topic"].tolist()
    assert adjusted_rand_score(mine["topic"], again["topic"]) == 1.0
    change_the_middle(model / "model.safetensors")
    after = model_identity(str(model))
    assert after != before
    with pytest.raises(runs.RunError, match="EmbeddingMismatchError"):
        runs.execute({"model_run": str(fitted), "corpus": str(SEEDS)}, notebook=notebook("assign"),
                     validate=P.validate_assign, runs_dir=tmp_path / "assign", progress=False)
    with pytest.raises(runs.RunError, match="EmbeddingMismatchError"):
        runs.execute({"run": str(fitted), "drop": "[0]"}, notebook=notebook("curate"), validate=P.validate_curate,
                     runs_dir=tmp_path / "curate", progress=False)
    for kind in ("assign", "curate"):
        (refused,) = (tmp_path / kind).iterdir()
        meta = runs.read_run_json(refused)
        assert meta["status"] == "failed", kind
        assert f"identity {before}" in meta["error"] and f"now have identity {after}" in meta["error"], meta["error"]
        assert str(model) in meta["error"] and "Use the same model files" in meta["error"]
    with pytest.raises(runs.EmbeddingMismatchError, match=after):
        runs.load_run(fitted)


@pytest.mark.slow
@pytest.mark.e2e
def test_curate_writes_a_new_run_and_leaves_the_parent_unchanged(seeds_run, monkeypatch):
    parent_topics = pd.read_csv(seeds_run / "topics.csv", keep_default_na=False)
    ids = sorted(t for t in parent_topics["topic"] if t != -1)
    assert len(ids) >= 4
    before = _digest(seeds_run)
    done = subprocess.run([*CLI, "curate", "--quiet", "--run", str(seeds_run), "--runs-dir", str(seeds_run.parent),
                           "-p", f"merge=[[{ids[0]},{ids[1]}]]",
                           "-p", f'rename={{"{ids[2]}": "Named by hand"}}', "-p", f"drop=[{ids[-1]}]"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Kernel is running over TCP" not in done.stderr  # our runs talk to their kernel over IPC
    assert _digest(seeds_run) == before
    (child,) = [p for p in seeds_run.parent.iterdir() if p.is_dir() and p != seeds_run and "curated" in p.name]
    meta = runs.read_run_json(child)
    assert meta["status"] == "succeeded" and meta["parent_run"] == seeds_run.name
    assert meta["curation"]["merge"] == [[ids[0], ids[1]]]
    topics = pd.read_csv(child / "topics.csv", keep_default_na=False)
    assert len(topics[topics["topic"] != -1]) == len(ids) - 2
    merged = topics[topics["parent_topics"] == f"{ids[0]} {ids[1]}"]
    counts = parent_topics.set_index("topic")["count"]
    assert merged["count"].item() == counts[ids[0]] + counts[ids[1]]
    assert topics.loc[topics["parent_topics"] == str(ids[2]), "label"].item() == "Named by hand"
    docs = pd.read_csv(child / "documents.csv", keep_default_na=False)
    parent_docs = pd.read_csv(seeds_run / "documents.csv", keep_default_na=False)
    dropped = parent_docs["topic"] == ids[-1]
    assert (docs.loc[dropped, "topic"] == -1).all()
    assert (child / runs.REPORT).exists() and _stderr_outputs(child / runs.EXECUTED_NOTEBOOK) == []
    assert (child / "articles.csv").read_bytes() == (seeds_run / "articles.csv").read_bytes()
    monkeypatch.setenv(paths.RUNS_ENV, str(seeds_run.parent))
    loaded = runs.load_run(child.name)  # a run id is enough; a curated run loads like any other
    assert loaded.params == runs.load_run(seeds_run).params
    assert loaded.model.get_topic(0)


def test_curate_refuses_unknown_topic_ids(seeds_run):
    done = subprocess.run([*CLI, "curate", "--run", str(seeds_run), "-p", "drop=[999]"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2 and "999" in done.stderr and "not topics of run" in done.stderr


def test_paths_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.RUNS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.runs_dir() == ROOT / "outputs" / "runs"
    assert paths.find_corpus("seeds")[0] == SEEDS
    (tmp_path / "seeds").mkdir()  # a user's own folder of that name, where they stand, is theirs
    assert paths.find_corpus("seeds")[0] == tmp_path / "seeds"
    monkeypatch.setenv(paths.RUNS_ENV, str(tmp_path / "elsewhere"))
    assert paths.runs_dir() == tmp_path / "elsewhere"


def test_articles_not_in_the_models_language_are_flagged_or_dropped(tmp_path):
    for name in ("000_a1bbf47d87e3effc.txt", "003_394bc3226b01ef41.txt"):
        (tmp_path / name).write_bytes((SEEDS / name).read_bytes())
    french = next((FIXTURES / "languages").iterdir())
    (tmp_path / french.name).write_bytes(french.read_bytes())
    kept = load_corpus(tmp_path, min_documents=1)
    languages = dict(zip(kept.articles_table()["title"], kept.articles_table()["language"], strict=True))
    assert sorted(languages.values()) == ["en", "en", "fr"]
    dropped = load_corpus(tmp_path, min_documents=1, languages={"en"})
    assert sorted(dropped.articles_table()["language"]) == ["en", "en"]
    assert any("other_languages=drop" in s["reason"] and french.name in s["item"] for s in dropped.skipped)
    assert len(dropped.documents) < len(kept.documents)


def test_in_jupyterlab_only_a_failing_stage_ends_a_run(tmp_path, monkeypatch):
    """A scratch cell that fails leaves the run open; a failing stage ends it; Run All again ends an open run."""
    from IPython.core.interactiveshell import InteractiveShell

    from newstopics import params

    monkeypatch.setenv("JPY_SESSION_NAME", str(ROOT / "notebooks" / "topics.ipynb"))  # what JupyterLab sets
    monkeypatch.delenv("NEWSTOPICS_BATCH", raising=False)
    monkeypatch.setenv(paths.RUNS_ENV, str(tmp_path / "runs"))
    shell = InteractiveShell.instance()
    try:
        shell.user_ns["cfg"] = params.validate({"corpus": str(SEEDS)})
        shell.run_cell("from newstopics.runs import Run\nrun = Run.open(cfg)")
        first = shell.user_ns["run"].folder
        shell.run_cell("1 / 0")  # a scratch cell
        assert runs.read_run_json(first)["status"] == "running"
        shell.run_cell("with run.stage('topics'):\n    raise ValueError('no topics')")
        meta = runs.read_run_json(first)
        assert meta["status"] == "failed" and meta["error"] == "ValueError: no topics"
        shell.run_cell("run = Run.open(cfg)")
        second = shell.user_ns["run"].folder
        shell.run_cell("run = Run.open(cfg)")  # Run All again before the second run reached run.finish()
        assert runs.read_run_json(second)["status"] == "interrupted"
        shell.run_cell("run.finish()")
        assert runs.read_run_json(shell.user_ns["run"].folder)["status"] == "succeeded"
    finally:
        InteractiveShell.clear_instance()
