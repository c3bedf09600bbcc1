"""Hostile input, interrupted and concurrent runs, no network, fuzzed ingestion, size limits."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SEEDS, render_dom
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newstopics import corpus as C
from newstopics import runs
from newstopics.corpus import readers
from newstopics.text import estimate_tokens

CLI = [sys.executable, "-m", "newstopics.cli", "report", "--quiet"]
FAST = ["-p", "reducer=pca", "-p", "stability_runs=0"]

SOCKET_GUARD = '''
import socket
_connect = socket.socket.connect
def _guarded(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family == getattr(socket, "AF_UNIX", None) or str(host).startswith("127.") or host in ("localhost", "::1"):
        return _connect(self, address)
    raise OSError(f"offline test: blocked a connection to {address!r}")
socket.socket.connect = _guarded
'''


def offline(cmd: list[str], tmp_path: Path) -> tuple[list[str], dict]:
    """The command in a network namespace with only loopback (unshare -rn); else behind a socket guard."""
    env = dict(os.environ)
    if (
        shutil.which("unshare")
        and shutil.which("ip")
        and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    ):
        return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd], env
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD)
    env["PYTHONPATH"] = os.pathsep.join([str(guard), env.get("PYTHONPATH", "")])
    return cmd, env


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    cmd, env = offline([*CLI, "--corpus", str(FIXTURES / "hostile"), "--runs-dir", str(tmp / "runs"), *FAST], tmp)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    (folder,) = (tmp / "runs").iterdir()
    return folder


@pytest.mark.slow
@pytest.mark.e2e
def test_offline_run_succeeds(hostile_run):
    meta = json.loads((hostile_run / "run.json").read_text())
    assert meta["status"] == "succeeded"


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.browser
def test_hostile_text_shows_and_never_runs(hostile_run, tmp_path):
    html = (hostile_run / "report.html").read_text()
    assert "<script>document.body.setAttribute" not in html and "<img src=x" not in html  # only escaped forms
    assert runs.external_references(html) == []
    dom = render_dom(hostile_run / "report.html", tmp_path)
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # no corpus script or handler ran
    assert "<title>PWNED" not in dom
    assert (
        "&lt;script&gt;document.title='PWNED'&lt;/script&gt; Chip &lt;b&gt;export&lt;/b&gt;" in dom
    )  # visible as text
    assert "a &lt; b &gt; c" in dom
    assert not re.search(r"<a\b[^>]*href=[\"']?javascript:", dom, re.I)  # the link is text, not a link


@pytest.mark.slow
@pytest.mark.e2e
def test_standalone_figures_escape_too(hostile_run):
    for page in (hostile_run / "figures").glob("*.html"):
        text = page.read_text()
        assert "<script>document" not in text and "<img src=x" not in text, page.name


@pytest.mark.slow
@pytest.mark.e2e
def test_interrupted_run_leaves_no_half_written_files(tmp_path, short_tmp):
    runs_dir, cache = tmp_path / "runs", tmp_path / "cache"
    env = {**os.environ, "NEWSTOPICS_CACHE_DIR": str(cache), "TMPDIR": str(short_tmp)}
    proc = subprocess.Popen(
        [*CLI, "--corpus", str(SEEDS), "--runs-dir", str(runs_dir), "-p", "stability_runs=0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 240
    while time.time() < deadline:  # wait until the corpus is read: embedding or fitting is under way
        partial = [p for p in runs_dir.glob(".*.partial")] if runs_dir.exists() else []
        try:
            if partial and "corpus" in json.loads((partial[0] / "run.json").read_text()).get("timings", {}):
                break
        except (OSError, ValueError):
            pass  # being replaced right now
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the run never reached its topic stage")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "run interrupted" in err
    (folder,) = runs_dir.iterdir()
    assert not folder.name.startswith(".")
    meta = json.loads((folder / "run.json").read_text())
    assert meta["status"] == "interrupted"
    assert (folder / "notebook.ipynb").exists()
    assert not (folder / "topics.csv").exists() and not list(folder.rglob(".*tmp*"))
    assert not list(cache.rglob(".*tmp*"))
    assert not list(short_tmp.glob("newstopics-kernel-*"))  # nor the kernel's IPC folder


@pytest.mark.slow
@pytest.mark.e2e
def test_two_runs_at_once_both_succeed(tmp_path):
    runs_dir = tmp_path / "runs"
    procs = [
        subprocess.Popen(
            [*CLI, "--corpus", str(SEEDS), "--runs-dir", str(runs_dir), *FAST],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    folders = sorted(runs_dir.iterdir())
    assert len(folders) == 2 and folders[0].name != folders[1].name
    for f in folders:
        assert json.loads((f / "run.json").read_text())["status"] == "succeeded"


# --------------------------------------------------------------------------- fuzzing and limits

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.binary(max_size=4000))
def test_decode_never_crashes(data):
    text, note = C.decode_bytes(data)
    assert (text is None) == bool(note and not note.startswith("decoded")) or text is not None


@FUZZ
@given(st.text(max_size=3000), st.booleans())
def test_parse_and_segment_never_crash(text, clean):
    raw = C.RawArticle("x.txt", text, {}, "")
    article, body, audit = C.parse_article(raw, C.DEFAULT_RULES, set(), clean=clean)
    article.paragraphs = C.rebuild_paragraphs(body)
    for unit in ("paragraph", "sentence", "article"):
        docs = C.segment(article, unit, 8, 60, estimate_tokens)
        assert all(isinstance(d, str) for d in docs)
        if unit != "article":
            assert all(estimate_tokens(d) <= 60 for d in docs)


@FUZZ
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400), max_size=8))
def test_whole_folder_never_raises_anything_but_corpus_error(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("fuzz")
    for i, t in enumerate(texts):
        (folder / f"{i}.txt").write_text(t, encoding="utf-8")
    try:
        C.load_corpus(folder, min_documents=1)
    except C.CorpusError:
        pass


def test_huge_line_is_split_not_truncated(tmp_path):
    line = " ".join(
        f"w{i}" for i in range(300_000)
    )  # ~2.3 MB on one line, no repeated piece (those would be deduplicated)
    (tmp_path / "huge.txt").write_text("Title\n" + line + "\n")
    c = C.load_corpus(tmp_path, min_documents=1)
    assert sum(c.documents["n_words"]) == 300_000
    assert c.documents["text"].map(estimate_tokens).max() <= 254


def test_files_over_the_limit_are_refused_without_reading(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    (tmp_path / "ok.txt").write_text("Title\n\n" + "Open models are cheap and popular with developers today. " * 3)
    c = C.load_corpus(tmp_path, min_documents=1)
    reason = {s["item"]: s["reason"] for s in c.skipped}["big.txt"]
    assert reason.startswith("too large: 50.0 MiB > 20 MiB limit")
    with pytest.raises(C.CorpusError, match="too large"):
        C.load_corpus(big)


def test_too_many_files_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILES", 300)  # the same check as at 50,000, on a folder that is quick to make
    for i in range(301):
        (tmp_path / f"{i}.txt").write_text("Title\n\nA paragraph long enough to be a document about open models.\n")
    with pytest.raises(C.CorpusError, match="more than 300 article files"):
        C.load_corpus(tmp_path)


def test_folder_over_the_total_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CORPUS_BYTES", 1000)
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("Title\n\n" + "Open models are cheap and popular with developers. " * 10)
    with pytest.raises(C.CorpusError, match="over the 0 GiB limit"):
        C.load_corpus(tmp_path)


def test_a_table_is_held_to_the_corpus_limit_not_the_file_limit(tmp_path, monkeypatch):
    table = tmp_path / "articles.csv"
    rows = [
        f"{i},Open model number {i} is cheap and popular with developers in many countries today." for i in range(40)
    ]
    table.write_text("id,text\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(
        readers, "MAX_FILE_BYTES", 100
    )  # far smaller than the table: an article file this size would be refused
    assert len(C.load_corpus(table, "article", min_documents=1).documents) == 40
    monkeypatch.setattr(readers, "MAX_CORPUS_BYTES", 100)
    with pytest.raises(C.CorpusError, match="too large.*split the corpus"):
        C.load_corpus(table, "article", min_documents=1)
