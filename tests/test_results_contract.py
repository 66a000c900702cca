"""Every result class in svimpact keeps the one results contract (issue 11).

``to_frame()`` returns exactly ``svimpact._results.RESULT_COLUMNS`` (measure, value, lower, upper,
level, method, source) with a non-empty text ``measure`` in every row; ``summary()`` is the one text
method (a ``Summary`` whose ``str()`` is the text, not empty) and no result class grows
``describe()``/``text()``/``to_text()``.

The classes are found, not listed: every svimpact module is imported and every subclass of
``ResultMixin`` (recursively) must have a factory in :data:`FACTORIES` building a small real
instance, so a new result class cannot escape the contract. A factory returns one instance or a
list of them (several ways to build the same class).
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import svimpact
from svimpact._results import RESULT_COLUMNS, ResultMixin, Summary
from svimpact.datasets.simulate import simulate_did, simulate_programme
from svimpact.estimators.additionality import NetAdditionalResult, net_additional
from svimpact.estimators.appraisal import AppraisalResult, appraise
from svimpact.estimators.diagnostics import PlaceboResult, placebo_check
from svimpact.estimators.did import StaggeredDidEstimate, estimate_did
from svimpact.estimators.distributions import Triangular
from svimpact.estimators.effects import EffectEstimate, estimate_effect
from svimpact.estimators.ledger import Ledger
from svimpact.estimators.survey import LeakageResult, SurveyShareResult, leakage_from_geography, survey_deadweight
from svimpact.estimators.sustainment import SustainmentEstimate, SustainmentResults, estimate_sustainment
from svimpact.estimators.valuation import UnitValue
from svimpact.gate.report import Finding, GateReport
from svimpact.geo.boundaries import BoundaryJoin, join_imd
from svimpact.geo.editions import tag_iod
from svimpact.geo.inequality import ConcentrationResult, SIIResult, concentration_index, phe_sii
from svimpact.geo.postcodes import PostcodeLookup, lookup_postcodes
from svimpact.geo.summaries import AreaSummary, area_summary
from svimpact.geo.targeting import (
    Core20Result,
    DecileProfile,
    GapResult,
    PriorityResult,
    ReachResult,
    TargetingResult,
    count_users,
    deprivation_gap,
    targeting,
)
from svimpact.io.validate.report import Problem, ValidationReport
from svimpact.report.batch import BatchResult, JobResult
from svimpact.report.plan import load_run
from svimpact.report.reproduce import ReproduceReport

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- estimators
VALUE = UnitValue("f", "Fiscal saving", 1000, "GBP per person per year", "2020", "fiscal",
                  "Local authority", "test fixture (made-up)", "n/a")


def _effects() -> list[EffectEstimate]:
    sim = simulate_programme(200, 800, seed=5)
    aipw = estimate_effect(sim.data, outcome="outcome", treatment="treated", covariates=sim.covariates,
                           method="aipw", seed=1)
    panel = simulate_did(200, 2, n_clusters=40, panel=False, seed=3)
    did = estimate_did(panel.data, outcome="outcome", treated="treated", post="post", cluster="area")
    return [aipw, did]


def _sustainment(horizon: object = 12) -> SustainmentEstimate | SustainmentResults:
    from svimpact.datasets.durations import simulate_sustainment

    sim = simulate_sustainment(seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_sustainment(sim.data, start="start", end="end", cutoff=sim.cutoff, horizon=horizon,
                                    treatment="treated", covariates=sim.covariates)


def _staggered() -> StaggeredDidEstimate:
    data = simulate_did(200, 4, n_clusters=40, first_post=2, seed=3).data
    est = estimate_did(data.assign(cohort=2 * data.treated), outcome="outcome", unit="unit", period="period",
                       cohort="cohort", cluster="area")
    assert isinstance(est, StaggeredDidEstimate)
    return est


def _ledger() -> Ledger:
    return Ledger.from_mapping({"adjustments": {
        "deadweight": {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.35,
                       "evidence": {"method": "survey", "source": {"document": "HF survey"},
                                    "sms_level": 1}},
        "leakage": {"value": 0.12, "evidence": {"method": "assumption", "confidence": "low"}},
    }}, file="params/test.yaml")


def _placebo() -> PlaceboResult:
    sim = simulate_programme(200, 800, seed=5)
    return placebo_check(sim.data, outcome="outcome", treatment="treated",
                         covariates=sim.covariates, method="ipw", n_placebos=3, seed=3)


def _survey() -> SurveyShareResult:
    codes = ["yes_fully"] * 10 + ["partly"] * 20 + ["no"] * 60 + ["dont_know"] * 10
    return survey_deadweight(pd.DataFrame({"answer": codes}))


# ----------------------------------------------------------------------------- geo
USERS = [50, 50, 40, 40, 30, 30, 20, 20, 10, 10, 10, 10, 5, 5, 5, 5, 0, 0, 0, 0]


def _areas() -> pd.DataFrame:
    n = 20
    need = np.linspace(0.1, 0.5, n)
    need[[0, 17, 18, 19]] = [0.99, 0.95, 0.97, 0.96]
    return pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in range(n)], "lsoa_name": [f"Area {i}" for i in range(n)],
        "lad_code": ["E08000012"] * 10 + ["E08000011"] * 10, "lad_name": ["Liverpool"] * 10 + ["Knowsley"] * 10,
        "population": np.full(n, 1000), "imd_score": 100.0 - 5 * np.arange(n), "imd_rank": np.arange(1, n + 1),
        "imd_decile": np.arange(n) // 2 + 1, "employment_score": need,
    })


def _users() -> pd.Series:
    return pd.Series(USERS, index=_areas()["lsoa_code"])


@cache
def _targeting() -> TargetingResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return targeting(_users(), _areas(), seed=1, sii_transform=True, repetitions=1000)


def _boundary_join() -> BoundaryJoin:
    import geopandas as gpd
    from shapely.geometry import box

    areas = _areas()
    shapes = gpd.GeoDataFrame({"lsoa_code": areas["lsoa_code"].iloc[:5]},
                              geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    return join_imd(shapes, areas, code_column="lsoa_code")


def _postcodes() -> PostcodeLookup:
    directory = pd.DataFrame({"postcode": ["L1 8JQ", "L3 9PP"], "terminated": [False, True],
                              "lsoa_code": ["E01000001", "E01000002"]})
    return lookup_postcodes(["l18jq", "L3 9PP", "nonsense", "CH41 6AA"], directory)


# ----------------------------------------------------------------------------- io, gate, report
def _validation() -> list[ValidationReport]:
    quarantine = pd.DataFrame({"file": ["p.csv"], "row": [4], "column": ["age"], "problem": ["not a number"]})
    bad = ValidationReport(
        problems=(Problem("p.csv", "age", "values that are not numbers", (2, 4), "write ages as whole years"),
                  Problem("p.csv", "age", "not a number", (4,), None, "excluded", True),
                  Problem("params.yaml", "effect.method", "unknown method 'x'", (), "did you mean 'aipw'?")),
        quarantine=quarantine, files=("p.csv", "params.yaml"), rows_read=(("p.csv", 10),))
    clean = ValidationReport(files=("p.csv",), rows_read=(("p.csv", 10),))
    return [bad, clean]


def _gate() -> list[GateReport]:
    findings = (Finding("tables/svc__t.csv", "column 'n', row(s) 2", "a count of 3 (1..7 must be suppressed)"),)
    return [GateReport("reports/x", findings, ("tables/svc__t.csv", "index.html"), "nhs-hes", ("a note",)),
            GateReport("reports/x", (), ("index.html",), "nhs-hes")]


@cache
def _plan():
    return load_run(REPO / "params" / "year_one.yaml")  # reads and hashes; writes nothing


def _jobs() -> list[JobResult]:
    job = _plan().jobs()[0]
    return [JobResult(job, "ok", 3.2), JobResult(job, "skipped", 0.0),
            JobResult(job, "failed", 1.5, {"cell": 4, "ename": "ValueError", "evalue": "bad"})]


def _batch() -> BatchResult:
    ok, _, failed = _jobs()
    return BatchResult(_plan(), (ok, failed), None, Path("reports/x/manifest.json"), ("a finding",))


def _reproduce() -> list[ReproduceReport]:
    manifest = Path("reports/x/manifest.json")
    return [ReproduceReport(manifest, (), 12), ReproduceReport(manifest, ("re-run: index.html differs",), 12)]


FACTORIES: dict[type, Callable[[], ResultMixin | list[ResultMixin]]] = {
    # estimators
    EffectEstimate: _effects,
    StaggeredDidEstimate: _staggered,
    SustainmentEstimate: _sustainment,
    SustainmentResults: lambda: _sustainment([6, 12]),
    NetAdditionalResult: lambda: net_additional(100, deadweight=Triangular(0.1, 0.2, 0.3), seed=1),
    AppraisalResult: lambda: appraise({"deadweight": Triangular(0.1, 0.2, 0.3)}, 100, 50_000, [VALUE],
                                      n_draws=500, seed=1),
    Ledger: _ledger,
    PlaceboResult: _placebo,
    SurveyShareResult: _survey,
    LeakageResult: lambda: leakage_from_geography(pd.DataFrame({"lsoa": ["A", "B", "Z", "A"]}), "lsoa", {"A", "B"}),
    # geo
    TargetingResult: _targeting,
    DecileProfile: lambda: _targeting().profile,
    Core20Result: lambda: _targeting().core20,
    ReachResult: lambda: _targeting().reach,
    GapResult: lambda: deprivation_gap(count_users(_users(), _areas())),
    PriorityResult: lambda: _targeting().priority,
    SIIResult: lambda: [_targeting().sii,
                        phe_sii([1, 2, 3, 4, 5], [100] * 5, [10, 8, 6, 4, 2], se=[1] * 5, seed=1)],
    ConcentrationResult: lambda: [_targeting().concentration, concentration_index([1, 2, 3, 4], [1, 2, 3, 4])],
    AreaSummary: lambda: area_summary(tag_iod(_areas(), edition="synthetic", n_national=20)),
    PostcodeLookup: _postcodes,
    BoundaryJoin: _boundary_join,
    # io, gate, report
    ValidationReport: _validation,
    GateReport: _gate,
    JobResult: _jobs,
    BatchResult: _batch,
    ReproduceReport: _reproduce,
}


def _result_classes() -> set[type]:
    """Every subclass of ResultMixin, at any depth, after importing every svimpact module."""
    for info in pkgutil.walk_packages(svimpact.__path__, "svimpact."):
        importlib.import_module(info.name)

    def below(cls: type) -> set[type]:
        direct = set(cls.__subclasses__())
        return direct.union(*(below(c) for c in direct))

    return {c for c in below(ResultMixin) if c.__module__.startswith("svimpact.")}


def test_every_result_class_has_a_factory() -> None:
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in _result_classes() - set(FACTORIES))
    assert not missing, f"add a factory to FACTORIES in {__file__} for {missing}"


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.mark.parametrize("cls", list(FACTORIES), ids=_name)
def test_to_frame_has_the_contract_columns_and_summary_is_text(cls: type) -> None:
    built = FACTORIES[cls]()
    instances = built if isinstance(built, list) else [built]
    assert instances
    for obj in instances:
        assert type(obj) is cls, f"the factory for {cls.__qualname__} built a {type(obj).__qualname__}"
        frame = obj.to_frame()
        assert list(frame.columns) == list(RESULT_COLUMNS)
        assert len(frame) >= 1
        assert frame["measure"].map(lambda m: isinstance(m, str) and m != "").all()
        summary = obj.summary()
        assert isinstance(summary, Summary)
        assert str(summary).strip() and str(obj) == str(summary)
        for other in ("describe", "text", "to_text"):
            assert not hasattr(obj, other), f"{cls.__qualname__} has {other}(); summary() is the one text method"


def test_targeting_wide_headline_table_is_table() -> None:
    t = _targeting()
    # issue 12: the headline table states each measure's precision and why a measure is withheld
    assert list(t.table().columns) == ["measure", "scale", "value", "lower", "upper", "level", "method", "precision",
                                       "note"]
    assert t.table()["value"].tolist() == pytest.approx(t.to_frame()["value"].tolist(), nan_ok=True)


def test_text_of_io_gate_and_report_results_is_unchanged() -> None:
    """The CLI prints these summaries: the text is what ``to_text()``/``summary()`` printed before."""
    bad, clean = _validation()
    assert str(clean.summary()) == ("Validation: OK (1 file(s) checked, 0 error(s), 0 row(s) excluded)\n"
                                    "  p.csv: 10 record(s) read, 0 excluded")
    assert str(bad.summary()).splitlines()[1] == (
        "  [error] p.csv, column 'age': values that are not numbers (rows 2, 4 (2 in all)); write ages as whole years")
    frame = bad.to_frame()
    assert frame.iloc[0][["measure", "value", "method", "source"]].tolist() == [
        "age: values that are not numbers", 2.0, "error", "p.csv"]
    assert np.isnan(frame.iloc[2]["value"])  # a key-level problem affects no rows
    assert list(bad.table().columns) == ["severity", "file", "column", "problem", "n_rows", "rows", "hint"]
    ok, skipped, failed = _jobs()
    name = f"{ok.job.service} x {ok.job.notebook}"
    assert str(ok.summary()) == f"{name}: ok in 3.2 s"
    assert str(failed.summary()) == f"{name}: FAILED in cell 4: ValueError: bad"
    same, differs = _reproduce()
    assert str(same.summary()).startswith("reproduced: all 12 outputs")
    assert str(differs.summary()).splitlines() == [
        "NOT reproduced: 1 difference(s) against reports/x/manifest.json:", "  - re-run: index.html differs"]
    findings, clean_gate = _gate()
    assert str(findings.summary()).splitlines()[1:] == [
        "  - tables/svc__t.csv (column 'n', row(s) 2): a count of 3 (1..7 must be suppressed)", "  note: a note"]
    assert list(findings.table().columns) == ["file", "location", "what"]
