"""The explore notebook's helpers (svimpact.report.walkthrough) and the notebook's shape.

The notebook itself runs under nbval (notebooks/explore.ipynb); these tests pin what it shows: the
columns come from the schemas, the data gate's message for a broken copy names file, column and
rows without any identifier, numbers carry true minus signs and no scientific notation, and each
figure is drawn once.
"""

from __future__ import annotations

import ast
import re
import sys

import nbformat
import pandas as pd
import pytest
from conftest import REPO

import svimpact
from svimpact._results import Interval
from svimpact.io.params import load_service_params
from svimpact.report import walkthrough as walk

HIW = REPO / "params" / "households_into_work.yaml"
HF = REPO / "params" / "housing_first.yaml"
NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
HYPHEN_BEFORE_DIGIT = re.compile(r"(?<![\w.])-\d")
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


def test_columns_come_from_the_params_not_a_typed_list():
    params = load_service_params(HIW)
    cols = walk.input_columns(params)
    assert set(params.effect.covariates) <= set(cols["column"])
    assert {params.id_column, *params.outcome.columns, params.cost_column, params.targeting.need} <= set(cols["column"])
    # Change the params and the table follows: the check can fail.
    other = params.model_copy(update={"effect": params.effect.model_copy(update={"covariates": ["age"]})})
    assert "household_size" not in set(walk.input_columns(other)["column"])
    assert cols.loc[cols["column"] == "imd_decile", "holds"].item() == "a whole number from 1 to 10"


def test_params_keys_come_from_the_params_model():
    keys = walk.params_keys().set_index("key")
    assert keys.loc["outcome.kind", "default"] == "binary" and keys.loc["id_column", "required?"] == "yes"
    assert keys.loc["disclosure.rule", "default"] == "nhs-hes" and "source_file" not in keys.index
    assert set(keys.index) >= {f"data.{k}" for k in ("participants", "comparison", "areas")}


@pytest.mark.parametrize("params_file", [HIW, HF], ids=["households_into_work", "housing_first"])
def test_broken_copy_gives_a_clear_error_without_identifiers(tmp_path, params_file):
    params = load_service_params(params_file)
    broken, faults = walk.broken_copy(params, tmp_path)
    assert len(faults) == 2
    with pytest.raises(svimpact.InputDataError) as err:
        svimpact.open_service(broken)
    message = str(err.value)
    assert f"column '{params.id_column}'" in message and "(row 3)" in message and "row 5" in message
    assert "broken_" in message and "Traceback" not in message
    ids = pd.read_csv(params.data.participants, dtype=str)[params.id_column].head(10)
    assert not any(i in message for i in ids), "an identifier reached the error message"
    # The original data are untouched and still pass the gate.
    assert svimpact.open_service(params_file).data.n_excluded == 0


def test_numbers_have_true_minus_signs_and_no_scientific_notation():
    assert walk.minus_signs("age (-0.18), -£5 and x-1") == "age (\u22120.18), \u2212£5 and x-1"
    iv = Interval(-434_031, -1_415_078, 2_111_555, 0.95, "Monte Carlo")
    assert walk.span(iv, "money") == "\u2212£1.4 million to £2.1 million"  # one step from the width, one unit
    assert walk.span(Interval(1.6e-06, -2e-05, 3e-05), "number") == "\u22120.000020 to 0.000030"
    assert walk.span(Interval.exact(3.0)) == ""


def _effect(att: float, dw: float):
    from types import SimpleNamespace

    return SimpleNamespace(att=Interval(att, att - 0.02, att + 0.02, 0.95, "normal"),
                           deadweight=Interval(dw, dw - 0.05, dw + 0.05, 0.95, "normal"), sms_level=2,
                           warnings=("same note",))


