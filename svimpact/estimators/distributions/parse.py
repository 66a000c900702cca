"""Distributions from params YAML: :func:`parse_distribution`, :func:`as_distribution`, :func:`check_kind`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from svimpact._common import did_you_mean
from svimpact.estimators.distributions.families import (
    BetaCounts,
    Distribution,
    Draws,
    Fixed,
    Kind,
    Pert,
    Triangular,
    Uniform,
    _number,
)
from svimpact.exceptions import ParamsError

__all__ = ["DISTRIBUTIONS", "as_distribution", "check_kind", "parse_distribution"]


DISTRIBUTIONS: dict[str, tuple[type[Distribution], tuple[str, ...], tuple[str, ...]]] = {
    "fixed": (Fixed, ("value",), ()),
    "uniform": (Uniform, ("low", "high"), ()),
    "triangular": (Triangular, ("low", "mode", "high"), ()),
    "pert": (Pert, ("low", "mode", "high"), ()),
    "beta": (BetaCounts, ("successes", "failures"), ("prior",)),
}
"""Distribution name -> (class, required keys, optional keys), as written in params YAML."""


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _hint(word: str, choices: list[str]) -> str:
    close = did_you_mean(word, choices, listing=None)
    return f"; {close}" if close else ""


def parse_distribution(
    spec: Any, *, key: str = "", file: str | None = None, extra_keys: tuple[str, ...] = ()
) -> Distribution:
    """Build a :class:`Distribution` from a number or a YAML-like mapping.

    Parameters
    ----------
    spec
        A number (fixed), a :class:`Distribution` (returned as is), ``{"value": x}``, or
        ``{"dist": name, ...keys}`` (see the module table).
    key
        The key path of ``spec`` in its file, used in error messages (``adjustments.deadweight``).
    file
        The file ``spec`` came from, for error messages.
    extra_keys
        Keys the caller handles itself (for example ``evidence``); ignored here.

    Raises
    ------
    ParamsError
        Unknown distribution name (the message lists the valid names), a missing or unknown key,
        or a non-numeric or out-of-order value; the error names the file and the full key path.
    """
    if isinstance(spec, Distribution):
        return spec
    if not isinstance(spec, Mapping):
        try:
            return Fixed(_number(spec, key))
        except ParamsError as exc:
            raise ParamsError(_bare(exc), file=file, key=key) from None
    body = {k: v for k, v in spec.items() if k not in extra_keys}
    name = body.pop("dist", "fixed" if "value" in body else None)
    if name is None:
        raise ParamsError(
            "give either 'value' (a fixed number) or 'dist' with its keys "
            f"(valid dist names: {', '.join(DISTRIBUTIONS)})",
            file=file,
            key=key,
        )
    if not isinstance(name, str) or name.lower() not in DISTRIBUTIONS:
        raise ParamsError(
            f"unknown distribution {name!r}; valid names are {', '.join(DISTRIBUTIONS)}"
            + _hint(str(name).lower(), list(DISTRIBUTIONS)),
            file=file,
            key=_join(key, "dist"),
        )
    cls, required, optional = DISTRIBUTIONS[name.lower()]
    for k in body:
        if k not in required + optional:
            allowed = list(required + optional + extra_keys)
            raise ParamsError(
                f"unknown key for a {name} distribution; expected {', '.join(allowed)}"
                + _hint(str(k), allowed),
                file=file,
                key=_join(key, str(k)),
            )
    missing = [k for k in required if k not in body]
    if missing:
        raise ParamsError(
            f"a {name} distribution needs {', '.join(required)}; missing {', '.join(missing)}",
            file=file,
            key=_join(key, missing[0]),
        )
    try:
        args = {k: _number(v, k) for k, v in body.items()}
        return cls(**args)
    except ParamsError as exc:
        raise ParamsError(_bare(exc), file=file, key=_join(key, exc.key or "")) from None


def _bare(exc: ParamsError) -> str:
    """The message of ``exc`` without its 'key ...:' prefix (so it can be re-keyed)."""
    text = str(exc)
    prefix = f"key '{exc.key}': " if exc.key else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


def as_distribution(value: Any, *, key: str = "") -> Distribution:
    """A number, a Distribution, or an estimate, as a Distribution.

    Estimates: an object with ``to_distribution()`` (survey results), or one whose ``draws``
    has an attribute named ``key`` (comparison-group estimates: ``deadweight=estimate``).
    """
    if isinstance(value, Distribution):
        return value
    to_dist = getattr(value, "to_distribution", None)
    if callable(to_dist):
        out = to_dist()
        if not isinstance(out, Distribution):
            raise ParamsError("to_distribution() did not return a Distribution", key=key)
        return out
    if isinstance(value, Mapping):
        return parse_distribution(value, key=key)
    if key and hasattr(getattr(value, "draws", None), key):
        return Draws.from_estimate(value, key)
    try:
        return Fixed(_number(value, key))
    except ParamsError:
        raise ParamsError(
            f"expected a number or a distribution (Fixed, Uniform, Triangular, Pert, "
            f"BetaCounts, Draws), got {value!r}",
            key=key,
        ) from None


def check_kind(
    dist: Distribution, kind: Kind, *, key: str, file: str | None = None
) -> Distribution:
    """Check that every draw of ``dist`` lies in the range its kind allows.

    ``share``: ``[0, 1]``; ``nonnegative``: ``>= 0``; ``any``: no check. ``deadweight``: a stated
    share (a number or a distribution someone wrote down) must lie in ``[0, 1]``, but draws
    estimated from data (:class:`Draws`, e.g. a comparison-group estimate's) may fall outside: a
    deadweight draw above 1 means the counterfactual exceeds what participants achieved (the
    service may have added nothing, or reduced the outcome), below 0 that the effect exceeds the
    observed outcome. Refusing them would hide exactly the null or negative effects an evaluation
    must be able to report; the chain then gives a negative net with its interval.
    """
    lo, hi = dist.support()
    if kind == "deadweight" and isinstance(dist, Draws):
        return dist
    if kind in ("share", "deadweight") and (lo < 0 or hi > 1):
        raise ParamsError(
            f"a share must lie in [0, 1], but this {dist.describe()} reaches "
            f"{lo:g} to {hi:g}; write shares as fractions (0.2, not 20)",
            file=file,
            key=key,
        )
    if kind == "nonnegative" and lo < 0:
        raise ParamsError(
            f"must be >= 0, but this {dist.describe()} reaches {lo:g}", file=file, key=key
        )
    return dist
