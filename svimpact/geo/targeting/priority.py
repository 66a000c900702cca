"""Priority areas: areas of high need on the service's domain where reach is significantly low (:func:`priority_areas`).

The list is drawn at the geography the reach map uses (:func:`svimpact.geo.mapunits.map_units`:
LSOAs, or MSOAs, boroughs by IMD decile or boroughs when most LSOAs would not publish), so a map
and a list of the same people always show the same areas, and only areas whose count publishes
are listed: an area with no users is never told apart from one with 1-7 (issue 16, item 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule, derived_rate, protect_counts
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import phe_quantile, wilson_interval
from svimpact.geo.mapunits import map_units
from svimpact.geo.targeting.counts import (
    _UNPROTECTED,
    PER,
    AreaCounts,
    UsersLike,
    _need_column,
    _prepare,
)
from svimpact.geo.targeting.published import Sheet

__all__ = ["PriorityResult", "priority_areas"]


@dataclass(frozen=True)
class PriorityResult(ResultMixin):
    """Areas in the highest-need fifth whose reach is significantly below the overall reach.

    Need is the population-weighted mean of the LSOAs' ``need`` scores over each area (the LSOA
    score itself at LSOA level); the highest-need fifth is taken by the PHE quantile method
    (``invert=True``) over the areas of the chosen ``geography``. An area is listed when its count
    publishes and the upper Wilson limit of its reach, computed from the published (rounded) count,
    is below the overall published reach; the list is ranked by need, highest first. ``table`` holds
    the unrounded figures for analysis; publish ``published_table()``, and :meth:`sentence` when
    the list is empty.
    """

    table: pd.DataFrame
    need: str
    n: int
    candidates: int
    overall_reach_per_1000: float
    level: float
    rule: str
    geography: str = "LSOA"
    high_need: int = 0
    high_need_not_shown: int = 0
    unit_word: str = "areas"

    _title = "Priority areas: high need, significantly low reach"

    def to_frame(self) -> pd.DataFrame:
        """The area's published overall reach and how many areas are listed (no area-level counts)."""
        return result_frame([{"measure": "overall reach per 1,000", "value": self.overall_reach_per_1000,
                              "method": "published users / residents in the area frame"},
                             {"measure": f"priority {self.unit_word} (highest-need fifth, reach significantly low)",
                              "value": self.candidates, "method": "count"}])

    def _notes(self) -> list[str]:
        return [self.sentence(), _UNPROTECTED]

    def sentence(self, need_label: str | None = None) -> str:
        """What the list says in one sentence (the whole message when it is empty)."""
        label = need_label or f"'{self.need}'"
        unshown = (f"; {self.high_need_not_shown:,} of the {self.high_need:,} highest-need {self.unit_word} have too few "
                   "users to show (an area with none is not told apart from one with a few)"
                   if self.high_need_not_shown else "")
        where = ""
        if self.candidates == 0:
            return (f"No {self.unit_word[:-1] if self.unit_word.endswith('s') else self.unit_word}{where} in the "
                    f"highest-need fifth on the {label} has reach significantly below the area's "
                    f"{self.overall_reach_per_1000:.2f} per 1,000 residents ({self.level:.0%} Wilson interval from "
                    f"published counts){unshown}.")
        shown = min(len(self.table), self.candidates)
        return (f"{self.candidates:,} of the {self.high_need:,} highest-need {self.unit_word}{where} on the {label} have "
                f"reach significantly below the area's {self.overall_reach_per_1000:.2f} per 1,000 residents "
                f"({self.level:.0%} Wilson interval from published counts); "
                f"{'all' if shown == self.candidates else f'the {shown:,} of highest need'} listed by need{unshown}.")

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """The listed areas, ranked by need: users rounded by the rule, reach and its Wilson limits
        computed from the published counts. Only areas whose count publishes are listed, so no row is
        withheld."""
        t = self.table
        sheet = Sheet("area", t["name"], rule or self.rule)
        for c in ("code", "lad_name", "need", "need_rank", "imd_decile", "population"):
            if c in t.columns and not (c == "code" and (t["code"] == t["name"]).all()):
                sheet.plain(c if c != "need" else self.need, t[c].to_numpy())
        pub = sheet.count("users", t["users"], areas=True)
        rates = derived_rate(pub, t["population"].to_numpy(float), "per_1000", level=self.level)
        hidden = np.isnan(pub)
        for col, src in (("reach_per_1000", "value"), ("reach_lower", "lower"), ("reach_upper", "upper")):
            sheet.derived(col, rates[src], hidden)
        return sheet.build()


def priority_areas(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *,
                   need: str = "employment_score", n: int = 20, lsoa: str = "lsoa_code", level: float = 0.95,
                   unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes",
                   geography: str = "auto") -> PriorityResult:
    """Up to ``n`` high-need areas whose published reach is significantly low, by need.

    ``need`` is a domain score column (higher = more deprived) or a service name from
    :data:`NEED_BY_SERVICE` (``"households-into-work"`` -> ``employment_score``,
    ``"housing-first"`` -> ``barriers_score``). ``geography`` is ``"auto"`` (the reach map's
    choice) or one of :data:`svimpact.geo.mapunits.LEVELS`.
    """
    col = _need_column(need)
    if n < 1:
        raise ParamsError(f"n must be at least 1; got {n}", key="n")
    c = _prepare(users, areas, lsoa, unmatched, need=col)
    if col not in c.frame.columns:
        raise InputDataError(f"area frame has no need column '{col}'", hint=f"columns are {list(c.frame.columns)}")
    f = c.frame
    if len(f) < 5:
        raise InputDataError("priority areas need at least 5 LSOAs in the area frame")
    mu = map_units(f, f["users"].to_numpy(float), rule, level=geography, need=col)
    u = mu.units.assign(users=mu.users, shown=~mu.hidden)
    pop = u["population"].to_numpy(float)
    total_pub = protect_counts([mu.users.sum()], rule)[0][0]
    overall = round(float(total_pub) / pop.sum() * PER, 2) if np.isfinite(total_pub) else np.nan
    pub = np.where(mu.hidden, np.nan, mu.published)
    lo, hi = wilson_interval(np.minimum(np.nan_to_num(pub), pop), pop, level)
    score = u["need"].to_numpy(float)
    fifth = (phe_quantile(score, q=5, invert=True).to_numpy(dtype=np.int64, na_value=0) == 1
             if len(u) >= 5 else score >= np.max(score))
    u = u.assign(need_rank=pd.Series(score).rank(method="min", ascending=False).astype("int64").to_numpy(),
                 reach_per_1000=pub / pop * PER, reach_lower=lo * PER, reach_upper=hi * PER,
                 significantly_low=~mu.hidden & (hi * PER < overall))
    cand = u[fifth & u["significantly_low"].to_numpy(bool)].sort_values(["need", "code"], ascending=[False, True],
                                                                        kind="stable")
    cols = ["code", "name", "lad_name", "need", "need_rank", *(["imd_decile"] if (u["imd_decile"] > 0).all() else []),
            "population", "users", "reach_per_1000", "reach_lower", "reach_upper", "significantly_low", "shown"]
    return PriorityResult(cand.head(n)[cols].reset_index(drop=True), col, n, len(cand), overall, level, rule,
                          geography=mu.level, high_need=int(fifth.sum()),
                          high_need_not_shown=int((fifth & mu.hidden).sum()), unit_word=mu.unit_word())
