import json

import nbformat
import pytest
from conftest import ROOT, SEEDS
from papermill.translators import PythonTranslator

from newstopics import params as P


def test_defaults_validate():
    assert P.validate({"corpus": str(SEEDS)}) == P.Params(corpus=str(SEEDS))


@pytest.mark.parametrize(
    "values, names",
    [
        ({"min_topic_sise": 5}, "min_topic_sise"),
        ({"doc_unit": "chapter"}, "doc_unit"),
        ({"min_topic_size": 1}, "min_topic_size"),
        ({"min_topic_size": "five"}, "min_topic_size"),
        ({"nr_topics": 1}, "nr_topics"),
        ({"nr_topics": "many"}, "nr_topics"),
        ({"random_state": -1}, "random_state"),
        ({"top_n_words": 100}, "top_n_words"),
        ({"clean": "maybe"}, "clean"),
        ({"reducer": "tsne"}, "reducer"),
        ({"run_name": "../escape"}, "run_name"),
        ({"corpus": "/no/such/folder"}, "corpus"),
    ],
)
def test_bad_values_name_the_parameter(values, names):
    with pytest.raises(P.ParameterError) as err:
        P.validate({"corpus": str(SEEDS), **values})
    assert repr(names) in str(err.value) or names in str(err.value)


def test_accepted_values_are_listed_in_the_error():
    with pytest.raises(P.ParameterError, match="'paragraph', 'article', 'sentence'"):
        P.validate({"corpus": str(SEEDS), "doc_unit": "page"})


def test_string_forms_from_the_command_line_are_typed():
    p = P.validate({"corpus": str(SEEDS), "min_topic_size": "5", "nr_topics": "auto", "clean": "false"})
    assert (p.min_topic_size, p.nr_topics, p.clean) == (5, "auto", False)
    assert P.validate({"corpus": str(SEEDS), "nr_topics": "None"}).nr_topics is None


def test_namespace_with_unknown_injected_name_is_refused():
    """A misspelt `-p min_topic_sise 5` is found in the cell papermill injected, and named."""
    injected = "# Parameters\ncorpus = 'seeds'\nmin_topic_sise = 5\n"
    ns = {**P.DEFAULTS.to_dict(), "corpus": str(SEEDS), "min_topic_sise": 5, "In": ["", "x = 1", injected]}
    with pytest.raises(P.ParameterError, match="min_topic_sise"):
        P.from_namespace(ns)


def test_namespace_left_by_an_earlier_run_is_not_taken_for_parameters():
    """Run All twice in one kernel: names the first run left (cfg, result, a Corpus...) are not parameters."""
    first = P.from_namespace({**P.DEFAULTS.to_dict(), "corpus": str(SEEDS), "In": [""]})
    ns = {**P.DEFAULTS.to_dict(), "corpus": str(SEEDS), "top_n_words": 7, "cfg": first, "result": object(),
          "articles": object(), "figs": "x", "json": json, "In": ["", "cfg = params.from_namespace(globals())"]}
    second = P.from_namespace(ns)
    assert second.top_n_words == 7 and first.top_n_words == 10


def test_other_notebooks_read_their_own_names():
    with pytest.raises(P.ParameterError, match="'corpus' is empty"):
        P.from_namespace({"model_run": "", "corpus": "", "output_dir": "", "run_name": "", "result": 1}, "assign")
    with pytest.raises(P.ParameterError, match="runs"):
        P.from_namespace({"runs": None, "output_dir": "", "run_name": ""}, "compare")
    with pytest.raises(P.ParameterError, match="a finished run folder"):
        P.from_namespace({"run": "", "merge": [[1, 2]], "rename": None, "drop": None, "output_dir": "",
                          "run_name": ""}, "curate")
    with pytest.raises(P.ParameterError, match="merged once"):
        P.validate_curate({"run": "x", "merge": [[1, 2]], "drop": [2]}, check_corpus=False)


def _parameters_cell(path):
    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


@pytest.mark.parametrize("notebook, defaults", [("topics", P.DEFAULTS), ("assign", P.AssignParams()),
                                                ("compare", P.CompareParams()), ("curate", P.CurateParams())])
def test_notebook_parameters_cell_matches_library_defaults(notebook, defaults):
    """Each notebook declares every parameter, typed and commented, with the library's default."""
    cell = _parameters_cell(ROOT / "notebooks" / f"{notebook}.ipynb")
    declared = {p.name: p for p in PythonTranslator.inspect(cell)}
    assert set(declared) == set(defaults.to_dict())
    for name, p in declared.items():
        value, default = eval(p.default), getattr(defaults, name)  # noqa: S307 - our own notebook's literals
        assert value == default or (value is None and default == ()), name  # compare's `runs`: None means none
        assert p.inferred_type_name not in ("None", ""), f"{name} has no type annotation"
        assert p.help, f"{name} has no comment"
