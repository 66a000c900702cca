"""Coverage of estimate_sustainment's 95% intervals on simulated programmes with rolling enrolment and censoring.

Run ``python benchmarks/bench_sustainment_coverage.py [n_sims]`` (default 1000). Designs of
:func:`svimpact.datasets.durations.simulate_sustainment` (Weibull proportional hazards, starts spread over
a year, cut-off ``follow`` days after the last start), at 12 months: coverage of the participants'
Kaplan-Meier interval (Greenwood, log-log) and of the counterfactual's IPW Kaplan-Meier interval with the
propensity model stacked into the influence function ("stacked") and, for comparison, with the weights
treated as known ("fixed weights"); mean bias in Monte Carlo SDs; mean SE / Monte Carlo SD (on the log
scale the SE is reported on); and the share of participants still going short of 12 months at the cut-off.
Monte Carlo s.e. of a 95% coverage over 1,000 datasets: about 0.7 points.

Recorded 2026-12-02 on the shared 2-core build machine (under load), 1,000 datasets per row, 4-7 minutes a row:

| design | participants | counterfactual (stacked) | (fixed weights) | bias / SD (part., cf.) | going, < 12 months |
|---|---|---|---|---|---|
| default (300 v 600, confounding 0.6, 6 months after) | 0.947 | 0.944 | 0.936 | -0.002, +0.022 | 30% |
| strong confounding 1.2 | 0.946 | 0.931 | 0.935 | +0.019, +0.046 | 26% |
| small (100 v 200) | 0.956 | 0.952 | 0.941 | +0.002, -0.023 | 30% |
| heavier censoring (cut-off 3 months after the last start) | 0.943 | 0.935 | 0.930 | -0.017, +0.007 | 49% |
| heavy censoring (cut-off at the last start) | 0.919 | 0.911 | 0.908 | +0.016, +0.056 | 71% |
| no effect (HR 1) | 0.948 | 0.944 | 0.936 | +0.018, +0.022 | 19% |

Reading it: coverage holds near 95% while a fair number remain at risk at the horizon. With the cut-off at
the last start only the first few weeks' starters have been followed for 12 months, the risk set there is a
handful, and intervals under-cover (91-92%): the chapter withholds a figure whose number at risk is 1-7,
and such a design should report a shorter horizon. Treating the weights as known ("fixed weights") costs
about a point of coverage in most designs; the stacked influence function is the correct first-order
variance, so it is the one used. Columns: coverage of the 95% intervals, then mean bias in Monte Carlo SDs,
then the mean share of participants still going and followed for less than 12 months.
The slow test ``tests/estimators/sustainment/test_sustainment_coverage.py`` runs the default design with
500 datasets (measured there: participants 95.4%, counterfactual 94.0%).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import svimpact.estimators.sustainment.model as model  # noqa: E402
from svimpact.datasets.durations import simulate_sustainment  # noqa: E402

DESIGNS = {
    "default (300 v 600, confounding 0.6, 6 months after)": {},
    "strong confounding 1.2": {"confounding": 1.2},
    "small (100 v 200)": {"n_treated": 100, "n_comparison": 200},
    "heavier censoring (cut-off 3 months after the last start)": {"follow_after_days": 91},
    "heavy censoring (cut-off at the last start)": {"follow_after_days": 1},
    "no effect (HR 1)": {"hazard_ratio": 1.0},
}


def _fixed_weights(self, h):  # the influence function without the propensity model's share
    score, self.score = self.score, None
    try:
        return _STACKED(self, h)
    finally:
        self.score = score


_STACKED = model._Fit.influence


def run(design: dict, n_sims: int, stacked: bool) -> dict[str, float]:
    model._Fit.influence = _STACKED if stacked else _fixed_weights
    est1, est0, cov1, cov0, short = (np.empty(n_sims) for _ in range(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n_sims):
            sim = simulate_sustainment(seed=50_000 + i, **design)
            r = model.estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=12,
                                           treatment="treated", covariates=sim.covariates)
            t1, t0 = sim.truth[12.0]
            est1[i], est0[i] = r.participants.value - t1, r.counterfactual.value - t0
            cov1[i], cov0[i] = r.participants.contains(t1), r.counterfactual.contains(t0)
            short[i] = r.at_risk_participants.still_going_short / r.n_treated
    model._Fit.influence = _STACKED
    return {"cov1": cov1.mean(), "cov0": cov0.mean(), "bias1": est1.mean() / est1.std(),
            "bias0": est0.mean() / est0.std(), "short": short.mean()}


def main(n_sims: int = 1000) -> None:
    print("| design | participants coverage | counterfactual coverage (stacked) | (fixed weights) | "
          "bias / SD (participants, counterfactual) | still going short of 12 months |")
    print("|---|---|---|---|---|---|")
    for name, design in DESIGNS.items():
        t0 = time.perf_counter()
        a, b = run(design, n_sims, True), run(design, n_sims, False)
        print(f"| {name} | {a['cov1']:.3f} | {a['cov0']:.3f} | {b['cov0']:.3f} | {a['bias1']:+.3f}, {a['bias0']:+.3f} | "
              f"{a['short']:.0%} |  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
