"""Sustainment in the chapter: the estimate for a service, its published form, the curves and the prose.

Published rules (``../shared/METHODS.md`` section 6, rule ``nhs-hes`` by default):

* A Kaplan-Meier sustainment at a horizon is not a count over a count (people still going short of the
  horizon count for the time they were followed), so it cannot be "published count / published N".
  But with no one censored before the horizon it *is* one (the number still going over N), and printed
  to 1 decimal place it would then hand back that count for any N above about 100. So the participants'
  sustainment is published as the count it implies among the published participants, rounded like a
  count, over that published N: ``round(S x N_pub / 5) x 5 / N_pub`` under the default rule. With no
  censoring this is exactly the published rate of a 0/1 outcome; with censoring it is as coarse. Its
  interval ends are moved outwards to the same grid. The counterfactual (from the reweighted comparison
  group, never the participants' spells) is printed to 3 decimal places, as for other outcomes; the
  effect and the deadweight share are computed from the published participants' figure. Everything is
  withheld when the number at risk at the horizon or the number of ends by then is one the rule
  suppresses (1-7), in either group: :func:`publishable_sustainment`.
* Numbers at risk are published counts (rounded or ``[c]``); the curves are drawn on a 4-week (or
  1-month) grid, so single ends are not shown one by one, the participants' curve on the headline's grid
  of values (steps of 5 / published N), and both stop where the published number at risk falls below 8
  or is suppressed (:func:`sustainment_figure` says so on the figure).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.disclosure import SUPPRESSED, DisclosureRule, get_rule, protect_counts, rounded_count, safe_count
from svimpact.estimators.effects.results import EffectDraws
from svimpact.exceptions import DisclosureError

__all__ = ["MIN_AT_RISK", "at_risk_table", "estimate_for_service", "follow_up_sentence", "publishable_sustainment",
           "service_frame", "spell_of", "sustainment_figure"]

MIN_AT_RISK = 8
"""Curves are not drawn where fewer than this many people (published) remain at risk."""
_DIGITS = 3


def spell_of(outcome: Any) -> str:
    """'a tenancy' from end_label 'tenancy ended' (what a spell is, for prose); 'a spell' when it cannot tell."""
    word = str(getattr(outcome, "end_label", "") or "").split()
    return f"a {word[0]}" if word and word[0].lower() not in ("ended", "end") else "a spell"


def service_frame(data: Any) -> tuple[pd.DataFrame, int, int]:
    """Participants and comparison stacked for a duration outcome (``_served`` 0/1), and the records left out.

    With ``missing_start: not_started`` records without a start date never began a spell: they are not in
    the curves and are counted (participants, comparison) - never dropped silently.
    """
    return (data.analysis_frame(), *data.n_not_started())


def estimate_for_service(data: Any, seed: int, frame: pd.DataFrame | None = None) -> Any:
    """``estimate_sustainment`` at every horizon of the service's duration outcome (a SustainmentResults)."""
    from svimpact.estimators.sustainment import SustainmentResults, estimate_sustainment

    p = data.params
    o = p.outcome
    frame = service_frame(data)[0] if frame is None else frame
    out = estimate_sustainment(frame, start=str(o.start), end=str(o.end), cutoff=pd.Timestamp(o.cutoff),
                               horizon=list(o.horizons), treatment="_served", covariates=p.effect.covariates,
                               level=p.effect.level, seed=seed, n_draws=p.effect.n_draws, end_label=o.end_label)
    return out if isinstance(out, SustainmentResults) else SustainmentResults({out.horizon: out})


def _withheld(estimate: Any, rule: DisclosureRule) -> list[str]:
    why = []
    for group, ar in (("participants", estimate.at_risk_participants), ("comparison group", estimate.at_risk_comparison)):
        if ar is None:
            continue
        for what, n in (("at risk", ar.at_risk), ("ended", ar.events)):
            if 1 <= n <= rule.suppress_max:
                why.append(f"{group}: number {what} at {estimate.horizon}")
    return why


def _round(iv: Interval, digits: int = _DIGITS) -> Interval:
    return Interval(round(iv.value, digits), round(iv.lower, digits), round(iv.upper, digits), iv.level, iv.method)


