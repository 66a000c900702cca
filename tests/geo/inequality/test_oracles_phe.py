"""svimpact.geo.inequality against PHEindicatormethods' own test cases.

Source of every expected number: the PHEindicatormethods 2.1.0 test workbooks
(ukhsa-collaboration/PHEindicatormethods, tests/testthat/*.xlsx at 093fd288), as CSV in
``../shared/oracles/phe/``; the 30 SII test calls are transcribed in ``sii_test_cases.csv``.
Tolerances follow ``../shared/oracles/README.md`` section 1: proportions, rates, Wilson and
Byars to testthat's default (1.5e-8 relative); SII/RII/intercept point values to 1e-9 relative;
simulated limits by waldo's rule (mean |actual - expected| / mean |expected| over the two areas
below 0.05). The files are GPL-3 data and are read in place, never copied into the repository.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ORACLES as ORACLES_ROOT
from conftest import need

from svimpact.exceptions import InputDataError
from svimpact.geo.inequality import (
    byars_interval,
    phe_proportion,
    phe_quantile,
    phe_rate,
    phe_sii,
    wilson_interval,
)

ORACLES = ORACLES_ROOT / "phe"
CSV = ORACLES / "csv"
RTOL = 1.5e-8


def _read(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(need(CSV / name), **kwargs)


# ----------------------------------------------------------------------------- Wilson / Byars
def test_byars_wilson_internal_functions():
    t = _read("testdata_Byars_Wilson.csv")
    for row in t.itertuples():
        level = 0.95 if row.confidence == "95%" else 0.998
        if row.method == "Byars":
            lo, hi = byars_interval(row.x, level)
        else:
            lo, hi = wilson_interval(row.x, row.n, level)
        if np.isnan(row.lowercl):
            assert np.isnan(lo[0])  # Byars x = 1 at 99.8% goes negative: NA
        else:
            assert lo[0] == pytest.approx(row.lowercl, rel=RTOL)
        assert hi[0] == pytest.approx(row.uppercl, rel=RTOL)


def test_wilson_at_confidence_one_gives_zero_and_one():
    lo, hi = wilson_interval(65, 100, 1)
    assert (lo[0], hi[0]) == (0.0, 1.0)


@pytest.mark.parametrize("suffix,level", [("95_0cl", 0.95), ("99_8cl", 0.998)])
def test_phe_proportion_sheet(suffix, level):
    t = _read("testdata_Proportion__testdata_Prop.csv")
    out = phe_proportion(t.Numerator, t.Denominator, level, multiplier=t.multiplier.to_numpy())
    for ours, theirs in (("value", "value"), ("lower", f"lower{suffix}"), ("upper", f"upper{suffix}")):
        np.testing.assert_allclose(out[ours], t[theirs], rtol=RTOL, equal_nan=True)


def test_phe_proportion_grouped_sheet():
    t = _read("testdata_Proportion__testdata_Prop.csv")
    g = _read("testdata_Proportion__testdata_Prop_g.csv")
    summed = t.groupby("Area", sort=True)[["Numerator", "Denominator"]].sum(min_count=1)
    summed = summed.loc[g.Area]
    out = phe_proportion(summed.Numerator, summed.Denominator, 0.95)
    np.testing.assert_allclose(out["value"], g["value"], rtol=RTOL, equal_nan=True)
    np.testing.assert_allclose(out["lower"], g["lowercl"], rtol=RTOL, equal_nan=True)
    np.testing.assert_allclose(out["upper"], g["uppercl"], rtol=RTOL, equal_nan=True)


@pytest.mark.parametrize("suffix,level", [("95_0cl", 0.95), ("99_8cl", 0.998)])
def test_phe_rate_sheet(suffix, level):
    t = _read("testdata_Rate__testdata_Rate.csv")
    out = phe_rate(t.Numerator, t.Denominator, level, multiplier=t.multiplier.to_numpy())
    for ours, theirs in (("value", "value"), ("lower", f"lower{suffix}"), ("upper", f"upper{suffix}")):
        np.testing.assert_allclose(out[ours], t[theirs], rtol=RTOL, equal_nan=True)
    known = t.Numerator.notna().to_numpy()
    assert out["method"][known].tolist() == t["method"][known].tolist()


def test_phe_rate_grouped_sheet():
    t = _read("testdata_Rate__testdata_Rate.csv")
    g = _read("testdata_Rate__testdata_Rate_g.csv")
    summed = t.groupby("Area")[["Numerator", "Denominator"]].sum(min_count=1).loc[g.Area]
    out = phe_rate(summed.Numerator, summed.Denominator, 0.95, multiplier=100_000)
    for ours, theirs in (("value", "value"), ("lower", "lowercl"), ("upper", "uppercl")):
        np.testing.assert_allclose(out[ours], g[theirs], rtol=RTOL, equal_nan=True)


def test_proportion_and_rate_reject_impossible_counts():
    with pytest.raises(InputDataError, match="x must not exceed n"):
        phe_proportion([5, 11], [10, 10])
    with pytest.raises(InputDataError, match="n must be positive"):
        phe_rate([5], [0])


# ----------------------------------------------------------------------------- quantiles
def _polarity_invert(p: pd.Series) -> pd.Series:
    mapping = {"RAG - Low is good": True, "RAG - High is good": False, "TRUE": True, "FALSE": False}
    return p.astype(str).map(mapping)


@pytest.mark.parametrize("groupset,by,q,fixed_invert", [
    ("IndSexReg", ["IndSexRef", "ParentCode"], 10, None),
    ("IndSex", ["IndSexRef"], 7, None),
    ("None", None, 4, True),
])
def test_phe_quantile_sheet(groupset, by, q, fixed_invert):
    t = _read("testdata_Quantiles.csv", keep_default_na=False, na_values=[""])  # GroupSet "None" is a label
    t = t[t.Test.str.startswith("Good") & (t.GroupSet == groupset)].reset_index(drop=True)
    invert = fixed_invert if fixed_invert is not None else _polarity_invert(t.Polarity).to_numpy()
    with pytest.warns(UserWarning) if groupset == "IndSexReg" else _no_warning():
        got = phe_quantile(t.Value, q=q, invert=invert, groups=t[by] if by else None)
    expected = t.QuantileInGrp.astype("Int64")
    assert len(got) > 0
    pd.testing.assert_series_equal(got.reset_index(drop=True), expected, check_names=False)


def test_phe_quantile_mixed_polarity_is_an_error():
    t = _read("testdata_Quantiles.csv")
    t = t[t.Test == "BadPolarity"].reset_index(drop=True)
    with pytest.raises(InputDataError, match="invert .* differs within a group"):
        phe_quantile(t.Value, q=7, invert=_polarity_invert(t.Polarity).to_numpy(), groups=t[["IndSexRef"]])


class _no_warning:
    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


# ----------------------------------------------------------------------------- SII / RII
def _records(sii: pd.DataFrame, spec: str) -> pd.DataFrame:
    lo, hi = (int(v) for v in spec.split("-"))
    return sii[(sii.RecordNo >= lo) & (sii.RecordNo <= hi)]


def _levels(spec: str) -> list[float]:
    return [float(v) for v in str(spec).split(";")]


def _run_case(case: pd.Series, block: pd.DataFrame, seed: int):
    kwargs = dict(value_type=int(case.value_type), multiplier=float(case.multiplier),
                  transform=str(case["transform"]).upper() == "TRUE", level=_levels(case.confidence),
                  repetitions=int(case.repetitions_in_r_test), seed=seed)
    if case.value_input == "Value":
        kwargs["value"] = block.Value
    else:
        kwargs["x"] = block.Count
    if case.uncertainty_input == "StandardError":
        kwargs["se"] = block.StandardError
    else:
        kwargs["lower"], kwargs["upper"] = block.LowerCL, block.UpperCL
    return phe_sii(block.Quantile, block.Population, **kwargs)


def _cases() -> list[int]:
    path = ORACLES / "sii_test_cases.csv"
    return list(pd.read_csv(path).case) if path.exists() else [0]


@pytest.mark.parametrize("case_no", _cases())
def test_phe_sii_cases(case_no):
    case = pd.read_csv(need(ORACLES / "sii_test_cases.csv")).set_index("case").loc[case_no]
    sii = _read("testdata_SII.csv")
    inputs = _records(sii, case.input_records)
    expected_rows = [int(v) for v in str(case.expected_records).split(";")]
    areas = list(dict.fromkeys(inputs.Area))
    assert len(areas) == len(expected_rows)
    results = [_run_case(case, inputs[inputs.Area == a], seed=20240 + case_no) for a in areas]
    expected = sii.set_index("RecordNo").loc[expected_rows]
    levels = _levels(case.confidence)
    for col in str(case.expected_columns).split(","):
        got = np.array([_pick(r, col, levels) for r in results])
        want = expected[col if col != "Intercept" else "Intercept"].to_numpy(dtype=float)
        if col in ("sii", "rii", "Intercept"):
            np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"case {case_no} {col}")
        else:  # simulated limits: waldo's mean relative difference over the areas, tolerance 0.05
            rel = np.mean(np.abs(got - want)) / np.mean(np.abs(want))
            assert rel < 0.05, f"case {case_no} {col}: ours {got}, PHE {want}, mean rel diff {rel:.3f}"


def _pick(result, col: str, levels: list[float]) -> float:
    if col == "sii":
        return result.sii.value
    if col == "rii":
        return result.rii.value
    if col == "Intercept":
        return result.intercept
    measure, bound, idx = col.split("_")  # e.g. sii_lowercl_2
    ivs = result.sii_intervals if measure == "sii" else result.rii_intervals
    iv = ivs[int(idx) - 1]
    assert iv.level == pytest.approx(levels[int(idx) - 1] / (100 if levels[int(idx) - 1] >= 90 else 1))
    return iv.lower if bound == "lowercl" else iv.upper


# ----------------------------------------------------------------------------- SII bad data
def _bad(lo: int, hi: int) -> pd.DataFrame:
    return _read("testdata_SII.csv").pipe(_records, f"{lo}-{hi}")


def test_sii_negative_population_is_an_error():
    b = _bad(151, 160)
    with pytest.raises(InputDataError, match="population must be positive"):
        phe_sii(b.Quantile, pd.to_numeric(b.Population, errors="coerce"), b.Value, se=b.StandardError)


def test_sii_negative_standard_error_is_an_error():
    b = _bad(161, 165)
    with pytest.raises(InputDataError, match="standard errors must be non-negative.*row 3"):
        phe_sii(b.Quantile, b.Population, b.Value, se=b.StandardError)


def test_sii_zero_count_for_a_proportion_is_an_error():
    b = _bad(166, 170)
    with pytest.raises(InputDataError, match="counts must be positive"):
        phe_sii(b.Quantile, b.Population, x=b.Count, lower=b.LowerCL, upper=b.UpperCL, value_type=2)


@pytest.mark.parametrize("lo,hi,bad_row", [(171, 175, 4), (176, 180, 2)])
def test_sii_proportion_limits_outside_unit_interval_are_an_error(lo, hi, bad_row):
    b = _bad(lo, hi)
    with pytest.raises(InputDataError, match=rf"proportion limits must lie in \[0, 1\] \(row {bad_row}\)"):
        phe_sii(b.Quantile, b.Population, b.Value, lower=b.LowerCL, upper=b.UpperCL, value_type=2)


def test_sii_missing_uncertainty_is_an_error():
    b = _bad(191, 200)
    with pytest.raises(InputDataError, match="standard errors must be non-negative and not missing"):
        phe_sii(b.Quantile, b.Population, b.Value, se=b.StandardError)
    with pytest.raises(InputDataError, match="confidence limits must not be missing"):
        phe_sii(b.Quantile, b.Population, b.Value, lower=b.LowerCL, upper=b.UpperCL)


def test_sii_needs_five_quantiles():
    b = _bad(1, 3)
    with pytest.raises(InputDataError, match="SII needs 5 to 100 quantiles; found 3"):
        phe_sii(b.Quantile, b.Population, b.Value, se=b.StandardError)


def test_sii_fifteen_quantiles_warn():
    b = _bad(211, 225)
    b = b[b.Area == b.Area.iloc[0]]
    with pytest.warns(UserWarning, match="unstable"):
        phe_sii(b.Quantile, b.Population, b.Value, se=b.StandardError, seed=1)
