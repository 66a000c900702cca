"""Derived statistics: rates, percentages and shares that are published are computed here from
the *published* (rounded) counts, withheld with them and printed at a fixed precision, so that no
derived figure, times a public population or total, gives back more than the counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svimpact.disclosure.counts import SUPPRESSED, AuditEntry, DisclosedTable, DisclosureRule, get_rule, protect_counts
from svimpact.exceptions import InputDataError, ParamsError

__all__ = ["DERIVED_KINDS", "PublishedProportion", "derived_rate", "publish_proportion", "round_significant",
           "suppression_pattern", "withhold"]

DERIVED_KINDS: Mapping[str, tuple[float, int]] = {"percent": (100.0, 1), "per_1000": (1000.0, 2), "share": (1.0, 3)}
"""Multiplier and fixed decimal places of each derived statistic: percent 1 dp, per 1,000 2 dp, share 3 dp."""


def _kind(kind: str) -> tuple[float, int]:
    if kind in DERIVED_KINDS:
        return DERIVED_KINDS[kind]
    raise ParamsError(f"unknown kind '{kind}'; choose one of {', '.join(DERIVED_KINDS)}", key="kind")


def round_significant(x: float | Sequence[float] | np.ndarray, digits: int = 3) -> np.ndarray:
    """``x`` rounded to ``digits`` significant figures (NaN and 0 stay as they are).

    >>> round_significant([-0.164847, 1385.04, 0.0]).tolist()
    [-0.165, 1390.0, 0.0]
    """
    a = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(np.isfinite(a) & (a != 0), np.floor(np.log10(np.abs(a))), 0.0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.where(np.isfinite(a), np.round(a * scale) / scale, a)


def derived_rate(count: float | Sequence[float] | np.ndarray, base: float | Sequence[float] | np.ndarray,
                 kind: str = "percent", *, level: float | None = 0.95) -> pd.DataFrame:
    """``count / base`` as a ``kind`` (``percent``, ``per_1000``, ``share``), from *published* counts.

    ``count`` holds published counts (``NaN`` where suppressed); ``base`` a published total or a
    public population. Returns ``value``, ``lower``, ``upper`` (Wilson score limits computed from
    the same published counts; ``NaN`` when ``level`` is None), rounded to the kind's fixed
    decimal places, and ``NaN`` wherever the count or base is missing or the base is not positive.

    >>> derived_rate([30, np.nan], [300, 300]).round(1).to_dict("list")
    {'value': [10.0, nan], 'lower': [7.1, nan], 'upper': [13.9, nan]}
    """
    from svimpact.geo.inequality.intervals import wilson_interval

    mult, dp = _kind(kind)
    k, n = np.broadcast_arrays(np.asarray(count, dtype=float), np.asarray(base, dtype=float))
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    if np.any(bad := ok & ((k < 0) | (k > n))):
        raise InputDataError("a published count is negative or larger than its base", rows=np.flatnonzero(bad).tolist())
    kk, nn = np.where(ok, k, 0.0), np.where(ok, n, 1.0)
    lo, hi = wilson_interval(kk, nn, level) if level is not None else (np.full(k.shape, np.nan),) * 2
    out = {"value": kk / nn, "lower": lo, "upper": hi}
    return pd.DataFrame({c: np.where(ok, np.round(v * mult, dp), np.nan).ravel() for c, v in out.items()})


@dataclass(frozen=True)
class PublishedProportion:
    """A proportion as published (see :func:`publish_proportion`): value and limits, or a reason."""

    value: float
    lower: float
    upper: float
    kind: str
    level: float
    reason: str | None = None

    @property
    def withheld(self) -> bool:
        return self.reason is not None

    def format(self) -> str:  # '28.3% (95% interval 23.5% to 33.7%)', or '[c]' when withheld
        if self.withheld:
            return SUPPRESSED
        dp = _kind(self.kind)[1]
        f = (lambda v: f"{v:.{dp}f}%") if self.kind == "percent" else (lambda v: f"{v:,.{dp}f}")
        return f"{f(self.value)} ({self.level:.0%} interval {f(self.lower)} to {f(self.upper)})"


def publish_proportion(k: float, n: float, *, kind: str = "percent", rule: str | DisclosureRule = "nhs-hes",
                       level: float = 0.95) -> PublishedProportion:
    """A 0/1 proportion (``k`` of ``n``) as it may be published, e.g. a share or a mean of a 0/1 outcome.

    Withheld (with a reason) when ``k`` or ``n - k`` is a count the rule suppresses: the
    complement is a cell too. Otherwise computed from the rounded ``k`` and ``n`` at the kind's
    fixed precision, with Wilson limits from the same rounded counts.

    >>> publish_proportion(86, 300).format(), publish_proportion(4, 67).format()
    ('28.3% (95% interval 23.5% to 33.7%)', '[c]')
    """
    r = get_rule(rule)
    pub, hidden = protect_counts([k, n - k, n], r)
    if hidden.any():
        reason = f"the count or its complement is between {0 if not r.zero_stays else 1} and {r.suppress_max}"
        return PublishedProportion(np.nan, np.nan, np.nan, kind, level, reason)
    v = derived_rate(pub[0], pub[2], kind, level=level).iloc[0]
    return PublishedProportion(float(v["value"]), float(v["lower"]), float(v["upper"]), kind, level)


def suppression_pattern(counts: Sequence[float] | np.ndarray | pd.Series, rule: str | DisclosureRule = "nhs-hes", *,
                        total: bool = True, prefer: Sequence[object] | None = None) -> np.ndarray:
    """Which cells of one table body to withhold: the rule's small counts, plus one more if needed.

    When ``total`` (the table carries a total, or the rule always asks for it) and exactly one
    cell is suppressed, the smallest positive cell is withheld too so that the total does not
    give it back; with ``prefer`` (a group label per cell, e.g. quintile pairs of deciles) a cell
    of the suppressed cell's own group is chosen first, so sums over whole groups stay publishable.
    Every table and map of the same people must use the same pattern (same counts, same call).

    >>> suppression_pattern([31, 55, 38, 47, 38, 36, 22, 22, 8, 3]).nonzero()[0].tolist()
    [8, 9]
    """
    r = get_rule(rule)
    c = np.asarray(counts, dtype=float)
    _, hidden = protect_counts(c, r)
    hidden = hidden.copy()
    if (total or r.always_secondary) and hidden.sum() == 1:
        i = int(np.flatnonzero(hidden)[0])
        cand = np.flatnonzero(~hidden & (c > 0))
        if prefer is not None:
            same = cand[[prefer[int(j)] == prefer[i] for j in cand]]
            cand = same if same.size else cand
        if cand.size:
            hidden[cand[np.argmin(c[cand])]] = True
    return hidden


def withhold(table: DisclosedTable, column: str, rows: Sequence[bool] | np.ndarray, reason: str,
             label: str | None = None) -> DisclosedTable:
    """``table`` with more cells of ``column`` withheld (e.g. a pattern shared with another table)."""
    rows = np.asarray(rows, dtype=bool)
    new = rows & ~table.suppressed[column].to_numpy()
    out, mask = table.table.copy(), table.suppressed.copy()
    out[column] = out[column].mask(rows)
    mask[column] = mask[column].to_numpy() | rows
    names = out[label].astype(str).to_numpy() if label else (np.arange(len(out)) + 1).astype(str)
    audit = table.audit + tuple(AuditEntry(str(names[i]), column, reason) for i in np.flatnonzero(new))
    return DisclosedTable(out, mask, table.rule, audit)
