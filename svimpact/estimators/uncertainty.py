"""Monte Carlo, tornado and switching values over any vectorised model (METHODS.md section 3).

A *model* here is a function ``evaluate(params) -> outputs`` where ``params`` maps parameter
names to float arrays of one shape and ``outputs`` maps output names to arrays of that shape.
:func:`monte_carlo` draws every distributional parameter (each from its own seeded stream),
:func:`tornado` moves one parameter at a time to its low and high settings, and
:func:`switching_values` finds the value of each parameter at which an output crosses a
threshold (NPSV = 0, BCR = 1). :func:`appraise` (below) uses all three for a whole service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.estimators.distributions import Distribution, draw_all, resolve_seed

__all__ = [
    "Model",
    "MonteCarloDraws",
    "monte_carlo",
    "switching_values",
    "tornado",
]

Model = Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]


@dataclass(frozen=True, eq=False)
class MonteCarloDraws:
    """The draws of every output, with the point values and the seed that made them."""

    outputs: Mapping[str, np.ndarray]
    point: Mapping[str, float]
    n_draws: int
    seed: int | None
    level: float

    def interval(self, name: str) -> Interval:
        """``name``'s point value with its percentile interval (exact when nothing varies)."""
        value = self.point[name]
        if self.n_draws == 0:
            return Interval.exact(value)
        draws = self.outputs[name]
        finite = draws[np.isfinite(draws)]
        if finite.size < draws.size:
            return Interval(value, np.nan, np.nan, self.level, "Monte Carlo: undefined draws")
        return Interval.from_draws(finite, value=value, level=self.level)


def point_values(dists: Mapping[str, Distribution]) -> dict[str, np.ndarray]:
    """Every parameter at its point value, as arrays of shape ``(1,)``."""
    return {k: np.array([d.point]) for k, d in dists.items()}


def monte_carlo(
    model: Model,
    dists: Mapping[str, Distribution],
    *,
    n_draws: int = 10_000,
    seed: int | None = None,
    level: float = 0.95,
) -> MonteCarloDraws:
    """Run ``model`` at the point values and over ``n_draws`` joint draws of ``dists``.

    When every distribution is fixed no draws are made and every interval is exact.
    The same ``seed`` gives identical draws; ``seed=None`` draws fresh entropy, recorded in
    the result.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        point = {k: float(v[0]) for k, v in model(point_values(dists)).items()}
        if all(d.is_fixed for d in dists.values()):
            return MonteCarloDraws({}, point, 0, None, level)
        entropy = resolve_seed(seed)
        outputs = dict(model(draw_all(dists, n_draws, entropy)))
    for arr in outputs.values():
        arr.setflags(write=False)
    return MonteCarloDraws(outputs, point, int(n_draws), entropy, level)


def tornado(
    model: Model,
    dists: Mapping[str, Distribution],
    output: str,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of ``output`` to each uncertain parameter.

    Each parameter goes to the low and high end of its range (``Distribution.bounds``: the
    stated range, or the central ``level`` interval for beta and draws) with the others at their
    point values. Rows are sorted by swing, widest first.
    """
    base = point_values(dists)
    rows = []
    for name, d in dists.items():
        if d.is_fixed:
            continue
        lo, hi = d.bounds(level)
        params = {k: np.repeat(v, 2) for k, v in base.items()}
        params[name] = np.array([lo, hi])
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(model(params)[output], dtype=float)
        rows.append({"parameter": name, "low": lo, "high": hi, "point": d.point,
                     "output_low": out[0], "output_high": out[1],
                     "swing": abs(out[1] - out[0])})
    frame = pd.DataFrame(rows, columns=["parameter", "low", "high", "point", "output_low",
                                        "output_high", "swing"])
    return frame.sort_values("swing", ascending=False, ignore_index=True)


