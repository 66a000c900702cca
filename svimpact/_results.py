"""Shared pieces of every result object: the Interval and the display mixin.

Results are frozen dataclasses. ``summary()`` renders text, HTML and Markdown from ``to_frame()``
without recomputing or mutating anything.
"""

from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RESULT_COLUMNS",
    "Interval",
    "ResultMixin",
    "Summary",
    "fmt_number",
    "frame_to_markdown",
    "result_frame",
]

RESULT_COLUMNS = ("measure", "value", "lower", "upper", "level", "method", "source")
"""The one results contract: every result's ``to_frame()`` has exactly these columns, in this order.

``lower``/``upper``/``level`` are empty (NaN) for a number with no interval; ``method`` says how
the number was obtained; ``source`` where an assumption or input came from ("" when computed here).
Wider presentation tables (a decile profile, a balance table) come from ``published_table()`` or
``table()`` methods, not ``to_frame()``.
"""


def result_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A contract-shaped frame from rows; each row gives ``measure`` and ``value`` or ``interval``.

    A row may give ``interval=Interval(...)`` instead of value/lower/upper/level/method; missing
    columns are filled (NaN for numbers, "" for text).
    """
    out = []
    for row in rows:
        row = dict(row)
        iv = row.pop("interval", None)
        if iv is not None:
            exact = iv.lower == iv.upper == iv.value and iv.method == "exact"
            row.setdefault("value", iv.value)
            row.setdefault("lower", np.nan if exact else iv.lower)
            row.setdefault("upper", np.nan if exact else iv.upper)
            row.setdefault("level", np.nan if exact else iv.level)
            row.setdefault("method", iv.method)
        unknown = set(row) - set(RESULT_COLUMNS)
        if unknown:
            raise ValueError(f"result_frame: unknown column(s) {sorted(unknown)}; use {', '.join(RESULT_COLUMNS)}")
        out.append({c: row.get(c, np.nan if c in ("value", "lower", "upper", "level") else "") for c in RESULT_COLUMNS})
    return pd.DataFrame(out, columns=list(RESULT_COLUMNS))


def fmt_number(x: float, digits: int | None = None) -> str:
    """Format a number for prose: thousands separators, sensible precision, a true minus sign and
    never scientific notation (:func:`svimpact.present.number`)."""
    from svimpact.present import number

    return number(x, digits=digits)


@dataclass(frozen=True)
class Interval:
    """A headline number with its uncertainty: ``value`` and ``[lower, upper]`` at ``level``.

    ``method`` says how the interval was obtained (``"exact"`` when there is no uncertainty,
    ``"normal"``, ``"bootstrap percentile"``, ``"Monte Carlo"``...).
    """

    value: float
    lower: float
    upper: float
    level: float = 0.95
    method: str = "exact"

    def __post_init__(self) -> None:
        for name in ("value", "lower", "upper", "level"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @classmethod
    def exact(cls, value: float) -> Interval:
        """An interval with no uncertainty (lower = value = upper)."""
        return cls(value, value, value, 0.95, "exact")

    @classmethod
    def normal(cls, value: float, se: float, level: float = 0.95) -> Interval:
        """A symmetric normal-theory interval ``value +/- z * se``."""
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + level / 2))
        return cls(value, value - z * se, value + z * se, level, "normal")

    @classmethod
    def from_draws(
        cls,
        draws: np.ndarray,
        *,
        value: float | None = None,
        level: float = 0.95,
        method: str = "Monte Carlo percentile",
    ) -> Interval:
        """Percentile interval of ``draws``; the point value is ``value`` or the draws' median."""
        d = np.asarray(draws, dtype=float)
        if d.size == 0:
            raise ValueError("Interval.from_draws needs at least one draw")
        lo, hi = np.quantile(d, [(1 - level) / 2, (1 + level) / 2])
        v = float(np.median(d)) if value is None else float(value)
        if np.ptp(d) == 0:
            return cls(v, v, v, level, "exact")
        return cls(v, float(lo), float(hi), level, method)

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def contains(self, x: float) -> bool:
        return self.lower <= x <= self.upper

    def scale(self, factor: float) -> Interval:
        """Multiply value and limits by ``factor`` (a negative factor swaps the limits)."""
        lo, hi = sorted((self.lower * factor, self.upper * factor))
        return Interval(self.value * factor, lo, hi, self.level, self.method)

    def format(self, digits: int | None = None, pct: bool = False, *, kind: str | None = None,
               plus: bool = False) -> str:
        """'64.8 (95% interval 60.1 to 70.2)', or just '64.8' when exact.

        Rendered by :mod:`svimpact.present`: true minus signs, thousands separators, no scientific
        notation. ``pct`` writes a 0-1 figure as a percentage; ``kind`` ("money", "ratio", "count",
        "percent", "pp") picks the unit, and without ``digits`` the value and limits are rounded to
        one step set by the interval's width, so the rounded value stays inside its rounded interval.
        """
        from svimpact.present import interval, number, percent

        if pct or kind in ("percent", "pp"):
            if digits is None or digits == 1:
                return interval(self.value, self.lower, self.upper, kind=kind or "percent", level=self.level, plus=plus)

            def f(x: float) -> str:
                return percent(x, digits=digits, plus=plus)
        elif digits is None or kind is not None:
            return interval(self.value, self.lower, self.upper, kind=kind or "number", level=self.level, plus=plus)
        else:
            def f(x: float) -> str:
                return number(x, digits=digits, plus=plus)
        if self.lower == self.upper == self.value:
            return f(self.value)
        return f"{f(self.value)} ({self.level:.0%} interval {f(self.lower)} to {f(self.upper)})"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Summary:
    """A rendered summary in three forms."""

    text: str
    html: str
    markdown: str

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html

    def _repr_markdown_(self) -> str:
        return self.markdown


def _jsonable(value: Any) -> Any:
    if isinstance(value, Interval):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, np.ndarray):
        return f"<array shape={value.shape}>"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class ResultMixin:
    """Gives a frozen-dataclass result ``summary()``, ``to_dict()``, ``__str__`` and ``_repr_html_``.

    Subclasses implement ``to_frame()`` (a tidy table shaped like the published one) and may
    override ``_title`` and ``_notes()``.
    """

    _title: str = "Result"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def _notes(self) -> list[str]:
        return []

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)

    def summary(self) -> Summary:
        frame = self.to_frame()
        notes = self._notes()
        text = "\n".join([self._title, "=" * len(self._title), frame.to_string(index=False), *notes])
        md_notes = "\n".join(f"- {n}" for n in notes)
        markdown = f"**{self._title}**\n\n{frame_to_markdown(frame)}\n\n{md_notes}".rstrip()
        notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        html_text = (
            f"<div class='svimpact-result'><strong>{html.escape(self._title)}</strong>"
            f"{frame.to_html(index=False, border=0, na_rep='')}"
            + (f"<ul>{notes_html}</ul>" if notes else "")
            + "</div>"
        )
        return Summary(text, html_text, markdown)

    def __str__(self) -> str:
        return self.summary().text

    def _repr_html_(self) -> str:
        return self.summary().html


def frame_to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (no extra dependency)."""
    cols = [str(c) for c in frame.columns]
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(v).replace("|", "\\|")
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
