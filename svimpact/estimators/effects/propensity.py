"""Propensity scores: the logit (or probit) model, its derivatives, and overlap checks.

The model is fitted on the standardised design (:func:`~.numerics.standardise`), so the score
does not depend on the units covariates are written in. :class:`Score` carries what the
estimators need: the fitted index and probability, the ATT weights (the odds ``p / (1 - p)``), and
the pieces of the score equations and their derivatives that enter the sandwich standard errors
and the Abadie-Imbens adjustment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtr

from svimpact.exceptions import InputDataError, OverlapWarning

__all__ = ["LINKS", "Overlap", "OverlapWarning", "Score", "fit_binary", "fit_propensity", "link_values", "overlap_summary"]

#: Propensity models: ``logit`` (the default, as Stata's ``teffects``) or ``probit``.
LINKS = ("logit", "probit")
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def link_values(link: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``F(eta)`` and ``lambda(eta) = f / (F (1 - F))``, computed without overflow."""
    if link == "logit":
        return _expit(eta), np.ones_like(eta)
    log_f = -0.5 * eta**2 - _LOG_SQRT_2PI
    return ndtr(eta), np.exp(log_f - log_ndtr(eta) - log_ndtr(-eta))


@dataclass(frozen=True, eq=False)
class Score:
    """A fitted propensity model: ``p = F(index)``, ``index = X @ gamma`` (standardised X)."""

    link: str
    gamma: np.ndarray
    index: np.ndarray
    p: np.ndarray

    @property
    def lam(self) -> np.ndarray:
        """``f / (F (1 - F))``: 1 for the logit."""
        return link_values(self.link, self.index)[1]

    @property
    def density(self) -> np.ndarray:
        """``f = dF / d index``."""
        return self.lam * self.p * (1 - self.p)

    def moment_weight(self, t: np.ndarray) -> np.ndarray:
        """``a_i`` with the maximum-likelihood score equations ``sum_i X_i a_i = 0``."""
        return (t - self.p) * self.lam

    def moment_slope(self, t: np.ndarray) -> np.ndarray:
        """``b_i`` with ``d(X_i a_i) / d gamma = b_i X_i X_i'`` (the observed Hessian)."""
        if self.link == "logit":
            return -self.p * (1 - self.p)
        lam, eta = self.lam, self.index
        dlam = -eta * lam - lam**2 * (1 - 2 * self.p)
        return -self.density * lam + (t - self.p) * dlam

    @property
    def info_weight(self) -> np.ndarray:
        """``f^2 / (F (1 - F))``: the Fisher information is ``X' diag(this) X``."""
        return self.density * self.lam

    def odds(self) -> tuple[np.ndarray, np.ndarray]:
        """ATT weights of comparison units ``e = p / (1 - p)`` and ``de / d index``."""
        if self.link == "logit":
            e = np.exp(self.index)
            return e, e
        one_minus = ndtr(-self.index)
        return self.p / one_minus, self.density / one_minus**2


def _loglik(link: str, eta: np.ndarray, t: np.ndarray) -> float:
    if link == "logit":
        return float((t * eta - np.logaddexp(0.0, eta)).sum())
    return float((t * log_ndtr(eta) + (1 - t) * log_ndtr(-eta)).sum())


def fit_binary(X: np.ndarray, t: np.ndarray, link: str = "logit", *, max_iter: int = 100) -> np.ndarray:
    """Maximum-likelihood logit or probit coefficients by Fisher scoring with step halving.

    Meant for a standardised ``X`` (every k-by-k solve is then well conditioned). Under perfect
    separation the coefficients diverge; the caller checks the fitted index.
    """
    beta = np.zeros(X.shape[1])
    eta = X @ beta
    ll = _loglik(link, eta, t)
    for _ in range(max_iter):
        p, lam = link_values(link, eta)
        grad = X.T @ ((t - p) * lam)
        info = (X * (lam * lam * p * (1 - p))[:, None]).T @ X
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            return np.full(X.shape[1], np.nan)
        for _half in range(30):
            new_eta = X @ (beta + step)
            new_ll = _loglik(link, new_eta, t)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        beta, eta, ll = beta + step, new_eta, new_ll
        if not np.isfinite(beta).all():
            return beta
        if np.abs(step).max() < 1e-11:
            return beta
    return beta


def fit_propensity(X: np.ndarray, t: np.ndarray, names: Sequence[str], link: str = "logit") -> Score:
    """Fit the propensity model (:func:`fit_binary`) on the standardised design ``X``.

    Raises an error naming the covariates when the groups do not overlap at all (perfect
    separation): no comparison unit then resembles any participant.
    """
    params = fit_binary(X, t, link)
    index = X @ params if np.isfinite(params).all() else np.full(len(t), np.nan)
    if not np.isfinite(index).all() or _separated(index, t):
        raise _no_overlap_error(X, t, names)
    return Score(link, params, index, link_values(link, index)[0])


