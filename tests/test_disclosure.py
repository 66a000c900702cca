from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from svimpact.disclosure import (
    RULES,
    SUPPRESSED,
    derived_rate,
    disclose,
    get_rule,
    protect_counts,
    publish_proportion,
    round_significant,
    safe_count,
    suppression_pattern,
    withhold,
)
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


# ----------------------------------------------------------------------------- derived statistics (issue 12)
def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score limits written out (Newcombe 1998, method 3), for the hand-worked examples below."""
    root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def test_derived_rates_by_hand_at_fixed_precision():
    # 30 of 300: 10.0%; Wilson (0.070948, 0.139166) -> 7.1% to 13.9% (1 decimal place)
    lo, hi = _wilson(30, 300)
    assert (round(lo, 6), round(hi, 6)) == (0.070948, 0.139166)
    assert derived_rate(30, 300).iloc[0].tolist() == [10.0, 7.1, 13.9]
    # 45 users among 239,324 residents: 0.18803 per 1,000 -> 0.19; Wilson 0.1405 to 0.2516 -> 0.14 to 0.25
    assert derived_rate(45, 239_324, "per_1000").iloc[0].tolist() == [0.19, 0.14, 0.25]
    # 85 of 300 as a share: 0.28333 -> 0.283 (3 decimal places)
    assert derived_rate(85, 300, "share")["value"].item() == 0.283
    # a withheld count (NaN) or an empty base gives NaN, never a number
    out = derived_rate([np.nan, 5, 5], [300, np.nan, 0])
    assert out.isna().all().all()
    with pytest.raises(ParamsError, match="choose one of percent, per_1000, share"):
        derived_rate(1, 2, "per_100")
    with pytest.raises(InputDataError, match="larger than its base"):
        derived_rate(30, 20)


def test_rate_times_population_no_longer_gives_back_the_unrounded_count():
    """Issue 12 route: reach per 1,000 printed from the unrounded 47 users, times the public population,
    gave back 47 where the table showed 45. Now the rate is computed from the published count: every raw
    count that publishes as 45 gives the same rate, so the rate says nothing the count does not."""
    pop = 239_324
    old_rate = float(f"{47 / pop * 1000:.6g}")  # as the CSVs printed it, from the unrounded count
    assert round(old_rate * pop / 1000) == 47  # the leak, as it was
    now = disclose(pd.DataFrame({"g": ["a"], "users": [47], "pop": [pop]}), counts=["users"], label="g",
                   rates={"rate": ("users", "pop", 1000)})
    assert round(float(now.table["rate"].iloc[0]) * pop / 1000) == 45  # disclose() too: from the published 45
    rates = {k: tuple(derived_rate(protect_counts([k])[0], pop, "per_1000").iloc[0]) for k in range(43, 48)}
    assert len(set(rates.values())) == 1  # 43, 44, 45, 46 and 47 all publish as 45 and as 0.19 per 1,000
    assert round(rates[47][0] * pop / 1000) != 47


def test_publish_proportion_withholds_small_cells_and_their_complement():
    # 4 of 67 (and 63 of 67, whose complement is 4): withheld with a reason that names neither count
    for k in (4, 63):
        p = publish_proportion(k, 67)
        assert p.withheld and p.format() == SUPPRESSED and np.isnan(p.value)
        assert "complement" in p.reason and "4" not in p.reason
    # 30 of 67: published counts 30 and 65, so 30 / 65 = 46.15% -> 46.2%, Wilson from (30, 65)
    p = publish_proportion(30, 67)
    lo, hi = _wilson(30, 65)
    assert (p.value, p.lower, p.upper) == (46.2, round(lo * 100, 1), round(hi * 100, 1))
    assert p.format() == f"46.2% (95% interval {lo * 100:.1f}% to {hi * 100:.1f}%)"
    # 0 and all of 67 publish (0 stays 0); as a share, 3 decimal places
    assert publish_proportion(0, 67).value == 0.0 and publish_proportion(67, 67).value == 100.0
    assert publish_proportion(30, 67, kind="share").format().startswith("0.462 (95% interval")


def test_mean_times_n_no_longer_gives_back_a_small_count():
    """Issue 12 route: the observed mean of a 0/1 outcome (63 of 67) times N gave back the 4 who did not."""
    old_mean = 63 / 67
    assert round((1 - old_mean) * 67) == 4  # the leak, as it was
    assert publish_proportion(63, 67).withheld  # now: withheld, complement 4 is a small cell


def test_round_significant_by_hand():
    assert round_significant([-54.5454, 0.0012345, 1385.04, 0.0, np.nan], 3)[:4].tolist() == [
        -54.5, 0.00123, 1390.0, 0.0]
    assert np.isnan(round_significant(np.nan))
    assert round_significant(2.64705882, 3) == 2.65


def test_suppression_pattern_shared_by_tables_of_the_same_people():
    # Housing First demo deciles: 3 in decile 10 is suppressed, and its quintile partner (8, decile 9) too
    hf = [31, 55, 38, 47, 38, 36, 22, 22, 8, 3]
    assert np.flatnonzero(suppression_pattern(hf)).tolist() == [8, 9]
    # the smallest positive cell by default; the suppressed cell's own group first when 'prefer' is given
    counts = [3, 40, 9, 20]
    assert np.flatnonzero(suppression_pattern(counts)).tolist() == [0, 2]
    assert np.flatnonzero(suppression_pattern(counts, prefer=[0, 0, 1, 1])).tolist() == [0, 1]
    # a partner with no users is not hidden (0 stays 0): fall back to the smallest positive cell
    assert np.flatnonzero(suppression_pattern([3, 0, 9, 20], prefer=[0, 0, 1, 1])).tolist() == [0, 2]
    # no total: no secondary cell (unless the rule always asks for it); two small cells: none more
    assert np.flatnonzero(suppression_pattern(counts, total=False)).tolist() == [0]
    assert np.flatnonzero(suppression_pattern([2, 3, 40, 50])).tolist() == [0, 1]
    assert np.flatnonzero(suppression_pattern([2, 40, 50], "legacy-lt5", total=False)).tolist() == [0, 1]


def test_withhold_hides_more_cells_and_records_them():
    d = disclose(pd.DataFrame({"g": ["a", "b", "c"], "n": [30, 40, 50]}), counts=["n"], label="g")
    w = withhold(d, "n", [False, True, False], "shared pattern", label="g")
    assert w.to_publish()["n"].tolist() == [30, SUPPRESSED, 50]
    assert [(a.row, a.column, a.reason) for a in w.audit] == [("b", "n", "shared pattern")]
