"""How well a service reaches deprived areas: service users by LSOA against the area they serve.

Measures (``../shared/METHODS.md`` section 5), each a frozen result with intervals:

* :func:`decile_profile`: users' decile (or quintile) profile against the population, national
  and local deciles side by side;
* :func:`core20`: share of users in the most deprived 20% of LSOAs nationally (NHS England
  Core20PLUS5) and the targeting ratio;
* :func:`reach_by_decile`: users per 1,000 residents by decile, with Wilson score intervals;
* :func:`deprivation_gap`: most against least deprived decile, gap (Newcombe) and ratio (Katz);
* :func:`sii`: Slope and Relative Index of Inequality of reach, the OHID/PHE way;
* :func:`reach_concentration`: concentration index of reach over the IMD rank, with its SE;
* :func:`priority_areas`: high-need, low-reach LSOAs on the domain that fits the service;
* :func:`targeting`: all of the above in one call (:class:`TargetingResult`).

**National deciles** are the published IMD deciles (1 = most deprived 10% of LSOAs in England).
**Local deciles** re-decile the LSOAs of the area frame with PHE's quantile method on the IMD
score (``invert=True``; ``../shared/oracles/README.md`` section 2.4). They are *not* population
weighted: each local decile holds a tenth of the area's LSOAs, as national IMD deciles hold a
tenth of England's LSOAs. Quintiles (``groups=5``) pair national deciles 1-2, 3-4 and so on.

Every table meant for publication comes from a ``published_table()`` method, which passes it
through :func:`svimpact.disclosure.disclose`: small counts are suppressed, the rest rounded, and
rates and interval limits are computed from unrounded counts and suppressed with them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from svimpact._results import Interval, ResultMixin
from svimpact.disclosure import AuditEntry, DisclosedTable, DisclosureRule, disclose, get_rule
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import (
    ConcentrationKind,
    ConcentrationResult,
    SIIResult,
    concentration_index,
    phe_quantile,
    phe_sii,
    wilson_interval,
)

__all__ = [
    "NEED_BY_SERVICE",
    "AreaCounts",
    "Core20Result",
    "DecileProfile",
    "GapResult",
    "PriorityResult",
    "ReachResult",
    "TargetingResult",
    "core20",
    "count_users",
    "decile_profile",
    "deprivation_gap",
    "priority_areas",
    "reach_by_decile",
    "reach_concentration",
    "sii",
    "targeting",
]

NEED_BY_SERVICE: dict[str, str] = {
    "households-into-work": "employment_score",
    "housing-first": "barriers_score",
}
"""The IoD domain score that measures need for each service (``income_score`` is the usual
alternative for Housing First). Pass a service name or a column name as ``need``."""

Scale = Literal["national", "local"]
UsersLike = pd.DataFrame | pd.Series
_REQUIRED = ("lsoa_code", "population", "imd_score", "imd_decile")
PER = 1000.0
_UNPROTECTED = "Counts in this table are unprotected: publish published_table(), which applies the disclosure rule."


def _label(g: int, groups: int) -> str:
    word = "decile" if groups == 10 else "quintile"
    return f"{word} {g}" + (" (most deprived)" if g == 1 else " (least deprived)" if g == groups else "")


# ----------------------------------------------------------------------------- counting
@dataclass(frozen=True)
class AreaCounts:
    """Users counted by LSOA on the area frame, with national and local deciles attached.

    ``frame`` has one row per LSOA of the area frame (input order) with columns of the frame
    plus ``users`` and ``local_decile``. ``unmatched`` counts users whose LSOA is missing or not
    in the frame (left out only when ``unmatched="drop"`` was asked for).
    """

    frame: pd.DataFrame
    n_users: int
    unmatched: int

    def group_of(self, scale: Scale, groups: int) -> np.ndarray:
        if scale not in ("national", "local"):
            raise ParamsError(f"unknown scale '{scale}'; choose national or local", key="scale")
        if groups not in (5, 10):
            raise ParamsError(f"groups must be 10 (deciles) or 5 (quintiles); got {groups}", key="groups")
        d = self.frame["imd_decile" if scale == "national" else "local_decile"].to_numpy(dtype=np.int64)
        return d if groups == 10 else (d + 1) // 2

    def by_group(self, scale: Scale, groups: int) -> pd.DataFrame:
        """LSOAs, population and users per group (every group present, 1 = most deprived)."""
        g = self.group_of(scale, groups) - 1
        f = self.frame
        return pd.DataFrame({
            "group": np.arange(1, groups + 1),
            "lsoas": np.bincount(g, minlength=groups),
            "population": np.bincount(g, f["population"].to_numpy(float), minlength=groups),
            "users": np.bincount(g, f["users"].to_numpy(float), minlength=groups).round().astype(np.int64),
        })


def _check_areas(areas: pd.DataFrame, need: str | None = None) -> None:
    if not isinstance(areas, pd.DataFrame):
        raise InputDataError("areas must be a DataFrame with one row per LSOA")
    missing = [c for c in (*_REQUIRED, *([need] if need else [])) if c not in areas.columns]
    if missing:
        raise InputDataError(f"area frame has no column(s) {missing}", hint=f"columns are {list(areas.columns)}")
    dup = areas["lsoa_code"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError("LSOA codes repeat in the area frame", column="lsoa_code",
                             rows=(np.flatnonzero(dup) + 1).tolist(), hint="give each LSOA one row")
    for col, ok in (("population", lambda v: v > 0), ("imd_score", np.isfinite),
                    ("imd_decile", lambda v: np.isin(v, np.arange(1, 11))), *([(need, np.isfinite)] if need else [])):
        v = pd.to_numeric(areas[col], errors="coerce").to_numpy(dtype=float)
        bad = ~(ok(v) & ~np.isnan(v))
        if bad.any():
            what = {"population": "must be a positive number", "imd_decile": "must be a whole number 1 to 10"}
            raise InputDataError(what.get(col, "must be a number and not missing"), column=col,
                                 rows=(np.flatnonzero(bad) + 1).tolist())


def count_users(users: UsersLike, areas: pd.DataFrame, *, lsoa: str = "lsoa_code",
                unmatched: Literal["error", "drop"] = "error", need: str | None = None) -> AreaCounts:
    """Count users per LSOA of ``areas`` and attach local deciles.

    ``users`` is a DataFrame with one row per user and an ``lsoa`` column, a Series of LSOA
    codes (one per user), or a numeric Series of counts indexed by LSOA code. Users whose LSOA
    is missing or outside the area frame raise an error unless ``unmatched="drop"``, in which
    case they are left out and counted in :attr:`AreaCounts.unmatched`.
    """
    if unmatched not in ("error", "drop"):
        raise ParamsError(f"unmatched must be 'error' or 'drop'; got '{unmatched}'", key="unmatched")
    _check_areas(areas, need)
    counts = _user_counts(users, lsoa)
    codes = pd.Index(areas["lsoa_code"].astype("str"))
    pos = codes.get_indexer(counts.index.astype("str"))
    outside = pos < 0
    n_out = int(counts.to_numpy()[outside].sum())
    if n_out and unmatched == "error":
        _raise_unmatched(users, lsoa, counts.index[outside])
    per_lsoa = np.bincount(pos[~outside], counts.to_numpy()[~outside], minlength=len(codes))
    frame = areas.reset_index(drop=True).copy()
    frame["users"] = per_lsoa.round().astype(np.int64)
    frame["local_decile"] = _local_deciles(frame)
    return AreaCounts(frame, int(frame["users"].sum()), n_out)


def _user_counts(users: UsersLike, lsoa: str) -> pd.Series:
    if isinstance(users, pd.DataFrame):
        if lsoa not in users.columns:
            raise InputDataError(f"users have no column '{lsoa}'", hint=f"columns are {list(users.columns)}; "
                                 "pass lsoa='<your column>'")
        return users[lsoa].value_counts(dropna=False)
    if isinstance(users, pd.Series):
        if pd.api.types.is_numeric_dtype(users.dtype):
            v = users.to_numpy(dtype=float)
            bad = np.isnan(v) | (v < 0) | (v != np.round(v))
            if bad.any():
                raise InputDataError("user counts must be whole numbers >= 0", rows=(np.flatnonzero(bad) + 1).tolist())
            return users.groupby(users.index.astype("str")).sum()
        return users.value_counts(dropna=False)
    raise InputDataError("users must be a DataFrame with an LSOA column, or a Series of codes or counts")


def _raise_unmatched(users: UsersLike, lsoa: str, codes: pd.Index) -> None:
    sample = [str(c) for c in codes[:5]]
    rows: list[int] = []
    if isinstance(users, (pd.DataFrame, pd.Series)) and not (
            isinstance(users, pd.Series) and pd.api.types.is_numeric_dtype(users.dtype)):
        col = users[lsoa] if isinstance(users, pd.DataFrame) else users
        rows = (np.flatnonzero(col.isin(codes).to_numpy() | col.isna().to_numpy()) + 1).tolist()
    raise InputDataError(f"users live in LSOAs that are missing or not in the area frame (e.g. {sample})",
                         column=lsoa if isinstance(users, pd.DataFrame) else None, rows=rows,
                         hint="check the LSOA vintage (2011 vs 2021 codes) or pass unmatched='drop' to leave "
                              "them out (they are counted in the result)")


def _local_deciles(frame: pd.DataFrame) -> np.ndarray:
    if len(frame) < 10:
        return np.zeros(len(frame), dtype=np.int64)  # too few LSOAs: local scale unavailable
    q = phe_quantile(pd.to_numeric(frame["imd_score"]).to_numpy(float), q=10, invert=True)
    return q.to_numpy(dtype=np.int64, na_value=0)


def _prepare(users: UsersLike | AreaCounts, areas: pd.DataFrame | None, lsoa: str, unmatched: str,
             need: str | None = None) -> AreaCounts:
    if isinstance(users, AreaCounts):
        return users
    if areas is None:
        raise ParamsError("pass the area frame as areas=", key="areas")
    return count_users(users, areas, lsoa=lsoa, unmatched=unmatched, need=need)  # type: ignore[arg-type]


def _need_local(counts: AreaCounts, scale: Scale) -> None:
    if scale == "local" and (counts.frame["local_decile"] == 0).any():
        raise InputDataError("local deciles need at least 10 LSOAs in the area frame",
                             hint="use scale='national'")


# ----------------------------------------------------------------------------- disclosure helper
def _publish(table: pd.DataFrame, *, counts: list[str], rates: dict, limits: dict[str, str],
             label: str, rule: str | DisclosureRule, total_label: str | None = None) -> DisclosedTable:
    """disclose(), then hide interval limits (``{limit_col: count_col}``) with their count."""
    d = disclose(table, counts=counts, rates=rates, label=label, total_label=total_label, rule=rule)
    out, mask, audit = d.table.copy(), d.suppressed.copy(), list(d.audit)
    for col, cnt in limits.items():
        hide = mask[cnt].to_numpy()
        if pd.api.types.is_bool_dtype(out[col].dtype):
            out[col] = pd.array(out[col].to_numpy(), dtype="boolean")
            out.loc[hide, col] = pd.NA
        else:
            out[col] = np.where(hide, np.nan, pd.to_numeric(out[col]).to_numpy(float))
        mask[col] = hide
        audit += [AuditEntry(str(out[label].iat[i]), col, f"limit of a suppressed count ({cnt})")
                  for i in np.flatnonzero(hide)]
    return DisclosedTable(out, mask, d.rule, tuple(audit))


# ----------------------------------------------------------------------------- decile profile
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
        return self.table.copy()

    def _notes(self) -> list[str]:
        return [f"{self.n_users:,} users; {self.unmatched:,} outside the area frame left out.",
                _UNPROTECTED,
                "National: published IMD deciles. Local: LSOAs put into deciles within the area by IMD score "
                "(PHE quantile method, equal numbers of LSOAs)."]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        """National and local groups side by side, counts protected, with a total row."""
        wide = pd.DataFrame({"group": [_label(g, self.groups) for g in range(1, self.groups + 1)] + ["Total"]})
        counts, rates = [], {}
        for scale, part in self.table.groupby("scale", sort=False):
            pop = part["population"].to_numpy(float)
            wide[f"{scale}_population_pct"] = np.append(pop / pop.sum() * 100, 100.0)
            users = part["users"].to_numpy()
            wide[f"{scale}_users"] = np.append(users, users.sum())
            wide[f"{scale}_user_pct"] = np.nan
            counts.append(f"{scale}_users")
            rates[f"{scale}_user_pct"] = (f"{scale}_users", None, 100.0)
        return _publish(wide, counts=counts, rates=rates, limits={}, label="group", total_label="Total",
                        rule=rule or self.rule)


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
    """

    users_core20: int
    users: int
    population_core20: float
    population: float
    user_share: Interval
    population_share: float
    targeting_ratio: Interval
    rule: str

    _title = "Core20: users in the most deprived 20% of LSOAs nationally"

    def to_frame(self) -> pd.DataFrame:
        rows = [("Core20 share of users", self.user_share), ("Core20 share of population",
                                                            Interval.exact(self.population_share)),
                ("targeting ratio", self.targeting_ratio)]
        return pd.DataFrame([{"measure": m, "value": i.value, "lower": i.lower, "upper": i.upper,
                              "level": i.level, "method": i.method} for m, i in rows])

    def _notes(self) -> list[str]:
        return ["Core20: NHS England Core20PLUS5, the most deprived 20% of LSOAs in England by IMD. "
                "A targeting ratio above 1 means users are more concentrated in Core20 areas than residents."]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        t = pd.DataFrame({
            "group": ["Core20 (IMD deciles 1-2)", "Rest of the area", "Total"],
            "population_pct": [self.population_share * 100, (1 - self.population_share) * 100, 100.0],
            "users": [self.users_core20, self.users - self.users_core20, self.users],
            "user_pct": np.nan,
            "targeting_ratio": [self.targeting_ratio.value, np.nan, np.nan],
        })
        return _publish(t, counts=["users"], rates={"user_pct": ("users", None, 100.0)},
                        limits={"targeting_ratio": "users"}, label="group", total_label="Total",
                        rule=rule or self.rule)


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
    return Core20Result(u20, n, p20, ptot, share, ps, ratio, rule)


