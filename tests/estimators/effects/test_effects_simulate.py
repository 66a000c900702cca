"""The synthetic data behind the coverage tests carry the truth they claim."""

from __future__ import annotations

import numpy as np
import pytest

from svimpact.datasets.simulate import simulate_did, simulate_programme


def test_continuous_truth_matches_large_sample():
    sim = simulate_programme(200_000, 10, effect=1.5, seed=1)
    df = sim.data
    treated = df[df.treated == 1]
    # counterfactual = observed mean - constant effect; compare to the analytic truth
    assert treated.outcome.mean() - 1.5 == pytest.approx(sim.true_counterfactual, abs=0.01)
    assert sim.true_deadweight == pytest.approx(
        sim.true_counterfactual / (sim.true_counterfactual + 1.5))


def test_binary_truth_quadrature_matches_monte_carlo():
    # Quadrature truth vs the participants' mean outcome in a large sample (MC s.e. ~0.001).
    sim = simulate_programme(300_000, 10, outcome="binary", effect=1.0, seed=2)
    observed = sim.data.loc[sim.data.treated == 1, "outcome"].mean()
    assert observed == pytest.approx(sim.true_counterfactual + sim.true_att, abs=0.004)
    assert 0 < sim.true_att < 1


def test_seeded_and_selected_on_observables():
    a = simulate_programme(50, 100, seed=7).data
    b = simulate_programme(50, 100, seed=7).data
    assert a.equals(b)
    assert a.benefit_type.dtype == "str"
    assert a.loc[a.treated == 1, "x1"].mean() > a.loc[a.treated == 0, "x1"].mean()


def test_did_repeated_cross_sections_have_no_unit():
    sim = simulate_did(50, 3, panel=False, seed=1)
    assert "unit" not in sim.data.columns
    assert set(sim.data.post) == {0, 1}
    assert np.isfinite(sim.true_counterfactual)
