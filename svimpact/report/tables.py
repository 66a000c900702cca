"""Tables the chapter shows that are assembled from params and results (never recomputed)."""

from __future__ import annotations

import pandas as pd

from svimpact.io.params import ServiceParams

__all__ = ["ledger_table"]

SMS = {1: "1 (no comparison group)", 2: "2 (controls or matching)", 3: "3 (before/after with comparison)",
       4: "4 (quasi-random variation)", 5: "5 (randomised)"}


def ledger_table(params: ServiceParams, effect=None) -> pd.DataFrame:
    """The additionality ledger: each adjustment, its value, how it was obtained and its source."""
    rows = []
    if effect is not None:
        rows.append({
            "adjustment": "deadweight",
            "value": effect.deadweight.format(pct=True),
            "evidence": f"comparison group ({effect.method})",
            "source": f"estimated from {params.data.comparison.name} against {params.data.participants.name}",
            "Maryland SMS level": SMS.get(effect.sms_level, str(effect.sms_level)),
        })
    for name, adj in params.adjustments:
        if adj is None:
            continue
        value = f"{adj.value:.2f}" if name == "multiplier" else f"{adj.value * 100:.1f}%"
        rows.append({"adjustment": name, "value": value, "evidence": adj.evidence, "source": adj.source,
                     "Maryland SMS level": SMS.get(adj.sms_level, "not graded") if adj.sms_level else "not graded"})
    return pd.DataFrame(rows)
