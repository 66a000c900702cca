"""The appraisal result: headline numbers with intervals, the chain, splits and sensitivity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.estimators.additionality import LINES, NetAdditionalResult
from svimpact.estimators.appraisal.timing import stream_table
from svimpact.estimators.appraisal.valuetypes import COMBINED_LABEL, NO_FISCAL, coincidence_note, headline_rows
from svimpact.estimators.charts import tornado_chart as draw_tornado
from svimpact.estimators.distributions import Distribution
from svimpact.estimators.ledger import LEDGER_KINDS, Ledger
from svimpact.estimators.montecarlo import MonteCarloDraws, interval_around, switching_values, tornado
from svimpact.estimators.valuation import DeflatorSeries, DiscountSchedule
from svimpact.exceptions import InputDataError, NotComputedError

__all__ = ["HEADLINES", "NOT_COMPUTED", "VFM_MEASURES", "AppraisalResult", "assemble"]


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

VFM_MEASURES = ("npsv", "bcr", "sroi_ratio", "cost_per_outcome", "fiscal_return")
"""The headline measures built on costs: not computed when the costs are zero or absent."""

NOT_COMPUTED = "not computed"
"""The ``method`` of a measure that was not computed (its value, lower and upper are NaN)."""


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
    vfm_reason
        Why value for money was not computed (costs zero or absent), or None when it was. Then
        every measure in :data:`VFM_MEASURES` and every ``return_per_pound`` is NaN with method
        ``"not computed"`` (never inf); ``to_frame()`` and ``table()`` keep their rows, and the
        sensitivity tables (which are about NPSV and BCR) are empty.
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
    vfm_reason: str | None = None
    fiscal_and_economic_return: Interval | None = None
    """PV of "fiscal and economic" combined values / PV costs (None when the appraisal has none)."""
    by_stream: pd.DataFrame | None = None
    """PV by discounting stream: benefits on the standard and health schedules, and costs (standard)."""
    _title = "Social cost-benefit appraisal"

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): one row per headline number."""
        rows: list[dict[str, Any]] = []
        for key, label in HEADLINES.items():
            iv: Interval = getattr(self, key)
            rows.append({"measure": label, "method": iv.method} if iv.method.startswith(NOT_COMPUTED)
                        else {"measure": label, "interval": iv})
            if key == "fiscal_return" and self.fiscal_and_economic_return is not None:
                c = self.fiscal_and_economic_return
                rows.append({"measure": COMBINED_LABEL, "method": c.method} if c.method.startswith(NOT_COMPUTED)
                            else {"measure": COMBINED_LABEL, "interval": c})
        return result_frame(rows)

    def table(self) -> pd.DataFrame:
        """The published headline table: measure, value, lower, upper, method.

        Ratios that coincide (BCR, SROI ratio, fiscal return) share one row; a combined "fiscal and
        economic" return has its own row (:mod:`~svimpact.estimators.appraisal.valuetypes`)."""
        return headline_rows(self, HEADLINES)

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
        if self.vfm_reason:
            notes.append(f"Value for money not computed: {self.vfm_reason}.")
        same = coincidence_note(self)
        if same:
            notes.append(same)
        if s.get("deflator"):
            notes.append(f"Prices converted with: {s['deflator']}.")
        if s.get("second_hand_values"):
            notes.append("Second-hand unit values (check against the source): "
                         + ", ".join(s["second_hand_values"]) + ".")
        return notes

    def tornado_chart(self, *, title: str = "Sensitivity of NPSV", unit: str = "£") -> Any:
        """Tornado chart of NPSV (a matplotlib Figure); an error when NPSV was not computed."""
        if self.vfm_reason:
            raise NotComputedError(f"no tornado chart: value for money was not computed ({self.vfm_reason})")
        # The bars move one assumption with the others at their expected values: the line is the NPSV
        # there (close to, not equal to, the headline's mean NPSV when the model is not linear).
        base = self.settings.get("sensitivity_base", self.npsv.value)
        return draw_tornado(self.tornado, base=base, title=title, unit=unit)

    def waterfall_chart(self, *, unit: str = "outcomes") -> Any:
        """Waterfall from gross to net additional outcomes (a matplotlib Figure)."""
        return self.chain.chart(unit=unit)


def _interval_rows(
    mc: MonteCarloDraws, groups: Mapping[str, list[str]], label: str, costs: bool = True
) -> pd.DataFrame:
    """PV benefits of each group, and its return per pound of (OB-adjusted) cost (NaN without costs)."""
    rows = []
    pvc = mc.central("pv_costs")
    for group, names in groups.items():
        point = sum(mc.central(n) for n in names)   # expected value (mean of the draws)
        ratio_point = point / pvc if costs and pvc else np.nan   # ratio of expected values
        if mc.n_draws:
            draws = np.asarray(sum(mc.outputs[n] for n in names))
            iv = interval_around(draws, point, mc.level)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = draws / mc.outputs["pv_costs"]
            rv = (interval_around(ratio, ratio_point, mc.level)
                  if costs and np.all(np.isfinite(ratio)) else Interval(ratio_point, np.nan, np.nan))
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


def domains(dists: Mapping[str, Distribution], years: int) -> dict[str, tuple[float, float]]:
    """The range searched for each parameter's switching value."""
    out = {}
    for name, d in dists.items():
        kind = LEDGER_KINDS.get(name.removeprefix("reference."))
        if kind in ("share", "deadweight") or name == "reference.share":
            out[name] = (0.0, 1.0)
        elif name == "persistence":
            out[name] = (0.0, float(years))
        else:
            out[name] = (0.0, max(10 * abs(d.point), 5.0 if kind else 1.0))
    return out


