"""The attacker catches each route on leaky files written from known counts, and finds nothing in
the same figures published the fixed way (issue 12: the suite can fail, and fails for a reason).

Each leaky folder holds only the files one route needs, in today's format (``planted.py``), so
the test shows that route alone gives the planted count back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacker import Recovery, attack, attack_report
from planted import (
    DEMO,
    POP,
    SMALL,
    SVC,
    areas_frame,
    balance,
    chapter,
    concentration,
    effect,
    g6,
    headline,
    html_table,
    ledger,
    map_page,
    measures,
    notebook,
    profile,
    pub,
    reach,
    sii_value,
    survey,
    wilson,
    word_copy,
    write,
)

T = f"tables/{SVC}__"


def _found(recs: list[Recovery], key: tuple[str, ...]) -> Recovery | None:
    return next((r for r in recs if r.key == (SVC, *key)), None)


def _assert_recovers(recs: list[Recovery], key: tuple[str, ...], value: int, route: str, file: str | None = None):
    r = _found(recs, key)
    assert r is not None, f"{key} not recovered; got: " + "; ".join(map(str, recs))
    assert (r.value, r.route) == (value, route), str(r)
    if file:
        assert r.file == file, str(r)


def test_rate_times_population(tmp_path):
    recs = attack(write(tmp_path, {T + "reach-by-decile.csv": reach(SMALL)}))
    _assert_recovers(recs, ("users", "national", "2"), 22, "rate-x-population")
    _assert_recovers(recs, ("N",), 67, "rate-x-population")


def test_wilson_limits_give_the_count_back(tmp_path):
    recs = attack(write(tmp_path, {T + "reach-by-decile.csv": reach(SMALL, rates=None, limits="true")}))
    _assert_recovers(recs, ("users", "national", "4"), 3, "interval-inversion")


def test_percentages_times_the_total(tmp_path):
    recs = attack(write(tmp_path, {T + "decile-profile.csv": profile(SMALL)}))
    _assert_recovers(recs, ("users", "national", "3"), 11, "percent-x-total")


def test_totals_minus_cells(tmp_path):
    """One cell hidden, no secondary suppression: the Total row gives it back once the rest are known."""
    recs = attack(write(tmp_path, {T + "reach-by-decile.csv": reach(DEMO)}))
    _assert_recovers(recs, ("users", "national", "10"), 3, "totals-minus-cells")


@pytest.mark.parametrize("what", ["sii", "rii"])
def test_sii_and_rii_split_the_hidden_cells(tmp_path, what):
    name = "SII of reach per 1,000" if what == "sii" else "RII of reach"
    files = {T + "reach-by-decile.csv": reach(DEMO, hidden=(9, 10))}
    assert _found(attack(write(tmp_path / "without", files)), ("users", "national", "10")) is None
    files[T + "inequality-measures.csv"] = measures([(name, g6(sii_value(DEMO, what)))])
    recs = attack(write(tmp_path / "with", files))
    _assert_recovers(recs, ("users", "national", "10"), 3, "sii-rii-fit")
    assert _found(recs, ("users", "national", "9")).value == 8


def test_gap_between_the_ends(tmp_path):
    gap = (DEMO[0] / POP[0] - DEMO[9] / POP[9]) * 1000
    files = {T + "reach-by-decile.csv": reach(DEMO, hidden=(9, 10)),
             T + "inequality-measures.csv": measures([("reach gap per 1,000 (most - least deprived)", g6(gap))])}
    _assert_recovers(attack(write(tmp_path, files)), ("users", "national", "10"), 3, "gap-ratio")


def test_map_classes_with_a_decile_total(tmp_path):
    """Three areas of decile 10 marked '1-7' and a decile total of 3 (its rate shown): one person each."""
    codes = [f"Z0100{i:04d}" for i in range(1, 13)]
    deciles = [10] * 6 + [9] * 6
    users = [1, 1, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0]
    files = {T + "reach-by-decile.csv": reach(DEMO, rate_of_hidden=True),
             f"maps/{SVC}__reach-map.html": map_page(codes, deciles, users)}
    recs = attack(write(tmp_path, files))
    for code in codes[:3]:
        _assert_recovers(recs, ("area", code), 1, "map-classes")


def test_concentration_index_over_candidate_splits(tmp_path):
    """Two areas hold the 7 participants (both shown '1-7'): only one split fits the printed index."""
    a = areas_frame()
    users = [0] * 20
    users[2], users[15] = 2, 5
    files = {T + "additionality-ledger.csv": ledger("0", "7"),
             T + "inequality-measures.csv": measures([("concentration index of reach (wagstaff)",
                                                       g6(concentration(a, users)))]),
             f"maps/{SVC}__reach-map.html": map_page(list(a["lsoa_code"]), list(a["imd_decile"]), users)}
    recs = attack(write(tmp_path, files), areas=a)
    _assert_recovers(recs, ("area", a["lsoa_code"][2]), 2, "concentration-fit")
    assert _found(recs, ("area", a["lsoa_code"][15])).value == 5


def test_means_of_0_1_outcomes_and_covariates_times_n(tmp_path):
    files = {T + "decile-profile.csv": profile(SMALL, pct=None),  # only a rounded total: N is 63..67
             T + "effect-estimate.csv": effect(g6(63 / 67)),
             T + "covariate-balance.csv": balance([("female", g6(3 / 67)), ("age", "39.9552")])}
    recs = attack(write(tmp_path, files))
    _assert_recovers(recs, ("outcome", "0"), 4, "mean-x-n")
    _assert_recovers(recs, ("covariate", "female", "1"), 3, "mean-x-n")


def test_category_shares_times_n(tmp_path):
    files = {T + "decile-profile.csv": profile(SMALL, pct=None),
             T + "covariate-balance.csv": balance([("benefit_type[jsa]", g6(6 / 67))])}
    _assert_recovers(attack(write(tmp_path, files)), ("covariate", "benefit_type[jsa]", "1"), 6, "category-share-x-n")


def test_counts_printed_unrounded(tmp_path):
    recs = attack(write(tmp_path, {T + "additionality-ledger.csv": ledger("0", "67")}))
    _assert_recovers(recs, ("ledger", "leakage", "failures"), 67, "printed-count")


def test_the_beta_interval_of_hidden_ledger_counts(tmp_path):
    from scipy.stats import beta

    lo, hi = beta.ppf([0.025, 0.975], 0.5, 67.5)
    recs = attack(write(tmp_path, {T + "additionality-ledger.csv": ledger("0", "[c]", g6(lo), g6(hi))}))
    _assert_recovers(recs, ("ledger", "leakage", "failures"), 67, "interval-inversion")


@pytest.mark.parametrize("where", ["notebook", "chapter", "word", "headline"])
def test_every_kind_of_file_is_read(tmp_path, where):
    table = profile(SMALL)
    files: dict[str, str | bytes] = {T + "decile-profile.csv": profile(SMALL, pct=None)}
    expect = ("users", "national", "3"), 11
    if where == "notebook":
        files[f"notebooks/{SVC}__targeting.ipynb"] = notebook(html_table("Participants by decile", table))
    elif where == "chapter":
        files["index.html"] = chapter(html_table("Table 1. Participants by decile", table))
    elif where == "word":
        files |= {"index.html": chapter(""), "year-one.docx": word_copy(table)}
    else:
        files[f"headlines/{SVC}__core20.json"] = headline("core20", "Participants in Core20", "62.7%", 42 / 67)
        expect = ("core20",), 42
    recs = attack(write(tmp_path, files))
    r = _found(recs, expect[0])
    assert r is not None and r.value == expect[1], "; ".join(map(str, recs))
    assert r.file.split("/")[0] in {"notebooks", "index.html", "year-one.docx", "headlines"}


# ----------------------------------------------------------------------------- the fixed format
def fixed_report(root: Path) -> Path:
    """The planted small service, every figure published the way the disclosure layer is to publish it."""
    a = areas_frame()
    users = [0] * 20
    for i, u in zip((0, 1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 18), (12, 10, 11, 11, 9, 2, 3, 2, 1, 2, 2, 2)):
        users[i] = u
    shown_n = int(pub(67))
    return write(root, {
        T + "reach-by-decile.csv": reach(SMALL, rates="published", limits="published"),
        T + "decile-profile.csv": profile(SMALL, pct="published"),
        T + "inequality-measures.csv": measures([("Core20 share of users", f"{40 / shown_n:.3f}", "40"),
                                                 ("SII of reach per 1,000", "[c]"), ("RII of reach", "[c]"),
                                                 ("concentration index of reach (wagstaff)", "[c]")]),
        T + "effect-estimate.csv": effect("[c]"),
        T + "covariate-balance.csv": balance([("female", "[c]"), ("mental_health_need", f"{40 / shown_n:.3f}")]),
        T + "additionality-ledger.csv": ledger("0", str(shown_n), "0.000", "0.037"),
        T + "survey-answers.csv": survey({"yes_fully": "[c]", "partly": "20", "no": "30", "dont_know": "[c]"},
                                         {"yes_fully": "[c]", "partly": "10.0", "no": "0.0"}),
        f"headlines/{SVC}__core20.json": headline("core20", "Participants in Core20", "61.5%", round(40 / shown_n, 3)),
        f"maps/{SVC}__reach-map.html": map_page(list(a["lsoa_code"]), list(a["imd_decile"]), users, fixed=True),
        f"notebooks/{SVC}__targeting.ipynb": notebook(html_table("Participants", profile(SMALL, pct="published"))),
    })


def test_the_fixed_format_gives_nothing_back(tmp_path):
    report = attack_report(fixed_report(tmp_path), areas=areas_frame())
    assert not report.recoveries, "\n".join(map(str, report.recoveries))
    assert {"decile table", "inequality measures", "effect estimate", "covariate balance", "additionality ledger",
            "survey answers", "map data", "headline"} <= report.roles()


def test_the_fixed_format_with_one_leak_left_is_caught(tmp_path):
    """The same folder with one figure left as today (the observed mean to six figures) fails again."""
    root = fixed_report(tmp_path)
    write(root, {T + "effect-estimate.csv": effect(g6(63 / 67)), T + "additionality-ledger.csv": ledger("0", "67")})
    _assert_recovers(attack(root), ("outcome", "0"), 4, "mean-x-n")


def test_measures_over_published_quintiles_give_nothing_back(tmp_path):
    """SII, RII and concentration index over national quintiles from the published quintile counts
    (the two least deprived deciles withheld but their quintile published, rounded): nothing comes back."""
    import numpy as np

    from svimpact.geo.inequality import concentration_index, phe_sii

    pop = np.array(POP, float).reshape(5, 2).sum(axis=1)
    q = np.array([85, 85, 75, 40, 10], float)  # round5 of 86, 85, 74, 44, 11 (DEMO's quintiles)
    lo, hi = zip(*(wilson(a, b) for a, b in zip(q, pop)))
    s = phe_sii(range(1, 6), pop, q / pop, lower=lo, upper=hi, value_type=2, multiplier=1000, transform=True, seed=1)
    ci = concentration_index(q / pop, np.arange(1, 6), pop, kind="wagstaff", bounds=(0.0, 1.0), ties="pooled")
    rows = [(f"{m}", f"{v:.3g}", "") for m, v in (("SII of reach per 1,000", s.sii.value), ("RII of reach", s.rii.value),
                                                   ("concentration index of reach (wagstaff)", ci.index.value))]
    table = measures(rows).replace(",national,", ",national quintiles,")
    files = {T + "reach-by-decile.csv": reach(DEMO, rates="published", limits="published", hidden=(9, 10)),
             T + "inequality-measures.csv": table}
    report = attack_report(write(tmp_path, files))
    assert not report.recoveries, "\n".join(map(str, report.recoveries))
    assert {"SII over quintiles (transform=True)", "RII over quintiles (transform=True)", "CI over quintiles (transform=False)"
            } <= {e.split(": ", 1)[1] for e in report.explained}


@pytest.mark.parametrize("form", ["repr", "to_string"])
def test_plain_text_outputs_of_notebooks_are_read(tmp_path, form):
    """A notebook's text/plain output printing the value behind a withheld cell (the women's share
    3/67) while its HTML shows [c]: read from the plain text, with or without an index, wrapped or not."""
    import json

    import pandas as pd

    frame = pd.DataFrame({"covariate": ["age", "female"], "mean_treated": [39.955224, 3 / 67],
                          "mean_comparison": [40.608333, 0.248333], "smd_before": [-0.069825, -0.600996],
                          "mean_treated_after": [39.955224, 3 / 67], "mean_comparison_after": [39.919171, 0.044723]})
    with pd.option_context("display.width", 60, "display.max_columns", None):  # wrapped into blocks
        text = (f"PublishedTable(disclosed=DisclosedTable(table={frame!r}, suppressed=...))" if form == "repr"
                else "Covariate balance before and after adjustment\n" + frame.to_string(index=False))
    cell = {"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [
        {"output_type": "display_data", "metadata": {}, "data": {"text/plain": text, "text/html": "<p>[c]</p>"}}]}
    files = {T + "decile-profile.csv": profile(SMALL, pct=None),
             f"notebooks/{SVC}__additionality.ipynb": json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                                  "nbformat_minor": 5})}
    recs = attack(write(tmp_path, files))
    _assert_recovers(recs, ("covariate", "female", "1"), 3, "mean-x-n", f"notebooks/{SVC}__additionality.ipynb")


def test_larger_map_areas_are_the_sums_of_their_lsoas(tmp_path):
    """Issue 16: maps drawn by MSOA. An MSOA printed with an exact 6 over an LSOA map where three of its four
    LSOAs hold 0 and one is '[c]' gives that one back: the attacker knows which LSOAs make each MSOA."""
    a = areas_frame().assign(msoa_name=[f"Town {i // 4 + 1:03d}" for i in range(20)], lad_code="E08000012")
    users = [0, 0, 6, 0] + [10] * 16
    lsoa_page = map_page(list(a["lsoa_code"]), list(a["imd_decile"]), users)
    recs = [{"c": f"Town {k:03d}", "n": f"Town {k:03d}", "b": "", "d": 0, "u": "6 users" if k == 1 else "40 users"}
            for k in range(1, 6)]
    msoa_page = ('<html><body><script type="application/json" id="svm-data">' + json.dumps(recs)
                 + "</script></body></html>")
    files = {f"maps/{SVC}__reach-map.html": lsoa_page, f"maps/{SVC}__msoa-map.html": msoa_page}
    found = _found(attack(write(tmp_path, files), areas=a), ("area", a["lsoa_code"][2]))
    assert found is not None and found.value == 6, found
