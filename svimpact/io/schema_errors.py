"""Pydantic validation errors as one :class:`~svimpact.exceptions.ParamsError` naming file and key path.

Shared by the params models (:mod:`svimpact.io.params`) and the ledger
(:meth:`svimpact.estimators.ledger.Ledger.from_mapping`), so a problem in an ``adjustments`` block
reads the same whether it came from a YAML file or a mapping built in code. A leaf module.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from svimpact._common import did_you_mean
from svimpact.exceptions import ParamsError

__all__ = ["params_error"]

_INTERNAL = ("source_file", "source_sha256")


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The valid field names of the sub-model at ``loc`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if current is None:
            return []
    return [n for n in getattr(current, "model_fields", {}) if n not in _INTERNAL]


def _problem(err: Any, model: type[BaseModel], prefix: tuple) -> tuple[str, str]:
    loc = tuple(err["loc"])
    key = ".".join(str(p) for p in (*prefix, *loc))
    if err["type"] == "extra_forbidden":
        return key, f"unknown key; {did_you_mean(loc[-1], _fields_at(model, loc[:-1]), listing='valid keys here')}"
    if err["type"] == "missing":
        return key, "required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or err["type"] == "value_error" else f" (got {repr(got)[:60]})"
    if err["type"] == "literal_error":
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        hint = did_you_mean(got, choices, listing=None)
        shown += f"; {hint}" if hint else ""
    return key, f"{msg}{shown}"


def params_error(exc: ValidationError, model: type[BaseModel], file: str | None, prefix: tuple = ()) -> ParamsError:
    """One ParamsError for every problem in ``exc``: ``file: key 'a.b': message`` (then the others)."""
    problems = [_problem(err, model, prefix) for err in exc.errors()]
    (key, message), rest = problems[0], problems[1:]
    if rest:
        message += "".join(f"; key '{k}': {m}" for k, m in rest)
    return ParamsError(message, file=file, key=key)
