"""Checks a user can trust: balance table, love plot, overlap plot and placebo checks."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.disclosure import safe_count
from svimpact.estimators.effects.balance import BALANCE_THRESHOLD
from svimpact.estimators.effects.data import build_design, missing_mask
from svimpact.estimators.effects.fitters import apply_trim, fit_method
from svimpact.estimators.effects.model import _intervals, estimate_effect
from svimpact.estimators.effects.options import check_options
from svimpact.estimators.effects.results import EffectEstimate
from svimpact.exceptions import ParamsError

__all__ = ["PlaceboResult", "balance_table", "love_plot", "overlap_plot", "placebo_check"]

# Okabe-Ito colour-blind-safe palette.
_BLUE, _ORANGE, _GREY = "#0072B2", "#E69F00", "#999999"


def balance_table(estimate: EffectEstimate) -> pd.DataFrame:
    """Standardised mean differences before and after adjustment, with a pass/fail flag.

    ``balanced`` is True when |SMD after| (or before, for methods that do not reweight) is at
    most 0.1 (Austin 2009).
    """
    table = estimate.balance.copy()
    col = "smd_after" if table["smd_after"].notna().any() else "smd_before"
    table["balanced"] = table[col].abs() <= BALANCE_THRESHOLD
    return table


def love_plot(estimate: EffectEstimate, balance: pd.DataFrame | None = None):  # noqa: ANN201 - matplotlib Figure
    """Dot plot of |standardised mean differences| before and after, one row per covariate.

    ``balance`` replaces ``estimate.balance`` (e.g. the published table, whose withheld rows are not drawn).
    """
    import matplotlib.pyplot as plt

    table = estimate.balance if balance is None else balance
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(table) + 1.5))
    ypos = np.arange(len(table))[::-1]
    ax.scatter(table["smd_before"].abs(), ypos, color=_ORANGE, marker="o", label="before")
    if table["smd_after"].notna().any():
        ax.scatter(table["smd_after"].abs(), ypos, color=_BLUE, marker="s", label="after")
    ax.axvline(BALANCE_THRESHOLD, color=_GREY, linestyle="--", label="0.1 threshold")
    ax.set_yticks(ypos, table["covariate"])
    ax.set_xlabel("absolute standardised mean difference")
    ax.set_title(f"Covariate balance ({estimate.method})")
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return fig


def overlap_plot(estimate: EffectEstimate, bins: int = 40, *, rule: str | None = None):  # noqa: ANN201
    """Histograms (densities) of propensity scores for participants and comparison units.

    With a disclosure ``rule`` (for published figures), the counts in the title and legend are
    shown as the rule publishes them (small ones suppressed, others rounded).
    """
    import matplotlib.pyplot as plt

    if estimate.overlap is None:
        raise ParamsError(
            f"method {estimate.method!r} has no propensity score; overlap plots need "
            "'regression', 'psm', 'ipw', 'aipw' or 'ols' with covariates", key="method",
        )
    ov = estimate.overlap
    fig, ax = plt.subplots(figsize=(6, 3.5))
    edges = np.linspace(0, 1, bins + 1)
    if rule is None:
        def shown(n: int) -> str:
            return f"{n:,}"
    else:
        def shown(n: int) -> str:
            return safe_count(n, rule)
    groups = ((ov.scores_comparison, _ORANGE, "comparison"), (ov.scores_treated, _BLUE, "participants"))
    if rule is None:
        for scores, colour, name in groups:
            # matplotlib's stubs say bins is an int or a sequence of floats; an array of edges is what it accepts
            ax.hist(scores, bins=edges, density=True, alpha=0.6, color=colour,  # type: ignore[arg-type]
                    label=f"{name} (n={shown(len(scores))})")
    else:
        # Published: smoothed densities (Gaussian kernel, Scott's bandwidth), not histograms, whose bar
        # heights times N would give back bin counts of 1 to 7 people.
        from scipy.stats import gaussian_kde

        grid = np.linspace(0, 1, 201)
        for scores, colour, name in groups:
            scores = np.asarray(scores, dtype=float)
            if scores.size < 2 or np.ptp(scores) == 0:
                continue
            density = gaussian_kde(scores)(grid)
            ax.fill_between(grid, density, alpha=0.35, color=colour, linewidth=0)
            ax.plot(grid, density, color=colour, label=f"{name} (n={shown(len(scores))})")
    ax.set_xlabel("propensity score")
    ax.set_ylabel("density")
    ax.set_title(f"Propensity overlap: {shown(ov.n_off_support)} participants outside the comparison "
                 "group's score range")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


_TESTS = {
    "fake_treatment": (
        "Placebo (fake treatment): a random subset of the comparison group was labelled as "
        "participants and the estimator re-run (propensity model re-fitted each time). The true "
        "effect is zero, so about {nominal:.0%} of intervals should exclude zero. This tests "
        "that the estimator and its intervals behave on data like yours. It does NOT test for "
        "selection on unobservables among real participants: the fake participants were chosen "
        "at random, so hidden differences between real participants and the comparison group "
        "are invisible to it."
    ),
    "fake_outcome": (
        "Placebo (fake outcome): the estimator was re-run with '{fake}' - something the "
        "programme cannot have changed - as the outcome. An interval excluding zero means the "
        "adjusted groups still differ, a warning sign of selection bias. It does NOT prove the "
        "real estimate is unbiased: selection may act on the real outcome and not on '{fake}'."
    ),
}


@dataclass(frozen=True, eq=False)
class PlaceboResult(ResultMixin):
    """Placebo estimates (true effect zero) and how many intervals exclude zero."""

    kind: str
    method: str
    estimates: pd.DataFrame
    level: float
    description: str
    params: dict[str, Any] = field(default_factory=dict)

    _title = "Placebo check"

    @property
    def rejection_rate(self) -> float:
        """Share of placebo intervals that exclude zero (expected: 1 - level)."""
        return float(self.estimates["excludes_zero"].mean())

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): the placebo summary numbers."""
        method = f"placebo ({self.kind}), {self.method}"
        return result_frame([
            {"measure": "placebo replicates", "value": len(self.estimates), "method": "count"},
            {"measure": "mean placebo ATT", "value": float(self.estimates["att"].mean()),
             "method": method},
            {"measure": "share of intervals excluding zero", "value": self.rejection_rate,
             "level": self.level, "method": method},
            {"measure": "expected share", "value": 1 - self.level, "level": self.level,
             "method": "1 - level"},
        ])

    def table(self) -> pd.DataFrame:
        """One row: kind, method, replicates, mean placebo ATT, share excluding zero, expected."""
        e = self.estimates
        return pd.DataFrame({
            "kind": [self.kind], "method": [self.method], "replicates": [len(e)],
            "mean_placebo_att": [float(e["att"].mean())],
            "share_excluding_zero": [self.rejection_rate],
            "expected_share": [1 - self.level],
        })

    def _notes(self) -> list[str]:
        return [self.description]


