"""Embedding on a real Dask cluster: a LocalCluster of two worker processes, the packaged model, the seed articles.

One cluster serves the module's tests (starting one takes a few seconds); each test checks the vectors against the
in-process encoder, so "the same result" means the same numbers, not only the same shape.
"""
from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS

from newstopics import cluster
from newstopics import params as P
from newstopics.corpus import load_corpus
from newstopics.embed import Embedder, workers


@pytest.fixture(scope="module")
def client():
    client = cluster.start("local:2")
    yield client
    cluster.stop()


@pytest.fixture(scope="module")
def texts():
    return load_corpus(SEEDS).documents["text"].tolist()


def _in_process(texts):
    return Embedder(use_cache=False, show_progress=False).encode(texts)


def test_cluster_values_are_checked():
    assert P.validate({"cluster": "local:2"}, check_corpus=False).cluster == "local:2"
    assert P.validate({"cluster": "tcp://10.0.0.5:8786"}, check_corpus=False).cluster == "tcp://10.0.0.5:8786"
    for bad in ("local:0", "local", "dask", "tcp://nohost"):
        with pytest.raises(P.ParameterError, match="cluster"):
            P.validate({"cluster": bad}, check_corpus=False)


def test_the_notebooks_cluster_note_links_the_dashboard_as_one_markdown_link():
    from newstopics.figures.narrative import cluster_note

    info = {"scheduler": "tcp://127.0.0.1:8786", "workers": 2, "threads": 4,
            "dashboard": "http://127.0.0.1:8787/proxy (a)/status"}
    note = cluster_note(info)
    assert "[dashboard](http://127.0.0.1:8787/proxy%20%28a%29/status)" in note and "2 workers, 4 threads" in note
    assert "dashboard" not in cluster_note({**info, "dashboard": None})
    assert "assigned" not in cluster_note(info, "assign") and cluster_note({"scheduler": None}) == ""


@pytest.mark.slow
@pytest.mark.cluster
def test_workers_embed_what_this_process_would(client, texts):
    info = cluster.describe(client)
    assert info["workers"] == 2 and info["threads"] == 2 and info["scheduler"].startswith("tcp://")
    on_workers = Embedder(use_cache=False, show_progress=False, client=client).encode(texts)
    assert on_workers.shape == (len(texts), 384)
    np.testing.assert_allclose(on_workers, _in_process(texts), atol=2e-6)


@pytest.mark.slow
@pytest.mark.cluster
def test_a_worker_killed_mid_embedding_loses_nothing(client, texts):
    many = [f"{t} ({i})" for i in range(4) for t in texts]  # 8 chunks of 72 documents, about a second each
    pids = client.run(os.getpid)
    embedder = Embedder(use_cache=False, show_progress=False, client=client)
    futures = client.map(workers._encode_chunk, [(Embedder, embedder.name, None, embedder.max_tokens)] * 8,
                         [many[i::8] for i in range(8)], pure=False)
    deadline = time.time() + 60
    while not any(client.processing().values()) and time.time() < deadline:
        time.sleep(0.05)
    victim = next(address for address, tasks in client.processing().items() if tasks)
    os.kill(pids[victim], signal.SIGKILL)  # a worker with a chunk in hand
    results = client.gather(futures)
    expected = _in_process(many)
    for i, (identity, chunk) in enumerate(results):
        assert identity == embedder.key
        np.testing.assert_allclose(chunk, expected[i::8], atol=2e-6)
    # the worker that replaced the dead one imported the project as it joined, before any work
    client.wait_for_workers(2, timeout=60)
    imported = client.run(_imported_before_any_task)
    assert len(imported) == 2 and all(imported.values()), imported


