"""Every speed-up checks what it relies on in the installed libraries, applies only where it is safe, and steps
aside (with a note) when a library changed underneath it. These tests fail loudly when that happens."""
import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from newstopics import speedups
from newstopics.runs import engine


def _python(code: str, **env) -> dict:
    """Run ``code`` in a fresh interpreter (imports are per process) and return the JSON it prints last."""
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the cheap BERTopic import: batch runs only ------------------------------------------------------------------

IMPORT_REPORT = """
import json, sys
from newstopics import speedups
bertopic = speedups.import_bertopic()
import bertopic.representation as rep, bertopic._save_utils as su
print(json.dumps({"note": speedups.NOTES["bertopic_import"],
                  "zeroshot": type(rep.ZeroShotClassification).__name__, "has_torch": su._has_torch,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & {"torch", "transformers"})}))
"""


def test_batch_runs_import_bertopic_without_its_optional_backends():
    got = _python(IMPORT_REPORT, NEWSTOPICS_BATCH="1")
    assert got["note"].startswith("optional back-ends hidden") and got["loaded"] == []
    assert got["zeroshot"] == "NotInstalled"  # the price, paid only in a batch run's own process


@pytest.mark.slow
def test_interactive_sessions_keep_bertopics_optional_features():
    got = _python(IMPORT_REPORT, NEWSTOPICS_BATCH="")
    assert got["note"].startswith("plain") and got["zeroshot"] != "NotInstalled" and got["has_torch"] is True


@pytest.mark.slow
def test_a_failing_cheap_import_falls_back_to_the_plain_one():
    code = """
import json
from newstopics import speedups
speedups.BERTOPIC_OPTIONAL = speedups.BERTOPIC_OPTIONAL + ("sklearn",)  # BERTopic cannot import without it
bertopic = speedups.import_bertopic()
print(json.dumps({"note": speedups.NOTES["bertopic_import"], "model": bertopic.BERTopic.__name__}))
"""
    got = _python(code, NEWSTOPICS_BATCH="1")
    assert got["note"].startswith("plain path (") and got["model"] == "BERTopic"


def test_bertopic_still_handles_missing_optional_backends_as_we_rely_on():
    """BERTopic must keep importing its optional back-ends inside try/except ModuleNotFoundError."""
    import bertopic

    root = os.path.dirname(bertopic.__file__)
    for module in ("backend/__init__.py", "representation/__init__.py"):
        source = open(os.path.join(root, module)).read()
        assert "except ModuleNotFoundError" in source, module
    save_utils = open(os.path.join(root, "_save_utils.py")).read()
    assert "_has_torch = False" in save_utils and "_has_hf_hub = False" in save_utils


# -- numba's disk cache for UMAP ----------------------------------------------------------------------------------

def test_numba_attributes_the_cache_relies_on_exist():
    from numba.core.caching import NullCache  # noqa: F401
    from numba.core.dispatcher import Dispatcher

    umap = speedups.import_umap()
    dispatchers = [obj for obj in vars(umap.layouts).values() if isinstance(obj, Dispatcher)]
    assert dispatchers
    for obj in dispatchers:
        assert hasattr(obj, "_cache") and callable(obj.enable_caching) and callable(obj.py_func)
        assert isinstance(obj.targetoptions, dict)
    assert speedups.NOTES["numba_cache"].split()[0].isdigit()


def _numba_module(name: str, break_it: bool):
    """A module holding one compiled function, as UMAP's modules do; ``break_it`` removes the attribute the cache
    switch reads, as a numba release that renamed it would."""
    import types

    import numba

    @numba.njit
    def plus_one(x):
        return x + 1

    if break_it:
        del plus_one._cache
    module = types.ModuleType(name)
    module.plus_one = plus_one
    return module


def test_a_changed_numba_dispatcher_compiles_as_before(monkeypatch):
    monkeypatch.setitem(sys.modules, "nt_changed_numba", _numba_module("nt_changed_numba", break_it=True))
    assert speedups.cache_numba("nt_changed_numba") == 0
    assert speedups.NOTES["numba_cache"].endswith("1 left as they were")  # and no error reached the run


def test_a_moved_numba_cache_class_switches_nothing_on(monkeypatch):
    import types

    monkeypatch.setitem(sys.modules, "nt_plain_numba", _numba_module("nt_plain_numba", break_it=False))
    monkeypatch.setitem(sys.modules, "numba.core.caching", types.ModuleType("numba.core.caching"))  # NullCache gone
    assert speedups.cache_numba("nt_plain_numba") == 0
    assert speedups.NOTES["numba_cache"].startswith("plain path (ImportError")
    assert sys.modules["nt_plain_numba"].plus_one(1) == 2


# -- UMAP's vectorised distances ------------------------------------------------------------------------------------

def test_umap_has_what_the_vectorised_subclass_relies_on():
    assert speedups.umap_relies_on() == []
    umap = speedups.import_umap()
    data = np.random.default_rng(0).normal(size=(30, 6)).astype("float32")
    model = umap.UMAP(n_neighbors=5, metric="cosine").fit(data)
    for name in speedups.UMAP_ATTRIBUTES:
        assert hasattr(model, name), name


