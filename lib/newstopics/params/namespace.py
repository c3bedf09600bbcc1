"""A notebook's parameters as its kernel holds them, read by their declared names only.

A kernel is reused: Run All, change a value, Run All again, and the namespace holds everything the first run
made (``result``, ``figs``, ...). So the names a notebook declares are read, nothing else; a name papermill
injected that the notebook does not declare (a misspelt ``-p min_topic_sise 5``) is found in the cell papermill
injected (IPython's input history), not by scanning ``globals()``.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .checks import ParameterError
from .notebooks import ASSIGN_NAMES, COMPARE_NAMES, CURATE_NAMES, validate_assign, validate_compare, validate_curate
from .report import NAMES, validate

INJECTED_HEADER = "# Parameters"  # the first line of the cell papermill injects
NOTEBOOKS: dict[str, tuple[tuple[str, ...], Callable]] = {
    "topics": (NAMES, validate),
    "assign": (ASSIGN_NAMES, validate_assign),
    "compare": (COMPARE_NAMES, validate_compare),
    "curate": (CURATE_NAMES, validate_curate),
}


def injected_names(history: list[str]) -> set[str]:
    """The names assigned by the last cell papermill injected into this kernel (none outside papermill)."""
    for source in reversed(history or []):
        if isinstance(source, str) and source.lstrip().split("\n", 1)[0].strip() == INJECTED_HEADER:
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return set()
            return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                    if isinstance(t, ast.Name)}
    return set()


def from_namespace(namespace: dict[str, Any], notebook: str = "topics", *, check_corpus: bool = True):
    """Validate the parameters a notebook's kernel holds, by the names the notebook declares.

    Args:
        namespace: the kernel's ``globals()``.
        notebook: which notebook's parameters: ``topics`` (the report), ``assign``, ``compare`` or ``curate``.
        check_corpus: also check that the paths the parameters name exist.

    Returns:
        The validated parameters (:class:`~newstopics.params.Params` for the report).

    Raises:
        ParameterError: a bad value, or a name papermill injected that the notebook does not declare.

    Example:
        >>> cfg = from_namespace(globals())  # the cell right after the parameters cell  # doctest: +SKIP
    """
    names, check = NOTEBOOKS[notebook]
    unknown = sorted(injected_names(namespace.get("In") or namespace.get("_ih") or []) - set(names))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; the accepted names are: "
                             f"{', '.join(names)}.")
    return check({n: namespace[n] for n in names if n in namespace}, check_corpus=check_corpus)
