"""The appraisal model and ``appraise``: the chain times the discounted unit values, vectorised.

:func:`appraise` checks its inputs, builds :class:`_AppraisalModel` (net additional outcomes from
the additionality chain, valued per year they persist and discounted), runs it through the Monte
Carlo machinery in :mod:`svimpact.estimators.montecarlo` and hands the draws to
:mod:`svimpact.estimators.appraisal.results`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact.estimators.additionality import ReferenceCase, chain_lines
from svimpact.estimators.appraisal.results import VFM_MEASURES, AppraisalResult, assemble
from svimpact.estimators.appraisal.timing import CostProfile, cost_profile, stream_factors
from svimpact.estimators.correlation import RankCorrelation, correlation_matrix
from svimpact.estimators.distributions import Distribution, Fixed, as_distribution, check_kind
from svimpact.estimators.ledger import LEDGER_DEFAULTS, LEDGER_KINDS, Ledger
from svimpact.estimators.montecarlo import monte_carlo
from svimpact.estimators.valuation import (
    DeflatorSeries,
    DiscountSchedule,
    UnitValue,
    get_schedule,
    normalise_year,
    persistence_profile,
)
from svimpact.exceptions import ParamsError

__all__ = ["NO_COSTS", "ZERO_COSTS", "appraise"]

ZERO_COSTS = ("the costs are zero, so no ratio of benefits to costs can be formed (and a net present social "
              "value would simply repeat the benefits)")
"""``AppraisalResult.vfm_reason`` when the costs given are all zero."""
NO_COSTS = ("no costs were given, so no ratio of benefits to costs and no net present social value can be "
            "formed")
"""``AppraisalResult.vfm_reason`` when ``costs`` is None."""


@dataclass(frozen=True, eq=False)
class _AppraisalModel:
    """The chain plus the valuation, vectorised over draws (see :func:`appraise`)."""

    years: int
    factors: np.ndarray          # standard DF_0 .. DF_{T-1} (costs)
    cohorts: np.ndarray          # (T, T): cohorts[c, t] = share of gross in cohort c, t >= c
    pv_costs_base: float         # PV of costs before optimism bias (NaN when no costs given)
    values: tuple[UnitValue, ...]
    full_form: bool
    vfm_reason: str | None = None  # set when costs are zero or absent: no value-for-money measures
    benefit_factors: Mapping[str, np.ndarray] | None = None  # by stream, lag-shifted (default: factors)

    def __call__(self, p: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        lines = chain_lines(p, self.full_form)
        net = np.asarray(lines["after multiplier"], dtype=float)
        profile = persistence_profile(self.years, p["persistence"], p["drop_off"])
        outcome_years = profile @ self.cohorts          # (n, T): outcome-years per gross unit
        streams = self.benefit_factors or {"standard": self.factors}
        pv_per_unit_value = {name: net * (outcome_years @ f) for name, f in streams.items()}
        out: dict[str, np.ndarray] = {f"line:{k}": np.asarray(v, float) for k, v in lines.items()}
        pvb = np.zeros_like(net)
        fiscal = np.zeros_like(net)
        combined = np.zeros_like(net)   # "fiscal and economic" values not split by their source
        by_stream = {name: np.zeros_like(net) for name in streams}
        for v in self.values:
            stream = p[f"value:{v.id}"] * pv_per_unit_value[v.schedule if v.schedule in streams else "standard"]
            out[f"value:{v.id}"] = stream
            by_stream[v.schedule if v.schedule in streams else "standard"] += stream
            pvb = pvb + stream
            if v.value_type == "fiscal":
                fiscal = fiscal + stream
            elif v.value_type == "fiscal and economic":
                combined = combined + stream
        out.update({f"stream:{k}": v for k, v in by_stream.items()})
        pvc_raw = np.full_like(net, self.pv_costs_base)
        pvc = pvc_raw * (1 + p["optimism_bias"])
        out.update(pv_benefits=pvb, pv_costs=pvc, pv_costs_raw=pvc_raw, pv_fiscal=fiscal,
                   pv_fiscal_economic=combined, net_outcomes=net)
        if self.vfm_reason is not None:
            # No costs: every measure built on them is undefined (NaN), never inf or 0.
            nan = np.full_like(net, np.nan)
            out.update({k: nan for k in (*VFM_MEASURES, "fiscal_and_economic_return")})
        else:
            out.update(npsv=pvb - pvc, bcr=pvb / pvc, sroi_ratio=pvb / pvc_raw,
                       cost_per_outcome=pvc / net, fiscal_return=fiscal / pvc,
                       fiscal_and_economic_return=combined / pvc)
        return out


def _year_vector(x: Any, years: int, key: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=float))
    if arr.ndim != 1 or arr.size > years:
        raise ParamsError(f"give one number (year 0) or up to {years} yearly numbers",
                          key=key)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ParamsError("must be finite and >= 0", key=key)
    return np.pad(arr, (0, years - arr.size))


def _costs_pv(profile: CostProfile | None, factors: np.ndarray) -> tuple[float, str | None]:
    """PV of costs before optimism bias (standard schedule), and why value for money is not computed (or None)."""
    if profile is None:
        return np.nan, NO_COSTS
    pv = profile.pv(factors)
    return pv, (ZERO_COSTS if pv == 0 else None)


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


def _correlations(ledger: Any, given: Any) -> tuple[RankCorrelation, ...]:
    if given is None:
        return tuple(getattr(ledger, "correlations", ()))
    base = ledger if isinstance(ledger, Ledger) else Ledger({}, None)
    return base.with_correlations(given).correlations


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
    health_schedule: str | DiscountSchedule = "health",
    lag: int = 0,
    costs_price_year: Any = None,
    reference: ReferenceCase | None = None,
    correlations: Any = None,
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
        One number (year 0), a sequence of yearly numbers (in ``costs_price_year`` prices, default
        the appraisal's), or records ``{year, amount, price_year}`` each deflated to the appraisal's
        price year (:mod:`~svimpact.estimators.appraisal.timing`); or None when the service has no
        costs data. Costs are always discounted on the standard schedule. When the costs are absent or all zero, value for
        money is not computed: the NPSV and every ratio to costs (BCR, SROI ratio, fiscal return,
        cost per outcome, return per pound) are NaN with method ``"not computed"``, and
        ``result.vfm_reason`` says why; present values of benefits are still computed.
    values
        The unit values (:class:`~svimpact.estimators.valuation.UnitValue`, e.g. from
        ``load_unit_values()``) each net additional outcome earns per year it persists.
    years
        Appraisal period (years 0 .. years-1); benefits beyond it are not counted.
    price_year, deflator
        Price year of the appraisal (default: the first value's) and the GDP deflator series
        that converts the others (a missing year is an error).
    schedule, health_schedule
        The schedule for costs and every non-health stream (``"standard"`` or a
        :class:`DiscountSchedule`), and the one for health and wellbeing values (``"health"``).
        Each unit value's type picks its stream (``UnitValue.schedule``); asking for the health
        schedule for everything is an error, since costs never take the health rate.
    lag
        Whole years before benefits start (an outcome of year t is valued from year t + lag).
    reference
        A reference case for the full form of the chain (then no deadweight in the ledger). Give
        it as a share of gross (``ReferenceCase(share=...)``) to draw it jointly with gross.
    correlations
        Rank correlations between uncertain assumptions (:class:`RankCorrelation` or
        ``{between: [a, b], rank}``), induced by Iman-Conover; default: the ledger's own.
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
    if isinstance(schedule, str) and schedule == "health":
        raise ParamsError("the health schedule applies only to health and wellbeing values (each unit value's type "
                          "sets its stream); costs and other values stay on the standard schedule, so give "
                          "schedule='standard' (or a DiscountSchedule for a sensitivity test)", key="valuation.schedule")
    sched = get_schedule(schedule)
    health = get_schedule(health_schedule)
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
        dists[f"value:{v.id}"] = v.distribution()
    factors = sched.factors(years)
    profile = None if costs is None else cost_profile(costs, years, target, deflator, costs_price_year)
    pv_costs, vfm_reason = _costs_pv(profile, factors)
    streams = stream_factors({"standard": sched, "health": health}, years, lag)
    model = _AppraisalModel(years, factors, _cohort_matrix(shares), pv_costs, vals,
                            reference is not None, vfm_reason, streams)
    pairs = _correlations(ledger, correlations)
    uncertain = [k for k, d in dists.items() if not d.is_fixed]
    target_corr = correlation_matrix(pairs, uncertain) if pairs else None
    mc = monte_carlo(model, dists, n_draws=n_draws, seed=seed, level=level, correlations=target_corr)
    timing = {"lag": lag, "health_schedule": health, "costs": profile, "correlations": pairs}
    return assemble(mc, model, dists, ledger, sched, target, deflator, beneficiary_deciles, timing)