def publishable_sustainment(estimate: Any, rule: str | DisclosureRule = "nhs-hes") -> Any:
    """The sustainment estimate as published (see the module docstring), with a note saying how.

    Raises :class:`~svimpact.exceptions.DisclosureError` when a number at risk or of ends behind the
    headline is 1-7 (the rule's suppressed range): the estimate would then rest on a handful of people.
    """
    r = get_rule(rule)
    why = _withheld(estimate, r)
    if why:
        raise DisclosureError("sustainment withheld: " + "; ".join(why) + f" is suppressed under rule '{r.name}'")
    n_pub = rounded_count(estimate.n_treated, r)
    step = max(r.round_to, 1) / n_pub
    s1 = estimate.observed
    value = round(float(np.floor(s1.value / step + 0.5)) * step, _DIGITS)
    lower = round(np.floor(s1.lower / step + 1e-9) * step, _DIGITS)
    upper = round(min(np.ceil(s1.upper / step - 1e-9) * step, 1.0), _DIGITS)
    participants = Interval(value, min(lower, value), max(upper, value), s1.level, s1.method)
    delta = participants.value - s1.value
    cf = _round(estimate.counterfactual)
    att = _round(Interval(estimate.att.value + delta, estimate.att.lower + delta, estimate.att.upper + delta,
                          estimate.att.level, estimate.att.method))
    dw = estimate.deadweight
    if participants.value > 0 and np.isfinite(dw.value):
        dw = _round(dw.scale(s1.value / participants.value))
    d = estimate.draws
    s1_draws = d.counterfactual + d.att + delta
    draws = EffectDraws(d.att + delta, d.counterfactual,
                        np.where(s1_draws > 0, d.counterfactual / np.where(s1_draws > 0, s1_draws, 1.0), np.nan))
    for arr in (draws.att, draws.deadweight):
        arr.setflags(write=False)
    note = (f"Disclosure control: sustainment at {estimate.horizon} is a Kaplan-Meier estimate (people followed for "
            f"less than {estimate.horizon} count for the time they were followed). The participants' figure is published "
            f"as the number it implies among the {n_pub:,} published participants, rounded under rule '{r.name}', over "
            f"that number; the effect and the deadweight share are computed from it, to {_DIGITS} decimal places. It "
            f"would be withheld if the number at risk or of ends in either group were 1-{r.suppress_max}.")
    return replace(estimate, observed=participants, counterfactual=cf, att=att, deadweight=dw, draws=draws,
                   warnings=(*estimate.warnings, note))


def _grid_step(curves: pd.DataFrame) -> tuple[float, str]:
    last = float(curves["day"].max())
    return (28.0, "weeks") if last <= 26 * 7 + 1 else (365.25 / 12, "months")