# ----------------------------------------------------------------------------- reach
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
        return self.table.copy()

    def _notes(self) -> list[str]:
        return [f"{self.scale.capitalize()} {'deciles' if self.groups == 10 else 'quintiles'}; "
                f"{self.level:.0%} Wilson score intervals.",
                _UNPROTECTED]

    def published_table(self, rule: str | DisclosureRule | None = None) -> DisclosedTable:
        t = self.table.assign(group=[_label(g, self.groups) for g in self.table["group"]])
        tot = pd.DataFrame({"group": ["Total"], "lsoas": [t["lsoas"].sum()], "population": [t["population"].sum()],
                            "users": [t["users"].sum()]})
        lo, hi = wilson_interval(tot["users"], tot["population"], self.level)
        tot = tot.assign(reach_per_1000=np.nan, reach_lower=lo * PER, reach_upper=hi * PER)
        t = pd.concat([t, tot], ignore_index=True)
        return _publish(t, counts=["users"], rates={"reach_per_1000": ("users", "population", PER)},
                        limits={"reach_lower": "users", "reach_upper": "users"}, label="group",
                        total_label="Total", rule=rule or self.rule)


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
        return pd.DataFrame([{"measure": m, "scale": self.scale, "value": i.value, "lower": i.lower,
                              "upper": i.upper, "level": i.level, "method": i.method} for m, i in rows])


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


