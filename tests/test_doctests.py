"""Every example in the library's docstrings runs and prints what it says (those marked ``+SKIP`` need a run)."""
import doctest
import importlib
import pkgutil

import pytest

import newstopics

MODULES = sorted(m.name for m in pkgutil.walk_packages(newstopics.__path__, "newstopics."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (output above)"