def _imported_before_any_task(dask_worker):
    import sys

    from newstopics.preload import MODULES

    return all(m in sys.modules for m in MODULES) and "newstopics-preload" in dask_worker.plugins


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.e2e
def test_a_report_on_a_local_cluster_gives_the_in_process_topics(tmp_path):
    import json
    import subprocess
    import sys

    from sklearn.metrics import adjusted_rand_score

    quick = ["-p", "reducer=pca", "-p", "stability_runs=0", "-p", "baselines=false"]
    folders = {}
    for name, extra in (("here", []), ("cluster", ["-p", "cluster=local:2"])):
        env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(tmp_path / f"cache-{name}")}  # both embed everything
        done = subprocess.run([sys.executable, "-m", "newstopics.cli", "report", "--quiet", "--corpus", str(SEEDS),
                               "--runs-dir", str(tmp_path / name), *quick, *extra], capture_output=True, text=True,
                              env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        (folders[name],) = (tmp_path / name).iterdir()
    meta = json.loads((folders["cluster"] / "run.json").read_text())
    assert meta["cluster"]["workers"] == 2 and meta["cluster"]["scheduler"].startswith("tcp://")
    assert meta["cluster"]["dashboard"].startswith("http://127.0.0.1:")  # and the report links it
    assert f'href="{meta["cluster"]["dashboard"]}"' in (folders["cluster"] / "report.html").read_text()
    assert meta["embedding"]["on_workers"] >= meta["embedding"]["misses"] > 0  # the workers did the encoding
    topics = [pd.read_csv(folders[n] / "documents.csv")["topic"] for n in ("here", "cluster")]
    assert adjusted_rand_score(*topics) >= 0.95

    # the run's own articles labelled with its model, embedded on a cluster: exactly the topics of its documents.csv
    # (each document's vector is found among the fitted ones: the workers' vectors are this process's)
    env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(tmp_path / "cache-assign")}
    done = subprocess.run([sys.executable, "-m", "newstopics.cli", "assign", "--run", str(folders["here"]),
                           "--corpus", str(SEEDS), "--runs-dir", str(tmp_path / "assign"), "-p", "cluster=local:2"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (assigned,) = (tmp_path / "assign").iterdir()
    info = json.loads((assigned / "run.json").read_text())["cluster"]
    assert info["workers"] == 2  # and the command told where to watch it while it ran
    assert f"the Dask dashboard, while the run lasts: {info['dashboard']}" in done.stderr
    docs = pd.read_csv(assigned / "documents.csv", keep_default_na=False)
    mine = pd.read_csv(folders["here"] / "documents.csv", keep_default_na=False)
    assert docs["doc_id"].tolist() == mine["doc_id"].tolist() and docs["topic"].tolist() == mine["topic"].tolist()


@pytest.mark.parametrize("folder", [SEEDS, SEEDS.parent / "tests" / "fixtures" / "messy"])
@pytest.mark.slow
@pytest.mark.cluster
def test_workers_read_and_clean_what_this_process_would(client, folder, monkeypatch):
    from newstopics.corpus import load as L

    here = load_corpus(folder, min_documents=1)
    monkeypatch.setattr(L, "PARTITION", 2)  # a few articles per task, so the small corpus spans several
    there = load_corpus(folder, min_documents=1, client=client)
    assert len(here.articles) >= 3
    pd.testing.assert_frame_equal(there.documents, here.documents)
    pd.testing.assert_frame_equal(there.audit, here.audit)
    pd.testing.assert_frame_equal(there.articles, here.articles)
    assert there.skipped == here.skipped


@pytest.mark.slow
@pytest.mark.cluster
def test_workers_count_coherence_windows_as_this_process_would(client, texts):
    from newstopics.evaluation import count_windows
    from newstopics.model.terms import Tokens, news_analyzer

    assert cluster.running(client)  # else the counts below would be made here, twice
    terms = ["deepseek", "open", "chips", "export", "price", "models"]
    here = count_windows(texts, news_analyzer(), terms, chunk=40)
    there = count_windows(texts, news_analyzer(), terms, client=client, chunk=40)  # 4 parts, summed as they finish
    tokens = Tokens.of(texts, news_analyzer())  # a run's tokens travel as positions among the terms' words
    from_tokens = count_windows(tokens, None, terms, client=client, chunk=40)
    for a, b, c in zip(here, there, from_tokens, strict=True):
        assert a.n_windows == b.n_windows == c.n_windows and a.co[0, 0] > 0
        np.testing.assert_array_equal(a.co, b.co)
        np.testing.assert_array_equal(a.co, c.co)


@pytest.mark.slow
@pytest.mark.cluster
def test_workers_run_the_consensus_members_as_this_process_would(client, monkeypatch):
    from newstopics.model import graph

    assert cluster.running(client)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 8)).astype(np.float32)
    a, b, w = graph.edge_list(*graph.neighbours(X, 10))
    seeds = graph.member_seeds(3, 6)
    here = graph.edge_agreement(graph._graph(len(X), a, b), a, b, w, seeds)
    monkeypatch.setattr(graph, "FORK_FROM_EDGES", 0)  # a graph this small would stay here
    there = graph.edge_agreement(graph._graph(len(X), a, b), a, b, w, seeds, client=client)
    np.testing.assert_array_equal(here, there)
    assert 0 < here.mean() < 1