def placebo_check(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    method: str = "aipw",
    kind: str = "fake_treatment",
    fake_outcome: str | None = None,
    n_placebos: int = 20,
    seed: int = 0,
    **kwargs: Any,
) -> PlaceboResult:
    """Re-run ``estimate_effect`` where the true effect is known to be zero.

    ``kind="fake_treatment"`` draws ``n_placebos`` random pseudo-participant groups from the
    comparison group (as many as there are participants, at most half the comparison group);
    ``kind="fake_outcome"`` uses the column ``fake_outcome`` (e.g. the outcome measured before
    the programme) as the outcome, with the real treatment. ``kwargs`` go to
    ``estimate_effect``. The result's text says what the check does and does not test.
    """
    if kind not in _TESTS:
        raise ParamsError(f"unknown kind {kind!r}; choose one of {', '.join(_TESTS)}", key="kind")
    level = kwargs.get("level", 0.95)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "fake_outcome":
            if fake_outcome is None:
                raise ParamsError("kind='fake_outcome' needs fake_outcome='<column>'",
                                  key="fake_outcome")
            covs = [c for c in covariates if c != fake_outcome]
            est = estimate_effect(data, outcome=fake_outcome, treatment=treatment,
                                  covariates=covs, method=method, seed=seed, **kwargs)
            rows.append(_row(est.att))
        else:
            rows = _fake_treatments(data, outcome, treatment, covariates, method, n_placebos,
                                    seed, kwargs)
    desc = _TESTS[kind].format(nominal=1 - level, fake=fake_outcome)
    return PlaceboResult(kind, method, pd.DataFrame(rows), level, desc,
                         {"seed": seed, "n_placebos": n_placebos, "fake_outcome": fake_outcome})


