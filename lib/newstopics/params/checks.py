"""The typed checks every parameter goes through: each names the parameter and what it accepts when it fails."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LOCAL_CLUSTER = re.compile(r"^local:(\d+)$")
REMOTE_CLUSTER = re.compile(r"^tcp://[A-Za-z0-9_.\-\[\]:]+:\d+$")


class ParameterError(ValueError):
    """A parameter has a wrong name, type or value. The message names it and what is accepted."""


# One help line per parameter of every notebook, registered by the module that declares it: shown in errors,
# the command line's --help and ``newstopics params``.
HELP: dict[str, str] = {}
RUN_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def fail(name: str, value: Any, accepted: str) -> ParameterError:
    return ParameterError(f"parameter {name!r} = {value!r} is not valid: expected {accepted}.")


def as_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            raise fail(name, value, f"an integer ({HELP[name]})")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise fail(name, value, f"an integer {rng} ({HELP[name]})")
    return value


def as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise fail(name, value, "True or False")


def as_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise fail(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value.strip().lower()


def as_str(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, Path)):
        raise fail(name, value, f"a string ({HELP[name]})")
    return str(value)


def parse_list(name: str, value: Any) -> Any:
    """Lists may come as Python lists or, from the command line, as JSON/YAML text."""
    if isinstance(value, str):
        import yaml

        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise fail(name, value, f"a list ({HELP[name]})") from None
    return value


def as_word_lists(name: str, value: Any) -> tuple[tuple[str, ...], ...] | None:
    if none_like(value):
        return None
    value = parse_list(name, value)
    if isinstance(value, dict):  # {"price": ["cheap", "cost"]}: the name is a seed word too
        value = [[k, *v] for k, v in value.items()]
    ok = (
        isinstance(value, (list, tuple))
        and value
        and all(
            isinstance(ws, (list, tuple)) and ws and all(isinstance(w, str) and w.strip() for w in ws) for ws in value
        )
    )
    if not ok:
        raise fail(name, value, f"a non-empty list of non-empty lists of words ({HELP[name]})")
    return tuple(tuple(w.strip().lower() for w in ws) for ws in value)


def as_names(name: str, value: Any) -> tuple[str, ...] | None:
    if none_like(value):
        return None
    value = parse_list(name, value)
    if not (isinstance(value, (list, tuple)) and value and all(isinstance(n, str) and n.strip() for n in value)):
        raise fail(name, value, f"a non-empty list of topic names ({HELP[name]})")
    if len(set(value)) != len(value):
        raise fail(name, value, "topic names without repeats")
    return tuple(n.strip() for n in value)


def as_columns(name: str, value: Any) -> tuple[str, ...] | None:
    """Column names: one name, or a list of them (``[]``: none); None for the default."""
    if none_like(value):
        return None
    value = parse_list(name, value) if isinstance(value, str) and value.strip().startswith("[") else value
    value = [value] if isinstance(value, str) else value
    if not (isinstance(value, (list, tuple)) and all(isinstance(n, str) and n.strip() for n in value)):
        raise fail(name, value, f"a column name or a list of them ({HELP[name]})")
    if len(set(value)) != len(value):
        raise fail(name, value, "column names without repeats")
    return tuple(n.strip() for n in value)


def as_float(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise fail(name, value, f"a number between {lo} and {hi}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise fail(name, value, f"a number between {lo} and {hi}") from None
    if not lo <= f <= hi:
        raise fail(name, value, f"a number between {lo} and {hi}")
    return f


def none_like(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def as_run_name(value: Any) -> str:
    """A run name: at most 60 letters, digits, '-' or '_' (it becomes part of a folder name)."""
    name = as_str("run_name", value)
    if not set(name) <= RUN_NAME_CHARACTERS or len(name) > 60:
        raise fail("run_name", value, "at most 60 letters, digits, '-' or '_'")
    return name


def reject_unknown(values: dict[str, Any], names: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; the accepted names are: {', '.join(names)}."
        )


def check_cluster(spec: str) -> str:
    """``spec`` if it is a valid ``cluster`` value (see :mod:`newstopics.cluster`), else ValueError saying what is
    accepted."""
    spec = (spec or "").strip()
    if not spec or REMOTE_CLUSTER.match(spec):
        return spec
    m = LOCAL_CLUSTER.match(spec)
    if m and 1 <= int(m.group(1)) <= 64:
        return spec
    raise ValueError("empty (in-process), local:N (N worker processes on this machine, 1..64) or "
                     "tcp://host:port (a running Dask scheduler)")