@pytest.mark.slow
@pytest.mark.cluster
def test_workers_hold_the_hnsw_graphs_and_find_the_same_neighbours(client, monkeypatch):
    """Above WORKERS_FROM rows each half's HNSW graph is built and searched on a worker: the same neighbours, to the
    last bit, as the two graphs built here; the halves go in pieces and the searches in blocks (made small here)."""
    from newstopics.model import graph

    rng = np.random.default_rng(2)
    U = graph.unit(rng.standard_normal((3000, 16)).astype(np.float32))
    monkeypatch.setattr(graph, "SEARCH_BLOCK", 700)  # several pieces per half, several blocks
    here = graph.hnsw_neighbours(U, 10)
    monkeypatch.setattr(graph, "WORKERS_FROM", 0)
    on_workers = []
    real = graph._OnWorkers
    monkeypatch.setattr(graph, "_OnWorkers", lambda *a: on_workers.append(real(*a)) or on_workers[-1])
    held_before = len(client.who_has())
    there = graph.hnsw_neighbours(U, 10, client)
    assert len(on_workers) == 1 and len(set(on_workers[0].workers)) == 2  # each half's graph on a worker of its own
    np.testing.assert_array_equal(there[0], here[0])
    np.testing.assert_array_equal(there[1], here[1])
    assert (here[0] >= 0).all() and not (here[0] == np.arange(3000)[:, None]).any()
    deadline = time.time() + 10
    while len(client.who_has()) > held_before and time.time() < deadline:  # the graphs and pieces let go of
        time.sleep(0.1)
    assert len(client.who_has()) == held_before
    # a graph that fails to build: the error reaches the caller, and the workers let go of every half and graph
    # (the failed tasks, which hold nothing, may still be known while the error's traceback refers to them)
    def held():
        return {key for key, where in client.who_has().items() if where}

    before = held()
    odd = U[1].copy()  # the second half (odd rows) fails to arrive, after the first half's graph is built

    def join(pieces):
        if np.array_equal(pieces[0][0], odd):
            raise MemoryError("no room")
        return np.concatenate(pieces)

    monkeypatch.setattr(graph, "_join_on_worker", join)
    with pytest.raises(MemoryError, match="no room"):
        graph.hnsw_neighbours(U, 10, client)
    deadline = time.time() + 10
    while held() - before and time.time() < deadline:
        time.sleep(0.1)
    assert not held() - before
    monkeypatch.undo()
    monkeypatch.setattr(graph, "WORKERS_FROM", 0)
    monkeypatch.setattr(graph, "_OnWorkers", lambda *a: on_workers.append(real(*a)) or on_workers[-1])
    # the consensus passes its client down: its topics with the graphs on the workers are those fitted here
    from newstopics.model import size_for

    monkeypatch.setattr(graph, "EXACT_MAX", 1000)
    sizing = size_for(len(U), P.DEFAULTS)
    fits = [graph.GraphConsensus(sizing, random_state=1, client=c).fit(U) for c in (None, client)]
    assert len(on_workers) == 2  # the consensus's neighbours came from the workers' graphs
    np.testing.assert_array_equal(fits[0].labels_, fits[1].labels_)


def _total(part):
    return float(part.sum())


@pytest.mark.slow
@pytest.mark.cluster
def test_parts_sent_to_the_workers_are_let_go_once_done(client):
    """Dask keeps a log of each connection's recent messages, their contents included; the runs' clients keep none, so
    the parts of a corpus sent to the workers do not stay in the kernel."""
    import gc
    import weakref

    assert client.scheduler_comm.recent_message_log.maxlen == 0
    parts = [np.full(12_500, i, dtype=np.float64) for i in range(12)]  # 100 KB each: under the log's 1 MB cut-off
    alive = [weakref.ref(p) for p in parts]
    assert list(cluster.in_order(client, _total, iter(parts), window=3)) == [12_500.0 * i for i in range(12)]
    del parts
    gc.collect()
    assert not [r for r in alive if r() is not None]


