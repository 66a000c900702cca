"""Coverage of the default DiD intervals with few clusters and staggered adoption (slow).

``benchmarks/bench_did_coverage.py`` runs the same designs with more simulations and prints the
table; here 600 (2x2) and 300 (staggered) simulations keep the test near a minute. With 300 the Monte
Carlo standard error of a 95% coverage is 1.3 points, so the band is 92-98%.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _staggered_sim import simulate_staggered

from svimpact.datasets.simulate import simulate_did
from svimpact.estimators.did import estimate_did


def _cover(make, sims: int, **kw) -> float:
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(sims):
            data, truth, cols = make(2000 + i)
            est = estimate_did(data, outcome="outcome", n_boot=399, seed=i, **cols, **kw)
            hits.append(est.att.lower <= truth <= est.att.upper)
    return float(np.mean(hits))


def _did_8_areas(seed):
    sim = simulate_did(400, 2, n_clusters=8, seed=seed)
    return sim.data, sim.true_att, {"treated": "treated", "post": "post", "unit": "unit", "cluster": "area"}


def _staggered_8_areas(seed):
    data, truth = simulate_staggered(400, 6, 8, seed=seed)
    return data, truth, {"unit": "unit", "period": "period", "cohort": "cohort", "cluster": "area"}


@pytest.mark.slow
@pytest.mark.parametrize(("make", "sims"), [(_did_8_areas, 600), (_staggered_8_areas, 300)],
                         ids=["2x2-8-areas", "staggered-8-areas"])
def test_default_interval_covers_with_few_clusters(make, sims):
    assert 0.92 <= _cover(make, sims) <= 0.98


@pytest.mark.slow
def test_coverage_check_can_fail():
    # The band catches an interval that is too narrow (here an 80% interval presented as if it were 95%).
    assert _cover(_did_8_areas, 150, level=0.80) < 0.92
