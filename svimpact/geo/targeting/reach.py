"""Reach by deprivation group, and the gap and ratio between the most and least deprived.

* :func:`reach_by_decile`: users per 1,000 residents by decile, with Wilson score intervals;
* :func:`deprivation_gap`: most against least deprived decile, gap (Newcombe) and ratio (Katz).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule, derived_rate
from svimpact.exceptions import InputDataError
from svimpact.geo.inequality import wilson_interval
from svimpact.geo.targeting.counts import (
    _UNPROTECTED,
    PER,
    AreaCounts,
    Scale,
    UsersLike,
    _label,
    _need_local,
    _prepare,
)
from svimpact.geo.targeting.published import Sheet, group_pattern

__all__ = ["GapResult", "ReachResult", "deprivation_gap", "reach_by_decile"]


@dataclass(frozen=True)
class ReachResult(ResultMixin):
    """Users per 1,000 residents by group, with Wilson score intervals."""

    table: pd.DataFrame
    scale: str
    groups: int
    level: float
    rule: str

    _title = "Reach per 1,000 residents by deprivation group"

    def to_frame(self) -> pd.DataFrame:
        """Reach per 1,000 for each group with its Wilson limits, in the results contract.

        The wide table (LSOAs, population, users) is the ``table`` attribute.
        """
        return result_frame([
            {"measure": f"reach per 1,000, {self.scale} {_label(int(r.group), self.groups)}",
             "value": r.reach_per_1000, "lower": r.reach_lower, "upper": r.reach_upper, "level": self.level,
             "method": "Wilson score"} for r in self.table.itertuples(index=False)])

    def _notes(self) -> list[str]:
        return [f"{self.scale.capitalize()} {'deciles' if self.groups == 10 else 'quintiles'}; "
                f"{self.level:.0%} Wilson score intervals.",
                _UNPROTECTED]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """Reach per 1,000 by group with a Total row, safe to publish.

        Users are protected by the rule and the shared decile pattern; reach and its Wilson limits
        are computed from the published counts over the (public) population, to 2 decimal places.
        """
        t = self.table
        sheet = Sheet("group", [_label(g, self.groups) for g in t["group"]] + ["Total"], rule or self.rule)
        sheet.plain("lsoas", np.append(t["lsoas"].to_numpy(), t["lsoas"].sum()))
        pop = np.append(t["population"].to_numpy(float), t["population"].sum())
        sheet.plain("population", pop)
        users = t["users"].to_numpy(float)
        hide = np.append(group_pattern(users, sheet.rule, self.groups), False)
        pub = sheet.count("users", np.append(users, users.sum()), withhold=hide)
        rates = derived_rate(pub, np.where(pop > 0, pop, np.nan), "per_1000", level=self.level)
        for col, src in (("reach_per_1000", "value"), ("reach_lower", "lower"), ("reach_upper", "upper")):
            sheet.derived(col, rates[src], np.isnan(pub))
        return sheet.build()


def _reach_table(c: AreaCounts, scale: Scale, groups: int, level: float) -> pd.DataFrame:
    _need_local(c, scale)
    t = c.by_group(scale, groups)
    over = (t["users"] > t["population"]).to_numpy()
    if over.any():
        raise InputDataError("more users than residents in a deprivation group; reach cannot exceed 1 per resident",
                             rows=(np.flatnonzero(over) + 1).tolist(), hint="check populations and user LSOAs")
    pop = t["population"].to_numpy(float)
    empty = pop <= 0  # a national decile with no LSOA in the area frame: no reach to report
    lo, hi = wilson_interval(t["users"], np.where(empty, np.nan, pop), level)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(empty, np.nan, t["users"].to_numpy() / pop * PER)
    return t.assign(reach_per_1000=reach, reach_lower=lo * PER, reach_upper=hi * PER)


def reach_by_decile(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
                    scale: Scale = "national", groups: int = 10, level: float = 0.95,
                    unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes") -> ReachResult:
    """Users per 1,000 residents in each decile (or quintile), with Wilson score intervals."""
    c = _prepare(users, areas, lsoa, unmatched)
    return ReachResult(_reach_table(c, scale, groups, level), scale, groups, level, rule)


# ----------------------------------------------------------------------------- gap and ratio
@dataclass(frozen=True)
class GapResult(ResultMixin):
    """Reach in the most against the least deprived group: gap (per 1,000) and ratio.

    The groups compared are the most and least deprived ones *present* in the area frame
    (``most_group``, ``least_group``): an area with no LSOA in national decile 1 compares its
    most deprived decile present.

    ``gap`` has Newcombe's hybrid score interval (method 10, from the two Wilson intervals);
    ``ratio`` the Katz log interval (``nan`` when either group has no users).
    """

    most: Interval
    least: Interval
    gap: Interval
    ratio: Interval
    users_most: int
    users_least: int
    most_group: int
    least_group: int
    scale: str
    groups: int

    _title = "Most against least deprived: gap and ratio in reach"

    def to_frame(self) -> pd.DataFrame:
        m, l_ = _label(self.most_group, self.groups), _label(self.least_group, self.groups)
        rows = [(f"reach per 1,000, {m}", self.most), (f"reach per 1,000, {l_}", self.least),
                ("gap per 1,000 (most - least deprived)", self.gap), ("ratio (most / least deprived)", self.ratio)]
        return result_frame([{"measure": f"{m}, {self.scale}", "interval": i} for m, i in rows])


def _gap(t: pd.DataFrame, scale: str, groups: int, level: float) -> GapResult:
    present = t[t["population"] > 0]
    first, last = present.iloc[0], present.iloc[-1]
    x1, n1, x2, n2 = float(first["users"]), float(first["population"]), float(last["users"]), float(last["population"])
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = first["reach_lower"] / PER, first["reach_upper"] / PER
    l2, u2 = last["reach_lower"] / PER, last["reach_upper"] / PER
    d = p1 - p2
    gap = Interval(d * PER, (d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)) * PER,
                   (d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)) * PER, level, "Newcombe hybrid score")
    if x1 > 0 and x2 > 0:
        se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
        z = float(norm.ppf(0.5 + level / 2))
        rr = p1 / p2
        ratio = Interval(rr, rr * np.exp(-z * se), rr * np.exp(z * se), level, "Katz log")
    else:
        ratio = Interval(np.nan, np.nan, np.nan, level, "undefined: a group has no users")
    most = Interval(p1 * PER, l1 * PER, u1 * PER, level, "Wilson score")
    least = Interval(p2 * PER, l2 * PER, u2 * PER, level, "Wilson score")
    return GapResult(most, least, gap, ratio, int(x1), int(x2), int(first["group"]), int(last["group"]), scale, groups)


def deprivation_gap(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
                    scale: Scale = "national", groups: int = 10, level: float = 0.95,
                    unmatched: Literal["error", "drop"] = "error") -> GapResult:
    """Gap and ratio in reach between the most and the least deprived decile (or quintile)."""
    c = _prepare(users, areas, lsoa, unmatched)
    return _gap(_reach_table(c, scale, groups, level), scale, groups, level)
