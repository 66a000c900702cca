"""Tests for svimpact.estimators.diagnostics (balance, plots, placebo)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from svimpact.datasets.simulate import simulate_programme
from svimpact.estimators.diagnostics import (
    balance_table,
    love_plot,
    overlap_plot,
    placebo_check,
)
from svimpact.estimators.effects import estimate_effect
from svimpact.exceptions import ParamsError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def sim():
    return simulate_programme(300, 1500, seed=21)


@pytest.fixture(scope="module")
def est(sim):
    return estimate_effect(sim.data, outcome="outcome", treatment="treated",
                           covariates=sim.covariates, method="ipw")


def test_balance_table_flags(est):
    table = balance_table(est)
    assert table["balanced"].all()
    assert (table["smd_before"].abs() > 0.1).any()


def test_love_plot_structure(est):
    fig = love_plot(est)
    ax = fig.axes[0]
    ypos = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert ypos["x1"] > ypos["benefit_type[UC]"]  # first covariate at the top
    assert len(ax.collections) == 2  # before and after
    assert ax.lines[0].get_xdata()[0] == pytest.approx(0.1)


def test_overlap_plot(est):
    fig = overlap_plot(est)
    n_off = est.overlap.n_off_support
    assert fig.axes[0].get_title() == (f"Propensity overlap: {n_off:,} participants outside the comparison "
                                      "group's score range")


def test_overlap_plot_protects_small_counts_when_published(est):
    """With a disclosure rule, a count of 1-7 in the title or legend is shown as [c]."""
    import dataclasses

    small = dataclasses.replace(est, overlap=dataclasses.replace(est.overlap, n_off_support=3))
    fig = overlap_plot(small, rule="nhs-hes")
    assert "[c] participants outside" in fig.axes[0].get_title()
    assert " 3 participants" not in fig.axes[0].get_title()


def test_overlap_plot_needs_score(sim):
    diff = estimate_effect(sim.data, outcome="outcome", treatment="treated",
                           covariates=sim.covariates, method="difference")
    with pytest.raises(ParamsError, match="no propensity score"):
        overlap_plot(diff)


def test_placebo_fake_treatment(sim):
    res = placebo_check(sim.data, outcome="outcome", treatment="treated",
                        covariates=sim.covariates, method="aipw", n_placebos=20, seed=3)
    assert len(res.estimates) == 20
    assert abs(res.estimates["att"].mean()) < 0.1
    assert res.rejection_rate <= 0.2
    text = str(res)
    assert "does NOT test" in text and "re-run" in text


def test_placebo_fake_outcome(sim):
    df = sim.data.assign(prior=sim.data.x1 + np.random.default_rng(0).normal(size=len(sim.data)))
    res = placebo_check(df, outcome="outcome", treatment="treated",
                        covariates=sim.covariates, kind="fake_outcome", fake_outcome="prior",
                        method="ipw")
    assert len(res.estimates) == 1
    assert "'prior'" in res.description


def test_placebo_unknown_kind(sim):
    with pytest.raises(ParamsError, match="unknown kind 'fake'; choose one of fake_treatment"):
        placebo_check(sim.data, outcome="outcome", treatment="treated",
                      covariates=sim.covariates, kind="fake")


def _reference_placebos(data, treatment, n, seed, **kw):
    """The placebo estimates as placebo_check defines them: estimate_effect on each fake group."""
    rng = np.random.default_rng(seed)
    comp = data.loc[data[treatment] == 0].reset_index(drop=True)
    n_fake = int(min((data[treatment] == 1).sum(), len(comp) // 2))
    rows = []
    for i in range(n):
        fake = np.zeros(len(comp), dtype=int)
        fake[rng.choice(len(comp), n_fake, replace=False)] = 1
        e = estimate_effect(comp.assign(**{treatment: fake}), treatment=treatment, seed=seed + i + 1, **kw)
        rows.append((e.att.value, e.att.lower, e.att.upper))
    return rows


@pytest.mark.parametrize("method, extra", [("aipw", {}), ("ipw", {}), ("regression", {}),
                                           ("difference", {}), ("psm", {"n_boot": 50}),
                                           ("aipw", {"dropna": True, "level": 0.9})])
def test_placebo_fast_path_matches_estimate_effect_exactly(sim, method, extra):
    data = sim.data.copy()
    if extra.get("dropna"):
        data.loc[data.index[::7], sim.covariates[0]] = np.nan
    kw = dict(outcome="outcome", covariates=sim.covariates, method=method, **extra)
    res = placebo_check(data, treatment="treated", n_placebos=3, seed=5, **kw)
    ref = _reference_placebos(data, "treated", 3, 5, **kw)
    got = list(res.estimates[["att", "lower", "upper"]].itertuples(index=False, name=None))
    assert got == ref  # bit for bit


def test_placebo_rejects_unknown_estimator_arguments(sim):
    with pytest.raises(TypeError):
        placebo_check(sim.data, outcome="outcome", treatment="treated", covariates=sim.covariates,
                      n_placebos=2, n_bootstrap=3)


def test_overlap_plot_draws_two_translucent_densities(est):
    """Each group's histogram is a density (bar areas sum to one) drawn see-through, so a large
    comparison group cannot hide the participants (a lost density=True once drew raw counts)."""
    import matplotlib.pyplot as plt

    fig = overlap_plot(est)
    ax = fig.axes[0]
    for container in ax.containers:
        area = sum(bar.get_height() * bar.get_width() for bar in container)
        assert area == pytest.approx(1.0, rel=1e-9)
        assert all(bar.get_alpha() == pytest.approx(0.6) for bar in container)
    assert len(ax.containers) == 2
    plt.close(fig)