@pytest.mark.slow
@pytest.mark.cluster
def test_a_sweep_hands_over_runs_that_finished_beside_a_cancelled_one(client):
    """Dask's wait raises as soon as one future of the batch was cancelled; as_done still hands over every future,
    the finished ones with their results and the cancelled one as cancelled."""
    quick = client.submit(time.sleep, 0, pure=False)
    quick.result(timeout=60)
    stuck = client.submit(time.sleep, 600, pure=False)
    stuck.cancel()
    deadline = time.time() + 30
    while not stuck.cancelled() and time.time() < deadline:
        time.sleep(0.05)
    handed = list(cluster.as_done(client, [stuck, quick]))
    assert handed == [quick, stuck]  # the finished one first: a caller that stops at the cancelled one has it
    assert quick.status == "finished" and stuck.cancelled()


@pytest.mark.slow
@pytest.mark.cluster
def test_the_dashboard_is_served_by_the_scheduler_with_nothing_from_the_network(client):
    """The link the notebook shows opens the Dask dashboard, and every script the page loads comes from the
    scheduler itself (bokeh's, served by its own server), so it works on a machine with no internet; it listens on
    this machine only."""
    import re
    from urllib.parse import urljoin, urlparse
    from urllib.request import ProxyHandler, build_opener

    fetch = build_opener(ProxyHandler({})).open
    link = cluster.describe(client)["dashboard"]
    assert link and urlparse(link).port == client.scheduler_info()["services"]["dashboard"]
    scheduler = cluster._CURRENT["cluster"].scheduler
    assert "task-stream" not in scheduler.plugins  # checking the link did not open a dashboard session for nobody
    with fetch(link, timeout=30) as page:
        assert page.status == 200
        html = page.read().decode()
    scripts = [urljoin(link, src) for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)]
    assert scripts and all(urlparse(s).netloc == urlparse(link).netloc for s in scripts)
    for src in scripts:
        with fetch(src, timeout=30) as script:
            assert script.status == 200 and len(script.read()) > 1000
    server = cluster._CURRENT["cluster"].scheduler.http_server
    assert {sock.getsockname()[0] for sock in server._sockets.values()} == {"127.0.0.1"}


@pytest.mark.slow
@pytest.mark.cluster
def test_a_scheduler_without_a_dashboard_or_with_a_bad_link_setting_records_none(client):
    """Every scheduler runs a web server, so the link alone says nothing: one started without the dashboard is
    recorded without one; a link setting naming an unset variable gives none rather than failing the run; a relative
    link (a JupyterHub proxy) is kept for JupyterLab to resolve."""
    import dask
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as bare, Client(bare) as other:
        assert "dashboard" in other.scheduler_info()["services"]  # a web server, but no dashboard behind it
        assert cluster.dashboard_link(other) is None
    with dask.config.set({"distributed.dashboard.link": "{NEWSTOPICS_UNSET_VARIABLE}/status"}):
        assert cluster.describe(client)["dashboard"] is None
    with dask.config.set({"distributed.dashboard.link": "/user/me/proxy/{port}/status"}):
        assert cluster.dashboard_link(client).startswith("/user/me/proxy/")


def test_a_sweep_has_one_cluster():
    with pytest.raises(P.ParameterError, match="one cluster serves a whole sweep"):
        P.grid({"base": {"corpus": str(SEEDS)}, "grid": {"cluster": ["local:2", "tcp://10.0.0.5:8786"]}})


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.e2e
def test_a_sweep_runs_its_members_as_tasks_on_the_cluster(tmp_path):
    """Near the end of this file: the sweep starts its own cluster, and a new cluster closes the module's."""
    import json

    from newstopics.runs import sweep

    base = {"corpus": str(SEEDS), "reducer": "pca", "stability_runs": 0, "baselines": False, "cluster": "local:2"}
    page = sweep({"name": "on-cluster", "base": base, "grid": {"min_topic_size": [4, 6]}},
                 runs_dir=tmp_path / "runs", sweeps_dir=tmp_path / "sweeps", progress=False)
    metas = [json.loads((f / "run.json").read_text()) for f in sorted((tmp_path / "runs").iterdir())]
    assert sorted(m["params"]["min_topic_size"] for m in metas) == [4, 6]
    assert all(m["status"] == "succeeded" for m in metas)
    assert all(m["sweep"]["scheduler"].startswith("tcp://") and m["sweep"]["worker"].startswith("tcp://")
               for m in metas)  # each ran as a task on a worker of the sweep's cluster
    assert all(m["params"]["cluster"] == "" for m in metas)  # and in-process there
    assert (page / "report.html").is_file() and not cluster.running(cluster._CURRENT.get("client"))


