"""The sustainment result: an :class:`~svimpact.estimators.effects.EffectEstimate` at one horizon, plus curves.

Because :class:`SustainmentEstimate` *is* an ``EffectEstimate`` (``observed`` holds the participants'
Kaplan-Meier sustainment), the additionality ledger (``Ledger.with_estimate``), the balance and overlap
diagnostics and the published forms (:mod:`svimpact.report.disclosed`) take it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.estimators.effects.results import EffectEstimate

__all__ = ["AtRisk", "SustainmentEstimate", "SustainmentResults"]


@dataclass(frozen=True)
class AtRisk:
    """Counts behind one group's curve at a horizon (people, not weights).

    ``at_risk``: followed for at least the horizon with the spell still going at it; ``events``: spells
    ended by the horizon; ``still_going_short``: followed for less than the horizon and still going at
    the cut-off (follow-up still running: they count for the time they were followed).
    """

    n: int
    at_risk: int
    events: int
    still_going_short: int


@dataclass(frozen=True, eq=False)
class SustainmentEstimate(EffectEstimate):
    """Sustainment at one horizon: participants (Kaplan-Meier) against their counterfactual (IPW Kaplan-Meier).

    Attributes (beyond :class:`~svimpact.estimators.effects.EffectEstimate`)
    ------------------------------------------------------------------------
    horizon : str
        The horizon, e.g. ``"12 months"`` or ``"26 weeks"``.
    horizon_days : float
        The horizon in days (a month is 30.4375 days).
    participants : Interval
        Participants' Kaplan-Meier sustainment at the horizon (same as ``observed``).
    at_risk_participants, at_risk_comparison : AtRisk
        Numbers at risk, ended and still going short of the horizon, by group.
    curves : DataFrame
        Both curves on a weekly grid: group, day, month, survival, lower, upper, at_risk, events.
    cutoff : str
        The data cut-off date (ISO).
    end_label : str
        What the end of a spell means ("tenancy ended").
    """

    horizon: str = ""
    horizon_days: float = float("nan")
    at_risk_participants: AtRisk | None = None
    at_risk_comparison: AtRisk | None = None
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    cutoff: str = ""
    end_label: str = "ended"

    _title = "Sustainment: participants against their counterfactual"

    @property
    def participants(self) -> Interval:
        return self.observed

    def _headlines(self) -> list[tuple[str, Interval]]:
        return [
            (f"sustained at {self.horizon}: participants (Kaplan-Meier)", self.observed),
            (f"sustained at {self.horizon}: counterfactual (weighted comparison group)", self.counterfactual),
            ("effect (participants - counterfactual)", self.att),
            ("deadweight share (counterfactual / participants)", self.deadweight),
        ]

    def to_frame(self) -> pd.DataFrame:
        rows: list[dict[str, Any]] = [{"measure": m, "interval": iv} for m, iv in self._headlines()]
        for group, ar in (("participants", self.at_risk_participants), ("comparison units", self.at_risk_comparison)):
            if ar is None:
                continue
            rows += [
                {"measure": f"{group}", "value": ar.n, "method": "count"},
                {"measure": f"{group} at risk at {self.horizon}", "value": ar.at_risk, "method": "count"},
                {"measure": f"{group}: {self.end_label} by {self.horizon}", "value": ar.events, "method": "count"},
                {"measure": f"{group} followed less than {self.horizon}, still going", "value": ar.still_going_short,
                 "method": "count (censored)"},
            ]
        rows.append({"measure": "SMS level", "value": self.sms_level, "method": "Maryland Scientific Methods Scale"})
        return result_frame(rows)

    def _notes(self) -> list[str]:
        notes = [
            f"Horizon {self.horizon} ({self.horizon_days:.1f} days); data cut-off {self.cutoff}. Spells still going at "
            "the cut-off are censored: they count for the time they were followed (Kaplan-Meier).",
            f"Counterfactual: comparison group reweighted to the participants (ATT odds weights from a logistic "
            f"propensity model), Kaplan-Meier on the weights; standard errors: {self.se_method}.",
        ]
        return notes + list(self.warnings)


@dataclass(frozen=True, eq=False)
class SustainmentResults(Mapping[str, SustainmentEstimate], ResultMixin):
    """Sustainment at several horizons, keyed by horizon label (``results["12 months"]``), shortest first."""

    by_horizon: Mapping[str, SustainmentEstimate]

    _title = "Sustainment at each horizon"

    def __getitem__(self, key: str) -> SustainmentEstimate:
        return self.by_horizon[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_horizon)

    def __len__(self) -> int:
        return len(self.by_horizon)

    @property
    def headline(self) -> SustainmentEstimate:
        """The longest horizon (the one a service is judged by)."""
        return list(self.by_horizon.values())[-1]

    @property
    def curves(self) -> pd.DataFrame:
        return self.headline.curves

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([r.to_frame() for r in self.by_horizon.values()], ignore_index=True)

    def _notes(self) -> list[str]:
        return self.headline._notes()
