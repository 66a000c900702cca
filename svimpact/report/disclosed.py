"""Published forms of the additionality results: nothing printed from them gives back a count.

A reader holds every published file at once (``../shared/METHODS.md`` section 6). An estimator's
result is exact, and printed beside the rounded counts it would hand them back: the participants'
observed rate times N is the number who achieved the outcome, a 0/1 covariate's mean times N is a
count, a Beta interval's ends pin down the counts behind it. So each result is turned here into
the form that is published, *computed from the published (rounded) counts*:

* :func:`publishable_effect`: for a 0/1 outcome the participants' observed rate is the published
  count of those who achieved it over the published number of participants. The counterfactual
  never uses participants' outcomes (regression, IPW, AIPW and matching predict it from the
  comparison group), so it stays as estimated; the ATT is the published observed rate minus it
  (its interval moved with it) and the deadweight share is the counterfactual over the published
  rate. The chain from gross to net starts from the same published gross count, so every figure
  downstream is a function of published figures.
* :func:`publishable_balance`: for 0/1 covariates (and categories) the shares of participants and of
  the comparison group are published counts over published group sizes, ``[c]`` where a count or
  its complement is one the rule suppresses; standardised differences are computed from the
  published shares.
* :func:`publishable_leakage` and :func:`publishable_survey`: Beta distributions on published
  counts; a suppressed count enters as the middle of the range it may take (1 to the rule's limit),
  stated as such.

Figures are rounded to the precision stated in :data:`PRECISION`. The cost: published rates move
by at most half a rounding base over N (2.5 / N for the default rule: under one percentage point
from 250 participants), far inside the intervals of any service large enough to evaluate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.disclosure import (
    SUPPRESSED,
    AuditEntry,
    DisclosedTable,
    DisclosureRule,
    get_rule,
    protect_counts,
    rounded_count,
    safe_count,
)
from svimpact.estimators.distributions import BetaCounts
from svimpact.estimators.effects.results import EffectDraws, EffectEstimate
from svimpact.exceptions import DisclosureError

__all__ = ["PRECISION", "PublishedCount", "publishable_balance", "publishable_effect", "publishable_leakage",
           "publishable_survey", "published_count"]

PRECISION = {"share": 3, "smd": 2}
"""Decimal places printed: shares and rates of 0/1 outcomes (3), standardised differences (2)."""


@dataclass(frozen=True)
class PublishedCount:
    """A count as published: ``value`` (rounded; None when suppressed) and the rule's range when it is."""

    raw: int
    value: int | None
    rule: DisclosureRule

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def stand_in(self) -> float:
        """The value used in published arithmetic: the rounded count, or the middle of 1..limit when suppressed."""
        return float(self.value) if self.value is not None else (1 + self.rule.suppress_max) / 2

    def __str__(self) -> str:
        return SUPPRESSED if self.value is None else f"{self.value:,}"


def published_count(count: float, rule: str | DisclosureRule = "nhs-hes") -> PublishedCount:
    r = get_rule(rule)
    pub, hidden = protect_counts([count], r)
    return PublishedCount(int(round(count)), None if hidden[0] else int(pub[0]), r)


def _shift(iv: Interval, delta: float, digits: int) -> Interval:
    return Interval(round(iv.value + delta, digits), round(iv.lower + delta, digits), round(iv.upper + delta, digits),
                    iv.level, iv.method)


def _scaled(iv: Interval, factor: float, digits: int) -> Interval:
    lo, hi = sorted((iv.lower * factor, iv.upper * factor))
    return Interval(round(iv.value * factor, digits), round(lo, digits), round(hi, digits), iv.level, iv.method)


