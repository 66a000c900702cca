"""Wellbeing valuation and distributional weights (issue 15, item 4).

**WELLBYs.** HM Treasury's *Wellbeing Guidance for Appraisal: Supplementary Green Book Guidance*
(July 2021), section 4.3, Box 7: a change in life satisfaction (0-10 scale) for one person for one
year is valued at £13,000 [low £10,000, high £16,000] in 2019 prices and values. The shipped unit
value ``hmt_wellby_2019`` (``params/values/unit_values.yaml``) carries the figure and its source;
:func:`wellby_value` turns an effect size into a unit value per outcome-year, uncertain over the
published range. Box 7's own example: 0.2 points for two years is £2,600 a year (range £2,000 to
£3,200).

**Distributional weights** (an optional sensitivity). The Green Book's annex A3 ("Distributional
weighting", paragraphs A3.12 to A3.22 as read) values a pound to a lower-income household more
highly: the weight is (median equivalised income / the group's median equivalised income) raised
to the elasticity of marginal utility of income, 1.3 (A3.14, A3.20); with 2015 data the weight for
the bottom income quintile is **2.4** (A3.20), which the wellbeing guidance (2021, section 4.6)
also calls "the current Green Book distributional weight for someone in the bottom income
quintile". svimpact ships only that published weight. Other quintiles take weight 1 unless the
user gives quintile median incomes, from which the formula computes their weights.

Beneficiaries' income is not recorded, so the weights are **mapped from the IMD income-domain
decile of their area**: decile d -> income quintile ceil(d / 2). This is an approximation: an
area's deprivation decile is not its residents' household income quintile (deprived areas hold
better-off households and the reverse), so the weighted figure is a sensitivity test, shown beside
the unweighted one (A3.22), never the headline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from svimpact.estimators.valuation import UnitValue, load_unit_values
from svimpact.exceptions import ParamsError

__all__ = ["BENEFICIARY_TYPES", "DISTRIBUTIONAL_SOURCE", "ELASTICITY", "MAPPING", "PUBLISHED_WEIGHTS",
           "beneficiary_weights", "distributional_weights", "quintile_weights", "wellby_value"]

ELASTICITY = 1.3
"""Elasticity of marginal utility of income (Green Book annex A3, paragraph A3.14, as read)."""
PUBLISHED_WEIGHTS = {1: 2.4}
"""Bottom income quintile against the median, 2015 data (Green Book annex A3, paragraph A3.20, as read)."""
DISTRIBUTIONAL_SOURCE = (
    "HM Treasury, The Green Book, annex A3 'Distributional weighting' and 'Calculating welfare weights: practical "
    "steps', paragraphs A3.12-A3.22 (read in an online reproduction whose edition is not stated; the weight 2.4 is "
    "confirmed as current in HM Treasury's Wellbeing Guidance for Appraisal, July 2021, section 4.6)")
MAPPING = ("IMD income-domain decile of the beneficiary's area -> household income quintile ceil(decile / 2); an "
           "approximation, since an area's deprivation is not its residents' income")


BENEFICIARY_TYPES = ("social", "wellbeing", "health", "economic")
"""Value types that accrue to the people served, so the weights of their income group apply; fiscal
savings (and combined fiscal-and-economic values) accrue to the public purse and stay unweighted."""


def beneficiary_weights(appraisal: Any, income_deciles: Any, weights: Mapping[int, float] | None = None,
                        rule: str | None = None) -> pd.DataFrame | None:
    """:func:`distributional_weights` over the PV of the benefits that accrue to the people served
    (:data:`BENEFICIARY_TYPES`); None when there are none (the weights would change nothing)."""
    t = appraisal.by_value_type
    rows = t[t["value_type"].isin(BENEFICIARY_TYPES)]
    if rows.empty:
        return None
    return distributional_weights(income_deciles, float(rows["value"].sum()), weights, rule)


def wellby_value(points: float, *, id: str = "wellbeing", name: str | None = None,
                 wellby: UnitValue | None = None) -> UnitValue:
    """A unit value per outcome per year from a life-satisfaction effect of ``points`` (0-10 scale).

    Amount, low and high are ``points`` times the WELLBY's (default: the shipped ``hmt_wellby_2019``);
    the source cites the WELLBY's. The effect itself must be robust and causal (Box 6 of the guidance).
    """
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not np.isfinite(points) or points <= 0:
        raise ParamsError(f"the life-satisfaction effect must be a positive number of points, got {points!r}",
                          key="points")
    w = wellby or load_unit_values()["hmt_wellby_2019"]
    lo = None if w.low is None else points * w.low
    hi = None if w.high is None else points * w.high
    return replace(w, id=id, name=name or f"Wellbeing: {points:g} life-satisfaction points a year", amount=points * w.amount,
                   low=lo, high=hi, unit="GBP per person per year",
                   source=f"{points:g} x the WELLBY value; {w.source}")


def quintile_weights(quintile_incomes: Mapping[int, float] | None = None, median: float | None = None) -> dict[int, float]:
    """Weight by income quintile 1-5: the published 2.4 for quintile 1, 1 for the rest; or, given
    quintile median incomes and the overall median, ``(median / income) ** 1.3`` for each."""
    if quintile_incomes is None:
        return {q: PUBLISHED_WEIGHTS.get(q, 1.0) for q in range(1, 6)}
    if median is None or median <= 0 or set(quintile_incomes) != set(range(1, 6)) or min(quintile_incomes.values()) <= 0:
        raise ParamsError("give positive median incomes for quintiles 1-5 and the overall median", key="quintile_incomes")
    return {q: float((median / quintile_incomes[q]) ** ELASTICITY) for q in range(1, 6)}


def distributional_weights(income_deciles: Any, pv_benefits: Any, weights: Mapping[int, float] | None = None,
                           rule: str | None = None) -> pd.DataFrame:
    """The distributional-weights sensitivity: PV benefits split by beneficiaries' income quintile
    (mapped from their area's IMD income-domain decile), unweighted and weighted, plus a total row.

    ``pv_benefits`` is an Interval (or a number); value per beneficiary is assumed equal. With a
    disclosure ``rule`` the shares come from the *published* (rounded) counts over the published
    total, a withheld quintile's share is not shown, and whatever the shown shares leave (withheld
    quintiles, rounding) is counted at weight 1 in a row of its own.
    """
    d = pd.to_numeric(pd.Series(income_deciles), errors="coerce")
    bad = np.flatnonzero((d.isna() | ~d.isin(range(1, 11))).to_numpy())
    if bad.size:
        raise ParamsError(f"IMD income deciles must be whole numbers 1-10 (rows {', '.join(map(str, (bad + 1)[:10]))})",
                          key="income_decile")
    w = dict(weights or quintile_weights())
    quintile = np.ceil(d.to_numpy(dtype=float) / 2).astype(int)
    counts = pd.Series(quintile).value_counts().reindex(range(1, 6), fill_value=0).to_numpy(dtype=float)
    if rule is None:
        share = counts / counts.sum()
    else:
        from svimpact.disclosure import protect_counts

        published, _ = protect_counts(np.append(counts, counts.sum()), rule)
        share = published[:-1] / published[-1] if published[-1] else np.full(5, np.nan)
    value = float(getattr(pv_benefits, "value", pv_benefits))
    frame = pd.DataFrame({"income_quintile": [str(q) for q in range(1, 6)], "share": share,
                          "weight": [w[q] for q in range(1, 6)], "unweighted": share * value})
    frame["weighted"] = frame["unweighted"] * frame["weight"]
    rest = 1.0 - float(np.nansum(share))
    if rule is not None and abs(rest) > 1e-12:
        frame = pd.concat([frame, pd.DataFrame([{"income_quintile": "withheld or rounding (weight 1)", "share": rest,
                                                 "weight": 1.0, "unweighted": rest * value, "weighted": rest * value}])],
                          ignore_index=True)
    weighted = float(np.nansum(frame["weighted"]))
    total = pd.DataFrame([{"income_quintile": "Total", "share": 1.0, "weight": weighted / value if value else np.nan,
                           "unweighted": value, "weighted": weighted}])
    return pd.concat([frame, total], ignore_index=True)
