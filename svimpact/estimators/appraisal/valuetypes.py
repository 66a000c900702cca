"""Value types reported honestly (issue 15, item 6).

* A unit value published as "fiscal and economic" combined (e.g. the GMCA figure for a claimant
  entering work) cannot be split, so it counts in neither the fiscal return nor the economic one.
  When no value is purely fiscal, the fiscal return is *not computed* (never a zero "exact" return)
  and the combined return is shown on its own row, labelled as combined.
* When the benefit-cost ratio, the SROI ratio and the fiscal return are the same number (no
  optimism bias and every value fiscal), the headline table shows it once, on one row naming all
  of them, and :func:`coincidence_note` says so in a sentence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval

__all__ = ["COMBINED_LABEL", "NO_FISCAL", "coincidence_note", "coinciding", "headline_rows"]

COMBINED_LABEL = "Fiscal and economic return (combined, not split; PV / PV costs)"
NO_FISCAL = ("not computed: no unit value is purely fiscal (a combined fiscal and economic value cannot be "
             "split; its return is given as the combined fiscal and economic return)")
_RATIO_NAMES = {"bcr": "benefit-cost ratio", "sroi_ratio": "SROI ratio", "fiscal_return": "fiscal return",
                "fiscal_and_economic_return": "combined fiscal and economic return"}


def _same(a: Interval, b: Interval) -> bool:
    vals = np.array([a.value, a.lower, a.upper, b.value, b.lower, b.upper], dtype=float)
    if not np.all(np.isfinite(vals)):
        return False
    return bool(np.allclose(vals[:3], vals[3:], rtol=1e-9, atol=1e-12))


def coinciding(result: Any) -> list[str]:
    """The ratio measures (of bcr, sroi_ratio, fiscal_return) that equal the benefit-cost ratio,
    bcr first; a list of one when none coincide."""
    out = ["bcr"]
    for key in ("sroi_ratio", "fiscal_return", "fiscal_and_economic_return"):
        other = getattr(result, key, None)
        if other is not None and _same(result.bcr, other):
            out.append(key)
    return out


def coincidence_note(result: Any) -> str | None:
    """One sentence when two or three ratio measures are the same number; None otherwise."""
    same = coinciding(result)
    if len(same) < 2:
        return None
    names = [_RATIO_NAMES[k] for k in same]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    why = []
    if "sroi_ratio" in same:
        why.append("no optimism bias is applied, so the SROI ratio divides by the same costs")
    if "fiscal_return" in same:
        why.append("every benefit valued is a fiscal saving")
    if "fiscal_and_economic_return" in same:
        why.append("every benefit valued is a combined fiscal and economic value")
    iv = result.bcr
    shown = iv.format(2).replace(" (", ", ").rstrip(")") if "(" in iv.format(2) else iv.format(2)
    return (f"The {listed} are the same number here ({shown}), so the table shows it once: " + "; ".join(why) + ".")


def headline_rows(result: Any, headlines: dict[str, str]) -> pd.DataFrame:
    """The published headline table: coinciding ratios on one row, the combined return labelled."""
    same = coinciding(result)
    rows = []
    for key, label in headlines.items():
        if key in same[1:]:
            continue
        iv: Interval = getattr(result, key)
        if key == "bcr" and len(same) > 1:
            label = " = ".join([label, *(headlines.get(k, COMBINED_LABEL) for k in same[1:])])
        rows.append({"measure": label, "value": iv.value, "lower": iv.lower, "upper": iv.upper, "method": iv.method})
        if key == "fiscal_return" and result.fiscal_and_economic_return is not None and \
                "fiscal_and_economic_return" not in same:
            c = result.fiscal_and_economic_return
            rows.append({"measure": COMBINED_LABEL, "value": c.value, "lower": c.lower, "upper": c.upper,
                         "method": c.method})
    return pd.DataFrame(rows)
