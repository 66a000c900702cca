from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from svimpact.disclosure import RULES, SUPPRESSED, disclose, get_rule, protect_counts, safe_count
from svimpact.exceptions import InputDataError, ParamsError


@pytest.mark.parametrize(
    ("rule", "counts", "expected"),
    [
        # NHS Digital HES: 0 stays, 1-7 suppressed, others to nearest 5 (METHODS.md section 6)
        ("nhs-hes", [0, 1, 7, 8, 12, 13, 102], [0, None, None, 10, 10, 15, 100]),
        ("opensafely", [0, 7, 8, 23], [0, None, 10, 25]),
        ("ons-10-5", [0, 9, 10, 12], [0, None, 10, 10]),
        ("legacy-lt5", [0, 4, 5, 13], [0, None, 5, 13]),
    ],
)
def test_rules(rule, counts, expected):
    pub, hidden = protect_counts(counts, rule)
    got = [None if h else int(v) for v, h in zip(pub, hidden)]
    assert got == expected


def test_unknown_rule_lists_valid_names():
    with pytest.raises(ParamsError, match="choose one of legacy-lt5, nhs-hes, ons-10-5, opensafely"):
        get_rule("hes")


def test_rates_from_published_counts_and_suppressed_with_them():
    t = pd.DataFrame({"decile": ["1", "2", "3"], "users": [42, 3, 12], "pop": [1000, 1000, 1000]})
    d = disclose(t, counts=["users"], label="decile", rates={"per_1000": ("users", "pop", 1000)})
    assert d.table.loc[0, "users"] == 40  # rounded
    # From the published 40: from the unrounded 42, rate x population would give 42 back.
    assert d.table.loc[0, "per_1000"] == pytest.approx(40.0)
    profile = disclose(t, counts=["users"], label="decile", rates={"pct": ("users", None, 100)})
    assert profile.table.loc[0, "pct"] == pytest.approx(40 / 55 * 100)  # published 40 over the published total 55
    assert d.suppressed.loc[1, "per_1000"] and np.isnan(d.table.loc[1, "per_1000"])
    assert d.to_publish().loc[1, "users"] == SUPPRESSED
    assert {(a.row, a.column) for a in d.audit} == {("2", "users"), ("2", "per_1000")}


def test_secondary_suppression_with_total_row():
    t = pd.DataFrame({"g": ["a", "b", "c", "Total"], "n": [3, 20, 30, 53]})
    d = disclose(t, counts=["n"], label="g", total_label="Total")
    hidden = d.suppressed["n"].tolist()
    assert hidden == [True, True, False, False]  # 'b' hidden too, or 3 = 53 - 20 - 30
    assert any("secondary" in a.reason for a in d.audit)


def test_no_small_count_survives_any_rule():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 40, size=500)
    for name, rule in RULES.items():
        pub, hidden = protect_counts(counts, rule)
        shown = pub[~hidden]
        assert not np.any((shown >= 1) & (shown <= rule.suppress_max)), name


def test_bad_input_names_column_and_rows():
    t = pd.DataFrame({"g": ["a", "b"], "n": [1, "x"]})
    with pytest.raises(InputDataError, match=r"column 'n': count column is not numeric \(row 2\)"):
        disclose(t, counts=["n"], label="g")


def test_safe_count_for_prose():
    assert safe_count(3) == SUPPRESSED
    assert safe_count(0) == "0"
    assert safe_count(1234) == "1,235"
