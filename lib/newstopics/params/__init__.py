"""Parameters: the one place where every notebook's parameter names, defaults, help lines and checks live.

The notebooks' ``parameters`` cells, the command line and the tests all go through these checks:
``report`` (the topic report), ``notebooks`` (assign, compare, curate), ``namespace`` (reading them from a kernel),
``checks`` (the typed checks behind every one).
"""
from .checks import HELP, ParameterError
from .namespace import from_namespace, injected_names
from .notebooks import (
                        ASSIGN_NAMES,
                        COMPARE_NAMES,
                        CURATE_NAMES,
                        AssignParams,
                        CompareParams,
                        CurateParams,
                        validate_assign,
                        validate_compare,
                        validate_curate,
)
from .report import (
                        BASELINES_AUTO_MAX_DOCS,
                        DEFAULTS,
                        DOC_UNITS,
                        LANGUAGE_CHOICES,
                        NAMES,
                        OUTLIER_STRATEGIES,
                        PACKAGED_MODEL,
                        REDUCERS,
                        Params,
                        describe,
                        grid,
                        validate,
)

__all__ = [
    "ASSIGN_NAMES", "BASELINES_AUTO_MAX_DOCS", "COMPARE_NAMES", "CURATE_NAMES", "DEFAULTS", "DOC_UNITS", "HELP",
    "LANGUAGE_CHOICES", "NAMES", "OUTLIER_STRATEGIES", "PACKAGED_MODEL", "REDUCERS", "AssignParams", "CompareParams",
    "CurateParams", "ParameterError", "Params", "describe", "from_namespace", "grid", "injected_names",
    "validate", "validate_assign", "validate_compare", "validate_curate",
]
