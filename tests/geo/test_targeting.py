"""Hand-computed cases for svimpact.geo.targeting, and a scan of every published table.

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from svimpact.disclosure import get_rule
from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality import concentration_index
from svimpact.geo.targeting import (
    NEED_BY_SERVICE,
    TargetingResult,
    core20,
    count_users,
    decile_profile,
    deprivation_gap,
    priority_areas,
    reach_by_decile,
    reach_concentration,
    sii,
    targeting,
)

Z95 = 1.959963984540054
USERS = [50, 50, 40, 40, 30, 30, 20, 20, 10, 10, 10, 10, 5, 5, 5, 5, 0, 0, 0, 0]


@pytest.fixture
def areas() -> pd.DataFrame:
    n = 20
    need = np.linspace(0.1, 0.5, n)
    need[[0, 17, 18, 19]] = [0.99, 0.95, 0.97, 0.96]  # top fifth of need: LSOAs 0, 17, 18, 19
    return pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in range(n)],
        "lsoa_name": [f"Hand {i}" for i in range(n)],
        "lad_code": "E08000012", "lad_name": "Liverpool",
        "population": np.full(n, 1000),
        "imd_score": 100.0 - 5 * np.arange(n),
        "imd_rank": np.arange(1, n + 1),
        "imd_decile": np.arange(n) // 2 + 1,
        "employment_score": need,
        "barriers_score": need[::-1].copy(),
    })


@pytest.fixture
def users(areas) -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": np.repeat(areas["lsoa_code"].to_numpy(), USERS), "id": range(sum(USERS))})


def wilson(x: float, n: float) -> tuple[float, float]:
    z = Z95
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


# ----------------------------------------------------------------------------- counting
def test_counts_from_rows_codes_and_counts_agree(users, areas):
    a = count_users(users, areas)
    b = count_users(users["lsoa_code"], areas)
    c = count_users(pd.Series(USERS, index=areas["lsoa_code"]), areas)
    assert a.frame["users"].tolist() == b.frame["users"].tolist() == c.frame["users"].tolist() == USERS
    assert a.n_users == 340 and a.unmatched == 0
    assert a.frame["local_decile"].tolist() == a.frame["imd_decile"].tolist()


def test_unmatched_users_are_an_error_naming_rows_or_counted_when_dropped(users, areas):
    extra = pd.concat([users, pd.DataFrame({"lsoa_code": ["E01999999", None], "id": [998, 999]})],
                      ignore_index=True)
    with pytest.raises(InputDataError, match=r"not in the area frame .*rows 341, 342.*unmatched='drop'"):
        count_users(extra, areas)
    c = count_users(extra, areas, unmatched="drop")
    assert (c.n_users, c.unmatched) == (340, 2)


def test_area_frame_problems_are_reported(users, areas):
    with pytest.raises(InputDataError, match=r"no column\(s\) \['imd_score'\]"):
        count_users(users, areas.drop(columns="imd_score"))
    bad = areas.assign(population=areas["population"].where(areas.index != 3, 0))
    with pytest.raises(InputDataError, match=r"column 'population': must be a positive number \(row 4\)"):
        count_users(users, bad)
    dup = areas.assign(lsoa_code=areas["lsoa_code"].where(areas.index != 5, areas["lsoa_code"][4]))
    with pytest.raises(InputDataError, match="LSOA codes repeat"):
        count_users(users, dup)
    with pytest.raises(InputDataError, match="users have no column 'lsoa'"):
        count_users(users, areas, lsoa="lsoa")


# ----------------------------------------------------------------------------- measures by hand
def test_decile_profile_by_hand(users, areas):
    p = decile_profile(users, areas)
    nat = p.table[p.table["scale"] == "national"]
    assert nat["users"].tolist() == [100, 80, 60, 40, 20, 20, 10, 10, 0, 0]
    assert nat["population_share"].tolist() == pytest.approx([0.1] * 10)
    first = nat.iloc[0]
    assert first["user_share"] == pytest.approx(100 / 340)
    assert first["share_ratio"] == pytest.approx(100 / 340 / 0.1)
    lo, hi = wilson(100, 340)
    assert (first["user_share_lower"], first["user_share_upper"]) == pytest.approx((lo, hi))
    assert set(p.table["scale"]) == {"national", "local"}


def test_quintile_profile_pairs_deciles(users, areas):
    p = decile_profile(users, areas, groups=5, local=False)
    assert p.table["users"].tolist() == [180, 100, 40, 20, 0]
    with pytest.raises(ParamsError, match="groups must be 10"):
        decile_profile(users, areas, groups=4)


def test_core20_by_hand(users, areas):
    c = core20(users, areas)
    # users in deciles 1-2: 180 of 340; population share 4,000 / 20,000 = 0.2
    assert c.user_share.value == pytest.approx(180 / 340)
    assert c.population_share == pytest.approx(0.2)
    assert c.targeting_ratio.value == pytest.approx(180 / 340 / 0.2)
    lo, hi = wilson(180, 340)
    assert (c.targeting_ratio.lower, c.targeting_ratio.upper) == pytest.approx((lo / 0.2, hi / 0.2))


def test_reach_by_decile_by_hand(users, areas):
    r = reach_by_decile(users, areas)
    assert r.table["reach_per_1000"].tolist() == pytest.approx([50, 40, 30, 20, 10, 10, 5, 5, 0, 0])
    lo, hi = wilson(100, 2000)
    assert (r.table["reach_lower"][0], r.table["reach_upper"][0]) == pytest.approx((lo * 1000, hi * 1000))


def test_gap_and_ratio_by_hand(users, areas):
    g = deprivation_gap(users, areas)
    assert g.gap.value == pytest.approx(50.0)
    # Newcombe: lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), with p2 = 0, l2 = 0
    l1, u1 = wilson(100, 2000)
    _, u2 = wilson(0, 2000)
    assert g.gap.lower == pytest.approx((0.05 - math.sqrt((0.05 - l1) ** 2 + u2**2)) * 1000)
    assert g.gap.upper == pytest.approx((0.05 + math.sqrt((u1 - 0.05) ** 2)) * 1000)
    assert math.isnan(g.ratio.value)  # no users in the least deprived decile
    # quintiles, with 3 more users in each of LSOAs 16-19: 180 / 4,000 against 12 / 4,000 -> ratio 15
    more = pd.concat([users, pd.DataFrame({"lsoa_code": areas["lsoa_code"].iloc[16:].repeat(3)})])
    q = deprivation_gap(more, areas, groups=5)
    assert (q.gap.value, q.ratio.value) == pytest.approx((42.0, 15.0))
    se = math.sqrt(1 / 180 - 1 / 4000 + 1 / 12 - 1 / 4000)
    assert q.ratio.upper == pytest.approx(15 * math.exp(Z95 * se))


def test_sii_of_reach_by_hand(users, areas):
    # b = .05 ... .95, reach per 1,000 = 50 40 30 20 10 10 5 5 0 0;
    # slope = sum (b - .5) y / sum (b - .5)^2 = -45 / .825 -> SII -54.5454...
    with pytest.warns(UserWarning, match="straight-line fit"):  # 44.3 - 54.5 < 0 at b = 1
        s = sii(users, areas, seed=7)
    assert s.sii.value == pytest.approx(-45 / 0.825)
    assert s.value_type == 0  # zero reach in deciles 9 and 10: logit undefined, normal scale used
    assert s.sii.lower < s.sii.value < s.sii.upper
    with pytest.warns(UserWarning):
        assert sii(users, areas, seed=7) == s


@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_sii_uses_logit_scale_when_every_decile_has_users(users, areas):
    more = pd.concat([users, pd.DataFrame({"lsoa_code": areas["lsoa_code"].iloc[16:].repeat(3)})])
    s = sii(more, areas, seed=1)
    assert s.value_type == 2 and s.sii.value < 0


def test_reach_concentration_matches_direct_formula(users, areas):
    r = reach_concentration(users, areas, kind="standard")
    y = np.array(USERS) / 1000
    rank = (np.arange(20) + 0.5) / 20  # equal populations, most deprived first
    mu = y.mean()
    assert r.index.value == pytest.approx(2 * np.mean((y - mu) * (rank - 0.5)) / mu)
    assert r.index.value < 0  # reach concentrated in the deprived LSOAs
    w = reach_concentration(users, areas)  # default Wagstaff, bounds [0, 1]
    assert w.index.value == pytest.approx(r.index.value / (1 - mu))
    assert w.index.value == pytest.approx(concentration_index(y, -areas["imd_score"], kind="wagstaff").index.value)


def test_priority_areas_by_hand(users, areas):
    # top fifth of need: LSOAs 0 (reach 50, above the overall 17) and 17, 18, 19 (reach 0)
    p = priority_areas(users, areas, need="employment_score", n=20)
    assert p.table["lsoa_code"].tolist() == ["E01000018", "E01000019", "E01000017"]  # reach 0, need desc
    assert p.candidates == 3 and p.overall_reach_per_1000 == pytest.approx(17.0)
    assert p.table["shortfall"].tolist() == pytest.approx([17.0, 17.0, 17.0])
    assert bool(p.table["significantly_low"].all())
    assert priority_areas(users, areas, need="housing-first").need == NEED_BY_SERVICE["housing-first"]
    assert len(priority_areas(users, areas, n=2).table) == 2


# ----------------------------------------------------------------------------- one call and publication
@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_targeting_bundles_everything(users, areas):
    r = targeting(users, areas, need="households-into-work", seed=3)
    assert isinstance(r, TargetingResult) and r.need == "employment_score"
    f = r.to_frame()
    assert {"measure", "value", "lower", "upper", "level", "method"} <= set(f.columns)
    assert f.loc[f["measure"] == "Core20 targeting ratio", "value"].item() == pytest.approx(180 / 340 / 0.2)
    assert targeting(users, areas, need="households-into-work", seed=3).to_frame().equals(f)
    assert "Targeting" in r.summary().text and "<table" in r._repr_html_()


def _scan(name, d, rule):
    """No published count may lie in 1..suppress_max; every count is rounded; hidden counts hide their rates."""
    t = d.table
    count_cols = [c for c in t.columns if c.endswith("users") or c == "smallest_count"]
    assert count_cols, name
    for col in count_cols:
        v = pd.to_numeric(t[col], errors="coerce").dropna().to_numpy()
        assert not np.any((v >= 1) & (v <= rule.suppress_max)), f"{name}.{col} shows a small count: {v}"
        assert np.all(v % rule.round_to == 0), f"{name}.{col} is not rounded: {v}"
    shown = d.to_publish()
    for col in t.columns:
        if col in count_cols or t[col].dtype == object:
            continue
        hidden = d.suppressed[col].to_numpy()
        assert pd.isna(t.loc[hidden, col]).all(), f"{name}.{col} shows a value behind a suppressed count"
        assert (shown.loc[hidden, col] == "[c]").all()


@pytest.mark.parametrize("rule", ["nhs-hes", "ons-10-5", "legacy-lt5"])
def test_no_published_table_shows_a_suppressed_count(users, areas, rule):
    # a thin service: 2 users in each LSOA that has any (4 per decile), so every rule suppresses
    thin = users.groupby("lsoa_code").head(2)
    r = targeting(thin, areas, seed=1, rule=rule)
    tables = r.published_tables()
    assert set(tables) == {"headline", "profile", "core20", "reach", "reach_local", "priority"}
    for name, d in tables.items():
        _scan(name, d, get_rule(rule))
    assert any(d.suppressed.to_numpy().any() for d in tables.values())


def test_reach_limits_are_hidden_with_their_count(users, areas):
    thin = users.groupby("lsoa_code").head(3)  # 3 users per LSOA with users -> 6 per decile
    d = reach_by_decile(thin, areas).published_table()
    body = d.table.iloc[:-1]
    assert body["users"].isna().iloc[:8].all()
    assert body[["reach_per_1000", "reach_lower", "reach_upper"]].iloc[:8].isna().all().all()
    assert any(a.column == "reach_lower" for a in d.audit)


def test_profile_publication_has_side_by_side_scales_and_total(users, areas):
    d = decile_profile(users, areas).published_table()
    assert list(d.table.columns) == ["group", "national_population_pct", "national_users", "national_user_pct",
                                     "local_population_pct", "local_users", "local_user_pct"]
    assert d.table["group"].iloc[-1] == "Total" and d.table["national_users"].iloc[-1] == 340
    # 100 users of 340 in decile 1: 29.41% from the unrounded counts
    assert d.table["national_user_pct"].iloc[0] == pytest.approx(100 / 340 * 100)


def test_local_deciles_need_ten_lsoas(users, areas):
    small = areas.head(8)
    u = users[users["lsoa_code"].isin(small["lsoa_code"])]
    with pytest.raises(InputDataError, match="at least 10 LSOAs"):
        reach_by_decile(u, small, scale="local")
    r = targeting(u, small, seed=1)  # national deciles 1-4 only: no local scale, no SII
    assert r.reach_local is None and r.sii is None and "reach_local" not in r.published_tables()
    assert r.reach.table["reach_per_1000"].iloc[4:].isna().all()
    assert (r.gap.most_group, r.gap.least_group) == (1, 4)
    assert r.gap.gap.value == pytest.approx(50 - 20)


# ----------------------------------------------------------------------------- real area frame
def _lcr_frame() -> pd.DataFrame:
    """IoD2019 for the 989 LCR LSOAs (real MHCLG data, ../shared/reference-data/iod2019/)."""
    from conftest import REFERENCE, need

    path = need(REFERENCE / "iod2019/iod2019_lsoa11_lcr.csv")
    raw = pd.read_csv(path, encoding="utf-8-sig")
    pick = {"LSOA code (2011)": "lsoa_code", "LSOA name (2011)": "lsoa_name",
            "Local Authority District code (2019)": "lad_code", "Local Authority District name (2019)": "lad_name",
            "Index of Multiple Deprivation (IMD) Score": "imd_score",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": "imd_decile",
            "Employment Rank (where 1 is most deprived)": "employment_rank",
            "Total population: mid 2015 (excluding prisoners)": "population"}
    f = raw[list(pick)].rename(columns=pick)
    f["employment_score"] = -f["employment_rank"]  # File 5 scores are not in the reference data; rank order works
    return f


def test_real_lcr_frame_users_in_proportion_to_population_show_no_targeting():
    areas = _lcr_frame()
    assert len(areas) == 989  # reference-data README: LCR total, 2011 LSOAs
    rng = np.random.default_rng(20191)
    pop = areas["population"].to_numpy(float)
    counts = pd.Series(rng.multinomial(20_000, pop / pop.sum()), index=areas["lsoa_code"])
    r = targeting(counts, areas, seed=5)
    assert sorted(r.profile.table.query("scale == 'local'")["lsoas"].unique()) == [98, 99]
    assert r.core20.targeting_ratio.contains(1.0)
    assert r.concentration.index.contains(0.0)
    assert r.sii is not None and r.sii.sii.contains(0.0)


@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_real_lcr_frame_users_skewed_to_deprivation_show_pro_deprived_targeting():
    areas = _lcr_frame()
    rng = np.random.default_rng(20192)
    w = areas["population"].to_numpy(float) * areas["imd_score"].to_numpy(float)
    counts = pd.Series(rng.multinomial(20_000, w / w.sum()), index=areas["lsoa_code"])
    r = targeting(counts, areas, seed=5)
    assert r.core20.targeting_ratio.lower > 1
    assert r.concentration.index.upper < 0 and r.sii.sii.upper < 0
    assert r.gap.gap.lower > 0 and r.gap.ratio.lower > 1


def test_sii_warns_when_linear_fit_goes_negative_and_transform_fixes_it(areas):
    # reach 50, 40, ..., 1 per 1,000 falling steeply: the line crosses zero before decile 10
    steep = pd.Series([60, 60, 30, 30, 10, 10, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], index=areas["lsoa_code"])
    with pytest.warns(UserWarning, match="pass transform=True"):
        s = sii(steep, areas, seed=1)
    assert s.rii.value <= 0
    t = sii(steep, areas, seed=1, transform=True)
    assert t.transform and 0 < t.rii.value < 1 and t.sii.value < 0
