"""A staggered-adoption panel with a known ATT (for the coverage test and benchmark).

Units sit in ``n_clusters`` areas; areas start the programme at different periods (or never),
so treatment timing is clustered. Outcomes have unit, area and area-period shocks, a common
trend, and an effect that grows with time since the start and differs by cohort (so two-way
fixed effects with one post indicator is biased). The true simple aggregation weights each
post-start cell ``ATT(g, t)`` by the population share of cohort ``g``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_staggered(
    n_units: int = 400, n_periods: int = 6, n_clusters: int = 10, *, seed: int = 0, dynamic: bool = True
) -> tuple[pd.DataFrame, float]:
    """Long panel (unit, area, period, cohort, outcome) and the true simple-aggregation ATT."""
    rng = np.random.default_rng(seed)
    starts = np.array([0, 3, 4, 5])  # 0 = never; periods run 1..n_periods
    area_cohort = starts[np.arange(n_clusters) % len(starts)]
    rng.shuffle(area_cohort)
    area = np.sort(rng.integers(0, n_clusters, n_units))
    area[:n_clusters] = np.arange(n_clusters)  # every area has units
    cohort = area_cohort[area]
    periods = np.arange(1, n_periods + 1)
    a_eff = rng.normal(0, 0.5, n_clusters)[area] + 0.3 * (cohort > 0)
    u_eff = rng.normal(0, 1, n_units)
    shocks = rng.normal(0, 0.3, (n_clusters, n_periods))[area]
    post = (cohort[:, None] > 0) & (periods[None, :] >= cohort[:, None])
    e_time = periods[None, :] - cohort[:, None]
    effect = np.where(post, 1.0 + (0.3 * e_time + 0.1 * (cohort[:, None] - 3) if dynamic else 0.0), 0.0)
    y = (a_eff[:, None] + u_eff[:, None] + 0.2 * periods[None, :] + shocks + effect
         + rng.normal(0, 1, (n_units, n_periods)))
    data = pd.DataFrame({
        "unit": np.repeat(np.arange(n_units), n_periods), "area": np.repeat(area, n_periods),
        "period": np.tile(periods, n_units), "cohort": np.repeat(cohort, n_periods), "outcome": y.ravel(),
    })
    # truth: the simple aggregation with the population cohort shares (each area is equally likely for a
    # unit, so a cohort's share is proportional to its number of areas), as the influence function assumes
    num = den = 0.0
    for g in np.unique(area_cohort[area_cohort > 0]):
        m = float((area_cohort == g).sum())
        cell = effect[cohort == g][0]  # the same in every unit of the cohort
        num += m * cell[periods >= g].sum()
        den += m * (periods >= g).sum()
    return data, num / den