def _separated(lp: np.ndarray, t: np.ndarray) -> bool:
    treated, control = lp[t == 1], lp[t == 0]
    return bool(treated.min() >= control.max() or treated.max() <= control.min())


def _no_overlap_error(X: np.ndarray, t: np.ndarray, names: Sequence[str]) -> InputDataError:
    tr, co = X[t == 1], X[t == 0]
    return no_overlap_error(tr.min(axis=0)[1:], tr.max(axis=0)[1:], co.min(axis=0)[1:], co.max(axis=0)[1:], names)


def no_overlap_error(tmin: np.ndarray, tmax: np.ndarray, cmin: np.ndarray, cmax: np.ndarray,
                     names: Sequence[str]) -> InputDataError:
    """The error for perfect separation, from each covariate's range among participants (``t``) and
    comparison units (``c``); used by the pandas and the Dask paths."""
    culprits = [name for j, name in enumerate(names) if tmin[j] > cmax[j] or tmax[j] < cmin[j]]
    where = (
        f"covariate(s) {', '.join(repr(c) for c in culprits)} take values in the participant "
        "group that never occur in the comparison group"
        if culprits
        else "the covariates together separate the two groups perfectly"
    )
    return InputDataError(
        f"no overlap between participants and the comparison group: {where}",
        column=culprits[0].split("[")[0] if culprits else None,
        hint="choose a comparison group that resembles the participants, or restrict the "
        "analysis to the range both groups share",
    )


@dataclass(frozen=True, eq=False)
class Overlap:
    """Propensity-score overlap between participants and the comparison group.

    ``scores_treated`` and ``scores_comparison`` are the fitted scores (kept for the overlap
    plot). ``n_off_support`` counts participants whose score lies outside the range of the
    comparison group's scores (no comparable non-participant exists for them); a warning is
    given when they are more than 1% of participants (a handful in the far tail is normal).
    ``n_comparison_below`` / ``n_comparison_above`` count comparison units below the lowest /
    above the highest participant score (they inform no participant's counterfactual).
    ``effective_n`` is the Kish effective size of the weighted comparison group: a warning is
    given when it is under 10% of the comparison group or under 30 people.
    """

    scores_treated: np.ndarray
    scores_comparison: np.ndarray
    range_treated: tuple[float, float]
    range_comparison: tuple[float, float]
    n_off_support: int
    max_weight_share: float
    n_comparison_below: int = 0
    n_comparison_above: int = 0
    effective_n: float = float("nan")
    n_comparison: int | None = None  # when scores_comparison holds a sample only (the Dask path)

    def messages(self, n_treated: int, count: Callable[[int], str] | None = None) -> list[str]:
        """Plain-English warnings about poor overlap (empty when overlap is fine).

        ``count`` writes the counts (e.g. :func:`svimpact.disclosure.safe_count` for published text; the
        percentage, computed from the raw counts, is then left out); default: as they are, with it.
        """
        write = count or (lambda n: f"{n:,}")
        out = []
        if self.n_off_support > 0.01 * n_treated:
            off, total = write(self.n_off_support), write(n_treated)
            share = f" ({self.n_off_support / n_treated:.1%})" if count is None else ""
            out.append(
                f"Poor overlap: {off} of {total} participants{share} have propensity scores outside the "
                "range seen in the comparison group, so no comparable non-participant exists "
                "for them. Their counterfactual is an extrapolation; consider a caliper, trimming "
                "(trim='crump') or a better-matched comparison group."
            )
        if self.max_weight_share > 0.1:
            out.append(
                f"One comparison unit carries {self.max_weight_share:.0%} of the comparison "
                "group's weight: the counterfactual rests on very few people. Check overlap."
            )
        n_comp = len(self.scores_comparison) if self.n_comparison is None else self.n_comparison
        if np.isfinite(self.effective_n) and (self.effective_n < 0.1 * n_comp or self.effective_n < 30):
            out.append(
                f"Poor overlap: after weighting, the comparison group counts as about "
                f"{write(int(round(self.effective_n)))} people (Kish effective sample size) out of "
                f"{write(n_comp)}: the counterfactual rests on few of them and its interval is fragile. "
                "Consider trimming (trim='crump') or a better-matched comparison group."
            )
        return out


def overlap_summary(score: np.ndarray, t: np.ndarray, weights: np.ndarray) -> Overlap:
    """Summarise score overlap; ``weights`` are every row's weights (comparison rows used)."""
    st, sc = score[t == 1], score[t == 0]
    off = int(((st > sc.max()) | (st < sc.min())).sum())
    wc = np.asarray(weights, dtype=float)[t == 0]
    share = float(wc.max() / wc.sum()) if wc.sum() > 0 else float("nan")
    ess = float(wc.sum() ** 2 / (wc**2).sum()) if (wc**2).sum() > 0 else 0.0
    return Overlap(
        st, sc, (float(st.min()), float(st.max())), (float(sc.min()), float(sc.max())), off, share,
        int((sc < st.min()).sum()), int((sc > st.max()).sum()), ess,
    )
