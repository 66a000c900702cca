"""Priority areas: LSOAs with high need on the service's domain and low reach (:func:`priority_areas`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule, derived_rate, protect_counts
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import phe_quantile, wilson_interval
from svimpact.geo.targeting.counts import (
    _UNPROTECTED,
    PER,
    AreaCounts,
    UsersLike,
    _need_column,
    _prepare,
)
from svimpact.geo.targeting.published import Sheet, area_pattern

__all__ = ["PriorityResult", "priority_areas"]


@dataclass(frozen=True)
class PriorityResult(ResultMixin):
    """LSOAs with high need on the service's domain and low reach, chosen from published counts.

    Candidates are the LSOAs in the highest-need fifth of the area frame on ``need`` (PHE
    quantile method, ``invert=True``) whose *published* reach is below the frame's published
    overall reach, or whose users are not shown at all (fewer than 8, or withheld to protect a
    small count: see :func:`~svimpact.geo.targeting.published.area_pattern`). Choosing on
    published counts only keeps the list from telling an area with 1-7 users from one with none.
    Not shown areas come first (by need, highest first), then the rest by published reach (lowest
    first), ties by need. ``table`` holds the unrounded figures for analysis (``expected_users``
    is what the frame's overall reach would give; ``shortfall`` the difference;
    ``significantly_low`` is true when the upper Wilson limit of reach is below the overall reach)
    and ``shown`` whether each listed area's count is published; publish ``published_table()``.
    """

    table: pd.DataFrame
    need: str
    n: int
    candidates: int
    overall_reach_per_1000: float
    level: float
    rule: str

    _title = "Priority areas: high need, low reach"

    def to_frame(self) -> pd.DataFrame:
        """The area's published overall reach and the number of candidates (no area-level counts).

        The wide table (need, population, users, shortfall ...) is the ``table`` attribute.
        """
        return result_frame([{"measure": "overall reach per 1,000", "value": self.overall_reach_per_1000,
                              "method": "published users / residents in the area frame"},
                             {"measure": "candidate LSOAs (highest-need fifth, low or unshown reach)",
                              "value": self.candidates, "method": "count"}])

    def _notes(self) -> list[str]:
        return [f"Need measured by '{self.need}'; {self.candidates:,} LSOAs in the highest-need fifth have "
                f"published reach below the area's {self.overall_reach_per_1000:.2f} per 1,000 or too few users "
                f"to show; the first {len(self.table)} listed.",
                _UNPROTECTED]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """The listed LSOAs with users rounded, or withheld when the area is not shown (0 is not told
        apart from 1-7); reach and its Wilson limits from the published counts, to 2 decimal places."""
        t = self.table
        sheet = Sheet("lsoa_code", t["lsoa_code"], rule or self.rule)
        for c in ("lsoa_name", "lad_name", self.need, "need_rank", "imd_decile", "population"):
            if c in t.columns:
                sheet.plain(c, t[c].to_numpy())
        pub = sheet.count("users", t["users"], withhold=~t["shown"].to_numpy(bool), areas=True)
        rates = derived_rate(pub, t["population"].to_numpy(float), "per_1000", level=self.level)
        hidden = np.isnan(pub)
        for col, src in (("reach_per_1000", "value"), ("reach_lower", "lower"), ("reach_upper", "upper")):
            sheet.derived(col, rates[src], hidden)
        sheet.derived("significantly_low", (rates["upper"] < self.overall_reach_per_1000).to_numpy(), hidden)
        return sheet.build()


def priority_areas(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *,
                   need: str = "employment_score", n: int = 20, lsoa: str = "lsoa_code", level: float = 0.95,
                   unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes") -> PriorityResult:
    """The ``n`` LSOAs with the highest need on ``need`` and the lowest published reach.

    ``need`` is a domain score column (higher = more deprived) or a service name from
    :data:`NEED_BY_SERVICE` (``"households-into-work"`` -> ``employment_score``,
    ``"housing-first"`` -> ``barriers_score``).
    """
    col = _need_column(need)
    if n < 1:
        raise ParamsError(f"n must be at least 1; got {n}", key="n")
    c = _prepare(users, areas, lsoa, unmatched, need=col)
    if col not in c.frame.columns:
        raise InputDataError(f"area frame has no need column '{col}'", hint=f"columns are {list(c.frame.columns)}")
    f = c.frame
    score = pd.to_numeric(f[col]).to_numpy(float)
    if len(f) < 5:
        raise InputDataError("priority areas need at least 5 LSOAs in the area frame")
    fifth = phe_quantile(score, q=5, invert=True).to_numpy(dtype=np.int64, na_value=0)
    pop, u = f["population"].to_numpy(float), f["users"].to_numpy(float)
    overall = u.sum() / pop.sum()
    lo, hi = wilson_interval(np.minimum(u, pop), pop, level)
    shown = ~area_pattern(u, f, rule)
    published, _ = protect_counts([u.sum()], rule)
    overall_pub = round(float(published[0]) / pop.sum() * PER, 2) / PER if np.isfinite(published[0]) else np.nan
    reach_pub = np.where(shown, np.round(protect_counts(u, rule)[0] / pop * PER, 2), -1.0)  # not shown: first
    t = f.assign(need_rank=pd.Series(score).rank(method="min", ascending=False).astype("int64").to_numpy(),
                 reach_per_1000=u / pop * PER, reach_lower=lo * PER, reach_upper=hi * PER,
                 expected_users=pop * overall, shortfall=pop * overall - u, significantly_low=hi < overall,
                 shown=shown, _key=reach_pub)
    cand = t[(fifth == 1) & (~shown | (reach_pub < overall_pub * PER))]
    cand = cand.sort_values(["_key", col], ascending=[True, False], kind="stable")
    cols = [x for x in ("lsoa_code", "lsoa_name", "lad_code", "lad_name") if x in t.columns]
    cols += [col, "need_rank", "imd_decile", "population", "users", "reach_per_1000", "reach_lower", "reach_upper",
             "expected_users", "shortfall", "significantly_low", "shown"]
    return PriorityResult(cand.head(n)[cols].reset_index(drop=True), col, n, len(cand),
                          overall_pub * PER, level, rule)
