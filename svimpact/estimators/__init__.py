"""Estimators: comparison-group effects, the additionality chain and ledger, surveys, valuation.

Names are resolved on first use, so importing this package does not load statsmodels.
"""

from svimpact._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(["EffectEstimate", "estimate_effect"], "svimpact.estimators.effects"),
    "estimate_did": "svimpact.estimators.did",
    **dict.fromkeys(["balance_table", "love_plot", "overlap_plot", "placebo_check"], "svimpact.estimators.diagnostics"),
    **dict.fromkeys(["NetAdditionalResult", "ReferenceCase", "net_additional"], "svimpact.estimators.additionality"),
    **dict.fromkeys(["BetaCounts", "Draws", "Fixed", "Pert", "Triangular", "Uniform", "parse_distribution"],
                    "svimpact.estimators.distributions"),
    **dict.fromkeys(["Evidence", "Ledger", "Source", "load_benchmarks"], "svimpact.estimators.ledger"),
    **dict.fromkeys(["leakage_from_geography", "survey_deadweight", "survey_displacement", "survey_share"],
                    "svimpact.estimators.survey"),
    **dict.fromkeys(["discount_factors", "load_deflator", "load_hact_values", "load_unit_values"],
                    "svimpact.estimators.valuation"),
    **dict.fromkeys(["AppraisalResult", "appraise"], "svimpact.estimators.appraisal"),
    **dict.fromkeys(["SustainmentEstimate", "SustainmentResults", "estimate_sustainment"],
                    "svimpact.estimators.sustainment"),
}
__all__ = sorted(_LAZY)
__getattr__ = lazy_exports(__name__, _LAZY, globals())
