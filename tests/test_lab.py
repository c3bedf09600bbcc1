"""The report notebook as a researcher uses it: JupyterLab started as `make lab` starts it, driven by a real browser.

Run All, change a parameter in the parameters cell, Run All again in the same kernel: every code cell runs, no
cell shows an error or a red stderr box, at least six plotly charts are drawn each time, and each Run All is a
run of its own whose results reflect the parameters it ran with. Autosave is off (a settings override in a
temporary settings folder), and the notebook file is checked unchanged at the end: notebooks in git carry no
outputs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CHROMIUM_FLAGS, ROOT, require_chromium

NOTEBOOK = ROOT / "notebooks" / "topics.ipynb"
RUN_ALL_TIMEOUT_S = int(os.environ.get("NEWSTOPICS_LAB_TIMEOUT_S", "420"))

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.e2e]  # JupyterLab, Chromium, two Run Alls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def lab(tmp_path):
    """JupyterLab on loopback, started by `make lab` (the command a newcomer types), with runs going to tmp_path."""
    port, token = _free_port(), secrets.token_hex(16)
    settings = tmp_path / "lab-settings"
    (settings / "@jupyterlab" / "docmanager-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": False}))
    env = {**os.environ, "NEWSTOPICS_RUNS_DIR": str(tmp_path / "runs"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={token}")
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        pytest.fail("JupyterLab did not start within 90 s")
    yield {"url": f"http://127.0.0.1:{port}/lab/tree/notebooks/topics.ipynb?token={token}", "runs": tmp_path / "runs"}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _prompts(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
                         ".map(p => p.textContent)")


def _run_all(page, shots: Path) -> dict:
    """Run All from the Run menu; wait until every code cell has run in this Run All; what the page then shows."""
    numbers = [int(n) for p in _prompts(page) for n in re.findall(r"\[(\d+)\]", p)]
    after = max(numbers, default=0)
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
    try:
        page.wait_for_function(
            r"""(after) => {
                const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => {
                    const m = /\[(\d+)\]/.exec(p.textContent);
                    return m !== null && Number(m[1]) > after;
                });
            }""",
            arg=after,
            timeout=RUN_ALL_TIMEOUT_S * 1000,
            polling=1000,
        )
    except Exception:
        page.screenshot(path=str(shots / "lab-timeout.png"))
        (shots / "lab-timeout.txt").write_text("\n".join(_prompts(page)))
        raise
    page.wait_for_timeout(3000)  # let the last charts draw
    return _shown(page)


def _shown(page) -> dict:
    return page.evaluate(
        """() => ({
            cells: document.querySelectorAll('.jp-Notebook .jp-CodeCell').length,
            ran: [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                    .filter(p => /\\[\\d+\\]/.test(p.textContent)).length,
            errors: [...document.querySelectorAll('.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"]')]
                    .map(e => e.textContent.slice(0, 300)),
            charts: [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')]
                    .filter(p => p.querySelector('.main-svg')).length,
            tables: document.querySelectorAll('.jp-Notebook table.dataTable').length,
        })"""
    )


def _set_parameters(page, replace: dict[str, str]) -> None:
    """Edit the parameters cell as a user does: click into it, select its text, put the edited text in."""
    import nbformat

    source = next(c.source for c in nbformat.read(str(NOTEBOOK), as_version=4).cells
                  if "parameters" in c.metadata.get("tags", []))
    cell = page.locator(".jp-Notebook .jp-CodeCell", has_text="Parameters: `newstopics params`").first
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".cm-content")
    for old, new in replace.items():
        assert old in source, old
        source = source.replace(old, new)
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")
    assert "top_n_words: int = 7" in editor.inner_text()


@pytest.fixture()
def no_checkpoints_left():
    """JupyterLab makes notebooks/.ipynb_checkpoints when it opens a notebook: removed again, pass or fail."""
    checkpoints = NOTEBOOK.parent / ".ipynb_checkpoints"
    had = checkpoints.exists()
    yield
    if not had:
        shutil.rmtree(checkpoints, ignore_errors=True)


def test_run_all_twice_in_jupyterlab(lab, tmp_path, no_checkpoints_left):
    browser_path = require_chromium()
    from playwright.sync_api import sync_playwright

    before = hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    with sync_playwright() as pw:
        # every host unresolvable but the loopback JupyterLab listens on: nothing is fetched from outside
        flags = [f for f in CHROMIUM_FLAGS[1:] if not f.startswith("--host-resolver-rules")]
        flags.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        browser = pw.chromium.launch(executable_path=browser_path, args=flags)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(lab["url"])
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
        page.wait_for_function("() => /Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent || '')",
                               timeout=90_000)
        page.wait_for_timeout(5000)  # the kernel's session settles: a Run All sent before that may run one cell only
        first = _run_all(page, tmp_path)
        page.locator(".jp-Notebook .js-plotly-plot").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "lab-first.png"), full_page=False)
        _set_parameters(page, {"top_n_words: int = 10": "top_n_words: int = 7",
                               "stability_runs: int = 2": "stability_runs: int = 0"})
        second = _run_all(page, tmp_path)
        page.screenshot(path=str(tmp_path / "lab-second.png"), full_page=False)
        browser.close()

    for shown in (first, second):
        assert shown["ran"] == shown["cells"] > 10, shown
        assert shown["errors"] == [], shown["errors"]
        assert shown["charts"] >= 6, shown
        assert shown["tables"] >= 2, shown  # the interactive tables (articles, documents per topic)
    folders = sorted(p for p in lab["runs"].iterdir() if p.is_dir())
    assert len(folders) == 2, folders  # each Run All is a run of its own
    metas = [json.loads((f / "run.json").read_text()) for f in folders]
    assert [m["status"] for m in metas] == ["succeeded", "succeeded"]
    assert [m["params"]["top_n_words"] for m in metas] == [10, 7]
    assert [m["params"]["stability_runs"] for m in metas] == [2, 0]
    assert metas[0]["params"]["corpus"] == str(ROOT / "seeds")  # the kernel runs in notebooks/; seeds still found
    assert "stability" in metas[0]["evaluation"] and not metas[1]["evaluation"].get("stability")
    import pandas as pd

    counts = [pd.read_csv(f / "topics.csv", keep_default_na=False)["top_words"].str.split(", ").map(len).max()
              for f in folders]
    assert counts == [10, 7]  # each run's results reflect its own value
    assert metas[0]["notebook"].endswith("topics.ipynb")
    assert hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() == before  # nothing saved into the repository
