"""Priority areas: LSOAs with high need on the service's domain and low reach (:func:`priority_areas`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import phe_quantile, wilson_interval
from svimpact.geo.targeting.counts import (
    _UNPROTECTED,
    PER,
    AreaCounts,
    UsersLike,
    _need_column,
    _prepare,
    _publish,
)

__all__ = ["PriorityResult", "priority_areas"]


@dataclass(frozen=True)
class PriorityResult(ResultMixin):
    """LSOAs with high need on the service's domain and low reach.

    Candidates are the LSOAs in the highest-need fifth of the area frame on ``need`` (PHE
    quantile method, ``invert=True``) whose reach is below the frame's overall reach; they are
    listed by reach (lowest first), ties by need (highest first). ``expected_users`` is what the
    frame's overall reach would give; ``shortfall`` the difference; ``significantly_low`` is true
    when the upper Wilson limit of reach is below the overall reach.
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
        """The area's overall reach, the number of candidates, and each listed LSOA's reach (Wilson limits).

        The wide table (need, population, users, shortfall ...) is the ``table`` attribute.
        """
        rows = [{"measure": "overall reach per 1,000", "value": self.overall_reach_per_1000,
                 "method": "users / residents in the area frame"},
                {"measure": "candidate LSOAs (highest-need fifth, reach below overall)", "value": self.candidates,
                 "method": "count"}]
        rows += [{"measure": f"reach per 1,000, {r['lsoa_code']}", "value": r["reach_per_1000"],
                  "lower": r["reach_lower"], "upper": r["reach_upper"], "level": self.level, "method": "Wilson score"}
                 for _, r in self.table.iterrows()]
        return result_frame(rows)

    def _notes(self) -> list[str]:
        return [f"Need measured by '{self.need}'; {self.candidates:,} LSOAs in the highest-need fifth have "
                f"reach below the area's {self.overall_reach_per_1000:.2f} per 1,000; "
                f"the first {len(self.table)} shown.",
                _UNPROTECTED]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        keep = [c for c in ("lsoa_code", "lsoa_name", "lad_name", self.need, "need_rank", "imd_decile",
                            "population", "users", "reach_per_1000", "reach_lower", "reach_upper",
                            "significantly_low") if c in self.table.columns]
        t = self.table[keep]
        return _publish(t, counts=["users"], rates={"reach_per_1000": ("users", "population", PER)},
                        limits={"reach_lower": "users", "reach_upper": "users", "significantly_low": "users"},
                        label="lsoa_code", rule=rule or self.rule)


def priority_areas(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *,
                   need: str = "employment_score", n: int = 20, lsoa: str = "lsoa_code", level: float = 0.95,
                   unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes") -> PriorityResult:
    """The ``n`` LSOAs with the highest need on ``need`` and the lowest reach.

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
    t = f.assign(need_rank=pd.Series(score).rank(method="min", ascending=False).astype("int64").to_numpy(),
                 reach_per_1000=u / pop * PER, reach_lower=lo * PER, reach_upper=hi * PER,
                 expected_users=pop * overall, shortfall=pop * overall - u, significantly_low=hi < overall)
    cand = t[(fifth == 1) & (u / pop < overall)]
    cand = cand.sort_values(["reach_per_1000", col], ascending=[True, False], kind="stable")
    cols = [x for x in ("lsoa_code", "lsoa_name", "lad_code", "lad_name") if x in t.columns]
    cols += [col, "need_rank", "imd_decile", "population", "users", "reach_per_1000", "reach_lower", "reach_upper",
             "expected_users", "shortfall", "significantly_low"]
    return PriorityResult(cand.head(n)[cols].reset_index(drop=True), col, n, len(cand), overall * PER, level, rule)
