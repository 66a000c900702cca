"""One function per method: fit it on a checked :class:`~.data.Design` and hand back a :class:`Fit`.

The outcome is standardised inside (when not 0/1), the covariates are standardised in the design,
so every number returned is in the outcome's own units and unchanged by the units of any covariate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from svimpact.estimators.effects.abadie_imbens import ai_variance
from svimpact.estimators.effects.covariance import MomentFit, aipw_att, fit_outcome_model, ipw_att, ols_att, ra_att
from svimpact.estimators.effects.data import Design
from svimpact.estimators.effects.matching import bootstrap_match, match_att, match_scale, pooled_sd
from svimpact.estimators.effects.numerics import check_se, se_from_influence
from svimpact.estimators.effects.options import Options, crump_cutoff
from svimpact.estimators.effects.propensity import Overlap, Score, fit_propensity, overlap_summary
from svimpact.exceptions import InputDataError, UnreliableStandardErrorWarning

__all__ = ["FITTERS", "Fit", "Trim", "apply_trim", "fit_method"]

_SE_TEXT = {"hc0": "robust (HC0)", "hc1": "robust (HC1)", "cluster": "cluster-robust",
            "classical": "classical (homoskedastic)", "welch": "Welch (unequal variances)"}


@dataclass(frozen=True, eq=False)
class Fit:
    """What one estimator hands back to the pipeline."""

    att: float
    se: float
    se_method: str
    observed: float
    weights: np.ndarray | None  # all rows; None when the method does not reweight
    overlap: Overlap | None
    n_treated: int
    n_unmatched: int = 0
    replicates: np.ndarray | None = None


@dataclass(frozen=True)
class Trim:
    """Rows dropped by propensity trimming and the score bounds used."""

    low: float
    high: float
    n_treated: int
    n_comparison: int


def _standard_y(d: Design) -> tuple[np.ndarray, float, float]:
    """The outcome centred and scaled (0/1 outcomes are left alone: logit models need them)."""
    if d.binary_outcome:
        return d.y, 0.0, 1.0
    sd = float(d.y.std())
    sd = sd if sd > 0 else 1.0
    mean = float(d.y.mean())
    return (d.y - mean) / sd, mean, sd


def _score(d: Design, o: Options) -> Score:
    return fit_propensity(d.Ps, d.t, d.propensity_names, o.propensity_model)


def _overlap(d: Design, score: Score, weights: np.ndarray | None = None) -> Overlap:
    w = np.where(d.t == 1, 1.0, score.odds()[0]) if weights is None else weights
    return overlap_summary(score.p, d.t, w)


def _se(psi: np.ndarray, d: Design, o: Options, n_params: int, what: str) -> float:
    if o.se == "cluster":
        _few_clusters(d)
    se = se_from_influence(psi, o.se, clusters=d.cluster, n_params=n_params)
    return check_se(se, float(d.y.std()), what=what)


def _few_clusters(d: Design) -> None:
    few_clusters(int(np.unique(d.cluster).size) if d.cluster is not None else 0)


def few_clusters(g: int) -> None:
    """Refuse cluster-robust SEs with fewer than 2 clusters; warn below about 30 (also the Dask path)."""
    if g < 2:
        raise InputDataError("cluster-robust standard errors need at least 2 clusters; the data have "
                             f"{g}", hint="use se='hc1' or a coarser-grained cluster column")
    if g < 30:
        warnings.warn(
            f"Only {g} clusters: cluster-robust standard errors are too small with fewer than about 30 "
            "clusters, so the interval is too narrow. Read it with care.",
            UnreliableStandardErrorWarning, stacklevel=4)


def _moment_fit(d: Design, o: Options, m: MomentFit, scale: float, n_params: int, name: str,
                what: str, score: Score, *, reweights: bool = True) -> Fit:
    assert m.influence is not None  # every moment estimator returns its influence functions
    se = _se(m.influence[:, 0] * scale, d, o, n_params, what)
    weights = np.where(d.t == 1, 1.0, score.odds()[0]) if reweights else None
    return Fit(m.att * scale, se, f"analytic ({_SE_TEXT[o.se]} sandwich, {name})",
               float(d.y[d.t == 1].mean()), weights, _overlap(d, score), int(d.t.sum()))


def _fit_regression(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    ys, _, sd = _standard_y(d)
    score = _score(d, o)
    c = d.t == 0
    beta0, logit = fit_outcome_model(d.Xs[c], ys[c], d.binary_outcome)
    m = ra_att(ys, d.t, d.Xs, beta0, logit)
    return _moment_fit(d, o, m, sd, d.Xs.shape[1] + 2, f"{'logit' if logit else 'OLS'} outcome model",
                       "regression-adjusted ATT", score, reweights=False)


def _fit_ipw(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    ys, _, sd = _standard_y(d)
    score = _score(d, o)
    m = ipw_att(ys, d.t, score, d.Ps)
    return _moment_fit(d, o, m, sd, d.Ps.shape[1] + 2, f"{o.propensity_model} propensity model estimated",
                       "IPW ATT", score)


def _fit_aipw(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    ys, _, sd = _standard_y(d)
    score = _score(d, o)
    c = d.t == 0
    beta0, logit = fit_outcome_model(d.Xs[c], ys[c], d.binary_outcome)
    m = aipw_att(ys, d.t, d.Xs, score, d.Ps, beta0, logit)
    return _moment_fit(d, o, m, sd, d.Xs.shape[1] + d.Ps.shape[1] + 3,
                       f"{'logit' if logit else 'OLS'} outcome model", "AIPW ATT", score)


def _ols_se(d: Design, o: Options, resid: np.ndarray, h: np.ndarray, k: int, what: str) -> float:
    """Classical, HC0/HC1 or cluster-robust SE of one OLS coefficient (Stata ``regress`` conventions:
    the cluster form carries ``G/(G-1) (n-1)/(n-k)``)."""
    n = len(resid)
    if o.se == "classical":
        s2 = float((resid**2).sum()) / max(n - k, 1)
        return check_se(float(np.sqrt(s2 * (h**2).sum())) / n, float(d.y.std()), what=what)
    se = _se(h * resid, d, o, k, what)
    return se * float(np.sqrt((n - 1) / max(n - k, 1))) if o.se == "cluster" else se


def _fit_difference(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    yt, yc = d.y[d.t == 1], d.y[d.t == 0]
    att = float(yt.mean() - yc.mean())
    if o.se == "welch":
        se = float(np.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)))
        se = check_se(se, float(d.y.std()), what="difference in means")
    else:
        _, resid, h = ols_att(d.y, d.t, d.X[:, :1])
        se = _ols_se(d, o, resid, h, 2, "difference in means")
    return Fit(att, se, f"analytic ({_SE_TEXT[o.se]})", float(yt.mean()), None, None, len(yt))


def _fit_ols(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    ys, _, sd = _standard_y(d)
    att, resid, h = ols_att(ys, d.t, d.Xs)
    se = _ols_se(d, o, resid * sd, h, d.Xs.shape[1] + 1, "OLS effect")
    overlap = _overlap(d, _score(d, o)) if d.Ps.shape[1] > 1 else None
    return Fit(att * sd, se, f"analytic ({_SE_TEXT[o.se]}, pooled OLS with a treatment indicator)",
               float(d.y[d.t == 1].mean()), None, overlap, int(d.t.sum()))


def _fit_psm(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    ys, _, sd = _standard_y(d)
    score = _score(d, o)
    s = match_scale(o.propensity_model, score.index, o.match_on)
    caliper = None if o.caliper is None else o.caliper * pooled_sd(s, d.t)
    m = match_att(ys, d.t, s, n_neighbors=o.n_neighbors, caliper=caliper)
    if not m.matched.any():
        raise InputDataError("no participant has a comparison unit within the caliper",
                             hint="widen the caliper (it is in pooled standard deviations of the score)")
    replicates = None
    if o.se == "ai":
        var = ai_variance(ys, d.t, s, m, n_neighbors=o.n_neighbors, score=score, P=d.Ps)
        se = check_se(float(np.sqrt(var)) * sd, float(d.y.std()), what="matching ATT")
        how = (f"Abadie-Imbens (2016), adjusted for the estimated propensity score; matched on the "
               f"{o.match_on}, {o.n_neighbors} neighbour(s), ties share the match")
    else:
        if o.n_neighbors == 1:
            warnings.warn(
                "The bootstrap standard error of one-neighbour matching is not valid (Abadie and Imbens "
                "2008): here it is typically too large. Use se='ai' (the default).",
                UnreliableStandardErrorWarning, stacklevel=4)
        replicates = bootstrap_match(d.y, d.t, d.Ps, score.gamma, link=o.propensity_model,
                                     match_on=o.match_on, n_neighbors=o.n_neighbors,
                                     caliper_sd=o.caliper, n_boot=o.n_boot, rng=rng)
        replicates = replicates[np.isfinite(replicates)]
        se = float(replicates.std(ddof=1))
        how = f"bootstrap ({len(replicates)} replicates, propensity model re-fitted each time)"
    w = np.zeros(len(d.y))
    w[d.t == 1] = m.matched.astype(float)
    w[d.t == 0] = m.control_weights
    return Fit(m.att * sd, se, how, float(d.y[d.t == 1][m.matched].mean()), w, _overlap(d, score, w),
               int(m.matched.sum()), int((~m.matched).sum()), replicates)


FITTERS = {"difference": _fit_difference, "ols": _fit_ols, "regression": _fit_regression,
           "psm": _fit_psm, "ipw": _fit_ipw, "aipw": _fit_aipw}


def fit_method(d: Design, o: Options, rng: np.random.Generator) -> Fit:
    """Fit the method ``o.method`` on the design ``d``."""
    return FITTERS[o.method](d, o, rng)


def apply_trim(d: Design, o: Options) -> tuple[Design, Trim | None]:
    """Drop the rows whose estimated score lies outside the trimming bounds (see :mod:`.options`)."""
    if o.trim is None:
        return d, None
    p = _score(d, o).p
    if isinstance(o.trim, str):  # "crump"
        a = crump_cutoff(p)
        low, high = a, 1 - a
    else:
        low, high = o.trim
    keep = (p >= low) & (p <= high)
    gone_t, gone_c = int(((~keep) & (d.t == 1)).sum()), int(((~keep) & (d.t == 0)).sum())
    if not (keep & (d.t == 1)).any() or not (keep & (d.t == 0)).any():
        which = "participants" if not (keep & (d.t == 1)).any() else "comparison units"
        raise InputDataError(f"trimming to scores in [{low:.3f}, {high:.3f}] leaves no {which}",
                             hint="widen the trimming bounds or improve the comparison group")
    return (d.subset(keep) if not keep.all() else d), Trim(float(low), float(high), gone_t, gone_c)