def switching_values(
    model: Model,
    dists: Mapping[str, Distribution],
    targets: Mapping[str, float],
    domains: Mapping[str, tuple[float, float]],
    *,
    grid: int = 401,
) -> pd.DataFrame:
    """The value of each parameter at which each output reaches its target, others at point.

    Parameters
    ----------
    model, dists
        The model and its parameters.
    targets
        Output name -> threshold, e.g. ``{"npsv": 0.0, "bcr": 1.0}``.
    domains
        Parameter name -> (low, high) range searched; parameters not listed are skipped.
    grid
        Points of the search grid; every sign change is refined (Brent) and the crossing
        nearest the point value is reported. NaN means no crossing in the domain.
    """
    from scipy.optimize import brentq

    base = point_values(dists)
    rows = []
    for name, (lo, hi) in domains.items():
        xs = np.linspace(lo, hi, grid)
        params = {k: np.repeat(v, grid) for k, v in base.items()}
        params[name] = xs
        with np.errstate(divide="ignore", invalid="ignore"):
            out = model(params)
        row: dict[str, Any] = {"parameter": name, "point": dists[name].point,
                               "searched": f"{lo:g} to {hi:g}"}
        for target, threshold in targets.items():
            f_grid = np.asarray(out[target], dtype=float) - threshold

            def f(x: float, target: str = target, threshold: float = threshold) -> float:
                p = dict(base)
                p[name] = np.array([x])
                with np.errstate(divide="ignore", invalid="ignore"):
                    return float(model(p)[target][0]) - threshold

            row[f"{target} = {threshold:g}"] = _nearest_root(xs, f_grid, f, dists[name].point,
                                                             brentq)
        rows.append(row)
    return pd.DataFrame(rows)


def _nearest_root(
    xs: np.ndarray, fx: np.ndarray, f: Callable[[float], float], point: float, brentq: Any
) -> float:
    ok = np.isfinite(fx)
    roots = list(xs[ok & (fx == 0)])
    s = np.sign(fx)
    change = np.flatnonzero(ok[:-1] & ok[1:] & (s[:-1] * s[1:] < 0))
    for i in change:
        roots.append(brentq(f, xs[i], xs[i + 1], xtol=1e-12))
    if not roots:
        return float("nan")
    roots_arr = np.array(roots)
    return float(roots_arr[np.argmin(np.abs(roots_arr - point))])


# ============================================================================ the appraisal
# (kept here because it is the Monte Carlo's main client; a candidate for its own module)

from svimpact._results import ResultMixin  # noqa: E402
from svimpact.estimators.additionality import (  # noqa: E402
    LINES,
    NetAdditionalResult,
    ReferenceCase,
    chain_lines,
)
from svimpact.estimators.distributions import Fixed, as_distribution, check_kind  # noqa: E402
from svimpact.estimators.ledger import LEDGER_DEFAULTS, LEDGER_KINDS, Ledger  # noqa: E402
from svimpact.estimators.valuation import (  # noqa: E402
    DeflatorSeries,
    DiscountSchedule,
    UnitValue,
    get_schedule,
    normalise_year,
    persistence_profile,
)
from svimpact.exceptions import InputDataError, ParamsError  # noqa: E402

HEADLINES = {
    "pv_benefits": "PV benefits",
    "pv_costs": "PV costs (optimism-bias adjusted)",
    "npsv": "Net present social value",
    "bcr": "Benefit-cost ratio",
    "sroi_ratio": "SROI ratio",
    "cost_per_outcome": "Cost per net additional outcome",
    "fiscal_return": "Fiscal return (PV fiscal benefits / PV costs)",
    "net_outcomes": "Net additional outcomes",
}


