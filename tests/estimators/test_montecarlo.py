"""Tests for the Monte Carlo machinery (svimpact.estimators.montecarlo)."""

from __future__ import annotations

import pytest

from svimpact.estimators.distributions import Fixed, Uniform
from svimpact.estimators.montecarlo import monte_carlo, switching_values, tornado


def linear(p):  # a toy model: y = a * x - 1
    return {"y": p["a"] * p["x"] - 1}


def test_generic_monte_carlo_tornado_and_switching() -> None:
    dists = {"a": Fixed(2.0), "x": Uniform(0, 1)}
    mc = monte_carlo(linear, dists, n_draws=10_000, seed=1)
    assert mc.point["y"] == pytest.approx(0.0)
    iv = mc.interval("y")
    assert iv.lower == pytest.approx(-0.95, abs=0.02) and iv.upper == pytest.approx(0.95, abs=0.02)
    t = tornado(linear, dists, "y")
    assert t.to_dict("records")[0]["output_high"] == pytest.approx(1.0)
    sv = switching_values(linear, dists, {"y": 0.0}, {"x": (0, 1), "a": (0, 10)})
    assert sv.set_index("parameter").loc["x", "y = 0"] == pytest.approx(0.5)
    assert sv.set_index("parameter").loc["a", "y = 0"] == pytest.approx(2.0)