RATIOS = {"bcr": ("pv_benefits", "pv_costs"), "sroi_ratio": ("pv_benefits", "pv_costs_raw"),
          "fiscal_return": ("pv_fiscal", "pv_costs"), "cost_per_outcome": ("pv_costs", "net_outcomes"),
          "fiscal_and_economic_return": ("pv_fiscal_economic", "pv_costs")}
"""Each ratio's numerator and denominator: its central value is the ratio of their expected values."""


def _central(mc: MonteCarloDraws, key: str) -> float:
    """The headline's central value: the mean of its draws, or for a ratio the ratio of the means
    (a BCR of expected PV benefits to expected PV costs; the mean of a ratio is not an expected value
    of anything the Green Book asks for)."""
    if key in RATIOS and mc.n_draws:
        num, den = (mc.central(n) for n in RATIOS[key])
        return num / den if den else float("nan")
    return mc.central(key)


def _achieved(pairs: Any, mc: MonteCarloDraws) -> list[dict[str, Any]]:
    """Each requested rank correlation with the one achieved in the draws (Spearman)."""
    from scipy.stats import spearmanr

    out = []
    for c in pairs:
        got = (float(spearmanr(mc.inputs[c.a], mc.inputs[c.b])[0]) if mc.inputs is not None and mc.n_draws
               else float("nan"))
        out.append({"between": f"{c.a} and {c.b}", "requested": c.rank, "achieved": got, "source": c.source})
    return out


def assemble(
    mc: MonteCarloDraws, model: Any, dists: Mapping[str, Distribution],
    ledger: Any, sched: DiscountSchedule, target: str, deflator: DeflatorSeries | None,
    deciles: Any, timing: Mapping[str, Any] | None = None,
) -> AppraisalResult:
    reason = model.vfm_reason
    headline = {k: (Interval(np.nan, np.nan, np.nan, mc.level, NOT_COMPUTED)
                    if reason and k in VFM_MEASURES else mc.interval(k, _central(mc, k))) for k in HEADLINES}
    if reason and not np.isfinite(mc.point["pv_costs"]):
        headline["pv_costs"] = Interval(np.nan, np.nan, np.nan, mc.level, NOT_COMPUTED)
    types = {v.value_type for v in model.values}
    if "fiscal" not in types and not reason:   # no fiscal value: a zero fiscal return would mislead
        headline["fiscal_return"] = Interval(np.nan, np.nan, np.nan, mc.level, NO_FISCAL)
    combined = None
    if "fiscal and economic" in types:
        combined = (Interval(np.nan, np.nan, np.nan, mc.level, NOT_COMPUTED) if reason
                    else mc.interval("fiscal_and_economic_return", _central(mc, "fiscal_and_economic_return")))
    chain = NetAdditionalResult(
        {k: mc.interval(f"line:{k}") for k in LINES},
        "reference case" if model.full_form else "shortcut",
        {k: d.describe() for k, d in dists.items() if not k.startswith("value:")},
        mc.n_draws, mc.seed,
        {k: mc.outputs[f"line:{k}"] for k in LINES} if mc.n_draws else {},
    )
    costs = reason is None
    by_value = _interval_rows(mc, {v.id: [f"value:{v.id}"] for v in model.values}, "value_id", costs)
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
    targets = {"npsv": 0.0, "bcr": 1.0}
    if reason:   # both are about NPSV and BCR, which were not computed: empty, same columns
        sv = pd.DataFrame(columns=["parameter", "point", "searched", *(f"{k} = {v:g}" for k, v in targets.items())])
        tor = pd.DataFrame(columns=["parameter", "low", "high", "point", "output_low", "output_high", "swing"])
    else:
        sv = switching_values(model, params, targets, domains(params, model.years))
        tor = tornado(model, params, "npsv", level=mc.level)
    ledger_table = (ledger.table() if isinstance(ledger, Ledger) else pd.DataFrame(
        [{"parameter": k, "distribution": d.describe(), "point": d.point}
         for k, d in dists.items() if k in LEDGER_KINDS]))
    settings = {
        "years": model.years, "price_year": target, "schedule": sched.name,
        "edition": sched.edition, "n_draws": mc.n_draws, "seed": mc.seed, "level": mc.level,
        "deflator": None if deflator is None else (
            f"{deflator.source}, {deflator.vintage}" + (" [EXAMPLE SERIES]" if deflator.example
                                                        else "")),
        "second_hand_values": [v.id for v in model.values if v.second_hand],
        "sensitivity_base": mc.point.get("npsv", float("nan")),
        "lag": (timing or {}).get("lag", 0),
        "health_schedule": getattr((timing or {}).get("health_schedule"), "name", "health"),
        "costs_price_years": list(getattr((timing or {}).get("costs"), "price_years", ())),
        "costs_deflated": bool(getattr((timing or {}).get("costs"), "deflated", False)),
        "correlations": _achieved((timing or {}).get("correlations", ()), mc),
        "central": "expected value (mean of the draws; ratios: ratio of expected values)",
    }
    return AppraisalResult(
        **headline, chain=chain, by_value=by_value,
        by_value_type=_interval_rows(mc, groups_type, "value_type", costs),
        by_agency=_interval_rows(mc, groups_agency, "agency", costs),
        by_decile=None if deciles is None else _decile_table(deciles, headline["pv_benefits"]),
        switching_values=sv, tornado=tor, ledger=ledger_table, settings=settings, draws=mc,
        vfm_reason=reason, fiscal_and_economic_return=combined,
        by_stream=stream_table(mc, model, (timing or {}).get("health_schedule") or sched, sched),
    )