def test_vectorised_umap_builds_the_same_neighbour_graph():
    """The same graph to float rounding; the layout from it then differs (UMAP's optimisation is chaotic), so the
    subclass is used in every session alike: the same parameters give the same topics in JupyterLab and batch runs."""
    data = np.random.default_rng(1).normal(size=(200, 16)).astype("float32")
    plain = speedups.import_umap().UMAP(n_neighbors=8, metric="cosine", random_state=0, n_jobs=1).fit(data)
    fast = speedups.umap_class()(n_neighbors=8, metric="cosine", random_state=0, n_jobs=1).fit(data)
    assert type(fast).__mro__[1] is speedups.import_umap().UMAP  # the subclass is in use
    assert fast._input_distance_func == "cosine" and plain._input_distance_func != "cosine"
    assert abs(plain.graph_ - fast.graph_).max() < 1e-5 and (plain.graph_ != 0).sum() == (fast.graph_ != 0).sum()


def test_a_changed_umap_gets_plain_umap(monkeypatch):
    monkeypatch.setattr(speedups, "umap_relies_on", lambda: ["UMAP._validate_parameters(self) changed"])
    speedups.umap_class.cache_clear()
    try:
        assert speedups.umap_class() is speedups.import_umap().UMAP
        assert speedups.NOTES["umap_distances"].startswith("plain UMAP")
    finally:
        speedups.umap_class.cache_clear()


# -- papermill's engine ----------------------------------------------------------------------------------------------

def test_papermill_has_what_the_engine_relies_on():
    assert engine.mismatches() == []
    assert engine.engine_name() == engine.ENGINE


def test_a_changed_papermill_gets_its_own_engine(monkeypatch):
    monkeypatch.setitem(engine.RELIES_ON, "NotebookExecutionManager.save", ["self", "force"])
    assert engine.engine_name() == "nbclient"
    assert "NotebookExecutionManager.save" in speedups.NOTES["papermill_engine"]


# -- jsonschema's IRI grammar, and the switch that turns everything off -----------------------------------------

def test_notebooks_validate_without_the_iri_grammar():
    code = """
import json, sys
from newstopics import speedups
speedups.hide_notebook_extras()
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
print(json.dumps({"note": speedups.NOTES["notebook_import"], "iri": "rfc3987_syntax" in sys.modules}))
"""
    got = _python(code)
    assert got == {"note": "jsonschema's IRI grammar skipped", "iri": False}


@pytest.mark.slow
def test_speedups_can_be_switched_off():
    code = """
import json, sys
from newstopics import speedups
from newstopics.runs import engine
speedups.import_bertopic()
umap_cls = speedups.umap_class()
print(json.dumps({"notes": speedups.NOTES, "umap": umap_cls is speedups.import_umap().UMAP,
                  "engine": engine.engine_name(), "torch": "torch" in sys.modules}))
"""
    got = _python(code, NEWSTOPICS_SPEEDUPS="0", NEWSTOPICS_BATCH="1")
    assert got["umap"] and got["engine"] == "nbclient" and got["torch"]
    assert got["notes"]["numba_cache"] == "off (speed-ups off)"


def test_every_guard_names_a_signature_the_installed_papermill_has():
    from papermill import engines

    for name, expected in engine.RELIES_ON.items():
        owner, _, attr = name.partition(".")
        assert list(inspect.signature(getattr(getattr(engines, owner), attr)).parameters) == expected, name


@pytest.mark.parametrize("module", ["bertopic", "umap"])
def test_speedup_imports_are_idempotent(module):
    first = speedups.import_bertopic() if module == "bertopic" else speedups.import_umap()
    again = speedups.import_bertopic() if module == "bertopic" else speedups.import_umap()
    assert first is again


DOCUMENT_MAP = """
import json, warnings
import numpy as np
warnings.simplefilter("error")
warnings.filterwarnings("ignore", category=ImportWarning)  # umap's own note that TensorFlow is not installed
import pynndescent
def refuse(*args, **kwargs):
    raise AssertionError("the map asked NN-descent for its neighbours")
pynndescent.NNDescent.__init__ = refuse
from newstopics import params
from newstopics.model import document_coords, size_for
X = np.random.default_rng(0).normal(size=(4500, 24)).astype(np.float32)
coords = document_coords(X, size_for(len(X), params.DEFAULTS), 0)
print(json.dumps({"shape": list(coords.shape), "finite": bool(np.isfinite(coords).all())}))
"""


@pytest.mark.slow
def test_the_document_map_of_4096_documents_or_more_warns_of_nothing():
    """UMAP takes its neighbours from pynndescent from 4,096 documents on, whose functions compile in every process
    (15 to 30 s) and, switched to the disk cache, printed a numba warning into every such report. The map gives UMAP
    exact neighbours instead, and NN-descent is never called. A new interpreter, every warning an error."""
    out = subprocess.run([sys.executable, "-c", DOCUMENT_MAP], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"shape": [4500, 2], "finite": True}
    assert "Warning" not in out.stderr
