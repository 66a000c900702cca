"""targeting() and TargetingResult (svimpact.geo.targeting.core): one call, every published table scanned.

The hand frame: 20 LSOAs of 1,000 residents, IMD scores 100, 95, ..., 5 (so national deciles
1, 1, 2, 2, ..., 10, 10 and the same local deciles), with users per LSOA
50 50 40 40 30 30 20 20 10 10 10 10 5 5 5 5 0 0 0 0 (340 in all). By decile: 100 80 60 40 20
20 10 10 0 0 users over 2,000 residents each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from targeting_fixtures import _lcr_frame, areas, users  # noqa: F401 (fixtures)

from svimpact._results import RESULT_COLUMNS
from svimpact.disclosure import get_rule
from svimpact.geo.targeting import (
    TargetingResult,
    targeting,
)


# ----------------------------------------------------------------------------- one call and publication
@pytest.mark.filterwarnings("ignore:the straight-line fit:UserWarning")
def test_targeting_bundles_everything(users, areas):
    r = targeting(users, areas, need="households-into-work", seed=3)
    assert isinstance(r, TargetingResult) and r.need == "employment_score"
    f = r.to_frame()
    assert list(f.columns) == list(RESULT_COLUMNS)
    # Published measures (issue 12): from the published counts 180 of 340 (both multiples of 5, so
    # unchanged by rounding), to 3 significant figures: 180 / 340 / 0.2 = 2.647... -> 2.65.
    assert f.loc[f["measure"] == "Core20 targeting ratio, national", "value"].item() == 2.65
    t = r.table()
    assert list(t.columns) == ["measure", "scale", "value", "lower", "upper", "level", "method", "precision", "note"]
    assert t.loc[t["measure"] == "Core20 targeting ratio", "value"].item() == 2.65
    assert r.measure("Core20 share").interval.value == 52.9  # 180 / 340 = 52.94% -> 1 decimal place
    assert targeting(users, areas, need="households-into-work", seed=3).to_frame().equals(f)
    assert "Targeting" in r.summary().text and "<table" in r._repr_html_()


def _scan(name, d, rule):
    """No published count may lie in 1..suppress_max; every count is rounded; hidden counts hide their rates."""
    t = d.table
    count_cols = [c for c in t.columns if c.endswith("users")]
    assert count_cols or name == "headline", name
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
        # fixed precision (issue 12): percentages 1 decimal place, rates per 1,000 2 decimal places
        dp = 1 if col.endswith("_pct") else 2 if col.startswith("reach_") else None
        v = pd.to_numeric(t[col], errors="coerce").dropna().to_numpy(float)
        assert dp is None or np.allclose(v, np.round(v, dp), rtol=0, atol=1e-12), f"{name}.{col}: {v}"


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
