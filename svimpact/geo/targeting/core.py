"""Every targeting measure in one call: :func:`targeting` and its :class:`TargetingResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.disclosure import DisclosedTable, DisclosureRule, get_rule
from svimpact.geo.inequality import ConcentrationKind, ConcentrationResult, SIIResult
from svimpact.geo.targeting.counts import UsersLike, _need_column, _publish, count_users
from svimpact.geo.targeting.inequality import reach_concentration, sii
from svimpact.geo.targeting.priority import PriorityResult, priority_areas
from svimpact.geo.targeting.profile import Core20Result, DecileProfile, core20, decile_profile
from svimpact.geo.targeting.reach import GapResult, ReachResult, _gap, reach_by_decile

__all__ = ["TargetingResult", "targeting"]


@dataclass(frozen=True)
class TargetingResult(ResultMixin):
    """All targeting measures for one service and area frame (see :func:`targeting`).

    ``sii`` is ``None`` when fewer than 5 national deciles have LSOAs in the area frame;
    ``reach_local`` is ``None`` when local deciles were not asked for or the frame has fewer
    than 10 LSOAs. ``to_frame()`` (results contract) and ``table()`` (with a ``scale`` column) hold
    no counts; publish ``published_tables()``.
    """

    profile: DecileProfile
    core20: Core20Result
    reach: ReachResult
    reach_local: ReachResult | None
    gap: GapResult
    sii: SIIResult | None
    concentration: ConcentrationResult
    priority: PriorityResult
    need: str
    n_users: int
    unmatched: int
    level: float
    seed: int | None
    rule: str

    _title = "Targeting: who the service reaches, by deprivation"

    def _headline(self) -> list[tuple[str, str, Interval, int]]:
        """(measure, scale, interval, smallest user count the measure depends on)."""
        c20, gap = self.core20.users_core20, min(self.gap.users_most, self.gap.users_least)
        rows = [("Core20 share of users", "national", self.core20.user_share, c20),
                ("Core20 targeting ratio", "national", self.core20.targeting_ratio, c20),
                ("reach gap per 1,000 (most - least deprived)", self.gap.scale, self.gap.gap, gap),
                ("reach ratio (most / least deprived)", self.gap.scale, self.gap.ratio, gap)]
        if self.sii is not None:
            rows.append(("SII of reach per 1,000", "national", self.sii.sii, self.n_users))
        if self.sii is not None and self.sii.rii is not None:
            rows.append(("RII of reach", "national", self.sii.rii, self.n_users))
        rows.append((f"concentration index of reach ({self.concentration.kind})", "LSOA",
                     self.concentration.index, self.n_users))
        return rows

    def to_frame(self) -> pd.DataFrame:
        """Headline measures in the results contract (``measure`` names the scale); no counts."""
        return result_frame([{"measure": f"{m}, {s}", "interval": i} for m, s, i, _ in self._headline()])

    def table(self) -> pd.DataFrame:
        """Headline measures, one per row (no counts): measure, scale, value, lower, upper, level, method.

        The wide table behind the published "headline" table (see :meth:`published_tables`).
        """
        return pd.DataFrame([{"measure": m, "scale": s, "value": i.value, "lower": i.lower, "upper": i.upper,
                              "level": i.level, "method": i.method} for m, s, i, _ in self._headline()])

    def _notes(self) -> list[str]:
        return [f"{self.n_users:,} users matched to the area frame; {self.unmatched:,} left out.",
                "Negative SII and concentration index: reach is higher in more deprived areas.",
                f"Published tables use disclosure rule '{self.rule}'."]

    def published_tables(self, rule: str | DisclosureRule | None = None) -> dict[str, DisclosedTable]:
        """Every table meant for publication, each passed through :func:`svimpact.disclose`."""
        out = {"headline": self._published_headline(rule), "profile": self.profile.published_table(rule),
               "core20": self.core20.published_table(rule), "reach": self.reach.published_table(rule),
               "priority": self.priority.published_table(rule)}
        if self.reach_local is not None:
            out["reach_local"] = self.reach_local.published_table(rule)
        return out

    def _published_headline(self, rule: str | DisclosureRule | None) -> DisclosedTable:
        """Headline measures; a measure is withheld when the smallest count behind it is suppressed."""
        t = self.table()
        t["smallest_count"] = [basis for *_, basis in self._headline()]
        t["method"] = t["method"].astype(str)
        hide_with = {c: "smallest_count" for c in ("value", "lower", "upper")}
        return _publish(t, counts=["smallest_count"], rates={}, limits=hide_with, label="measure",
                        rule=rule or self.rule)


def targeting(users: UsersLike, areas: pd.DataFrame, *, need: str = "employment_score", lsoa: str = "lsoa_code",
              local: bool = True, level: float = 0.95, repetitions: int = 10_000, seed: int | None = None,
              n_priority: int = 20, concentration_kind: ConcentrationKind = "wagstaff", sii_transform: bool = False,
              rule: str = "nhs-hes", unmatched: Literal["error", "drop"] = "error") -> TargetingResult:
    """Every targeting measure in one call.

    Parameters
    ----------
    users
        One row per user with an ``lsoa`` column, or a Series of LSOA codes or of counts by code.
    areas
        The area frame: one row per LSOA served (``lsoa_code``, ``population``, ``imd_score``,
        ``imd_decile`` and the ``need`` column; names are optional).
    need
        Domain score column for priority areas, or a service name in :data:`NEED_BY_SERVICE`.
    local
        Add local deciles (needs at least 10 LSOAs).
    level, repetitions, seed
        Confidence level; SII simulation size and seed (``numpy.random.default_rng``).
    n_priority, concentration_kind
        Length of the priority list; kind of concentration index (default Wagstaff, bounds 0-1).
    sii_transform
        Fit the SII on the logit scale (PHE ``transform=TRUE``); use it when the straight-line
        fit goes below zero (a warning says so).
    unmatched
        ``"error"`` (default) or ``"drop"`` users whose LSOA is not in the area frame.
    rule
        Disclosure rule for the published tables.

    Examples
    --------
    >>> r = targeting(users, areas, need="housing-first", seed=1)  # doctest: +SKIP
    >>> r.published_tables()["profile"].to_publish()  # doctest: +SKIP
    """
    get_rule(rule)
    col = _need_column(need)
    c = count_users(users, areas, lsoa=lsoa, unmatched=unmatched, need=col)
    local = local and len(c.frame) >= 10
    n_present = int(c.frame["imd_decile"].nunique())
    reach = reach_by_decile(c, level=level, rule=rule)
    return TargetingResult(
        profile=decile_profile(c, local=local, level=level, rule=rule),
        core20=core20(c, level=level, rule=rule),
        reach=reach,
        reach_local=reach_by_decile(c, scale="local", level=level, rule=rule) if local else None,
        gap=_gap(reach.table, "national", 10, level),
        sii=(sii(c, level=level, repetitions=repetitions, seed=seed, transform=sii_transform)
             if n_present >= 5 else None),
        concentration=reach_concentration(c, kind=concentration_kind, level=level),
        priority=priority_areas(c, need=col, n=n_priority, level=level, rule=rule),
        need=col, n_users=c.n_users, unmatched=c.unmatched, level=level, seed=seed, rule=rule,
    )
