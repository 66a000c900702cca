from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO

from svimpact.exceptions import ParamsError
from svimpact.io.params import load_batch_params, load_service_params

HF = REPO / "params" / "housing_first.yaml"


def _variant(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(HF.read_text())
    mutate(data)
    for key, value in data["data"].items():
        data["data"][key] = str((HF.parent / value).resolve())
    path = tmp_path / "hf.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bundled_params_validate():
    batch = load_batch_params(REPO / "params" / "year_one.yaml")
    assert [p.name for p in batch.services] == ["housing_first.yaml", "households_into_work.yaml"]
    assert batch.output_dir == (REPO / "reports" / "year-one").resolve()
    hf = load_service_params(HF)
    assert hf.data.participants.is_absolute() and hf.data.participants.is_file()


def test_unknown_key_suggests_the_right_one(tmp_path):
    path = _variant(tmp_path, lambda d: d["effect"].update(covarites=d["effect"].pop("covariates")))
    with pytest.raises(ParamsError, match=r"hf.yaml: key 'effect.covarites': unknown key; did you mean 'covariates'\?"):
        load_service_params(path)


def test_missing_key_is_named(tmp_path):
    path = _variant(tmp_path, lambda d: d.pop("outcome"))
    with pytest.raises(ParamsError, match="key 'outcome': required key is missing"):
        load_service_params(path)


def test_share_outside_unit_interval(tmp_path):
    def mutate(d):
        d["adjustments"]["substitution"]["value"] = 1.2
    path = _variant(tmp_path, mutate)
    with pytest.raises(ParamsError, match=r"hf.yaml: key 'adjustments.substitution.*1.2"):
        load_service_params(path)


def test_unknown_ledger_entry_and_distribution(tmp_path):
    path = _variant(tmp_path, lambda d: d["adjustments"].update(deadweigth=d["adjustments"].pop("deadweight")))
    with pytest.raises(ParamsError, match=r"hf.yaml: key 'adjustments.deadweigth': unknown key; did you mean 'deadweight'\?"):
        load_service_params(path)
    path = _variant(tmp_path, lambda d: d["adjustments"]["displacement"].update(dist="triangle"))
    with pytest.raises(ParamsError, match=r"hf.yaml: .*adjustments.displacement.*triangle.*triangular"):
        load_service_params(path)


def test_missing_file_names_key(tmp_path):
    path = _variant(tmp_path, lambda d: d["data"].update(survey="/nowhere/survey.csv"))
    with pytest.raises(ParamsError, match="key 'data.survey': file not found: /nowhere/survey.csv"):
        load_service_params(path)


def test_bad_yaml_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("service: x\n  title: : bad\n")
    with pytest.raises(ParamsError, match=r"broken.yaml: not valid YAML at line 2"):
        load_service_params(path)


def test_unknown_disclosure_rule(tmp_path):
    path = _variant(tmp_path, lambda d: d["disclosure"].update(rule="suppress-everything"))
    with pytest.raises(ParamsError, match="unknown disclosure rule 'suppress-everything'"):
        load_service_params(path)


def test_batch_missing_notebook(tmp_path):
    data = yaml.safe_load((REPO / "params" / "year_one.yaml").read_text())
    data["services"] = [str(REPO / "params" / s) for s in data["services"]]
    data["notebook_dir"] = str(REPO / "notebooks")
    data["notebooks"] = ["additionality", "no_such_notebook"]
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ParamsError, match=r"key 'notebooks.1': notebook not found"):
        load_batch_params(path)


def test_adjustments_are_part_of_the_one_params_schema(tmp_path):
    """Distribution keys, ordering and evidence rules are checked when the params file is read."""
    from svimpact.estimators.ledger import LEDGER_KINDS
    from svimpact.io.adjustments import ADJUSTMENT_NAMES

    assert set(ADJUSTMENT_NAMES) == set(LEDGER_KINDS)
    path = _variant(tmp_path, lambda d: d["adjustments"]["displacement"].update(low=0.3))
    with pytest.raises(ParamsError, match=r"hf.yaml: key 'adjustments.displacement': a triangular distribution needs "
                                          r"low <= mode <= high"):
        load_service_params(path)
    path = _variant(tmp_path, lambda d: d["adjustments"]["displacement"]["evidence"].pop("confidence"))
    with pytest.raises(ParamsError, match=r"key 'adjustments.displacement.evidence': give the Maryland SMS level"):
        load_service_params(path)
    path = _variant(tmp_path, lambda d: d["adjustments"].update(substitution={"value": 0.0, "evidence": "assumption",
                                                                               "confidence": "medium"}))
    params = load_service_params(path)  # the flat evidence form is accepted and normalised
    assert params.adjustments.substitution.evidence.method == "assumption"
    assert params.ledger()["substitution"].evidence.confidence == "medium"


def test_params_survive_the_run_plan_snapshot():
    """open_service rebuilds params from their JSON dump in the plan: the round trip must be exact."""
    from svimpact.io.params import ServiceParams

    for name in ("housing_first", "households_into_work"):
        params = load_service_params(REPO / "params" / f"{name}.yaml")
        again = ServiceParams.model_validate(params.model_dump(mode="json"))
        assert again.model_dump() == params.model_dump()


def test_effect_options_reach_the_estimator(tmp_path):
    def mutate(d):
        d["effect"].update(method="ols", se="hc1", trim=[0.1, 0.9], propensity_covariates=["age"])
    params = load_service_params(_variant(tmp_path, mutate))
    assert params.effect.method == "ols"
    assert params.effect.options() == {"propensity_covariates": ["age"], "se": "hc1", "trim": (0.1, 0.9)}
    assert load_service_params(HF).effect.options() == {}

    def bad(d):
        d["effect"]["se"] = "robust"
    with pytest.raises(ParamsError, match=r"key 'effect.se'"):
        load_service_params(_variant(tmp_path, bad))