def _fake_treatments(data: pd.DataFrame, outcome: str, treatment: str,
                     covariates: Sequence[str], method: str, n: int, seed: int,
                     kwargs: dict[str, Any]) -> list[dict[str, float]]:
    """The placebo estimates, identical to ``estimate_effect`` on each fake assignment.

    Only the treatment column changes between placebos, so the checked design (outcome,
    covariate matrix, rank check) is built once and each placebo re-fits just the estimator
    (propensity and outcome models, sandwich or bootstrap) with the generator
    ``estimate_effect(seed=seed + i + 1)`` would use. What a placebo does not report - Monte
    Carlo draws, balance table, overlap warnings - is not computed.
    """
    import inspect


    rng = np.random.default_rng(seed)
    comp = data.loc[data[treatment] == 0].reset_index(drop=True)
    n_fake = int(min((data[treatment] == 1).sum(), len(comp) // 2))
    fakes = []
    for _ in range(n):
        fake = np.zeros(len(comp), dtype=int)
        fake[rng.choice(len(comp), n_fake, replace=False)] = 1
        fakes.append(fake)
    if n == 0:
        return []
    # estimate_effect's own argument checks, once (same errors for bad or unknown kwargs)
    args = inspect.signature(estimate_effect).bind(
        comp, outcome=outcome, treatment=treatment, covariates=covariates, method=method,
        seed=seed, **kwargs)
    args.apply_defaults()
    a = args.arguments
    options = check_options(method, covariates, n_neighbors=a["n_neighbors"], caliper=a["caliper"],
                            n_boot=a["n_boot"], level=a["level"], n_draws=a["n_draws"], se=a["se"],
                            cluster=a["cluster"], trim=a["trim"], match_on=a["match_on"],
                            propensity_model=a["propensity_model"],
                            propensity_covariates=a["propensity_covariates"])
    first = comp.assign(**{treatment: fakes[0]})
    design = build_design(first, outcome=outcome, treatment=treatment, covariates=covariates,
                          dropna=a["dropna"], propensity_covariates=a["propensity_covariates"],
                          cluster=a["cluster"])  # raises as estimate_effect would (e.g. no fakes)
    used = [outcome, treatment, *covariates, *(a["propensity_covariates"] or ()),
            *([a["cluster"]] if a["cluster"] else [])]
    keep = (~missing_mask(first, list(dict.fromkeys(used))) if a["dropna"]
            else np.ones(len(comp), dtype=bool))
    rows = []
    for i, fake in enumerate(fakes):
        t = fake[keep].astype(float)
        if i and not 0 < t.sum() < len(t):  # no fake participants left after dropna
            est = estimate_effect(comp.assign(**{treatment: fake}), outcome=outcome,
                                  treatment=treatment, covariates=covariates, method=method,
                                  seed=seed + i + 1, **kwargs)  # raises the usual error
            rows.append(_row(est.att))
            continue
        d, _ = apply_trim(replace(design, t=t), options)
        boot_rng = np.random.default_rng(np.random.SeedSequence(seed + i + 1).spawn(2)[0])
        fit = fit_method(d, options, boot_rng)
        dw_ok = bool((d.y >= 0).all() and fit.observed > 0)
        att, _, _ = _intervals(fit, d.binary_outcome, dw_ok, a["level"])
        rows.append(_row(att))
    return rows


def _row(att: Interval) -> dict[str, float]:
    return {"att": att.value, "lower": att.lower, "upper": att.upper,
            "excludes_zero": not att.contains(0.0)}
