"""Propensity scores: the logit model, a fast re-fit for bootstrap replicates, overlap checks."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from svimpact.exceptions import InputDataError, OverlapWarning

__all__ = ["Overlap", "OverlapWarning", "fit_logit", "logit_newton", "overlap_summary"]


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_logit(X: np.ndarray, t: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Fit the propensity logit with statsmodels and return its coefficients.

    Raises an error naming the covariates when the groups do not overlap at all (perfect
    separation): no comparison unit then resembles any participant.
    """
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.Logit(t, X).fit(method="newton", disp=0, maxiter=50, warn_convergence=False)
            params = np.asarray(res.params)
        except Exception:  # noqa: BLE001 - perfect separation or singular Hessian
            params = np.full(X.shape[1], np.nan)
    lp = X @ params if np.isfinite(params).all() else np.full(len(t), np.nan)
    if not np.isfinite(lp).all() or _separated(lp, t):
        raise _no_overlap_error(X, t, names)
    return params


def _separated(lp: np.ndarray, t: np.ndarray) -> bool:
    treated, control = lp[t == 1], lp[t == 0]
    return bool(treated.min() >= control.max() or treated.max() <= control.min())


def _no_overlap_error(X: np.ndarray, t: np.ndarray, names: Sequence[str]) -> InputDataError:
    culprits = [
        name
        for j, name in enumerate(names, start=1)
        if X[t == 1, j].min() > X[t == 0, j].max() or X[t == 1, j].max() < X[t == 0, j].min()
    ]
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


def logit_newton(
    X: np.ndarray,
    t: np.ndarray,
    weights: np.ndarray,
    start: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 25,
) -> np.ndarray:
    """Weighted logit by Newton's method for a batch of weight vectors.

    ``weights`` has shape (B, n) (frequency weights, e.g. bootstrap counts); returns (B, k)
    coefficients. Starting from the full-sample fit, a replicate converges in 3-4 steps.
    """
    W = np.atleast_2d(weights)
    beta = np.tile(start, (W.shape[0], 1))
    for _ in range(max_iter):
        p = _expit(beta @ X.T)  # (B, n)
        grad = (W * (t - p)) @ X  # (B, k)
        h = W * p * (1 - p)
        hess = np.einsum("bn,nk,nl->bkl", h, X, X) if W.shape[0] > 1 else (
            ((X * h[0][:, None]).T @ X)[None]
        )
        step = np.linalg.solve(hess + 1e-10 * np.eye(X.shape[1]), grad[..., None])[..., 0]
        beta = beta + step
        if np.abs(step).max() < tol:
            break
    return beta


@dataclass(frozen=True, eq=False)
class Overlap:
    """Propensity-score overlap between participants and the comparison group.

    ``scores_treated`` and ``scores_comparison`` are the fitted scores (kept for the overlap
    plot). ``n_off_support`` counts participants whose score lies outside the range of the
    comparison group's scores (no comparable non-participant exists for them); a warning is
    given when they are more than 1% of participants (a handful in the far tail is normal).
    """

    scores_treated: np.ndarray
    scores_comparison: np.ndarray
    range_treated: tuple[float, float]
    range_comparison: tuple[float, float]
    n_off_support: int
    max_weight_share: float

    def messages(self, n_treated: int, count: Callable[[int], str] | None = None) -> list[str]:
        """Plain-English warnings about poor overlap (empty when overlap is fine).

        ``count`` writes the counts (e.g. :func:`svimpact.disclosure.safe_count` for published text, which
        also drops the percentage when a count is withheld); default: as they are.
        """
        out = []
        if self.n_off_support > 0.01 * n_treated:
            write = count or (lambda n: f"{n:,}")
            off, total = write(self.n_off_support), write(n_treated)
            numbers = [t.replace(",", "") for t in (off, total)]
            # The share is computed from the counts as written, and left out when one is withheld.
            share = (f" ({int(numbers[0]) / int(numbers[1]):.1%})" if all(t.isdigit() for t in numbers)
                     and int(numbers[1]) else "")
            out.append(
                f"Poor overlap: {off} of {total} participants{share} have propensity scores outside the "
                "range seen in the comparison group, so no comparable non-participant exists "
                "for them. Their counterfactual is an extrapolation; consider a caliper or "
                "a better-matched comparison group."
            )
        if self.max_weight_share > 0.1:
            out.append(
                f"One comparison unit carries {self.max_weight_share:.0%} of the comparison "
                "group's weight: the counterfactual rests on very few people. Check overlap."
            )
        return out


def overlap_summary(score: np.ndarray, t: np.ndarray, weights: np.ndarray) -> Overlap:
    """Summarise score overlap; ``weights`` are the comparison units' weights."""
    st, sc = score[t == 1], score[t == 0]
    off = int(((st > sc.max()) | (st < sc.min())).sum())
    wc = weights[t == 0]
    share = float(wc.max() / wc.sum()) if wc.sum() > 0 else float("nan")
    return Overlap(
        st, sc, (float(st.min()), float(st.max())), (float(sc.min()), float(sc.max())), off, share
    )