def test_an_unreachable_scheduler_fails_within_seconds_with_a_clear_message(monkeypatch):
    """Last in this file: start() first stops the module's cluster, as a new run in a kernel does."""
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 3)  # the real wait, shortened for the suite
    t0 = time.perf_counter()
    with pytest.raises(cluster.ClusterError, match="tcp://127.0.0.1:9 did not answer, or had no worker, within 3 s"):
        cluster.start("tcp://127.0.0.1:9")
    assert time.perf_counter() - t0 < 3 + 5


@pytest.fixture
def own_cluster(tmp_path):
    """A scheduler and two workers without nannies, each its own process started here, as a cluster's would be (the
    scheduler, like most a user starts, has no no-workers timeout): ``(address, worker processes)``."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    dask = str(Path(sys.executable).parent / "dask")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    file = tmp_path / "scheduler.json"
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(file)], **quiet)]
    try:
        deadline = time.time() + 60
        while not file.is_file() and time.time() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(tmp_path / "cache")}
        workers = [subprocess.Popen([dask, "worker", address, "--no-nanny", "--nthreads", "1", "--host", "127.0.0.1",
                                     "--no-dashboard"], env=env, **quiet) for _ in range(2)]
        started += workers
        yield address, workers
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def _kill_and_expect_no_workers(workers, waiting, outcome: dict, address: str) -> None:
    """Kill every worker while ``waiting`` (a thread) waits on them: it must end with NoWorkersError naming the
    scheduler, 5 to 15 s later (NO_WORKERS_TIMEOUT_S set to 5 by the test)."""
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)
    killed = time.perf_counter()
    waiting.join(timeout=60)
    took = time.perf_counter() - killed
    assert not waiting.is_alive(), "still waiting a minute after the last worker died"
    assert isinstance(outcome.get("error"), cluster.NoWorkersError), outcome
    assert f"the Dask scheduler at {address} has had no worker for 5 s" in str(outcome["error"])
    assert 5 <= took < 5 + 10


@pytest.mark.slow
@pytest.mark.cluster
def test_waiting_on_a_cluster_whose_workers_all_died_stops_with_the_reason(own_cluster, monkeypatch):
    """Tasks out on the workers, the workers killed: the scheduler keeps the tasks for a worker that never comes (they
    need nothing the workers held), and the wait for them ends after NO_WORKERS_TIMEOUT_S with the reason."""
    import threading

    address, workers = own_cluster
    monkeypatch.setattr(cluster, "NO_WORKERS_TIMEOUT_S", 5)  # the real wait, shortened for the suite
    client = cluster.start(address)
    try:
        client.wait_for_workers(2, timeout=120)
        outcome = {}

        def wait():
            try:
                outcome["results"] = list(cluster.in_order(client, time.sleep, [600] * 4, window=4))
            except Exception as exc:
                outcome["error"] = exc

        waiting = threading.Thread(target=wait, daemon=True)
        waiting.start()
        deadline = time.time() + 240  # the workers first import the project (cluster.wait_ready)
        while len([t for t in client.processing().values() if t]) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert all(client.processing().values()), "the tasks never reached both workers"
        _kill_and_expect_no_workers(workers, waiting, outcome, address)
    finally:
        cluster.stop()


@pytest.mark.slow
@pytest.mark.cluster
def test_a_sweep_waiting_on_a_cluster_whose_workers_all_died_stops_with_the_reason(own_cluster, monkeypatch):
    """What a sweep waits on (cluster.as_done, each run a task): the workers killed with the runs on them, the wait
    ends after NO_WORKERS_TIMEOUT_S with the reason, where Dask's as_completed would wait for ever."""
    import threading

    address, workers = own_cluster
    monkeypatch.setattr(cluster, "NO_WORKERS_TIMEOUT_S", 5)
    client = cluster.start(address)
    try:
        client.wait_for_workers(2, timeout=120)
        quick = client.submit(time.sleep, 0, pure=False)
        futures = [quick] + client.map(time.sleep, [600] * 3, pure=False)
        outcome = {"done": []}

        def wait():
            try:
                for fut in cluster.as_done(client, futures):
                    outcome["done"].append(fut)
            except Exception as exc:
                outcome["error"] = exc

        waiting = threading.Thread(target=wait, daemon=True)
        waiting.start()
        deadline = time.time() + 240
        while not (outcome["done"] and all(client.processing().values())) and time.time() < deadline:
            time.sleep(0.05)
        assert outcome["done"] == [quick], "the finished run was not handed over before the workers died"
        _kill_and_expect_no_workers(workers, waiting, outcome, address)
    finally:
        cluster.stop()