def publishable_effect(effect: EffectEstimate, rule: str | DisclosureRule = "nhs-hes") -> EffectEstimate:
    """The effect estimate as published: observed rate from published counts (0/1 outcomes).

    Returns a new :class:`EffectEstimate` whose ``observed``, ``att``, ``deadweight`` and draws rest on
    the published counts (see the module docstring), rounded to 3 decimal places, with a note saying so.
    Outcomes that are not 0/1 are returned with their figures rounded to 3 decimal places only: their
    means are not counts of people. Raises :class:`~svimpact.exceptions.DisclosureError` when the
    number of participants who achieved the outcome is itself suppressed (nothing can be published).
    """
    r = get_rule(rule)
    d = PRECISION["share"]
    effect = _safe_warnings(effect, r)
    if effect.outcome_type == "sustainment":  # a Kaplan-Meier share, not a count over a count (issue 14)
        from svimpact.report.sustainment import publishable_sustainment

        return publishable_sustainment(effect, r)
    if effect.outcome_type != "binary":
        return replace(effect, att=_shift(effect.att, 0.0, d), observed=_shift(effect.observed, 0.0, d),
                       counterfactual=_shift(effect.counterfactual, 0.0, d),
                       deadweight=_shift(effect.deadweight, 0.0, d))
    n = effect.n_treated
    k = int(round(effect.observed.value * n))
    k_pub, n_pub = rounded_count(k, r), rounded_count(n, r)
    observed = k_pub / n_pub
    delta = observed - effect.observed.value
    cf = effect.counterfactual
    deadweight = _scaled(cf, 1 / observed, d) if observed > 0 else effect.deadweight
    draws = EffectDraws(effect.draws.att + delta, effect.draws.counterfactual,
                        effect.draws.counterfactual / observed if observed > 0 else effect.draws.deadweight,
                        None)
    for arr in (draws.att, draws.deadweight):
        arr.setflags(write=False)
    note = (f"Disclosure control: the participants' observed rate is the published count of those who achieved the "
            f"outcome over the published number of participants ({k_pub:,} of {n_pub:,}, each rounded under rule "
            f"'{r.name}'); the effect and the deadweight share are computed from it, to {d} decimal places.")
    return replace(
        effect,
        observed=Interval.exact(round(observed, d)),
        att=_shift(effect.att, delta, d),
        counterfactual=_shift(cf, 0.0, d),
        deadweight=deadweight,
        draws=draws,
        warnings=(*effect.warnings, note),
    )


def _safe_warnings(effect: EffectEstimate, rule: DisclosureRule) -> EffectEstimate:
    """The estimator's warnings with their counts written as the rule publishes them."""
    if effect.overlap is None:
        return effect
    raw = effect.overlap.messages(effect.n_treated)
    safe = effect.overlap.messages(effect.n_treated, count=lambda n: safe_count(n, rule))
    swap = dict(zip(raw, safe, strict=True))
    return replace(effect, warnings=tuple(swap.get(w, w) for w in effect.warnings))


def _indicator(data: pd.DataFrame, name: str) -> pd.Series | None:
    """The 0/1 column behind a balance row: a 0/1 covariate, or ``column[level]`` for a category; None otherwise."""
    match = re.fullmatch(r"(.+)\[(.+)\]", str(name))
    if match and match.group(1) in data.columns:
        return (data[match.group(1)].astype(str) == match.group(2)).astype(int)
    if name not in data.columns:
        return None
    v = pd.to_numeric(data[name], errors="coerce")
    return v if len(v.dropna()) and bool(v.dropna().isin([0, 1]).all()) else None


