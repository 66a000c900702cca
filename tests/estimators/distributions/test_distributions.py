"""Tests for parameter distributions (svimpact.estimators.distributions)."""

from __future__ import annotations

import numpy as np
import pytest

from svimpact import ParamsError
from svimpact.estimators.distributions import (
    DISTRIBUTIONS,
    BetaCounts,
    Draws,
    Fixed,
    Pert,
    Triangular,
    Uniform,
    as_distribution,
    check_kind,
    draw_all,
    parse_distribution,
    rng_for,
)

FILE = "params/hf.yaml"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (0.2, Fixed(0.2)),
        ({"value": 0.3}, Fixed(0.3)),
        ({"dist": "fixed", "value": 0.3}, Fixed(0.3)),
        ({"dist": "uniform", "low": 0.1, "high": 0.3}, Uniform(0.1, 0.3)),
        ({"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.4}, Triangular(0.1, 0.2, 0.4)),
        ({"dist": "PERT", "low": 0.1, "mode": 0.2, "high": 0.4}, Pert(0.1, 0.2, 0.4)),
        ({"dist": "beta", "successes": 20, "failures": 80}, BetaCounts(20, 80)),
        ({"dist": "beta", "successes": 2, "failures": 8, "prior": 1}, BetaCounts(2, 8, 1)),
    ],
)
def test_parse_each_kind(spec: object, expected: object) -> None:
    assert parse_distribution(spec) == expected


def test_points() -> None:
    assert Uniform(0.1, 0.3).point == pytest.approx(0.2)
    assert Triangular(0.1, 0.15, 0.4).point == 0.15
    assert Pert(0.1, 0.15, 0.4).point == 0.15
    assert BetaCounts(20, 80).point == 0.2


def test_unknown_distribution_lists_valid_names() -> None:
    with pytest.raises(ParamsError) as exc:
        parse_distribution({"dist": "lognormal", "low": 1}, key="adjustments.deadweight",
                           file=FILE)
    msg = str(exc.value)
    assert msg.startswith(f"{FILE}: key 'adjustments.deadweight.dist'")
    for name in DISTRIBUTIONS:
        assert name in msg
    assert exc.value.key == "adjustments.deadweight.dist"


def test_misspelt_distribution_suggests_the_name() -> None:
    with pytest.raises(ParamsError, match="did you mean 'triangular'"):
        parse_distribution({"dist": "triangle", "low": 0, "mode": 0.1, "high": 0.2})


def test_unknown_key_is_named_with_its_path() -> None:
    with pytest.raises(ParamsError, match=r"key 'adjustments.leakage.lo'.*did you mean 'low'"):
        parse_distribution({"dist": "uniform", "lo": 0, "high": 1}, key="adjustments.leakage")


def test_missing_key_is_named() -> None:
    with pytest.raises(ParamsError, match=r"key 'adjustments.leakage.mode'.*missing mode"):
        parse_distribution({"dist": "triangular", "low": 0, "high": 1}, key="adjustments.leakage")


def test_non_numeric_value_is_named() -> None:
    with pytest.raises(ParamsError, match=r"key 'x.low': expected a number, got '0.1'"):
        parse_distribution({"dist": "uniform", "low": "0.1", "high": 1}, key="x")
    with pytest.raises(ParamsError, match="expected a number"):
        parse_distribution({"dist": "uniform", "low": True, "high": 1}, key="x")


def test_out_of_order_names_the_offending_key() -> None:
    with pytest.raises(ParamsError, match=r"key 'x.mode'.*low <= mode <= high"):
        parse_distribution({"dist": "pert", "low": 0.3, "mode": 0.2, "high": 0.4}, key="x")


def test_mapping_without_value_or_dist_is_an_error() -> None:
    with pytest.raises(ParamsError, match="give either 'value'"):
        parse_distribution({"low": 0.1}, key="x")


def test_negative_counts_rejected() -> None:
    with pytest.raises(ParamsError, match="successes must be >= 0"):
        BetaCounts(-1, 3)