@pytest.mark.parametrize("when", ["tasks on them", "between stages"])
@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.e2e
def test_a_run_whose_workers_all_die_fails_within_a_minute_with_the_reason(own_cluster, tmp_path, when):
    """A report on a cluster of our own; both workers killed while the run's tasks are on them, or once the run has
    connected and before it sends any: the run lands as failed, saying the workers are gone, within 60 s. In the
    first case the scheduler cancels the tasks, whose shared values died with the workers; in the second the run's
    own watch gives up after NO_WORKERS_TIMEOUT_S."""
    import json
    import subprocess
    import sys

    from distributed import Client

    address, workers = own_cluster
    env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(tmp_path / "cache")}  # nothing cached: the workers embed
    with Client(address, timeout=30) as watch:
        watch.wait_for_workers(2, timeout=120)
        run = subprocess.Popen([sys.executable, "-m", "newstopics.cli", "report", "--quiet", "--corpus", str(SEEDS),
                                "--runs-dir", str(tmp_path / "runs"), "-p", f"cluster={address}", "-p",
                                "reducer=pca", "-p", "stability_runs=0", "-p", "baselines=false"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 300
            while run.poll() is None and time.time() < deadline and not (
                    any(watch.processing().values()) if when == "tasks on them" else _connected(tmp_path / "runs")):
                time.sleep(0.05)
            assert run.poll() is None, f"the run ended before the workers were killed: {run.communicate()[1][-2000:]}"
            assert when != "tasks on them" or any(watch.processing().values())
            for worker in workers:
                os.kill(worker.pid, signal.SIGKILL)
            killed = time.perf_counter()
            _, err = run.communicate(timeout=180)
        finally:
            if run.poll() is None:
                run.kill()
    took = time.perf_counter() - killed
    assert run.returncode != 0 and "run failed" in err
    assert took < 60, f"{took:.0f} s from the workers' death to the run's end"
    (folder,) = (tmp_path / "runs").iterdir()  # landed, under its own name, with the reason
    meta = json.loads((folder / "run.json").read_text())
    assert meta["status"] == "failed" and meta["error"].startswith("NoWorkersError: ")
    assert f"the Dask scheduler at {address} " in meta["error"]
    reason = "lost every worker" if when == "tasks on them" else f"no worker for {cluster.NO_WORKERS_TIMEOUT_S} s"
    assert reason in meta["error"]
    print(f"workers killed with {when}: the run ended {took:.1f} s later")


def _connected(runs_dir) -> bool:
    """Whether the run in ``runs_dir`` (still staged) has recorded its cluster."""
    import json

    for staged in runs_dir.glob(".*.partial") if runs_dir.is_dir() else []:
        try:
            return bool(json.loads((staged / "run.json").read_text()).get("cluster"))
        except (OSError, ValueError):  # being replaced right now
            return False
    return False


@pytest.mark.slow
@pytest.mark.e2e
def test_a_run_with_an_unreachable_scheduler_lands_as_failed_with_the_reason(tmp_path):
    import json
    import subprocess
    import sys

    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newstopics.cli", "report", "--quiet", "--corpus", str(SEEDS),
                           "--runs-dir", str(tmp_path), "-p", "cluster=tcp://127.0.0.1:9"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0 and time.perf_counter() - t0 < 90  # the scheduler's 10 s, not a hang
    (folder,) = tmp_path.iterdir()  # the run landed, under its own name, with its notebook and the reason
    meta = json.loads((folder / "run.json").read_text())
    assert meta["status"] == "failed" and "did not answer" in meta["error"] and "tcp://127.0.0.1:9" in meta["error"]
    assert (folder / "notebook.ipynb").is_file() and not (folder / "documents.csv").exists()
