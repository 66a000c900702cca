"""Text and tables the chapter shows that are assembled from params and results (never recomputed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.disclosure import DisclosedTable, disclose, get_rule
from svimpact.io.params import ServiceParams

__all__ = ["METHOD_NAMES", "NO_EVIDENCE", "appraisal_basis", "effect_sentence", "limitations", "survey_table",
           "value_by_decile",
           "value_for_money_note"]

METHOD_NAMES = {
    "difference": "a simple difference in outcome rates",
    "ols": "regression adjustment (least squares)",
    "regression": "regression adjustment",
    "psm": "propensity-score matching",
    "ipw": "inverse probability weighting",
    "aipw": "a doubly robust estimator (augmented inverse probability weighting)",
}
"""Plain names for the effect estimators in published text."""

NO_EVIDENCE = "no evidence that the service added to this outcome"
"""The words the chapter uses when an effect's interval includes zero."""


def effect_sentence(interval: Interval, *, pct: bool = False, digits: int | None = None) -> str:
    """One plain sentence on what an effect's interval shows (rendered from the result, never recomputed).

    When the interval includes zero the sentence says there is *no evidence that the service added
    to this outcome* (:data:`NO_EVIDENCE`), whatever the point estimate; an interval wholly below
    zero says so too, and that the service may have reduced it. ``pct`` writes a 0/1 outcome's effect in percentage
    points. Pass the published (disclosure-controlled) interval.
    """
    values = (interval.value, interval.lower, interval.upper)
    if not all(np.isfinite(v) for v in values):
        return "The effect on this outcome could not be estimated, so there is no evidence either way."
    from svimpact.present import number as render

    unit = " percentage points" if pct else ""

    def number(x: float) -> str:
        return (render(x * 100, digits=1 if digits is None else digits, plus=True) if pct
                else render(x, digits=2 if digits is None else digits, plus=True))
    shown = (f"the estimated effect is {number(interval.value)}{unit} ({interval.level:.0%} interval "
             f"{number(interval.lower)} to {number(interval.upper)})")
    if interval.lower <= 0 <= interval.upper:
        return f"There is {NO_EVIDENCE}: {shown}, and the interval includes zero."
    if interval.upper < 0:
        return (f"There is {NO_EVIDENCE}; the evidence suggests it reduced it: {shown}, wholly below "
                "zero.")
    return f"The service added to this outcome: {shown}, wholly above zero."

_VFM_MEASURES_TEXT = ("the net present social value, the benefit-cost ratio, the SROI ratio, the fiscal return and "
                      "the cost per net additional outcome")


def value_for_money_note(params: ServiceParams, appraisal, cost_withheld: str | None = None) -> str | None:
    """Why value for money is not computed, in plain English; None when it is.

    Rendered from the appraisal (``appraisal.vfm_reason``, set when costs are zero or absent)
    and the params (which cost column, if any), for the chapter's prose and its limitations.
    ``cost_withheld`` is why the total cost may not be published (:func:`svimpact.disclosure.dominance`).
    """
    if appraisal is None or not getattr(appraisal, "vfm_reason", None):
        return None
    if cost_withheld:
        why = (f"the total cost may not be published, because a few participants account for nearly all of it "
               f"({cost_withheld}), so the total would say what they cost")
        fix = "Publish costs at a level where no one dominates (for example the service's budget), or review by hand."
    elif params.cost_column:
        why = (f"the cost column (`{params.cost_column}`) records no costs for this service (every participant's "
               "cost is zero)")
        fix = "Check that the cost column holds each participant's cost."
    else:
        why = "the params name no cost column (`cost_column`) for this service, so its costs are unknown"
        fix = "Set `cost_column` to the column that holds each participant's cost."
    return (f"Value for money is not computed: {why}. Without costs there is nothing to weigh the benefits against, "
            f"so {_VFM_MEASURES_TEXT} are not reported; only the present value of the benefits is. {fix}")


def _duration_limitations(params: ServiceParams) -> list[str]:
    """What a sustainment estimate from dates assumes (issue 14)."""
    o = params.outcome
    if o.kind != "duration":
        return []
    out = [f"Sustainment is estimated from {o.start} and {o.end} with follow-up still running at the data cut-off "
           f"({o.cutoff}): the Kaplan-Meier method assumes that when someone started is unrelated to how long their "
           "spell lasts, which holds if the service and the people it served did not change over the year."]
    if o.missing_start == "not_started":
        out.append("Sustainment is measured among those who started (records without a start date are left out): if "
                   "the service also changes who starts, the comparison is between different kinds of starter, and "
                   "the effect shown is on how long spells last, not on whether they begin.")
    return out