def test_estimator_table_is_text_in_percentage_points():
    table = walk.estimator_table({"aipw": _effect(0.12, 0.655), "difference": _effect(-0.0000016, 0.9)})
    text = table.to_string()
    assert table.iloc[0, 0] == "Doubly robust estimator (augmented inverse probability weighting)"
    assert table.iloc[0, 1] == "12.0" and table.iloc[0, 2] == "10.0 to 14.0" and table.iloc[0, 3] == "65.5%"
    assert table.iloc[1, 2] == "\u22122.0 to 2.0"
    assert not HYPHEN_BEFORE_DIGIT.search(text) and not SCIENTIFIC.search(text)
    assert walk.estimator_notes({"aipw": _effect(0.1, 0.5), "psm": _effect(0.1, 0.5)}) == ["same note"]
    # A duration outcome: one row per time since start, the effect in percentage points of the share still going.
    by_time = walk.estimator_table({"at 26 weeks": _effect(0.082, 0.881)}, "duration", row="time since start")
    assert by_time.loc[0, "time since start"] == "at 26 weeks" and by_time.iloc[0, 1] == "8.2"
    assert "percentage points" in by_time.columns[1]


def test_local_authority_table_is_published_with_secondary_suppression():
    from types import SimpleNamespace

    params = load_service_params(HIW)
    areas = pd.DataFrame({"lsoa_code": ["a", "b", "c"], "lad_code": ["L1", "L2", "L3"]})
    people = pd.DataFrame({"lsoa_code": ["a"] * 40 + ["b"] * 3 + ["c"] * 120})
    data = SimpleNamespace(params=params, participants=people, areas=areas)
    names = pd.DataFrame({"lad_code": ["L1", "L2", "L3"], "lad_name": ["Alpha", "Beta", "Gamma"]})
    published = walk.by_local_authority(data, "nhs-hes", names).to_publish()
    assert published["local authority"].tolist() == ["Alpha", "Beta", "Gamma", "Total"]
    assert published["participants"].tolist() == ["[c]", "[c]", 120, 165]  # Beta small, Alpha withheld with it
    assert "3" not in walk.show(walk.by_local_authority(data, "nhs-hes", names)).data.replace("Beta", "")


def _calls(source: str) -> list[str]:
    return [node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]


def test_notebook_shows_each_figure_once_and_keeps_its_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "params_path" in tagged[0].source and "seed" in tagged[0].source
    calls = [name for c in code for name in _calls(c.source)]
    for figure in ("love_plot", "overlap_plot", "chart", "reach_map", "interactive_map", "estimator_table",
                   "appraisal_table", "chain_table", "sustainment_figure"):
        assert calls.count(figure) == 1, f"{figure} is called {calls.count(figure)} times"
    assert not any(c.outputs for c in code), "explore.ipynb is committed without outputs"


def test_notebook_is_the_one_the_build_script_writes():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_explore_notebook as build
    finally:
        sys.path.pop(0)
    built = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in build.build().cells]
    stored = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nbformat.read(NOTEBOOK, as_version=4).cells]
    assert built == stored, "notebooks/explore.ipynb differs from scripts/build_explore_notebook.py: run the script"


def test_appraisal_table_writes_pounds_and_says_not_computed():
    from types import SimpleNamespace

    iv = Interval(-434_031, -1_415_078, 2_111_555, 0.95, "Monte Carlo")
    appraisal = SimpleNamespace(pv_benefits=Interval(3_918_889, 2_937_842, 6_464_475), pv_costs=Interval.exact(4_352_920),
                                npsv=iv, bcr=None, cost_per_outcome=Interval(15_092, 12_977, 18_933))
    table = walk.appraisal_table(appraisal)
    assert table.loc[1, "central value"] == "£4.35 million" and table.loc[1, "95% interval"] == ""
    assert table.loc[2, "central value"] == "\u2212£0.4 million"
    assert table.loc[3, "central value"] == "not computed"
    assert table.loc[4, "central value"] == "£15,100" and table.loc[4, "95% interval"] == "£13,000 to £18,900"
    text = table.to_string()
    assert not HYPHEN_BEFORE_DIGIT.search(text) and not SCIENTIFIC.search(text)
