"""Headline targeting measures as published: each computed from published counts only (issue 12).

Core20 share and targeting ratio, the reach gap and ratio between the most and least deprived
deciles, the SII and RII, and the concentration index are computed here from the national decile
counts *as published* (rounded by the rule, with the shared decile pattern withheld) and the public
populations, so none of them, with the published tables, can pin down a withheld or unrounded count.
A measure that rests on a withheld decile is itself withheld, with the reason - except that the SII,
RII and concentration index then fall back to national quintiles when every quintile publishes
(withheld deciles are paired with their quintile partner, so this is the usual case); the rest are rounded
to a stated precision (percentages 1 decimal place, everything else 3 significant figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.disclosure import SUPPRESSED, DisclosureRule, get_rule, protect_counts, round_significant
from svimpact.exceptions import InputDataError
from svimpact.geo.inequality import ConcentrationKind, wilson_interval
from svimpact.geo.targeting.counts import PER, AreaCounts
from svimpact.geo.targeting.inequality import _sii_of_table, grouped_concentration
from svimpact.geo.targeting.published import group_pattern
from svimpact.geo.targeting.reach import _gap

__all__ = ["PublishedMeasure", "measures_frame", "published_measures"]

PCT_1DP = "1 decimal place"
SIG3 = "3 significant figures"
RESTS = "rests on a suppressed decile"


@dataclass(frozen=True)
class PublishedMeasure:
    """One headline measure as published: its interval at a stated precision, or ``None`` and the reason."""

    measure: str
    scale: str
    interval: Interval | None
    precision: str
    reason: str = ""

    @property
    def withheld(self) -> bool:
        return self.interval is None

    def format(self) -> str:
        """'28.3% (95% interval 23.5% to 33.7%)', '-0.165 (95% interval ...)', or '[c]' when withheld."""
        if self.interval is None:
            return SUPPRESSED
        iv = self.interval
        return f"{_fmt(iv.value, self.precision)} ({iv.level:.0%} interval {_fmt(iv.lower, self.precision)} to " \
               f"{_fmt(iv.upper, self.precision)})"


def _fmt(v: float, precision: str) -> str:
    from svimpact.present import number

    if precision == PCT_1DP:
        return number(v, digits=1) + "%"
    dp = 0 if v == 0 or not math.isfinite(v) else max(0, 2 - math.floor(math.log10(abs(v))))
    return number(v, digits=dp)  # true minus sign, no scientific notation


def _sig(value: float, lower: float, upper: float, level: float, method: str) -> Interval:
    v, lo, hi = round_significant([value, lower, upper])
    return Interval(v, lo, hi, level, method)


def published_measures(c: AreaCounts, *, rule: str | DisclosureRule = "nhs-hes", level: float = 0.95,
                       repetitions: int = 10_000, seed: int | None = None, transform: bool = False,
                       kind: ConcentrationKind = "wagstaff") -> tuple[PublishedMeasure, ...]:
    """Every headline measure from the published national decile counts of ``c`` (see the module docstring)."""
    r = get_rule(rule)
    t = c.by_group("national", 10)
    users, pop = t["users"].to_numpy(float), t["population"].to_numpy(float)
    pub, _ = protect_counts(users, r)
    pub = np.where(group_pattern(users, r), np.nan, pub)
    total = float(protect_counts([users.sum()], r)[0][0])
    present = pop > 0
    lo, hi = wilson_interval(np.nan_to_num(pub), np.where(present, pop, 1.0), level)
    tp = t.assign(users=pub, reach_lower=np.where(present, lo * PER, np.nan), reach_upper=np.where(present, hi * PER,
                                                                                                 np.nan))
    out = _core20(users, pub, pop, total, level, r)
    first, last = np.flatnonzero(present)[[0, -1]]
    gap_rests = bool(np.isnan(pub[first]) or np.isnan(pub[last]))
    g = None if gap_rests else _gap(tp, "national", 10, level)
    out.append(PublishedMeasure("reach gap per 1,000 (most - least deprived)", "national",
                                None if g is None else _sig(*_iv(g.gap)), SIG3, RESTS if g is None else ""))
    ratio_ok = g is not None and math.isfinite(g.ratio.value)
    out.append(PublishedMeasure("reach ratio (most / least deprived)", "national",
                                _sig(*_iv(g.ratio)) if ratio_ok and g is not None else None, SIG3,
                                "" if ratio_ok else RESTS if g is None else "undefined: a decile has no users"))
    all_shown = not np.isnan(pub[present]).any()
    why = "too few deciles in the area" if present.sum() < 5 else "" if all_shown else RESTS
    if why == RESTS:
        # Withheld deciles (typically the least deprived pair) usually publish as a quintile: then the
        # indices are computed over quintiles from the published quintile counts, and labelled so.
        q = _quintiles(c, r, level)
        if q is not None:
            out += _indices(*q, "national quintiles", kind, transform, level, repetitions, seed)
            return tuple(out)
    out += _indices(tp, pub, pop, present, why, "national", kind, transform, level, repetitions, seed)
    return tuple(out)


def _quintiles(c: AreaCounts, r: DisclosureRule, level: float
               ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, str] | None:
    """The quintile reach table from published quintile counts, or None when a quintile is withheld too."""
    t = c.by_group("national", 5)
    users, pop = t["users"].to_numpy(float), t["population"].to_numpy(float)
    pub, _ = protect_counts(users, r)
    pub = np.where(group_pattern(users, r, 5), np.nan, pub)
    present = pop > 0
    if present.sum() < 5 or np.isnan(pub[present]).any():
        return None
    lo, hi = wilson_interval(pub, np.where(present, pop, 1.0), level)
    tp = t.assign(users=pub, reach_lower=lo * PER, reach_upper=hi * PER)
    return tp, pub, pop, present, ""


def _indices(tp: pd.DataFrame, pub: np.ndarray, pop: np.ndarray, present: np.ndarray, why: str, scale: str,
             kind: ConcentrationKind, transform: bool, level: float, repetitions: int, seed: int | None
             ) -> list[PublishedMeasure]:
    """SII, RII and the concentration index over the groups of ``tp`` (deciles or quintiles), or withheld with ``why``."""
    groups = len(tp)
    sii = None
    if not why:
        lo95, hi95 = wilson_interval(pub[present], pop[present], 0.95)
        t95 = tp[present].assign(reach_lower=lo95 * PER, reach_upper=hi95 * PER)
        sii = _sii_of_table(t95, groups, multiplier=PER, transform=transform, level=level, repetitions=repetitions,
                            seed=seed)
    out = [PublishedMeasure("SII of reach per 1,000", scale, None if sii is None else _sig(*_iv(sii.sii)), SIG3, why)]
    rii_ok = sii is not None and sii.rii is not None and sii.rii.value > 0
    out.append(PublishedMeasure("RII of reach", scale,
                                _sig(*_iv(sii.rii)) if rii_ok and sii is not None and sii.rii is not None else None,
                                SIG3, "" if rii_ok else why or "not meaningful: the fitted line goes below zero"))
    out.append(_concentration(pub, pop, present, not why, kind, level, repetitions, seed,
                              "national deciles" if groups == 10 else scale))
    return out


def _iv(i: Interval) -> tuple[float, float, float, float, str]:
    return i.value, i.lower, i.upper, i.level, f"{i.method}, from published counts"


def _core20(users: np.ndarray, pub: np.ndarray, pop: np.ndarray, total: float, level: float,
            rule: DisclosureRule) -> list[PublishedMeasure]:
    """Core20 share and targeting ratio; withheld when deciles 1-2 split the shared pattern."""
    k = float(protect_counts([users[:2].sum()], rule)[0][0])
    ps = float(pop[:2].sum() / pop.sum())
    reason = RESTS if np.isnan(pub[0]) != np.isnan(pub[1]) else (
        "rests on a suppressed count" if np.isnan(k) or np.isnan(total) else "")
    if reason:
        return [PublishedMeasure("Core20 share of users", "national", None, PCT_1DP, reason),
                PublishedMeasure("Core20 targeting ratio", "national", None, SIG3, reason)]
    lo, hi = (float(v[0]) for v in wilson_interval(k, total, level))
    v, lo_pct, hi_pct = np.round([k / total * 100, lo * 100, hi * 100], 1)
    share = Interval(v, lo_pct, hi_pct, level, "Wilson score, from published counts")
    ratio = (_sig(k / total / ps, lo / ps, hi / ps, level, "Wilson score over fixed population share, from published "
                  "counts") if ps > 0 else None)
    return [PublishedMeasure("Core20 share of users", "national", share, PCT_1DP),
            PublishedMeasure("Core20 targeting ratio", "national", ratio, SIG3,
                             "" if ratio is not None else "undefined: no Core20 area in the frame")]


def _concentration(pub: np.ndarray, pop: np.ndarray, present: np.ndarray, all_shown: bool, kind: ConcentrationKind,
                   level: float, repetitions: int, seed: int | None, scale: str = "national deciles") -> PublishedMeasure:
    name = f"concentration index of reach ({kind})"
    if not all_shown:
        return PublishedMeasure(name, scale, None, SIG3, RESTS)
    try:
        iv = grouped_concentration(pub[present], pop[present], kind=kind, level=level, repetitions=repetitions,
                                   seed=seed)
    except InputDataError:
        return PublishedMeasure(name, scale, None, SIG3, "undefined: no users")
    method = f"over {scale} from published counts (not LSOA level); {iv.method}"
    return PublishedMeasure(name, scale, _sig(iv.value, iv.lower, iv.upper, iv.level, method), SIG3)


def measures_frame(measures: tuple[PublishedMeasure, ...]) -> pd.DataFrame:
    """One row per measure: measure, scale, value, lower, upper, level, method, precision, note."""
    rows = []
    for m in measures:
        iv = m.interval
        rows.append({"measure": m.measure, "scale": m.scale, "value": np.nan if iv is None else iv.value,
                     "lower": np.nan if iv is None else iv.lower, "upper": np.nan if iv is None else iv.upper,
                     "level": np.nan if iv is None else iv.level, "method": "" if iv is None else iv.method,
                     "precision": m.precision, "note": m.reason})
    return pd.DataFrame(rows)