def limitations(params: ServiceParams, effect=None, appraisal=None, values: Sequence = (),
                cost_withheld: str | None = None) -> str:
    """Plain-English limitations of one service's evaluation, as a Markdown bullet list.

    Built from the results themselves: evidence strength, estimator warnings, which adjustments
    rest on low-confidence assumptions, and where unit values come from.
    """
    items: list[str] = []
    if params.synthetic:
        items.append("The service records are synthetic: the figures demonstrate the method and describe no real "
                     "people or services.")
    if effect is not None:
        items.append(
            f"Deadweight comes from a comparison group matched on observed characteristics (Maryland Scientific "
            f"Methods Scale level {effect.sms_level}). People who were served may differ in ways the records do "
            "not capture, such as motivation or the judgement of the referring worker; if so, deadweight is "
            "mis-estimated and the net additional figures with it.")
        items += [f"Estimator check: {w}" for w in effect.warnings]
    items += _duration_limitations(params)
    ledger = params.ledger()
    weak = [name.replace("_", " ") for name, entry in ledger.entries.items()
            if not entry.default and entry.evidence is not None and entry.evidence.method == "assumption"]
    if weak:
        vfm_shown = not (appraisal is not None and getattr(appraisal, "vfm_reason", None))
        items.append(f"These adjustments rest on assumptions rather than evidence: {', '.join(weak)}. "
                     "Their ranges are carried into every interval"
                     + (", and the switching values show how far each would have to move to change the conclusion."
                        if vfm_shown else "."))
    for v in values:
        if getattr(v, "second_hand", False):
            items.append(f"The unit value '{v.name}' (£{v.amount:,.0f}, {v.price_year} prices) is a second-hand "
                         "figure, quoted from the GMCA Unit Cost Database but not checked against it; check it "
                         "before relying on the value figures.")
    if appraisal is not None:
        settings = appraisal.settings
        vfm_note = value_for_money_note(params, appraisal, cost_withheld)
        if vfm_note:
            items.append(vfm_note)
        elif not settings.get("deflator"):
            items.append("No GDP deflator series was supplied, so values stay in their own price year while "
                         "costs are in the year they were incurred; the value-for-money figures are therefore not "
                         "in one price year. Fetch HM Treasury's series (`svimpact data fetch hmt_gdp_deflators "
                         "--allow-unpinned`) and set `valuation.deflator_file` and `valuation.price_year`.")
        items.append("Benefits are counted only within the appraisal period and only for the outcome evaluated; "
                     "other outcomes of the service (for example on health or offending) are not valued here.")
    return "\n".join(f"- {item}" for item in items)


def value_by_decile(appraisal, rule: str = "nhs-hes") -> DisclosedTable:
    """Present value by IMD decile, safe to publish.

    Value is split in proportion to beneficiaries, so a value column would give the unrounded
    count back. Shares and values are therefore computed here from the *published* (rounded)
    counts over the published total, and withheld wherever the count is. The deciles withheld are
    exactly those of every other table of the same people (the decile profile and reach by decile:
    :func:`svimpact.geo.targeting.published.decile_pattern`), so no table gives back a cell
    another hides; the withheld deciles' value is the Total's value less the deciles shown.
    """
    from svimpact.disclosure import AuditEntry, protect_counts
    from svimpact.geo.targeting.published import decile_pattern

    by = appraisal.by_decile[["imd_decile", "beneficiaries"]].reset_index(drop=True)
    counts = by["beneficiaries"].to_numpy(dtype=float)
    deciles = pd.to_numeric(by["imd_decile"], errors="coerce")
    withheld = decile_pattern(dict(zip(deciles.astype(int), counts, strict=True)), rule)
    hidden = np.append(deciles.isin(sorted(withheld)).to_numpy(), False)
    published, _ = protect_counts(np.append(counts, counts.sum()), rule)
    total = published[-1]
    frame = pd.concat([by.assign(imd_decile=by["imd_decile"].astype(str)),
                       pd.DataFrame([{"imd_decile": "Total", "beneficiaries": counts.sum()}])], ignore_index=True)
    table = frame.copy()
    table["beneficiaries"] = pd.array(np.where(hidden, 0, published).astype("int64"), dtype="Int64")
    table.loc[hidden, "beneficiaries"] = pd.NA
    mask = pd.DataFrame(False, index=table.index, columns=[*table.columns, "share", "value", "lower", "upper"])
    mask["beneficiaries"] = hidden
    pv = appraisal.pv_benefits
    share = np.where(hidden, np.nan, published / total if total else np.nan)
    table["share"] = np.round(share, 3)
    for col, amount in (("value", pv.value), ("lower", pv.lower), ("upper", pv.upper)):
        table[col] = share * amount
    for col in ("share", "value", "lower", "upper"):
        mask[col] = hidden
    labels = table["imd_decile"].tolist()
    audit = tuple(AuditEntry(labels[i], "beneficiaries", "count withheld in every table of these people")
                  for i in np.flatnonzero(hidden))
    audit += tuple(AuditEntry(labels[i], col, "computed from a withheld count")
                   for i in np.flatnonzero(hidden) for col in ("share", "value", "lower", "upper"))
    return DisclosedTable(table, mask, get_rule(rule), audit)