def test_check_kind_share_and_nonnegative() -> None:
    check_kind(Triangular(0, 0.5, 1), "share", key="k")
    with pytest.raises(ParamsError, match=r"share must lie in \[0, 1\]"):
        check_kind(Fixed(20), "share", key="deadweight")
    with pytest.raises(ParamsError, match="must be >= 0"):
        check_kind(Uniform(-1, 1), "nonnegative", key="multiplier")
    with pytest.raises(ParamsError, match="share"):
        check_kind(Draws([0.1, 1.2]), "share", key="deadweight")


@pytest.mark.parametrize(
    "dist", [Uniform(0.1, 0.3), Triangular(0.1, 0.15, 0.4), Pert(0.1, 0.15, 0.4),
             BetaCounts(20, 80), Draws(np.linspace(0, 1, 11))],
)
def test_samples_vectorised_within_support(dist: object) -> None:
    x = dist.sample(50_000, np.random.default_rng(1))  # type: ignore[attr-defined]
    lo, hi = dist.support()  # type: ignore[attr-defined]
    assert x.shape == (50_000,)
    assert x.min() >= lo and x.max() <= hi


def test_sample_means_match_theory() -> None:
    rng = np.random.default_rng(5)
    n = 400_000
    # PERT mean (low + 4 mode + high) / 6 (Vose 2008); triangular mean (a + b + c) / 3;
    # Beta(s + 0.5, f + 0.5) mean (s + 0.5) / (s + f + 1).
    assert Pert(0.1, 0.15, 0.4).sample(n, rng).mean() == pytest.approx(1.1 / 6, abs=1e-3)
    assert Pert(0.1, 0.15, 0.4).mean == pytest.approx((0.1 + 0.6 + 0.4) / 6)
    assert Triangular(0.1, 0.15, 0.4).sample(n, rng).mean() == pytest.approx(0.65 / 3, abs=1e-3)
    assert BetaCounts(20, 80).sample(n, rng).mean() == pytest.approx(20.5 / 101, abs=1e-3)


def test_draws_resample_the_estimator_draws() -> None:
    d = Draws(np.array([0.1, 0.2, 0.3]), point_value=0.2, source="psm bootstrap")
    x = d.sample(1000, np.random.default_rng(0))
    assert set(np.unique(x)) <= {0.1, 0.2, 0.3}
    assert d.point == 0.2 and "psm bootstrap" in d.describe()
    with pytest.raises(ValueError):
        d.values[0] = 5  # read-only
    with pytest.raises(ParamsError, match="not finite"):
        Draws([0.1, np.nan])


def test_as_distribution_accepts_numbers_specs_and_estimates() -> None:
    assert as_distribution(0.5) == Fixed(0.5)
    assert as_distribution({"dist": "uniform", "low": 0, "high": 1}) == Uniform(0, 1)

    class Estimate:
        def to_distribution(self) -> Draws:
            return Draws([0.1, 0.2])

    assert isinstance(as_distribution(Estimate()), Draws)


def test_same_seed_same_draws_and_streams_independent_of_other_parameters() -> None:
    a = draw_all({"x": Uniform(0, 1), "y": Triangular(0, 1, 2)}, 100, 42)
    b = draw_all({"y": Triangular(0, 1, 2)}, 100, 42)
    c = draw_all({"x": Uniform(0, 1), "y": Triangular(0, 1, 2)}, 100, 42)
    np.testing.assert_array_equal(a["y"], b["y"])
    np.testing.assert_array_equal(a["x"], c["x"])
    assert not np.array_equal(a["x"], draw_all({"x": Uniform(0, 1)}, 100, 43)["x"])
    assert not np.array_equal(rng_for(1, "x").random(3), rng_for(1, "y").random(3))


def test_bad_n_draws_is_an_error() -> None:
    with pytest.raises(ParamsError, match="n_draws must be a positive integer"):
        draw_all({"x": Uniform(0, 1)}, 0, 1)