# ----------------------------------------------------------------------------- SII / RII
def sii(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
        scale: Scale = "national", groups: int = 10, multiplier: float = PER, transform: bool = False,
        level: float = 0.95, repetitions: int = 10_000, seed: int | None = None,
        unmatched: Literal["error", "drop"] = "error") -> SIIResult:
    """SII and RII of reach (per 1,000 by default) across deciles, as OHID/PHE compute them.

    Reach is a proportion (``value_type=2``) with 95% Wilson limits; when a group has no users
    (or reach 1) the logit scale is undefined and the normal scale (``value_type=0``) is used
    instead (and ``transform`` is then ignored). Groups with no LSOA in the area frame are left
    out (the SII then runs over the groups present; at least 5 are needed). Quantile 1 = most
    deprived sits at x = 0, so a *negative* SII means reach is higher in the more deprived areas.
    A warning says when the straight-line fit goes below zero (RII not meaningful).
    """
    c = _prepare(users, areas, lsoa, unmatched)
    t = _reach_table(c, scale, groups, 0.95)
    t = t[t["population"] > 0]  # deciles with no LSOA in the area frame carry no population share
    if len(t) < 5:
        raise InputDataError(f"the SII needs at least 5 {'deciles' if groups == 10 else 'quintiles'} with "
                             f"residents in the area frame; found {len(t)}", hint="use groups=5 or scale='local'")
    p = t["users"] / t["population"]
    vt = 2 if ((p > 0) & (p < 1)).all() else 0
    result = phe_sii(t["group"], t["population"], p, lower=t["reach_lower"] / PER, upper=t["reach_upper"] / PER,
                     value_type=vt, multiplier=multiplier, transform=transform and vt == 2, level=level,
                     repetitions=repetitions, seed=seed)
    if result.rii is not None and not result.rii.value > 0:
        warnings.warn("the straight-line fit of reach goes below zero at one end of the deprivation scale, so the "
                      "RII is not meaningful; pass transform=True (sii_transform=True in targeting()) to fit on "
                      "the logit scale", stacklevel=2)
    return result


