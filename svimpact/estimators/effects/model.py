"""Counterfactuals from a comparison group: the effect on participants and the deadweight.

``estimate_effect`` reads as a pipeline: check the options and the data, trim (if asked), fit the
chosen estimator, draw, check balance and overlap, and return a frozen :class:`EffectEstimate`.
Methods (METHODS.md section 2):

* ``"difference"`` - raw difference in means (no controls; Maryland SMS level 1);
* ``"ols"`` - pooled least squares of the outcome on a treatment indicator and the covariates
  (the effect is the indicator's coefficient: a constant-effect model);
* ``"regression"`` - regression adjustment: the comparison group's outcome model (OLS, or
  logit for a 0/1 outcome) predicted for the participants;
* ``"psm"`` - propensity-score matching as Stata's ``teffects psmatch``: nearest neighbour(s) with
  replacement on the score or its logit, tied units sharing the match, optional caliper;
  Abadie-Imbens standard errors adjusted for the estimated score (bootstrap on request);
* ``"ipw"`` - inverse probability weighting with ATT weights ``p / (1 - p)``;
* ``"aipw"`` - doubly robust augmented IPW for the ATT.

Regression, IPW and AIPW have analytic (M-estimation sandwich) standard errors that account for
the estimated propensity and outcome models; ``regression`` and ``ipw`` reproduce statsmodels'
``TreatmentEffect.ra``/``.ipw`` with ``effect_group=1`` and Stata's ``teffects ... , atet``.
Covariates are standardised internally, so no estimate or standard error depends on the units
a covariate is written in (:mod:`~svimpact.estimators.effects.numerics`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval
from svimpact.distributed._detect import is_dask_collection
from svimpact.estimators.effects.balance import BalanceWarning, balance_frame, kish_ess
from svimpact.estimators.effects.data import Design, build_design
from svimpact.estimators.effects.finish import effect_intervals, effect_messages
from svimpact.estimators.effects.fitters import Fit, Trim, apply_trim, fit_method
from svimpact.estimators.effects.options import METHODS, check_options
from svimpact.estimators.effects.propensity import OverlapWarning
from svimpact.estimators.effects.results import (
    DEFAULT_N_DRAWS,
    EffectDraws,
    EffectEstimate,
    make_draws,
)
from svimpact.exceptions import UnreliableStandardErrorWarning

__all__ = [
    "METHODS",
    "BalanceWarning",
    "EffectDraws",
    "EffectEstimate",
    "OverlapWarning",
    "estimate_effect",
]


def estimate_effect(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str] = (),
    method: str = "aipw",
    n_neighbors: int = 4,
    caliper: float | None = None,
    n_boot: int = 200,
    level: float = 0.95,
    n_draws: int = DEFAULT_N_DRAWS,
    dropna: bool = False,
    seed: int | None = 0,
    propensity_covariates: Sequence[str] | None = None,
    se: str | None = None,
    cluster: str | None = None,
    trim: tuple[float, float] | str | None = None,
    match_on: str = "logit",
    propensity_model: str = "logit",
) -> EffectEstimate:
    """Estimate the effect on participants (ATT), their counterfactual and the deadweight share.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person, participants and comparison units together. A Dask DataFrame is
        estimated partition by partition (methods ``"regression"``, ``"ipw"``, ``"aipw"``; see
        :mod:`svimpact.distributed.effects`), never collected into one process.
    outcome : str
        Outcome column: numeric, or 0/1 (then the counterfactual stays within [0, 1]).
    treatment : str
        0/1 (or boolean) column, 1 = participant.
    covariates : sequence of str
        Columns to adjust for (the outcome model's, and the propensity model's unless
        ``propensity_covariates`` is given). Text columns are one-hot encoded with the first
        level (sorted) as reference. Required for every method but ``"difference"`` and ``"ols"``.
    method : {"difference", "ols", "regression", "psm", "ipw", "aipw"}
        The estimator (see the module docstring).
    n_neighbors : int
        Matches per participant (``"psm"``; Stata's default is 1). The default 4 follows Abadie,
        Drukker, Herr and Imbens (2004, Stata Journal 4:290), a good bias-variance trade-off.
        Comparison units tied with the last match are all used.
    caliper : float, optional
        Largest allowed matching distance, in pooled standard deviations of the matching variable
        (``"psm"``; 0.2 on the logit is Austin's 2011 suggestion). Participants without a match
        are excluded and counted.
    n_boot : int
        Bootstrap replicates (``"psm"`` with ``se="bootstrap"``); each re-fits the propensity model.
    level : float
        Interval coverage.
    n_draws : int
        Length of the draws arrays handed to the additionality ledger.
    dropna : bool
        Drop rows with a missing value in the columns used (counted in the result) instead of
        raising an error.
    seed : int, optional
        Seed of the random generator used for the bootstrap and the draws.
    propensity_covariates : sequence of str, optional
        The propensity model's columns, when they should differ from ``covariates`` (used by
        ``"psm"``, ``"ipw"``, ``"aipw"``, trimming and the overlap checks).
    se : str, optional
        Standard-error convention; the default depends on the method (see
        :mod:`~svimpact.estimators.effects.options`): ``"classical"``, ``"hc0"``, ``"hc1"``,
        ``"cluster"``, ``"welch"``, ``"ai"``, ``"bootstrap"``.
    cluster : str, optional
        Column of cluster identifiers for ``se="cluster"`` (implied when given).
    trim : (float, float) or "crump", optional
        Drop units whose estimated propensity score lies outside these bounds first (``"crump"``:
        Crump, Hotz, Imbens and Mitnik 2009); the effect is then for the participants kept.
    match_on : {"logit", "score"}
        Match on the logit of the score (default) or on the score itself (as Stata does).
    propensity_model : {"logit", "probit"}
        The propensity model.

    Returns
    -------
    EffectEstimate

    Examples
    --------
    >>> from svimpact.datasets.simulate import simulate_programme
    >>> sim = simulate_programme(n_treated=300, n_comparison=1500, seed=3)
    >>> est = estimate_effect(sim.data, outcome="outcome", treatment="treated",
    ...                       covariates=sim.covariates, method="aipw", seed=1)
    >>> est.sms_level
    2
    """
    if is_dask_collection(data):  # the comparison pool stays in its partitions (svimpact.distributed)
        from svimpact.distributed.effects import estimate_effect_dask

        return estimate_effect_dask(
            data, outcome=outcome, treatment=treatment, covariates=covariates, method=method,
            n_neighbors=n_neighbors, caliper=caliper, n_boot=n_boot, level=level, n_draws=n_draws, dropna=dropna,
            seed=seed, propensity_covariates=propensity_covariates, se=se, cluster=cluster, trim=trim,
            match_on=match_on, propensity_model=propensity_model)
    options = check_options(method, covariates, n_neighbors=n_neighbors, caliper=caliper, n_boot=n_boot,
                            level=level, n_draws=n_draws, se=se, cluster=cluster, trim=trim, match_on=match_on,
                            propensity_model=propensity_model, propensity_covariates=propensity_covariates)
    design = build_design(data, outcome=outcome, treatment=treatment, covariates=covariates, dropna=dropna,
                          propensity_covariates=propensity_covariates, cluster=cluster)
    design, trimmed = apply_trim(design, options)
    boot_rng, draw_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_method(design, options, boot_rng)
    for w in caught:  # passed on, and the standard-error ones kept in the result too
        warnings.warn(w.message, w.category, stacklevel=2)
    se_messages = tuple(str(w.message) for w in caught if issubclass(w.category, UnreliableStandardErrorWarning))
    params = {"seed": seed, **options.record(),
              "propensity_covariates": None if propensity_covariates is None else tuple(propensity_covariates)}
    return _assemble(design, fit, method=method, outcome=outcome, treatment=treatment,
                     covariates=tuple(covariates), level=level, n_draws=n_draws, rng=draw_rng,
                     params=params, trimmed=trimmed, extra_warnings=se_messages)


def naive_difference(d: Design, level: float) -> Interval:
    """The unadjusted difference in means with its Welch interval."""
    yt, yc = d.y[d.t == 1], d.y[d.t == 0]
    se = float(np.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)))
    iv = Interval.normal(float(yt.mean() - yc.mean()), se, level)
    return Interval(iv.value, iv.lower, iv.upper, level, "normal (Welch), unadjusted")


def _assemble(
    d: Design, fit: Fit, *, method: str, outcome: str, treatment: str,
    covariates: tuple[str, ...], level: float, n_draws: int, rng: np.random.Generator,
    params: dict[str, Any], trimmed: Trim | None = None, extra_warnings: tuple[str, ...] = (),
) -> EffectEstimate:
    """Draws, intervals, balance and warnings around one fit."""
    dw_ok = bool((d.y >= 0).all() and fit.observed > 0)
    draws = make_draws(fit.att, fit.se, fit.observed, binary=d.binary_outcome,
                       deadweight_ok=dw_ok, rng=rng, n_draws=n_draws, replicates=fit.replicates)
    att, cf, dw = _intervals(fit, d.binary_outcome, dw_ok, level)
    Z, names = d.balance_columns()
    balance = balance_frame(Z, d.t, names, fit.weights)
    messages = _messages(method, balance, fit)
    for msg in messages:
        warnings.warn(msg, BalanceWarning if msg.startswith("Balance") else OverlapWarning,
                      stacklevel=3)
    wc = fit.weights[d.t == 0] if fit.weights is not None else np.ones(int((d.t == 0).sum()))
    if trimmed is not None:
        params = {**params, "trim_bounds": (trimmed.low, trimmed.high)}
    return EffectEstimate(
        method=method, outcome=outcome, treatment=treatment, covariates=covariates,
        att=att, observed=Interval.exact(fit.observed), counterfactual=cf, deadweight=dw,
        se=fit.se, se_method=fit.se_method, n_treated=fit.n_treated,
        n_comparison=int((wc > 0).sum()), effective_n_comparison=kish_ess(wc),
        balance=balance, overlap=fit.overlap, sms_level=METHODS[method], draws=draws,
        outcome_type="binary" if d.binary_outcome else "continuous", n_dropped=d.n_dropped,
        n_unmatched=fit.n_unmatched, warnings=(*extra_warnings, *messages), params={**params, "level": level},
        naive=naive_difference(d, level),
        n_trimmed_treated=0 if trimmed is None else trimmed.n_treated,
        n_trimmed_comparison=0 if trimmed is None else trimmed.n_comparison,
    )


_intervals = effect_intervals  # the names diagnostics and older code import
_messages = effect_messages