def _published(curves: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    step, _ = _grid_step(curves)
    out = []
    for group, g in curves.groupby("group", sort=False):
        g = g.reset_index(drop=True)
        last = float(g["day"].max())
        marks = np.unique(np.r_[np.arange(0.0, last, step), last])
        idx = np.searchsorted(g["day"].to_numpy(), marks, side="right") - 1
        sub = g.iloc[np.maximum(idx, 0)].assign(day=marks).reset_index(drop=True)
        pub, hidden = protect_counts(sub["at_risk"].to_numpy(), rule)
        sub["at_risk_published"] = np.where(hidden, np.nan, pub)
        sub["drawn"] = np.cumprod(~hidden & (np.nan_to_num(pub) >= MIN_AT_RISK)).astype(bool)
        if group == "participants" and not hidden[0] and pub[0] > 0:  # the headline's grid: no 1-person resolution
            grid = max(rule.round_to, 1) / pub[0]
            sub["survival"] = np.floor(sub["survival"] / grid + 0.5) * grid
            sub["lower"] = np.minimum(np.floor(sub["lower"] / grid + 1e-9) * grid, sub["survival"])
            sub["upper"] = np.maximum(np.minimum(np.ceil(sub["upper"] / grid - 1e-9) * grid, 1.0), sub["survival"])
        out.append(sub.assign(group=group))
    return pd.concat(out, ignore_index=True)


def _when(amount: float, unit: str) -> str:
    n = int(round(amount))
    return "at the start" if n == 0 else f"after {n} {unit if n != 1 else unit[:-1]}"


def at_risk_table(estimate: Any, rule: str | DisclosureRule = "nhs-hes") -> pd.DataFrame:
    """Published numbers at risk (people, not weights) on the grid of the figure: one row per time, one column per group."""
    r = get_rule(rule)
    pub = _published(estimate.curves, r)
    _, unit = _grid_step(estimate.curves)
    scale = 7.0 if unit == "weeks" else 365.25 / 12
    pub["time"] = [_when(d / scale, unit) for d in pub["day"]]
    pub["count"] = [SUPPRESSED if np.isnan(v) else f"{int(v):,}" for v in pub["at_risk_published"]]
    names = {"participants": "participants", "comparison, reweighted": "comparison group"}
    table = pub.assign(group=pub["group"].map(names)).pivot(index="time", columns="group", values="count")
    table = table.reindex(list(dict.fromkeys(pub["time"])))[[n for n in names.values() if n in set(pub["group"].map(names))]]
    table.columns.name = None
    return table.reset_index().rename(columns={"time": "time since start"})


def sustainment_figure(estimate: Any, rule: str | DisclosureRule = "nhs-hes", *, label: str = "sustained") -> Any:
    """Sustainment curves, participants against the reweighted comparison group, with numbers at risk below."""
    from matplotlib.figure import Figure

    from svimpact.estimators.charts import OKABE_ITO

    r = get_rule(rule)
    pub = _published(estimate.curves, r)
    _, unit = _grid_step(estimate.curves)
    scale = 7.0 if unit == "weeks" else 365.25 / 12
    fig = Figure(figsize=(8, 5.2), layout="constrained")
    ax, tab = fig.subplots(2, 1, height_ratios=[4, 1], sharex=True)
    colours = {"participants": OKABE_ITO["blue"], "comparison, reweighted": OKABE_ITO["orange"]}
    names = {"participants": "Participants", "comparison, reweighted": "Comparison group, reweighted to participants"}
    for i, (group, g) in enumerate(pub.groupby("group", sort=False)):
        g = g[g["drawn"]]
        x = g["day"] / scale
        ax.step(x, 100 * g["survival"], where="post", color=colours.get(group), label=names.get(group, group))
        ax.fill_between(x, 100 * g["lower"], 100 * g["upper"], step="post", color=colours.get(group), alpha=0.2)
        full = pub[pub["group"] == group]
        for xv, v in zip(full["day"] / scale, full["at_risk_published"], strict=True):
            tab.text(xv, 1 - i, SUPPRESSED if np.isnan(v) else f"{int(v):,}", ha="center", va="center", fontsize=8,
                     color=colours.get(group))
    h = estimate.horizon_days / scale
    ax.axvline(h, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"% {label}")
    ax.legend(loc="lower left", frameon=False)
    ax.set_title(f"{label.capitalize()}: participants against their estimated counterfactual", loc="left", fontsize=11)
    tab.set_ylim(-0.6, 1.6)
    tab.set_yticks([1, 0], ["Participants", "Comparison"], fontsize=8)
    tab.set_xlabel(f"{unit.capitalize()} since start")
    tab.set_title("Number at risk (rounded to 5; [c] = 1-7)", loc="left", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    tab.tick_params(left=False)
    fig.text(0.01, -0.02, f"Shaded: {estimate.observed.level:.0%} pointwise intervals. Curves stop where fewer than "
             f"{MIN_AT_RISK} people remain at risk (or the number is suppressed).", fontsize=7.5, ha="left", va="top")
    return fig


def follow_up_sentence(estimate: Any, rule: str | DisclosureRule = "nhs-hes", *, spell: str = "a tenancy",
                       not_started: int = 0) -> str:
    """Plain English on follow-up still running at the cut-off (counts published by the rule)."""
    r = get_rule(rule)
    ar = estimate.at_risk_participants
    text = (f"Follow-up was still running at the data cut-off ({estimate.cutoff}): {safe_count(ar.still_going_short, r)} "
            f"participants started {spell} less than {estimate.horizon} before it and were still in it, so they have not "
            f"yet had {estimate.horizon}. They count for the time they were followed (a Kaplan-Meier estimate), rather "
            f"than being counted as not sustained or left out, either of which would bias sustainment down.")
    if not_started:
        text += (f" {safe_count(not_started, r)} participants had not started {spell} by the cut-off; they are not in "
                 "the sustainment curves, which describe how long the spells that did start lasted.")
    return text