def publishable_balance(effect: EffectEstimate, data: pd.DataFrame, treatment: str,
                        rule: str | DisclosureRule = "nhs-hes") -> DisclosedTable:
    """Covariate balance as published.

    0/1 covariates (categories expanded to indicators are 0/1 too) are shares: published counts over
    published group sizes, ``[c]`` with the standardised differences when a count or its complement
    is suppressed. Other covariates are means (not counts of people), printed to 3 significant figures.
    Standardised differences use the published shares and the pooled SD of the published shares.
    """
    r = get_rule(rule)
    bal = effect.balance.reset_index(drop=True).copy()
    treated = pd.to_numeric(data[treatment], errors="coerce") == 1
    groups = {"treated": treated, "comparison": ~treated}
    sizes = {g: published_count(int(m.sum()), r) for g, m in groups.items()}
    mask = pd.DataFrame(False, index=bal.index, columns=bal.columns)
    reasons: list[tuple[str, str]] = []
    for i, name in enumerate(bal["covariate"]):
        indicator = _indicator(data, name)
        if indicator is None:
            for col in ("mean_treated", "mean_comparison", "mean_treated_after", "mean_comparison_after"):
                bal.loc[i, col] = float(f"{bal.loc[i, col]:.3g}") if pd.notna(bal.loc[i, col]) else np.nan
            continue
        shares = {}
        hidden = False
        for g, m in groups.items():
            k = int(indicator[m].sum())
            yes, no, size = published_count(k, r), published_count(int(m.sum()) - k, r), sizes[g]
            if yes.suppressed or no.suppressed or size.suppressed or not size.value:
                hidden = True
                reasons.append((str(name), f"a count of 1 to {r.suppress_max} among {g} (the category or its complement)"))
            else:
                shares[g] = yes.stand_in() / size.stand_in()
        if hidden:
            for col in ("mean_treated", "mean_comparison", "smd_before", "mean_treated_after", "smd_after"):
                mask.loc[i, col] = True
                bal.loc[i, col] = np.nan  # nothing behind a withheld cell, whatever prints the table
            # The weighted comparison share is withheld too: weighting makes it close to the participants'
            # share, so it would say roughly how many participants are in the small cell.
            mask.loc[i, "mean_comparison_after"] = True
            bal.loc[i, "mean_comparison_after"] = np.nan
            continue
        pt, pc = shares["treated"], shares["comparison"]
        sd = np.sqrt((pt * (1 - pt) + pc * (1 - pc)) / 2)
        after = float(bal.loc[i, "mean_comparison_after"])
        bal.loc[i, ["mean_treated", "mean_comparison", "mean_treated_after"]] = [round(pt, 3), round(pc, 3), round(pt, 3)]
        bal.loc[i, "mean_comparison_after"] = round(after, 3)
        bal.loc[i, "smd_before"] = round((pt - pc) / sd, 2) if sd > 0 else np.nan
        bal.loc[i, "smd_after"] = round((pt - after) / sd, 2) if sd > 0 and pd.notna(after) else np.nan
    for col in ("smd_before", "smd_after"):
        bal[col] = [round(float(v), PRECISION["smd"]) + 0.0 if pd.notna(v) else np.nan for v in bal[col]]
    audit = tuple(AuditEntry(row, "shares", why) for row, why in reasons)
    return DisclosedTable(bal, mask, r, audit)


def _beta_from_published(k: PublishedCount, n: PublishedCount, what: str) -> BetaCounts:
    if n.suppressed:
        raise DisclosureError(f"the number of {what} is suppressed: no share of them can be published")
    total = n.stand_in()
    yes = min(k.stand_in(), total)
    label = (f"beta from published counts {k} of {n}" if not k.suppressed else
             f"beta from published counts: {SUPPRESSED} of {n} (a suppressed count, 1 to {k.rule.suppress_max}, "
             f"enters as {yes:g})")
    return BetaCounts(yes, total - yes, label=label)


def publishable_leakage(leakage, rule: str | DisclosureRule = "nhs-hes") -> BetaCounts:
    """The leakage share's distribution on published counts (participants outside / all participants)."""
    r = get_rule(rule)
    n = leakage.n_inside + leakage.n_outside
    return _beta_from_published(published_count(leakage.n_outside, r), published_count(n, r), "participants")


def publishable_survey(survey, rule: str | DisclosureRule = "nhs-hes") -> tuple[Interval | None, str]:
    """The survey's weighted share from published answer counts, or None with the reason when a counted
    answer is suppressed (the share would pin it down)."""
    r = get_rule(rule)
    used = survey.counts[survey.counts["counted"]]
    pubs = [published_count(n, r) for n in used["respondents"]]
    if any(p.suppressed for p in pubs):
        return None, f"withheld: it rests on an answer given by 1 to {r.suppress_max} respondents"
    n = sum(p.stand_in() for p in pubs)
    if n <= 0:
        return None, "withheld: no counted answers"
    yes = float(sum(p.stand_in() * w for p, w in zip(pubs, used["weight"], strict=True)))
    dist = BetaCounts(yes, n - yes)
    lo, hi = dist.bounds(survey.share.level)
    d = PRECISION["share"]
    return Interval(round(yes / n, d), round(lo, d), round(hi, d), survey.share.level,
                    "Jeffreys, from published counts"), ""
