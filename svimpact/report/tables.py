"""Text and tables the chapter shows that are assembled from params and results (never recomputed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from svimpact.disclosure import DisclosedTable, disclose
from svimpact.io.params import ServiceParams

__all__ = ["limitations", "value_by_decile"]


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
        items.append(f"These adjustments rest on assumptions rather than evidence: {', '.join(weak)}. "
                     "Their ranges are carried into every interval, and the switching values show how far each "
                     "would have to move to change the conclusion.")
    for v in values:
        if getattr(v, "second_hand", False):
            items.append(f"The unit value '{v.name}' ({v.source.strip()}) was seen only second-hand and is in "
                         f"{v.price_year} prices; check it against the source before relying on the value figures.")
    if appraisal is not None:
        settings = appraisal.settings
        if not settings.get("deflator"):
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
    count back. Shares and values are therefore recomputed here from the *published* (rounded)
    counts, and withheld wherever the count is suppressed.
    """
    frame = appraisal.by_decile.copy()
    safe = disclose(frame, counts=["beneficiaries"], label="imd_decile", rule=rule)
    shown = safe.table["beneficiaries"].astype("Float64").fillna(np.nan).to_numpy(dtype=float)
    hidden = safe.suppressed["beneficiaries"].to_numpy()
    total = np.nansum(np.where(hidden, np.nan, shown))
    table = safe.table.copy()
    mask = safe.suppressed.copy()
    pv = appraisal.pv_benefits
    for col, amount in (("share", 1.0), ("value", pv.value), ("lower", pv.lower), ("upper", pv.upper)):
        if col in table:
            table[col] = np.where(hidden, np.nan, shown / total * amount if total else np.nan)
            mask[col] = hidden
    return DisclosedTable(table, mask, safe.rule, safe.audit)