@dataclass(frozen=True, eq=False)
class _AppraisalModel:
    """The chain plus the valuation, vectorised over draws (see :func:`appraise`)."""

    years: int
    factors: np.ndarray          # DF_0 .. DF_{T-1}
    cohorts: np.ndarray          # (T, T): cohorts[c, t] = share of gross in cohort c, t >= c
    pv_costs_base: float         # PV of costs before optimism bias
    values: tuple[UnitValue, ...]
    full_form: bool

    def __call__(self, p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        lines = chain_lines(p, self.full_form)
        net = np.asarray(lines["after multiplier"], dtype=float)
        profile = persistence_profile(self.years, p["persistence"], p["drop_off"])
        outcome_years = profile @ self.cohorts          # (n, T): outcome-years per gross unit
        pv_per_unit_value = net * (outcome_years @ self.factors)
        out: dict[str, np.ndarray] = {f"line:{k}": np.asarray(v, float) for k, v in lines.items()}
        pvb = np.zeros_like(net)
        fiscal = np.zeros_like(net)
        for v in self.values:
            stream = p[f"value:{v.id}"] * pv_per_unit_value
            out[f"value:{v.id}"] = stream
            pvb = pvb + stream
            if v.value_type == "fiscal":
                fiscal = fiscal + stream
        pvc_raw = np.full_like(net, self.pv_costs_base)
        pvc = pvc_raw * (1 + p["optimism_bias"])
        out.update(
            pv_benefits=pvb, pv_costs=pvc, npsv=pvb - pvc, bcr=pvb / pvc,
            sroi_ratio=pvb / pvc_raw, cost_per_outcome=pvc / net, fiscal_return=fiscal / pvc,
            net_outcomes=net,
        )
        return out


def _year_vector(x: Any, years: int, key: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=float))
    if arr.ndim != 1 or arr.size > years:
        raise ParamsError(f"give one number (year 0) or up to {years} yearly numbers",
                          key=key)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ParamsError("must be finite and >= 0", key=key)
    return np.pad(arr, (0, years - arr.size))


def _cohort_matrix(shares: np.ndarray) -> np.ndarray:
    """``M[k, t] = shares[t - k]`` for ``t >= k``: outcome-years by years since the outcome."""
    T = shares.size
    k, t = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    return np.where(t >= k, shares[np.clip(t - k, 0, None)], 0.0)


def _gross_parts(gross: Any, years: int) -> tuple[Distribution, np.ndarray]:
    """Total gross (a distribution) and the share of it achieved in each year."""
    if isinstance(gross, (list, tuple, np.ndarray, pd.Series)):
        yearly = _year_vector(gross, years, "gross")
        total = float(yearly.sum())
        if total <= 0:
            raise ParamsError("gross outcomes sum to 0", key="gross")
        return Fixed(total), yearly / total
    shares = np.zeros(years)
    shares[0] = 1.0
    return check_kind(as_distribution(gross, key="gross"), "nonnegative", key="gross"), shares


def _ledger_dists(ledger: Ledger | Mapping[str, Any]) -> dict[str, Distribution]:
    if isinstance(ledger, Ledger):
        return ledger.distributions()
    if not isinstance(ledger, Mapping):
        raise ParamsError("ledger must be a Ledger or a mapping of adjustments", key="ledger")
    unknown = set(ledger) - set(LEDGER_KINDS)
    if unknown:
        raise ParamsError(f"unknown adjustment(s) {sorted(unknown)}; valid: "
                          f"{', '.join(LEDGER_KINDS)}", key="ledger")
    return {name: check_kind(as_distribution(ledger.get(name, LEDGER_DEFAULTS[name]), key=name),
                             kind, key=name) for name, kind in LEDGER_KINDS.items()}


def _prepared_values(
    values: Any, price_year: Any, deflator: DeflatorSeries | None
) -> tuple[tuple[UnitValue, ...], str]:
    vals = tuple(values)
    if not vals or not all(isinstance(v, UnitValue) for v in vals):
        raise ParamsError("values must be a non-empty sequence of UnitValue (see "
                          "load_unit_values)", key="values")
    ids = [v.id for v in vals]
    if len(set(ids)) != len(ids):
        raise ParamsError("each unit value may appear once", key="values")
    target = normalise_year(price_year if price_year is not None else vals[0].price_year)
    return tuple(v.in_prices_of(target, deflator) for v in vals), target


