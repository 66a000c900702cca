"""Every targeting measure in one call: :func:`targeting` and its :class:`TargetingResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.disclosure import SUPPRESSED, DisclosedTable, DisclosureRule, get_rule, safe_count
from svimpact.exceptions import ParamsError
from svimpact.geo.inequality import ConcentrationKind, ConcentrationResult, SIIResult
from svimpact.geo.targeting.counts import UsersLike, _need_column, count_users
from svimpact.geo.targeting.inequality import reach_concentration, sii
from svimpact.geo.targeting.measures import PublishedMeasure, measures_frame, published_measures
from svimpact.geo.targeting.priority import PriorityResult, priority_areas
from svimpact.geo.targeting.profile import Core20Result, DecileProfile, core20, decile_profile
from svimpact.geo.targeting.published import Sheet, suppressed_deciles
from svimpact.geo.targeting.reach import GapResult, ReachResult, _gap, reach_by_decile

__all__ = ["TargetingResult", "targeting"]


@dataclass(frozen=True)
class TargetingResult(ResultMixin):
    """All targeting measures for one service and area frame (see :func:`targeting`).

    ``measures`` are the headline measures as published: computed from the published decile
    counts only, rounded to a stated precision, or withheld with the reason
    (:mod:`svimpact.geo.targeting.measures`); ``to_frame()``, ``table()`` and :meth:`measure` give
    them. ``hidden_deciles`` are the national deciles withheld in every table by decile of these
    users (value by decile included). The parts (``profile``, ``core20``, ``reach``, ``gap``, ``sii``,
    ``concentration``, ``priority``) are the analysis, from unrounded counts: publish
    ``published_tables()``. ``sii`` is ``None`` when fewer than 5 national deciles have LSOAs in the
    area frame; ``reach_local`` is ``None`` when local deciles were not asked for or the frame has
    fewer than 10 LSOAs.
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
    measures: tuple[PublishedMeasure, ...] = ()
    hidden_deciles: frozenset[int] = frozenset()

    _title = "Targeting: who the service reaches, by deprivation"

    def measure(self, name: str) -> PublishedMeasure:
        """The published measure whose name starts with ``name`` (e.g. ``"Core20 share"``, ``"SII"``)."""
        for m in self.measures:
            if m.measure.startswith(name):
                return m
        raise ParamsError(f"no targeting measure '{name}'; measures are {[m.measure for m in self.measures]}",
                          key="measure")

    def to_frame(self) -> pd.DataFrame:
        """Headline measures as published, in the results contract (``measure`` names the scale); no counts."""
        return result_frame([{"measure": f"{m.measure}, {m.scale}", "interval": m.interval} if m.interval is not None
                             else {"measure": f"{m.measure}, {m.scale}", "method": f"{SUPPRESSED} {m.reason}"}
                             for m in self.measures])

    def table(self) -> pd.DataFrame:
        """Headline measures as published, one per row (no counts): measure, scale, value, lower, upper,
        level, method, precision and a note saying why a measure is withheld."""
        return measures_frame(self.measures)

    def _notes(self) -> list[str]:
        return [f"Users matched to the area frame: {safe_count(self.n_users, self.rule)}; left out: "
                f"{safe_count(self.unmatched, self.rule)}.",
                "Negative SII and concentration index: reach is higher in more deprived areas.",
                f"Published tables use disclosure rule '{self.rule}'; the measures are computed from published "
                "counts and rounded to the precision stated."]

    def published_tables(self, rule: str | DisclosureRule | None = None) -> dict[str, DisclosedTable]:
        """Every table meant for publication, each built from published counts."""
        out = {"headline": self._published_headline(rule), "profile": self.profile.published_table(rule),
               "core20": self.core20.published_table(rule), "reach": self.reach.published_table(rule),
               "priority": self.priority.published_table(rule)}
        if self.reach_local is not None:
            out["reach_local"] = self.reach_local.published_table(rule)
        return out

    def _published_headline(self, rule: str | DisclosureRule | None) -> DisclosedTable:
        """Headline measures; a measure resting on a withheld decile is withheld (``[c]``) with the reason."""
        t = self.table()
        sheet = Sheet("measure", t["measure"], rule or self.rule)
        sheet.plain("scale", t["scale"].to_numpy())
        withheld = t["value"].isna().to_numpy() & (t["note"] != "").to_numpy()
        for col in ("value", "lower", "upper"):
            sheet.derived(col, t[col], withheld, "rests on a withheld count")
        for col in ("level", "method", "precision", "note"):
            sheet.plain(col, t[col].to_numpy())
        return sheet.build()


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
    measures = published_measures(c, rule=rule, level=level, repetitions=repetitions, seed=seed,
                                  transform=sii_transform, kind=concentration_kind)
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
        measures=measures, hidden_deciles=suppressed_deciles(c, rule=rule),
    )
