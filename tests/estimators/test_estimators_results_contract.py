"""Every result class in svimpact.estimators keeps the results contract.

``to_frame()`` has exactly ``svimpact._results.RESULT_COLUMNS``; ``summary()`` is the text.
"""

from __future__ import annotations

import pandas as pd
import pytest

from svimpact._results import RESULT_COLUMNS, ResultMixin
from svimpact.datasets.simulate import simulate_did, simulate_programme
from svimpact.estimators.additionality import net_additional
from svimpact.estimators.appraisal import appraise
from svimpact.estimators.diagnostics import placebo_check
from svimpact.estimators.did import estimate_did
from svimpact.estimators.distributions import Triangular
from svimpact.estimators.effects import estimate_effect
from svimpact.estimators.ledger import Ledger
from svimpact.estimators.survey import leakage_from_geography, survey_deadweight
from svimpact.estimators.valuation import UnitValue

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

VALUE = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                  "Local authority", "test fixture (made-up)", "n/a")


def _effect():
    sim = simulate_programme(200, 800, seed=5)
    return estimate_effect(sim.data, outcome="outcome", treatment="treated",
                           covariates=sim.covariates, method="aipw", seed=1)


def _did():
    sim = simulate_did(200, 2, n_clusters=40, panel=False, seed=3)
    return estimate_did(sim.data, outcome="outcome", treated="treated", post="post", cluster="area")


def _ledger():
    return Ledger.from_mapping({"adjustments": {
        "deadweight": {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.35,
                       "evidence": {"method": "survey", "source": {"document": "HF survey"},
                                    "sms_level": 1}},
        "leakage": {"value": 0.12, "evidence": {"method": "assumption", "confidence": "low"}},
    }}, file="params/test.yaml")


def _placebo():
    sim = simulate_programme(200, 800, seed=5)
    return placebo_check(sim.data, outcome="outcome", treatment="treated",
                         covariates=sim.covariates, method="ipw", n_placebos=3, seed=3)


def _survey():
    codes = ["yes_fully"] * 10 + ["partly"] * 20 + ["no"] * 60 + ["dont_know"] * 10
    return survey_deadweight(pd.DataFrame({"answer": codes}))


def _leakage():
    return leakage_from_geography(pd.DataFrame({"lsoa": ["A", "B", "Z", "A"]}), "lsoa", {"A", "B"})


RESULTS = {
    "EffectEstimate": _effect,
    "EffectEstimate (DiD)": _did,
    "NetAdditionalResult": lambda: net_additional(100, deadweight=Triangular(0.1, 0.2, 0.3), seed=1),
    "AppraisalResult": lambda: appraise({"deadweight": Triangular(0.1, 0.2, 0.3)}, 100, 50_000, [VALUE],
                                        n_draws=500, seed=1),
    "Ledger": _ledger,
    "PlaceboResult": _placebo,
    "SurveyShareResult": _survey,
    "LeakageResult": _leakage,
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_to_frame_has_the_contract_columns_and_summary_is_text(name: str) -> None:
    result = RESULTS[name]()
    assert isinstance(result, ResultMixin)
    frame = result.to_frame()
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert len(frame) > 0
    assert str(result.summary())


def test_every_result_class_is_covered() -> None:
    """A new result class in svimpact.estimators must be added to RESULTS above."""
    import importlib
    import pkgutil

    import svimpact.estimators as est

    for info in pkgutil.walk_packages(est.__path__, est.__name__ + "."):
        importlib.import_module(info.name)

    def subclasses(cls: type) -> set[type]:
        out = set(cls.__subclasses__())
        return out.union(*(subclasses(c) for c in out))

    ours = {c.__name__ for c in subclasses(ResultMixin) if c.__module__.startswith("svimpact.estimators")}
    covered = {name.split(" ")[0] for name in RESULTS}
    assert ours <= covered, sorted(ours - covered)
