"""Seeded simulations with a known effect on the treated, built to stress the estimators' intervals.

Each scenario draws covariates from one population and treatment from a known logit propensity
model, so the propensity model the estimators fit (with the columns listed in ``covariates``) is
correctly specified, and the outcome is linear in the same columns plus a constant effect, so the
outcome models are too: any failure of coverage is the interval's fault, not the model's.

* ``"heavy_tails"``: standard normal covariates; errors from a t distribution with 3 degrees of
  freedom (infinite fourth moment), times 2;
* ``"raw_units"``: earnings-style covariates in pounds: age and its square, years of schooling,
  two years of earnings with many zeros (lognormal otherwise, up to tens of thousands) and their
  squares, a zero-earnings flag; errors t(3) times 3,000 (the NSW/Lalonde shape);
* ``"poor_overlap"``: strong selection (propensity scores from about 0.002 to 0.95; the comparison
  group's Kish effective size after ATT weighting around a tenth of its size), t(3) errors.

Nothing here is real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from svimpact.datasets.simulate import SimulatedData

__all__ = ["SCENARIOS", "simulate_scenario"]

SCENARIOS = ("heavy_tails", "raw_units", "poor_overlap")


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _normal_covariates(rng: np.random.Generator, n: int, k: int) -> dict[str, np.ndarray]:
    return {f"x{j + 1}": rng.normal(size=n) for j in range(k)}


def _earnings(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    age = rng.uniform(18, 55, n).round()
    educ = rng.normal(11.5, 2.5, n).clip(4, 18).round()
    zero74 = rng.uniform(size=n) < 0.35
    re74 = np.where(zero74, 0.0, rng.lognormal(9.2, 0.8, n))
    re75 = np.where(rng.uniform(size=n) < 0.3, 0.0, 0.6 * re74 + rng.lognormal(8.6, 0.8, n))
    return {"age": age, "agesq": age**2, "educ": educ, "re74": re74, "re75": re75,
            "re74sq": re74**2, "re75sq": re75**2, "u74": zero74.astype(float)}


def simulate_scenario(
    scenario: str, n: int = 2000, *, effect: float = 1.0, seed: int = 0
) -> SimulatedData:
    """One dataset of ``scenario`` (see the module docstring) with ``n`` rows.

    Columns ``treated`` (0/1), ``outcome`` and the covariates; ``true_att`` is ``effect`` (times
    1,000 for ``raw_units``, whose outcome is in pounds).
    """
    rng = np.random.default_rng(seed)
    if scenario == "heavy_tails":
        cov = _normal_covariates(rng, n, 3)
        X = np.column_stack(list(cov.values()))
        index = -1.6 + X @ np.array([0.5, 0.4, -0.3])
        base = 10.0 + X @ np.array([1.0, 0.5, 0.25])
        noise, att = 2.0 * rng.standard_t(3, n), effect
    elif scenario == "poor_overlap":
        cov = _normal_covariates(rng, n, 3)
        X = np.column_stack(list(cov.values()))
        index = -2.6 + X @ np.array([1.3, 0.8, -0.6])
        base = 10.0 + X @ np.array([1.0, 0.5, 0.25])
        noise, att = 1.5 * rng.standard_t(3, n), effect
    elif scenario == "raw_units":
        cov = _earnings(rng, n)
        index = (-0.4 - 0.05 * (cov["age"] - 35) + 0.001 * (cov["age"] - 35) ** 2 - 0.1 * (cov["educ"] - 11.5)
                 - 6e-5 * cov["re74"] + 3e-10 * cov["re74sq"] - 4e-5 * cov["re75"] + 0.6 * cov["u74"])
        base = 3000 + 0.5 * cov["re75"] + 0.25 * cov["re74"] + 300 * (cov["educ"] - 11.5) + 40 * (cov["age"] - 35)
        noise, att = 3000.0 * rng.standard_t(3, n), 1000.0 * effect
    else:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    t = (rng.uniform(size=n) < _expit(index)).astype(int)
    y = base + att * t + noise
    data = pd.DataFrame({"treated": t, "outcome": y, **cov})
    cf = float(base[t == 1].mean())
    return SimulatedData(data, float(att), cf, cf / (cf + att), tuple(cov), seed)
