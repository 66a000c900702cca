"""Text and tables the chapter shows that are assembled from params and results (never recomputed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from svimpact._results import Interval
from svimpact.disclosure import DisclosedTable, disclose
from svimpact.io.params import ServiceParams

__all__ = ["NO_EVIDENCE", "effect_sentence", "limitations", "survey_table", "value_by_decile",
           "value_for_money_note"]

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
    unit = " percentage points" if pct else ""
    number = (lambda x: f"{x * 100:+.{1 if digits is None else digits}f}") if pct else (
        lambda x: f"{x:+,.{2 if digits is None else digits}f}")
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


def value_for_money_note(params: ServiceParams, appraisal) -> str | None:
    """Why value for money is not computed, in plain English; None when it is.

    Rendered from the appraisal (``appraisal.vfm_reason``, set when costs are zero or absent)
    and the params (which cost column, if any), for the chapter's prose and its limitations.
    """
    if appraisal is None or not getattr(appraisal, "vfm_reason", None):
        return None
    if params.cost_column:
        why = (f"the cost column (`{params.cost_column}`) records no costs for this service (every participant's "
               "cost is zero)")
        fix = "Check that the cost column holds each participant's cost."
    else:
        why = "the params name no cost column (`cost_column`) for this service, so its costs are unknown"
        fix = "Set `cost_column` to the column that holds each participant's cost."
    return (f"Value for money is not computed: {why}. Without costs there is nothing to weigh the benefits against, "
            f"so {_VFM_MEASURES_TEXT} are not reported; only the present value of the benefits is. {fix}")


def limitations(params: ServiceParams, effect=None, appraisal=None, values: Sequence = ()) -> str:
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
        vfm_note = value_for_money_note(params, appraisal)
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


def _with_total(frame, label: str, counts: Sequence[str]):
    import pandas as pd

    total = {c: frame[c].sum() for c in counts}
    total[label] = "Total"
    out = frame.copy()
    out[label] = out[label].astype(str)
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def value_by_decile(appraisal, rule: str = "nhs-hes") -> DisclosedTable:
    """Present value by IMD decile, safe to publish.

    Value is split in proportion to beneficiaries, so a value column would give the unrounded
    count back. Shares and values are therefore recomputed here from the *published* (rounded)
    counts, and withheld wherever the count is. The table carries its total, so secondary
    suppression hides the same cells as the decile profile of the same people.
    """
    frame = _with_total(appraisal.by_decile[["imd_decile", "beneficiaries"]], "imd_decile", ["beneficiaries"])
    safe = disclose(frame, counts=["beneficiaries"], label="imd_decile", total_label="Total", rule=rule)
    shown = safe.table["beneficiaries"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    hidden = safe.suppressed["beneficiaries"].to_numpy()
    body = (safe.table["imd_decile"] != "Total").to_numpy()
    total = np.nansum(np.where(hidden | ~body, np.nan, shown))
    table = safe.table.copy()
    mask = safe.suppressed.copy()
    pv = appraisal.pv_benefits
    for col, amount in (("share", 1.0), ("value", pv.value), ("lower", pv.lower), ("upper", pv.upper)):
        published = np.where(hidden, np.nan, shown / total * amount if total else np.nan)
        table[col] = np.where(body, published, amount)
        mask[col] = hidden
    return DisclosedTable(table, mask, safe.rule, safe.audit)


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
