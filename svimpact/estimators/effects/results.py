"""The result object shared by the comparison-group estimators (matching, weighting, DiD)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, fmt_number, result_frame
from svimpact.estimators.effects.propensity import Overlap

__all__ = ["DEFAULT_N_DRAWS", "EffectDraws", "EffectEstimate", "make_draws"]

#: Length of every draws array, so the additionality ledger can resample them side by side.
DEFAULT_N_DRAWS = 2000

_SMS_TEXT = {
    1: "level 1 (no comparison group, or an unadjusted one)",
    2: "level 2 (comparison group with controls or matching on observables)",
    3: "level 3 (before/after with a comparison group: difference-in-differences)",
}


@dataclass(frozen=True, eq=False)
class EffectDraws:
    """Draws behind the intervals, each a 1-D array of length ``n_draws``.

    ``att`` and ``counterfactual`` are paired (``counterfactual = observed - att``, clipped to
    [0, 1] for a binary outcome); ``deadweight = counterfactual / observed`` and is all NaN when
    the share is not defined. With analytic standard errors the draws are normal with that
    standard error; with the bootstrap they are normal with the bootstrap standard error (the
    raw replicates are in ``replicates``).
    """

    att: np.ndarray
    counterfactual: np.ndarray
    deadweight: np.ndarray
    replicates: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return int(self.att.size)


def make_draws(
    att: float,
    se: float,
    observed: float,
    *,
    binary: bool,
    deadweight_ok: bool,
    rng: np.random.Generator,
    n_draws: int,
    replicates: np.ndarray | None = None,
) -> EffectDraws:
    """Normal draws of the ATT and the matching counterfactual and deadweight draws."""
    a = rng.normal(att, se, n_draws) if se > 0 else np.full(n_draws, att)
    cf = observed - a
    if binary:
        cf = np.clip(cf, 0.0, 1.0)
        a = observed - cf
    dw = cf / observed if deadweight_ok else np.full(n_draws, np.nan)
    for arr in (a, cf, dw):
        arr.setflags(write=False)
    return EffectDraws(a, cf, dw, replicates)


@dataclass(frozen=True, eq=False)
class EffectEstimate(ResultMixin):
    """The effect of a programme on its participants (ATT) and the implied deadweight.

    Attributes
    ----------
    att : Interval
        Average effect on the treated: observed minus counterfactual.
    observed : Interval
        Mean outcome of the participants used (exact: it is what they did).
    counterfactual : Interval
        Estimated mean outcome the participants would have had without the programme.
    deadweight : Interval
        ``counterfactual / observed`` (HCA Additionality Guide deadweight as a share of gross),
        NaN when the outcome can be negative or the observed mean is not positive.
    n_treated, n_comparison : int
        Participants and comparison units used.
    effective_n_comparison : float
        Kish effective sample size of the comparison group after weighting or matching.
    balance : pandas.DataFrame
        Standardised mean differences per covariate before and after adjustment.
    overlap : Overlap or None
        Propensity-score ranges and the number of participants off support.
    sms_level : int
        Maryland Scientific Methods Scale level of the design (1-3 here).
    draws : EffectDraws
        Draws of the ATT, counterfactual and deadweight share for the additionality ledger.
    warnings : tuple of str
        Plain-English warnings raised while estimating (balance, overlap, pre-trends).
    naive : Interval or None
        The unadjusted difference in means (participants minus comparison units), beside the
        adjusted ATT, with its Welch interval.
    n_trimmed_treated, n_trimmed_comparison : int
        Units dropped by propensity trimming (``trim=``); the bounds are in ``params``.
    """

    method: str
    outcome: str
    treatment: str
    covariates: tuple[str, ...]
    att: Interval
    observed: Interval
    counterfactual: Interval
    deadweight: Interval
    se: float
    se_method: str
    n_treated: int
    n_comparison: int
    effective_n_comparison: float
    balance: pd.DataFrame
    overlap: Overlap | None
    sms_level: int
    draws: EffectDraws
    outcome_type: str
    n_dropped: int = 0
    n_unmatched: int = 0
    warnings: tuple[str, ...] = ()
    event_study: pd.DataFrame | None = None
    pretrend_p: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    naive: Interval | None = None
    n_trimmed_treated: int = 0
    n_trimmed_comparison: int = 0

    _title = "Effect on participants (comparison-group estimate)"

    @property
    def n_comparison_below(self) -> int | None:
        """Comparison units whose propensity score is below the lowest participant's (common support)."""
        return None if self.overlap is None else self.overlap.n_comparison_below

    @property
    def n_comparison_above(self) -> int | None:
        """Comparison units whose propensity score is above the highest participant's (common support)."""
        return None if self.overlap is None else self.overlap.n_comparison_above

    def _headlines(self) -> list[tuple[str, Interval]]:
        return [
            ("ATT (observed - counterfactual)", self.att),
            ("observed mean (participants)", self.observed),
            ("counterfactual mean", self.counterfactual),
            ("deadweight share (counterfactual / observed)", self.deadweight),
        ]

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``svimpact._results.RESULT_COLUMNS``): the four headline
        numbers with their intervals, then the sample sizes and the evidence level."""
        rows: list[dict[str, Any]] = [{"measure": m, "interval": iv} for m, iv in self._headlines()]
        rows += [
            {"measure": "participants", "value": self.n_treated, "method": "count"},
            {"measure": "comparison units", "value": self.n_comparison, "method": "count"},
            {"measure": "effective comparison sample size",
             "value": round(self.effective_n_comparison, 1), "method": "Kish effective sample size"},
            {"measure": "SMS level", "value": self.sms_level,
             "method": "Maryland Scientific Methods Scale"},
        ]
        return result_frame(rows)

    def table(self) -> pd.DataFrame:
        """The published table: measure, estimate, lower, upper, level, method, then the counts."""
        rows = self._headlines()
        frame = pd.DataFrame(
            [
                {"measure": m, "estimate": iv.value, "lower": iv.lower, "upper": iv.upper,
                 "level": iv.level, "method": iv.method}
                for m, iv in rows
            ]
        )
        counts = pd.DataFrame(
            {
                "measure": ["participants", "comparison units",
                            "effective comparison sample size", "SMS level"],
                "estimate": [self.n_treated, self.n_comparison,
                             round(self.effective_n_comparison, 1), self.sms_level],
            }
        )
        return pd.concat([frame, counts], ignore_index=True)

    def _notes(self) -> list[str]:
        notes = [
            f"Method: {self.method}; standard errors: {self.se_method}; "
            f"{self.att.level:.0%} intervals from {self.draws.n_draws:,} draws.",
            f"Evidence strength: Maryland Scientific Methods Scale {_SMS_TEXT[self.sms_level]}.",
        ]
        if np.isnan(self.deadweight.value):
            notes.append(
                "Deadweight share not given: it needs a non-negative outcome with a positive "
                "participant mean."
            )
        if self.n_dropped:
            notes.append(f"{self.n_dropped:,} rows with missing values were dropped (dropna=True).")
        if self.n_unmatched:
            notes.append(
                f"{self.n_unmatched:,} participants had no match within the caliper and are "
                "excluded: the ATT is for the matched participants only."
            )
        if "trim_bounds" in self.params:
            low, high = self.params["trim_bounds"]
            notes.append(f"Propensity trimming: units with scores outside [{low:.3f}, {high:.3f}] were "
                         "dropped before estimating; the effect is for the participants kept.")
        if self.pretrend_p is not None:
            notes.append(f"Pre-trend test (joint, pre-period effects = 0): p = "
                         f"{fmt_number(self.pretrend_p, 3)}.")
        return notes + list(self.warnings)