@dataclass(frozen=True)
class AppraisalResult(ResultMixin):
    """A service's social cost-benefit appraisal; every headline number is an Interval.

    Attributes
    ----------
    pv_benefits, pv_costs, npsv, bcr, sroi_ratio, cost_per_outcome, fiscal_return, net_outcomes
        Headline numbers (see :data:`HEADLINES`). ``pv_costs``, ``bcr``, ``npsv``,
        ``cost_per_outcome`` and ``fiscal_return`` use optimism-bias-adjusted costs;
        ``sroi_ratio`` divides by the unadjusted inputs (SROI practice).
    chain
        Gross to net additional outcomes, line by line (waterfall).
    by_value, by_value_type, by_agency, by_decile
        PV benefits split by unit value, value type and paying agency (each with its return per
        pound of optimism-bias-adjusted cost, e.g. the fiscal return to one agency), and by IMD
        decile of the beneficiaries' areas (``None`` when no deciles were given).
    switching_values, tornado
        Sensitivity tables (NPSV = 0 and BCR = 1; NPSV at each parameter's low/high).
    ledger
        The parameters used, with their evidence.
    settings
        Years, price year, discount schedule and edition, deflator source, draws, seed.
    """

    pv_benefits: Interval
    pv_costs: Interval
    npsv: Interval
    bcr: Interval
    sroi_ratio: Interval
    cost_per_outcome: Interval
    fiscal_return: Interval
    net_outcomes: Interval
    chain: NetAdditionalResult
    by_value: pd.DataFrame
    by_value_type: pd.DataFrame
    by_agency: pd.DataFrame
    by_decile: pd.DataFrame | None
    switching_values: pd.DataFrame
    tornado: pd.DataFrame
    ledger: pd.DataFrame
    settings: Mapping[str, Any]
    draws: MonteCarloDraws | None = None
    _title = "Social cost-benefit appraisal"

    def to_frame(self) -> pd.DataFrame:
        """Headline table: measure, value, lower, upper, method."""
        rows = []
        for key, label in HEADLINES.items():
            iv: Interval = getattr(self, key)
            rows.append({"measure": label, "value": iv.value, "lower": iv.lower,
                         "upper": iv.upper, "method": iv.method})
        return pd.DataFrame(rows)

    def _notes(self) -> list[str]:
        s = self.settings
        notes = [
            f"{s['years']} years, {s['price_year']} prices, {s['schedule']} discount schedule "
            f"({s['edition']}).",
            f"Monte Carlo: {s['n_draws']:,} draws, seed {s['seed']}, {s['level']:.0%} "
            "percentile intervals." if s["n_draws"] else "All inputs fixed: exact values.",
            "SROI ratio = PV benefits / PV inputs before optimism bias; BCR uses "
            "optimism-bias-adjusted costs.",
        ]
        if s.get("deflator"):
            notes.append(f"Prices converted with: {s['deflator']}.")
        if s.get("second_hand_values"):
            notes.append("Second-hand unit values (check against the source): "
                         + ", ".join(s["second_hand_values"]) + ".")
        return notes

    def tornado_chart(self, *, title: str = "Sensitivity of NPSV", unit: str = "£") -> Any:
        """Tornado chart of NPSV (a matplotlib Figure)."""
        from svimpact.estimators.charts import tornado_chart

        return tornado_chart(self.tornado, base=self.npsv.value, title=title, unit=unit)

    def waterfall_chart(self, *, unit: str = "outcomes") -> Any:
        """Waterfall from gross to net additional outcomes (a matplotlib Figure)."""
        return self.chain.chart(unit=unit)


