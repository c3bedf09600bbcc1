"""Shared fixtures: real seeds, the packaged model, one real notebook run per session."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"]

# numba's compiled UMAP and pynndescent code, kept in one folder across sessions and shared by every process a session
# starts (test workers, kernels, Dask workers, subprocesses), so a process compiles only what no earlier one did. Set
# here, before anything imports newstopics (which would point numba into the user's own cache folder). The embedding
# cache stays new for each session (_isolated_cache); a test that checks compiling in a new process gives its
# processes an empty numba folder of their own.
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".pytest_cache" / "numba"))


def pytest_collection_modifyitems(items):
    """A test that reads the session's real notebook run is an end-to-end test, whatever module it is in."""
    for item in items:
        if "seeds_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """In several processes (pytest-xdist, ``--dist loadfile``: ``make test``), each module's tests run in one
    process in file order (module fixtures are made once; test_cluster's last tests rely on its order), and the
    modules that read the session's real run (``seeds_run``) share one process, so that run is made once.
    (pytest-xdist's own ``--dist loadgroup`` cannot group under pytest 9: it renames node ids pytest no longer reads.)
    """
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    reads_run = {p.relative_to(config.rootpath).as_posix() for p in Path(__file__).parent.glob("test_*.py")
                 if "seeds_run" in p.read_text()}

    class ByModule(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "seeds_run" if module in reads_run else module

    return ByModule(config, log)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Every test session starts with an empty embedding cache of its own, and writes no run into the project."""
    os.environ["NEWSTOPICS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["NEWSTOPICS_RUNS_DIR"] = str(tmp_path_factory.mktemp("default-runs"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield


@pytest.fixture(scope="session")
def packaged_embedder():
    from newstopics.embed import Embedder

    return Embedder()


@pytest.fixture
def short_tmp():
    """An empty folder with a short path, for a run's $TMPDIR (a kernel's IPC socket path must fit in 107 bytes, which
    pytest's tmp_path under a long test name may not leave room for)."""
    folder = Path(tempfile.mkdtemp(prefix="nt-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def run_tempdir(tmp_path_factory):
    """The temporary folder the session's real run (``seeds_run``) was started with, its own, so a test can check
    the run left nothing there."""
    return tmp_path_factory.mktemp("tmp")


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory, run_tempdir):
    """The real notebook, run once through papermill by the CLI's code path, on the seeds."""
    from newstopics.runs import execute

    runs_dir = tmp_path_factory.mktemp("runs")
    before, tempfile.tempdir = tempfile.tempdir, str(run_tempdir)  # what $TMPDIR sets, for this run only
    try:
        return execute({"corpus": str(SEEDS)}, runs_dir=runs_dir, progress=False)
    finally:
        tempfile.tempdir = before


def copy_of_the_packaged_model(folder):
    """The packaged model's folder copied under ``folder`` (its name kept, so the copy's identity is the packaged
    model's own while its bytes are)."""
    from newstopics.embed import resolve_model_path

    return Path(shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), folder / "all-MiniLM-L6-v2"))


def change_the_middle(path, n: int = 4 << 20) -> None:
    """Invert ``n`` bytes in the middle of a file, its size unchanged."""
    import numpy as np

    start = path.stat().st_size // 2 - n // 2
    with open(path, "r+b") as f:
        f.seek(start)
        block = np.frombuffer(f.read(n), np.uint8)
        f.seek(start)
        f.write((block ^ 0xFF).tobytes())


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    path = chromium()
    if path is None:
        if os.environ.get("NEWSTOPICS_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (NEWSTOPICS_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Chromium not installed: the browser check of the report needs it (apt-get install chromium)")
    return path


def render_dom(html_path: Path, tmp_path: Path) -> str:
    """The report's DOM after its scripts ran in headless Chromium, with every host unresolvable."""
    browser = require_chromium()
    out = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=20000",
         "--dump-dom", html_path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout
