"""Seeded synthetic programmes with a known effect, deadweight and selection into treatment.

The generators exist to test the comparison-group estimators: every dataset carries its true
effect on the treated, counterfactual mean and deadweight share. Nothing here is real data.

Design of :func:`simulate_programme`: participants and comparison units are drawn from
different covariate distributions (normal covariates shifted by ``confounding`` in the
participant group; a text covariate ``benefit_type`` with different level shares), so the true
propensity score is exactly logit-linear in the covariates and the comparison group is selected
on observables. The outcome depends on the same covariates, so the raw difference is biased.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SimulatedData", "simulate_did", "simulate_programme"]

_LEVELS = ("ESA", "JSA", "UC")
_P_LEVEL_T = (0.2, 0.3, 0.5)
_P_LEVEL_C = (0.4, 0.35, 0.25)
_LEVEL_EFFECT = (0.0, 0.3, -0.2)


@dataclass(frozen=True, eq=False)
class SimulatedData:
    """A synthetic dataset and the true values the estimators should recover."""

    data: pd.DataFrame
    true_att: float
    true_counterfactual: float
    true_deadweight: float
    covariates: tuple[str, ...]
    seed: int


def _coefs(n_covariates: int) -> np.ndarray:
    return 0.5 / np.sqrt(np.arange(1, n_covariates + 1))


def _draw_covariates(
    rng: np.random.Generator, n: int, shift: float, n_covariates: int, levels_p: tuple
) -> tuple[np.ndarray, np.ndarray]:
    mean = shift / np.sqrt(np.arange(1, n_covariates + 1))
    Z = rng.normal(size=(n, n_covariates)) + mean
    lev = rng.choice(len(_LEVELS), size=n, p=levels_p)
    return Z, lev


def simulate_programme(
    n_treated: int = 500,
    n_comparison: int = 2500,
    *,
    effect: float = 1.0,
    outcome: str = "continuous",
    n_covariates: int = 3,
    confounding: float = 0.5,
    seed: int = 0,
) -> SimulatedData:
    """Participants and a comparison pool, selected on observables, with a known ATT.

    Parameters
    ----------
    n_treated, n_comparison : int
        Group sizes (fixed, not random).
    effect : float
        ``"continuous"``: the constant effect added to every participant's outcome (so the true
        ATT). ``"binary"``: the effect on the log-odds; the true ATT on the probability scale
        is computed by numerical integration.
    outcome : {"continuous", "binary"}
        A continuous outcome ``10 + Z @ b + level + effect * T + N(0, 1)`` (non-negative in
        practice), or a 0/1 outcome from a logit model.
    n_covariates : int
        Normal covariates ``x1..xk``; a text covariate ``benefit_type`` is always added.
    confounding : float
        Shift of the participants' covariate means (in SDs, shrinking with the index).
    seed : int
        Seed of the generator.
    """
    if outcome not in ("continuous", "binary"):
        raise ValueError(f"outcome must be 'continuous' or 'binary', got {outcome!r}")
    rng = np.random.default_rng(seed)
    Zt, lt = _draw_covariates(rng, n_treated, confounding, n_covariates, _P_LEVEL_T)
    Zc, lc = _draw_covariates(rng, n_comparison, 0.0, n_covariates, _P_LEVEL_C)
    Z = np.vstack([Zt, Zc])
    lev = np.concatenate([lt, lc])
    t = np.r_[np.ones(n_treated), np.zeros(n_comparison)]
    lin = Z @ _coefs(n_covariates) + np.asarray(_LEVEL_EFFECT)[lev]
    if outcome == "continuous":
        y = 10.0 + lin + effect * t + rng.normal(size=len(t))
        truth_cf = 10.0 + _true_shift(n_covariates, confounding)
        att = effect
    else:
        p = _expit(-0.5 + lin + effect * t)
        y = (rng.random(len(t)) < p).astype(float)
        truth_cf, att = _binary_truth(n_covariates, confounding, effect)
    cols = {f"x{j + 1}": Z[:, j] for j in range(n_covariates)}
    data = pd.DataFrame(
        {"treated": t.astype(int), "outcome": y, **cols,
         "benefit_type": np.asarray(_LEVELS, dtype=object)[lev]}
    )
    data["benefit_type"] = data["benefit_type"].astype("str")
    covs = (*cols, "benefit_type")
    return SimulatedData(data, float(att), float(truth_cf),
                         float(truth_cf / (truth_cf + att)), covs, seed)


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _true_shift(n_covariates: int, confounding: float) -> float:
    """E[Z b + level effect | T = 1] for the continuous outcome."""
    mean = confounding / np.sqrt(np.arange(1, n_covariates + 1))
    return float(mean @ _coefs(n_covariates) + np.dot(_P_LEVEL_T, _LEVEL_EFFECT))


@functools.lru_cache(maxsize=32)
def _binary_truth(n_covariates: int, confounding: float, effect: float) -> tuple[float, float]:
    """Counterfactual mean and ATT of the binary outcome among participants.

    The linear predictor among participants is normal with known mean and variance for each
    benefit-type level, so the expectations are one-dimensional integrals, done here by
    Gauss-Hermite quadrature (error far below simulation error).
    """
    b = _coefs(n_covariates)
    mu = confounding / np.sqrt(np.arange(1, n_covariates + 1)) @ b
    sd = float(np.sqrt(b @ b))
    nodes, wts = np.polynomial.hermite_e.hermegauss(80)
    wts = wts / wts.sum()
    cf = y1 = 0.0
    for p_lev, eff in zip(_P_LEVEL_T, _LEVEL_EFFECT):
        lin = -0.5 + mu + eff + sd * nodes
        cf += p_lev * float(wts @ _expit(lin))
        y1 += p_lev * float(wts @ _expit(lin + effect))
    return cf, y1 - cf


def simulate_did(
    n_units: int = 400,
    n_periods: int = 2,
    *,
    effect: float = 1.0,
    treated_share: float = 0.5,
    n_clusters: int = 40,
    first_post: int | None = None,
    panel: bool = True,
    selection: float = 1.0,
    seed: int = 0,
) -> SimulatedData:
    """Before/after data with a comparison group and a known DiD effect.

    Units sit in ``n_clusters`` areas; treatment is assigned by area (so inference must be
    clustered). Treated areas start at a higher level (``selection``), which biases a simple
    after-only comparison but not DiD, since trends are parallel. Each area-period has its own
    shock. With ``panel=False`` every period draws new people (repeated cross-sections) and the
    ``unit`` column is omitted. Columns: ``unit``, ``area``, ``period``, ``treated``, ``post``,
    ``age`` (a covariate), ``outcome``. The effect is ``effect`` in every post period.
    """
    rng = np.random.default_rng(seed)
    first_post = n_periods // 2 if first_post is None else first_post
    n_treated_areas = max(1, int(round(treated_share * n_clusters)))
    area_treated = np.zeros(n_clusters)
    area_treated[rng.permutation(n_clusters)[:n_treated_areas]] = 1
    area_effect = rng.normal(0, 0.5, n_clusters) + selection * area_treated
    shocks = rng.normal(0, 0.3, (n_clusters, n_periods))
    trend = np.linspace(0, 1, n_periods)
    frames = []
    area = rng.integers(0, n_clusters, n_units)
    unit_effect = rng.normal(0, 1, n_units)
    age = rng.normal(40, 10, n_units)
    for period in range(n_periods):
        if not panel:
            area = rng.integers(0, n_clusters, n_units)
            unit_effect = rng.normal(0, 1, n_units)
            age = rng.normal(40, 10, n_units)
        treated = area_treated[area]
        post = float(period >= first_post)
        y = (5 + area_effect[area] + unit_effect + 0.02 * (age - 40) + trend[period]
             + shocks[area, period] + effect * treated * post + rng.normal(0, 1, n_units))
        frames.append(pd.DataFrame({
            "unit": np.arange(n_units) + (0 if panel else period * n_units),
            "area": area, "period": period, "treated": treated.astype(int),
            "post": int(post), "age": age, "outcome": y,
        }))
    data = pd.concat(frames, ignore_index=True)
    if not panel:
        data = data.drop(columns="unit")
    obs = float(data.loc[(data.treated == 1) & (data.post == 1), "outcome"].mean())
    return SimulatedData(data, float(effect), obs - effect, (obs - effect) / obs, ("age",), seed)