def reach_concentration(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *,
                        lsoa: str = "lsoa_code", kind: ConcentrationKind = "wagstaff", level: float = 0.95,
                        unmatched: Literal["error", "drop"] = "error") -> ConcentrationResult:
    """Concentration index of reach over the IMD rank, LSOA by LSOA, weighted by population.

    LSOAs are ranked from the most deprived (highest IMD score, tied scores share a rank); the
    outcome is users / residents, bounded in [0, 1] (theoretical bounds for ``wagstaff`` and
    ``erreygers``). This equals the individual-level index with a 0/1 "is a user" outcome. A
    negative index means reach is concentrated in the more deprived LSOAs.
    """
    c = _prepare(users, areas, lsoa, unmatched)
    f = c.frame
    pop = f["population"].to_numpy(float)
    reach = f["users"].to_numpy(float) / pop
    if (reach > 1).any():
        raise InputDataError("more users than residents in an LSOA", column="users",
                             rows=(np.flatnonzero(reach > 1) + 1).tolist(), hint="check populations and user LSOAs")
    score = pd.to_numeric(f["imd_score"]).to_numpy(float)
    return concentration_index(reach, -score, pop, kind=kind, bounds=(0.0, 1.0), ties="pooled", level=level)


# ----------------------------------------------------------------------------- priority areas
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
        return self.table.copy()

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


def _need_column(need: str) -> str:
    return NEED_BY_SERVICE.get(need, need)


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


# ----------------------------------------------------------------------------- one call
@dataclass(frozen=True)
class TargetingResult(ResultMixin):
    """All targeting measures for one service and area frame (see :func:`targeting`).

    ``sii`` is ``None`` when fewer than 5 national deciles have LSOAs in the area frame;
    ``reach_local`` is ``None`` when local deciles were not asked for or the frame has fewer
    than 10 LSOAs. ``to_frame()`` holds no counts; publish ``published_tables()``.
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
        """Headline measures, one per row (no counts): measure, scale, value, lower, upper, level, method."""
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
        t = self.to_frame()
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