def survey_table(survey, rule: str = "nhs-hes") -> DisclosedTable:
    """Survey answers, safe to publish: the weighted count is recomputed from the published
    (rounded) count, so it cannot give the unrounded count back, and withheld with it."""
    frame = survey.counts.copy()
    frame["counted"] = frame["counted"].map({True: "yes", False: "no (excluded)"})
    safe = disclose(frame, counts=["respondents"], label="answer", rule=rule)
    table = safe.table.copy()
    mask = safe.suppressed.copy()
    shown = table["respondents"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    table["weighted"] = shown * table["weight"].to_numpy(dtype=float)
    mask["weighted"] = mask["respondents"]
    return DisclosedTable(table, mask, safe.rule, safe.audit)


def appraisal_basis(appraisal, values: Sequence = (), costs_price_year: str | None = None) -> str:
    """One paragraph on the price base, discounting, central values and correlations of an appraisal.

    Rendered from the appraisal's settings (which record the ledger's correlations and the costs'
    price years), so the chapter explains them in one place and never restates a number by hand.
    """
    s = appraisal.settings
    year = s["price_year"]
    own = sorted({getattr(v, "price_year", year) for v in values} - {year})
    if s.get("deflator"):
        prices = (f"All values are in {year} prices: unit values from other years and costs were converted with the "
                  f"GDP deflator ({s['deflator']}).")
    else:
        kept = f" (unit values from {', '.join(own)} are not converted)" if own else ""
        costs = (f"costs stay in {costs_price_year} prices" if costs_price_year else
                 "costs are as recorded, in the prices of the year they were incurred (their price year is not stated: "
                 "set `valuation.costs_price_year`)")
        prices = f"Values are in {year} prices{kept}; no GDP deflator series was supplied, so {costs}."
    lag = s.get("lag", 0)
    discount = ("Benefits are discounted on the Green Book standard schedule (3.5% a year for years 0-30), health and "
                "wellbeing values on the health schedule (1.5%), and costs always on the standard schedule"
                + (f"; benefits start {lag} year{'s' if lag != 1 else ''} after each outcome." if lag else "."))
    if s["n_draws"]:
        central = (f"Central figures are expected values: the means of {s['n_draws']:,} Monte Carlo draws (ratios are "
                   f"ratios of expected values), with {s['level']:.0%} percentile intervals that always contain them.")
    else:
        central = "Every input is a fixed number, so the figures are exact."
    corr = s.get("correlations") or []
    if not corr:
        dep = "The uncertain assumptions are drawn independently of one another; no correlation between them was stated."
    else:
        from svimpact.present import number

        parts = [f"{c['between'].replace('_', ' ')} with a rank correlation of {number(c['requested'], digits=2, plus=True)} "
                 f"(achieved in the draws: {number(c['achieved'], digits=2, plus=True)}"
                 f"{'; ' + c['source'] if c['source'] else ''})" for c in corr]
        dep = ("These assumptions are drawn together rather than independently (Iman-Conover method, 1982): "
               + "; ".join(parts) + ". The others are drawn independently.")
    return " ".join([f"**Price base, discounting and uncertainty.** {prices}", discount, central, dep])
