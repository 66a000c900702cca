"""Who the service reaches, by decile: users' decile profile against the population, and Core20.

* :func:`decile_profile`: users' decile (or quintile) profile against the population, national
  and local deciles side by side;
* :func:`core20`: share of users in the most deprived 20% of LSOAs nationally (NHS England
  Core20PLUS5) and the targeting ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule, derived_rate, get_rule, round_significant, suppression_pattern
from svimpact.geo.inequality import wilson_interval
from svimpact.geo.targeting.counts import (
    _UNPROTECTED,
    AreaCounts,
    Scale,
    UsersLike,
    _label,
    _need_local,
    _prepare,
)
from svimpact.geo.targeting.published import Sheet, group_pattern

__all__ = ["Core20Result", "DecileProfile", "core20", "decile_profile"]


@dataclass(frozen=True)
class DecileProfile(ResultMixin):
    """Users' share in each decile (or quintile) against the population's share.

    ``table`` is tidy: one row per (``scale``, ``group``) with ``lsoas``, ``population``,
    ``population_share``, ``users``, ``user_share`` with its Wilson limits, and
    ``share_ratio`` = user share / population share (with limits; > 1 means over-represented).
    """

    table: pd.DataFrame
    groups: int
    level: float
    n_users: int
    unmatched: int
    rule: str

    _title = "Decile profile of service users against the population"

    def to_frame(self) -> pd.DataFrame:
        """Users' share and share ratio per (scale, group) with Wilson limits, in the results contract.

        The wide table (counts, population shares) is the ``table`` attribute.
        """
        rows = []
        for r in self.table.itertuples(index=False):
            where = f"{r.scale} {_label(r.group, self.groups)}"
            rows.append({"measure": f"user share, {where}", "value": r.user_share, "lower": r.user_share_lower,
                         "upper": r.user_share_upper, "level": self.level, "method": "Wilson score"})
            rows.append({"measure": f"share ratio (users / population), {where}", "value": r.share_ratio,
                         "lower": r.share_ratio_lower, "upper": r.share_ratio_upper, "level": self.level,
                         "method": "Wilson score over fixed population share"})
        return result_frame(rows)

    def _notes(self) -> list[str]:
        return [f"{self.n_users:,} users; {self.unmatched:,} outside the area frame left out.",
                _UNPROTECTED,
                "National: published IMD deciles. Local: LSOAs put into deciles within the area by IMD score "
                "(PHE quantile method, equal numbers of LSOAs)."]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """National and local groups side by side, with a Total row, safe to publish.

        Counts are protected by the rule and each scale withholds the deciles of its shared
        pattern (:func:`~svimpact.geo.targeting.published.group_pattern`); percentages are computed
        from the published counts over the published Total, to 1 decimal place.
        """
        sheet = Sheet("group", [_label(g, self.groups) for g in range(1, self.groups + 1)] + ["Total"],
                      rule or self.rule)
        for scale, part in self.table.groupby("scale", sort=False):
            pop = part["population"].to_numpy(float)
            sheet.plain(f"{scale}_population_pct", np.round(np.append(pop / pop.sum() * 100, 100.0), 1))
            users = part["users"].to_numpy(float)
            hide = np.append(group_pattern(users, sheet.rule, self.groups), False)
            pub = sheet.count(f"{scale}_users", np.append(users, users.sum()), withhold=hide)
            pct = derived_rate(pub, np.full(len(pub), pub[-1]), "percent", level=None)["value"]
            sheet.derived(f"{scale}_user_pct", pct, np.isnan(pct))
        return sheet.build()


def decile_profile(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
                   local: bool = True, groups: int = 10, level: float = 0.95,
                   unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes") -> DecileProfile:
    """Decile (``groups=10``) or quintile (``groups=5``) profile of users against the population.

    National groups always; local groups too when ``local`` (needs at least 10 LSOAs).
    """
    counts = _prepare(users, areas, lsoa, unmatched)
    get_rule(rule)
    scales: list[Scale] = ["national", "local"] if local else ["national"]
    if local:
        _need_local(counts, "local")
    parts = []
    for scale in scales:
        t = counts.by_group(scale, groups)
        total = max(counts.n_users, 1)
        lo, hi = wilson_interval(t["users"], np.full(groups, total), level)
        pop_share = t["population"] / t["population"].sum()
        parts.append(t.assign(scale=scale, population_share=pop_share, user_share=t["users"] / total,
                              user_share_lower=lo, user_share_upper=hi,
                              share_ratio=t["users"] / total / pop_share,
                              share_ratio_lower=lo / pop_share, share_ratio_upper=hi / pop_share))
    cols = ["scale", "group", "lsoas", "population", "population_share", "users", "user_share",
            "user_share_lower", "user_share_upper", "share_ratio", "share_ratio_lower", "share_ratio_upper"]
    table = pd.concat(parts, ignore_index=True)[cols]
    return DecileProfile(table, groups, level, counts.n_users, counts.unmatched, rule)


# ----------------------------------------------------------------------------- Core20
@dataclass(frozen=True)
class Core20Result(ResultMixin):
    """Share of users in the most deprived 20% of LSOAs nationally (IMD deciles 1 and 2).

    ``user_share`` has a Wilson interval; ``population_share`` is the area population's Core20
    share (known, no interval); ``targeting_ratio`` = user share / population share, its limits
    the Wilson limits over the fixed population share (``nan`` when the area has no Core20 LSOA).
    ``decile_users`` (users by national decile) gives the shared suppression pattern. These are
    computed from unrounded counts: publish ``published_table()``.
    """

    users_core20: int
    users: int
    population_core20: float
    population: float
    user_share: Interval
    population_share: float
    targeting_ratio: Interval
    rule: str
    decile_users: tuple[float, ...] | None = None

    _title = "Core20: users in the most deprived 20% of LSOAs nationally"

    def to_frame(self) -> pd.DataFrame:
        rows = [("Core20 share of users", self.user_share), ("Core20 share of population",
                                                            Interval.exact(self.population_share)),
                ("targeting ratio", self.targeting_ratio)]
        return result_frame([{"measure": m, "interval": i} for m, i in rows])

    def _notes(self) -> list[str]:
        return ["Core20: NHS England Core20PLUS5, the most deprived 20% of LSOAs in England by IMD. "
                "A targeting ratio above 1 means users are more concentrated in Core20 areas than residents."]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """Core20, the rest of the area and the Total, from published counts.

        Core20 is withheld with the rest when the shared decile pattern withholds exactly one of
        deciles 1 and 2 (Core20 minus the other would give it back), or when it is small itself.
        """
        r = get_rule(rule or self.rule)
        sheet = Sheet("group", ["Core20 (IMD deciles 1-2)", "Rest of the area", "Total"], r)
        ps = self.population_share
        sheet.plain("population_pct", np.round([ps * 100, (1 - ps) * 100, 100.0], 1))
        raw = np.array([self.users_core20, self.users - self.users_core20], float)
        hide = suppression_pattern(raw, r) | self._splits(r)
        pub = sheet.count("users", np.append(raw, self.users), withhold=np.append(hide, False))
        pct = derived_rate(pub, np.full(3, pub[-1]), "percent", level=None)["value"]
        sheet.derived("user_pct", pct, np.isnan(pct))
        ratio = round_significant(pct[0] / 100 / ps) if ps > 0 else np.nan
        sheet.derived("targeting_ratio", [ratio, np.nan, np.nan], [bool(np.isnan(pct[0])), False, False])
        return sheet.build()

    def _splits(self, rule: DisclosureRule) -> bool:
        """True when the shared decile pattern withholds exactly one of deciles 1 and 2."""
        if self.decile_users is None:
            return False
        hidden = group_pattern(self.decile_users, rule)
        return bool(hidden[0] != hidden[1])


def core20(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
           level: float = 0.95, unmatched: Literal["error", "drop"] = "error", rule: str = "nhs-hes") -> Core20Result:
    """Core20 share of users and the targeting ratio (users' Core20 share / population's)."""
    c = _prepare(users, areas, lsoa, unmatched)
    f = c.frame
    in20 = f["imd_decile"].to_numpy(dtype=np.int64) <= 2
    u20, n = int(f["users"].to_numpy()[in20].sum()), c.n_users
    pop = f["population"].to_numpy(float)
    p20, ptot = float(pop[in20].sum()), float(pop.sum())
    lo, hi = (v[0] for v in wilson_interval(u20, max(n, 1), level))
    share = Interval(u20 / n if n else np.nan, lo, hi, level, "Wilson score")
    ps = p20 / ptot
    ratio = (Interval(share.value / ps, lo / ps, hi / ps, level, "Wilson score over fixed population share")
             if ps > 0 else Interval(np.nan, np.nan, np.nan, level, "undefined: no Core20 LSOA in the area"))
    deciles = tuple(float(v) for v in c.by_group("national", 10)["users"])
    return Core20Result(u20, n, p20, ptot, share, ps, ratio, rule, deciles)