def _interval_rows(
    mc: MonteCarloDraws, groups: Mapping[str, list[str]], label: str
) -> pd.DataFrame:
    """PV benefits of each group, and its return per pound of (OB-adjusted) cost."""
    rows = []
    for group, names in groups.items():
        point = sum(mc.point[n] for n in names)
        ratio_point = point / mc.point["pv_costs"] if mc.point["pv_costs"] else np.nan
        if mc.n_draws:
            draws = sum(mc.outputs[n] for n in names)
            iv = Interval.from_draws(draws, value=point, level=mc.level)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = draws / mc.outputs["pv_costs"]
            rv = (Interval.from_draws(ratio, value=ratio_point, level=mc.level)
                  if np.all(np.isfinite(ratio)) else Interval(ratio_point, np.nan, np.nan))
        else:
            iv, rv = Interval.exact(point), Interval.exact(ratio_point)
        rows.append({label: group, "value": iv.value, "lower": iv.lower, "upper": iv.upper,
                     "return_per_pound": rv.value, "return_lower": rv.lower,
                     "return_upper": rv.upper})
    return pd.DataFrame(rows)


def _decile_table(deciles: Any, pv: Interval) -> pd.DataFrame:
    if isinstance(deciles, Mapping):
        counts = pd.Series({int(k): float(v) for k, v in deciles.items()})
    else:
        s = pd.Series(deciles)
        num = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero((num.isna() | ~num.isin(range(1, 11))).to_numpy())
        if bad.size:
            raise InputDataError("IMD deciles must be whole numbers 1-10 (1 = most deprived)",
                                 column="beneficiary_deciles", rows=(bad + 1).tolist(),
                                 hint="look up each beneficiary's LSOA decile first")
        counts = num.astype(int).value_counts()
    if (counts < 0).any() or not counts.index.isin(range(1, 11)).all() or counts.sum() <= 0:
        raise InputDataError("decile counts need deciles 1-10 and non-negative counts",
                             column="beneficiary_deciles")
    counts = counts.reindex(range(1, 11), fill_value=0)
    share = counts / counts.sum()
    return pd.DataFrame({
        "imd_decile": counts.index, "beneficiaries": counts.to_numpy(), "share": share.to_numpy(),
        "value": share.to_numpy() * pv.value, "lower": share.to_numpy() * pv.lower,
        "upper": share.to_numpy() * pv.upper,
    })


def _domains(dists: Mapping[str, Distribution], years: int) -> dict[str, tuple[float, float]]:
    out = {}
    for name, d in dists.items():
        kind = LEDGER_KINDS.get(name.removeprefix("reference."))
        if kind == "share":
            out[name] = (0.0, 1.0)
        elif name == "persistence":
            out[name] = (0.0, float(years))
        else:
            out[name] = (0.0, max(10 * abs(d.point), 5.0 if kind else 1.0))
    return out


def appraise(
    ledger: Ledger | Mapping[str, Any],
    gross: Any,
    costs: Any,
    values: Any,
    *,
    years: int = 10,
    price_year: Any = None,
    deflator: DeflatorSeries | None = None,
    schedule: str | DiscountSchedule = "standard",
    reference: ReferenceCase | None = None,
    beneficiary_deciles: Any = None,
    n_draws: int = 10_000,
    seed: int | None = None,
    level: float = 0.95,
) -> AppraisalResult:
    """Appraise one service: net additional outcomes, valued, discounted, with uncertainty.

    Parameters
    ----------
    ledger
        A :class:`~svimpact.estimators.ledger.Ledger`, or a mapping of adjustment name to number
        or distribution (missing ones take the neutral default).
    gross
        Gross outcomes: a number or distribution (all achieved in year 0), or a sequence of
        yearly numbers (a cohort per year).
    costs
        Costs in ``price_year`` prices: one number (year 0) or a sequence of yearly numbers.
    values
        The unit values (:class:`~svimpact.estimators.valuation.UnitValue`, e.g. from
        ``load_unit_values()``) each net additional outcome earns per year it persists.
    years
        Appraisal period (years 0 .. years-1); benefits beyond it are not counted.
    price_year, deflator
        Price year of the appraisal (default: the first value's) and the GDP deflator series
        that converts the others (a missing year is an error).
    schedule
        ``"standard"``, ``"health"`` or a :class:`DiscountSchedule`.
    reference
        A reference case for the full form of the chain (then no deadweight in the ledger).
    beneficiary_deciles
        IMD decile (1-10) of each beneficiary's area, or a mapping decile -> count; PV benefits
        are split in proportion (equal value per beneficiary assumed).
    n_draws, seed, level
        Monte Carlo draws, seed (same seed, same result), interval level.

    Returns
    -------
    AppraisalResult
    """
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or years < 1:
        raise ParamsError(f"years must be a positive whole number, got {years!r}", key="years")
    sched = get_schedule(schedule)
    vals, target = _prepared_values(values, price_year, deflator)
    dists = _ledger_dists(ledger)
    total, shares = _gross_parts(gross, years)
    dists["gross"] = total
    if reference is not None:
        if not (dists["deadweight"].is_fixed and dists["deadweight"].point == 0):
            raise ParamsError("give either a deadweight share or a reference case, not both",
                              key="deadweight")
        dists.update(reference.distributions())
    for v in vals:
        dists[f"value:{v.id}"] = Fixed(v.amount)
    factors = sched.factors(years)
    model = _AppraisalModel(years, factors, _cohort_matrix(shares),
                            float(_year_vector(costs, years, "costs") @ factors), vals,
                            reference is not None)
    mc = monte_carlo(model, dists, n_draws=n_draws, seed=seed, level=level)
    return _assemble(mc, model, dists, ledger, sched, target, deflator, beneficiary_deciles)


