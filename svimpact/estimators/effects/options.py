"""The options of :func:`~svimpact.estimators.effects.estimate_effect`, checked once, and trimming.

Every bad choice is a :class:`~svimpact.exceptions.ParamsError` naming the key and the valid
choices. Standard errors (``se``) by method, the default first:

* ``difference``: ``welch`` (unequal variances; the HC2 form of the two-group regression),
  ``classical`` (pooled variance), ``hc0``, ``hc1``, ``cluster``;
* ``ols`` (pooled regression with a treatment indicator): ``hc1`` (Stata ``regress, vce(robust)``),
  ``classical``, ``hc0``, ``cluster``;
* ``regression``, ``ipw``, ``aipw``: ``hc0`` (the M-estimation sandwich, as Stata ``teffects`` and
  statsmodels' ``TreatmentEffect``), ``hc1``, ``cluster``;
* ``psm``: ``ai`` (Abadie-Imbens, adjusted for the estimated propensity score), ``bootstrap``.

Trimming (``trim``) drops units whose estimated propensity score lies outside ``[low, high]``
before estimating, which changes the estimand to the effect on the participants kept (counted in
the result): a pair such as ``(0.1, 0.9)``, or ``"crump"`` for the rule of Crump, Hotz, Imbens and
Mitnik (2009, Biometrika 96:187), which chooses ``[a, 1 - a]`` to minimise the variance of the
effect (about ``[0.1, 0.9]`` when scores are spread out; no trimming when overlap is good).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from svimpact.exceptions import ParamsError

__all__ = ["METHODS", "SE_CHOICES", "Options", "check_options", "crump_cutoff"]

#: Method name -> Maryland Scientific Methods Scale level (METHODS.md section 2).
METHODS: dict[str, int] = {"difference": 1, "ols": 2, "regression": 2, "psm": 2, "ipw": 2, "aipw": 2}

#: Standard-error choices per method, the default first.
SE_CHOICES: dict[str, tuple[str, ...]] = {
    "difference": ("welch", "classical", "hc0", "hc1", "cluster"),
    "ols": ("hc1", "classical", "hc0", "cluster"),
    "regression": ("hc0", "hc1", "cluster"),
    "ipw": ("hc0", "hc1", "cluster"),
    "aipw": ("hc0", "hc1", "cluster"),
    "psm": ("ai", "bootstrap"),
}


@dataclass(frozen=True)
class Options:
    """Checked options of one estimate."""

    method: str
    n_neighbors: int = 4
    caliper: float | None = None
    n_boot: int = 200
    level: float = 0.95
    n_draws: int = 2000
    se: str = "hc0"
    cluster: str | None = None
    trim: tuple[float, float] | str | None = None
    match_on: str = "logit"
    propensity_model: str = "logit"

    def record(self) -> dict[str, Any]:
        """The options as recorded in the result's ``params``."""
        return {"n_neighbors": self.n_neighbors, "caliper": self.caliper, "n_boot": self.n_boot,
                "se": self.se, "cluster": self.cluster, "trim": self.trim, "match_on": self.match_on,
                "propensity_model": self.propensity_model}


def _choice(value: Any, choices: Sequence[str], key: str) -> str:
    if value not in choices:
        raise ParamsError(f"unknown {key} {value!r}; choose one of {', '.join(map(repr, choices))}", key=key)
    return str(value)


