"""Benchmark: 100,000 Monte Carlo draws of the full chain plus a 10-year valuation, one service.

Run: ``.venv/bin/python benchmarks/bench_chain.py``. Target: under 1 second on the 2-core build
machine. Prints the median of several runs of ``appraise`` (draws, chain, valuation, intervals,
splits, tornado and switching values) and of the bare Monte Carlo (draws, chain, valuation).
"""

from __future__ import annotations

import statistics
import time

from svimpact.estimators.appraisal import appraise
from svimpact.estimators.appraisal.model import _AppraisalModel
from svimpact.estimators.distributions import BetaCounts, Pert, Triangular, Uniform
from svimpact.estimators.montecarlo import monte_carlo
from svimpact.estimators.valuation import UnitValue

N_DRAWS = 100_000
YEARS = 10
LEDGER = {
    "deadweight": BetaCounts(20, 70),
    "leakage": Uniform(0.05, 0.15),
    "displacement": Pert(0.1, 0.25, 0.4),
    "substitution": Triangular(0.0, 0.05, 0.1),
    "attribution": Uniform(0.0, 0.2),
    "multiplier": Uniform(1.0, 1.3),
    "persistence": Triangular(2, 3, 5),
    "drop_off": Uniform(0.1, 0.3),
    "optimism_bias": Triangular(0.1, 0.2, 0.5),
}
VALUES = [  # made-up amounts: the benchmark measures speed, not value
    UnitValue("fiscal", "Fiscal saving", 1000, "GBP/yr", "2020", "fiscal", "LA", "bench", "n/a"),
    UnitValue("econ", "Earnings", 800, "GBP/yr", "2020", "economic", "Individual", "bench", "n/a"),
    UnitValue("social", "Wellbeing", 500, "GBP/yr", "2020", "social", "Individual", "bench",
              "n/a"),
]
GROSS = [20, 20, 20, 20, 20]  # five yearly cohorts
COSTS = [50_000] * 5


def timed(fn, repeats: int = 7) -> float:
    fn()  # warm up imports and caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def full() -> None:
    appraise(LEDGER, GROSS, COSTS, VALUES, years=YEARS, n_draws=N_DRAWS, seed=1,
             beneficiary_deciles={1: 40, 2: 30, 3: 20, 10: 10})


_CACHE: dict = {}


def _model() -> _AppraisalModel:
    if "model" not in _CACHE:
        import numpy as np

        from svimpact.estimators.appraisal.model import _cohort_matrix, _year_vector
        from svimpact.estimators.valuation import discount_factors

        df = discount_factors(YEARS)
        shares = _year_vector(GROSS, YEARS, "gross") / sum(GROSS)
        _CACHE["model"] = _AppraisalModel(YEARS, df, _cohort_matrix(shares),
                                          float(np.pad(COSTS, (0, YEARS - 5)) @ df),
                                          tuple(VALUES), False)
    return _CACHE["model"]


def _dists() -> dict:
    from svimpact.estimators.distributions import Fixed

    d = dict(LEDGER) | {"gross": Fixed(float(sum(GROSS)))}
    return d | {f"value:{v.id}": Fixed(v.amount) for v in VALUES}


if __name__ == "__main__":
    import os

    t_full = timed(full)
    t_bare = timed(lambda: monte_carlo(_model(), _dists(), n_draws=N_DRAWS, seed=1))
    print(f"cpus: {os.cpu_count()}")
    print(f"appraise(), {N_DRAWS:,} draws, {YEARS}-year valuation, all tables: "
          f"{t_full:.3f} s (median of 7; target < 1 s)")
    print(f"Monte Carlo only (draws + chain + valuation), {N_DRAWS:,} draws: {t_bare:.3f} s")