def _assemble(
    mc: MonteCarloDraws, model: _AppraisalModel, dists: Mapping[str, Distribution],
    ledger: Any, sched: DiscountSchedule, target: str, deflator: DeflatorSeries | None,
    deciles: Any,
) -> AppraisalResult:
    headline = {k: mc.interval(k) for k in HEADLINES}
    chain = NetAdditionalResult(
        {k: mc.interval(f"line:{k}") for k in LINES},
        "reference case" if model.full_form else "shortcut",
        {k: d.describe() for k, d in dists.items() if not k.startswith("value:")},
        mc.n_draws, mc.seed,
        {k: mc.outputs[f"line:{k}"] for k in LINES} if mc.n_draws else {},
    )
    by_value = _interval_rows(mc, {v.id: [f"value:{v.id}"] for v in model.values}, "value_id")
    meta = pd.DataFrame([{"value_id": v.id, "name": v.name, "value_type": v.value_type,
                          "agency": v.agency, "amount": v.amount, "source": v.source,
                          "second_hand": v.second_hand} for v in model.values])
    by_value = meta.merge(by_value, on="value_id")
    groups_type: dict[str, list[str]] = {}
    groups_agency: dict[str, list[str]] = {}
    for v in model.values:
        groups_type.setdefault(v.value_type, []).append(f"value:{v.id}")
        groups_agency.setdefault(v.agency, []).append(f"value:{v.id}")
    params = {k: d for k, d in dists.items()}
    sv = switching_values(model, params, {"npsv": 0.0, "bcr": 1.0}, _domains(params, model.years))
    tor = tornado(model, params, "npsv", level=mc.level)
    ledger_table = (ledger.to_frame() if isinstance(ledger, Ledger) else pd.DataFrame(
        [{"parameter": k, "distribution": d.describe(), "point": d.point}
         for k, d in dists.items() if k in LEDGER_KINDS]))
    settings = {
        "years": model.years, "price_year": target, "schedule": sched.name,
        "edition": sched.edition, "n_draws": mc.n_draws, "seed": mc.seed, "level": mc.level,
        "deflator": None if deflator is None else (
            f"{deflator.source}, {deflator.vintage}" + (" [EXAMPLE SERIES]" if deflator.example
                                                        else "")),
        "second_hand_values": [v.id for v in model.values if v.second_hand],
    }
    return AppraisalResult(
        **headline, chain=chain, by_value=by_value,
        by_value_type=_interval_rows(mc, groups_type, "value_type"),
        by_agency=_interval_rows(mc, groups_agency, "agency"),
        by_decile=None if deciles is None else _decile_table(deciles, headline["pv_benefits"]),
        switching_values=sv, tornado=tor, ledger=ledger_table, settings=settings, draws=mc,
    )
