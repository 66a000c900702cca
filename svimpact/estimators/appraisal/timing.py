"""Timing of an appraisal (issue 15, items 2 and 5): costs by year in their own price year, a lag
before benefits start, and discount factors by stream.

* **Costs by year.** ``costs`` is one number (year 0), a list of yearly numbers (years 0, 1, ...),
  or a list of records ``{year, amount, price_year}`` (a DataFrame with those columns too). Each
  amount is converted from its price year to the appraisal's with the GDP deflator series
  (``DeflatorSeries.factor``: index in the target year / index in the cost's year), then
  discounted on the **standard** schedule: costs never take the health rate.
* **Lag.** Benefits start ``lag`` whole years after the outcome: an outcome of year ``t`` is
  valued in years ``t + lag`` onwards, discounted there, and nothing past the appraisal period.
* **Streams.** Each unit value's type sets its schedule (``UnitValue.schedule``: health and
  wellbeing values take the health schedule, the rest the standard one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact.estimators.valuation import DeflatorSeries, DiscountSchedule, normalise_year
from svimpact.exceptions import ParamsError

__all__ = ["CostProfile", "cost_profile", "lagged"]


@dataclass(frozen=True)
class CostProfile:
    """Costs by year in the appraisal's price year, and how they got there."""

    yearly: np.ndarray                 # costs in years 0 .. T-1, appraisal prices, before optimism bias
    price_years: tuple[str, ...]       # the price years the costs were given in
    deflated: bool                     # True when some cost was converted with the deflator

    def pv(self, factors: np.ndarray) -> float:
        return float(self.yearly @ factors)


def _number(x: Any, key: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ParamsError(f"expected a number, got {x!r}", key=key) from None
    if not np.isfinite(v) or v < 0:
        raise ParamsError("must be finite and >= 0", key=key)
    return v


def cost_profile(costs: Any, years: int, target: str, deflator: DeflatorSeries | None,
                 price_year: Any = None) -> CostProfile:
    """Costs by year in ``target`` prices (see the module docstring); ``price_year`` is the price
    year of plain-number costs (default: the appraisal's)."""
    if isinstance(costs, pd.DataFrame):
        costs = costs.to_dict(orient="records")
    own = target if price_year is None else normalise_year(price_year, key="costs_price_year")
    if isinstance(costs, (list, tuple)) and costs and all(isinstance(c, Mapping) for c in costs):
        records = costs
    else:
        arr = np.atleast_1d(np.asarray(costs, dtype=object))
        if arr.ndim != 1 or arr.size > years:
            raise ParamsError(f"give one number (year 0) or up to {years} yearly numbers", key="costs")
        records = [{"year": t, "amount": a, "price_year": own} for t, a in enumerate(arr)]
    yearly = np.zeros(years)
    seen: list[str] = []
    deflated = False
    for i, rec in enumerate(records):
        where = f"costs[{i}]"
        unknown = set(rec) - {"year", "amount", "price_year"}
        if unknown:
            raise ParamsError(f"unknown field(s) {sorted(unknown)}; a cost is {{year, amount, price_year}}",
                              key=where)
        year = rec.get("year", 0)
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not 0 <= year < years:
            raise ParamsError(f"year must be a whole number 0 to {years - 1} (the appraisal period), got {year!r}",
                              key=f"{where}.year")
        amount = _number(rec.get("amount"), f"{where}.amount")
        py = normalise_year(rec.get("price_year", own), key=f"{where}.price_year")
        if py != target:
            if deflator is None:
                raise ParamsError(f"this cost is in {py} prices and the appraisal is in {target} prices: pass a GDP "
                                  "deflator series (load_deflator) to convert it", key=f"{where}.price_year")
            amount *= deflator.factor(py, target)
            deflated = True
        if py not in seen:
            seen.append(py)
        yearly[int(year)] += amount
    return CostProfile(yearly, tuple(seen), deflated)


def lagged(factors: np.ndarray, lag: Any) -> np.ndarray:
    """Discount factors for benefits that start ``lag`` years late: ``out[t] = DF[t + lag]`` (0 past the end)."""
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ParamsError(f"lag must be a whole number of years >= 0, got {lag!r}", key="lag")
    out = np.zeros_like(factors)
    if lag < factors.size:
        out[: factors.size - lag] = factors[lag:]
    return out


def stream_factors(schedules: Mapping[str, DiscountSchedule], years: int, lag: int) -> dict[str, np.ndarray]:
    """Benefit discount factors by stream, shifted by the lag."""
    return {name: lagged(s.factors(years), lag) for name, s in schedules.items()}


def stream_table(mc: Any, model: Any, health: DiscountSchedule, sched: DiscountSchedule) -> pd.DataFrame:
    """PV by stream: benefits on each schedule, then costs (always the standard schedule)."""
    from svimpact.estimators.montecarlo import interval_around

    def row(label: str, schedule: DiscountSchedule, name: str) -> dict[str, Any]:
        central = mc.central(name)
        iv = (interval_around(mc.outputs[name], central, mc.level) if mc.n_draws and np.all(np.isfinite(mc.outputs[name]))
              else None)
        end = f"0-{schedule.bands[1][0] - 1}" if len(schedule.bands) > 1 else "0 on"
        rate = f"{schedule.name}: {schedule.bands[0][1]:.1%} in years {end}"
        return {"stream": label, "schedule": rate, "value": central,
                "lower": iv.lower if iv is not None else central, "upper": iv.upper if iv is not None else central}

    used = {v.schedule for v in model.values}
    rows = [row("Benefits (fiscal, economic, social)", sched, "stream:standard")] if "standard" in used else []
    if "health" in used:
        rows.append(row("Benefits (health and wellbeing)", health, "stream:health"))
    if np.isfinite(model.pv_costs_base):
        if mc.n_draws and np.array_equal(mc.outputs["pv_costs"], mc.outputs["pv_costs_raw"]) or \
                not mc.n_draws and mc.point["pv_costs"] == mc.point["pv_costs_raw"]:
            rows.append(row("Costs (no optimism bias)", sched, "pv_costs"))
        else:
            rows.append(row("Costs (before optimism bias)", sched, "pv_costs_raw"))
            rows.append(row("Costs (optimism-bias adjusted)", sched, "pv_costs"))
    return pd.DataFrame(rows, columns=["stream", "schedule", "value", "lower", "upper"])