def check_options(
    method: str, covariates: Sequence[str], *, n_neighbors: int = 4, caliper: float | None = None,
    n_boot: int = 200, level: float = 0.95, n_draws: int = 2000, se: str | None = None,
    cluster: str | None = None, trim: Any = None, match_on: str = "logit", propensity_model: str = "logit",
    propensity_covariates: Sequence[str] | None = None,
) -> Options:
    """Check every option; return them with ``se`` resolved to the method's default."""
    if method not in METHODS:
        raise ParamsError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}", key="method")
    for key, covs in (("covariates", covariates), ("propensity_covariates", propensity_covariates)):
        if isinstance(covs, str):
            raise ParamsError(f"{key} must be a list of column names, got the string "
                              f"{covs!r}; write {key}=[{covs!r}]", key=key)
    needs_score = method in ("psm", "ipw", "aipw", "regression") or trim is not None
    if method not in ("difference", "ols") and not covariates:
        raise ParamsError(f"method {method!r} needs at least one covariate; use "
                          "method='difference' for an unadjusted comparison", key="covariates")
    if trim is not None and not (covariates or propensity_covariates):
        raise ParamsError("trimming needs a propensity model: give covariates (or propensity_covariates)",
                          key="trim")
    if propensity_covariates is not None and not propensity_covariates and needs_score:
        raise ParamsError("propensity_covariates is empty; give the propensity model's columns or "
                          "leave it out to use the covariates", key="propensity_covariates")
    if n_neighbors < 1:
        raise ParamsError("n_neighbors must be at least 1", key="n_neighbors")
    if caliper is not None and caliper <= 0:
        raise ParamsError("caliper must be positive (in pooled standard deviations of the matching "
                          "score)", key="caliper")
    if not 0 < level < 1:
        raise ParamsError("level must lie strictly between 0 and 1, e.g. 0.95", key="level")
    if n_draws < 100:
        raise ParamsError("n_draws must be at least 100", key="n_draws")
    if se is None:
        se = "cluster" if cluster is not None else SE_CHOICES[method][0]
    se = _choice(se, SE_CHOICES[method], "se")
    if se == "cluster" and cluster is None:
        raise ParamsError("se='cluster' needs cluster='<column of cluster identifiers>'", key="cluster")
    if cluster is not None and se != "cluster":
        raise ParamsError(f"cluster={cluster!r} was given with se={se!r}; use se='cluster' (or leave "
                          "se out)", key="se")
    if se == "bootstrap" and n_boot < 50:
        raise ParamsError("n_boot must be at least 50 for a usable bootstrap", key="n_boot")
    _choice(match_on, ("logit", "score"), "match_on")
    _choice(propensity_model, ("logit", "probit"), "propensity_model")
    return Options(method, n_neighbors, caliper, n_boot, level, n_draws, se, cluster, _check_trim(trim),
                   match_on, propensity_model)


def _check_trim(trim: Any) -> tuple[float, float] | str | None:
    if trim is None or trim == "crump":
        return trim
    if isinstance(trim, str):
        raise ParamsError(f"unknown trim {trim!r}; give trim='crump' or a pair such as (0.1, 0.9)", key="trim")
    try:
        low, high = (float(v) for v in trim)
    except (TypeError, ValueError):
        raise ParamsError(f"trim must be 'crump' or a pair (low, high) of scores, got {trim!r}",
                          key="trim") from None
    if not 0 <= low < high <= 1:
        raise ParamsError(f"trim needs 0 <= low < high <= 1, got ({low:g}, {high:g})", key="trim")
    return (low, high)


def crump_cutoff(p: np.ndarray) -> float:
    """Crump et al.'s (2009) ``a``: keep units with scores in ``[a, 1 - a]``.

    With ``v = 1 / (p (1 - p))`` sorted, ``k* = argmin_k sum_{j<=k} v_j / k^2`` (the variance of
    the effect over the ``k`` best-overlapping units) and ``a = 1/2 - sqrt(1/4 - 1 / v_k*)``:
    the solution of their equation ``1/(a(1-a)) = 2 E[v | v <= 1/(a(1-a))]``. ``a`` is 0 when no
    unit needs dropping.
    """
    v = np.sort(1.0 / (p * (1.0 - p)))
    k = np.arange(1, len(v) + 1)
    best = int(np.argmin(np.cumsum(v) / k**2))
    if best == len(v) - 1:
        return 0.0
    return float(0.5 - np.sqrt(max(0.25 - 1.0 / v[best], 0.0)))
