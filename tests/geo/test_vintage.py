"""LSOA vintages: code checks and conversion through the ONS 2011 -> 2021 lookup.

Reference data: the ONS lookup (35,795 pairs, CHGIND U 33,647 / S 1,900 / M 239 / X 9, counted
from the file) and its LCR rows (989 -> 1,003 LSOAs; U 967, S 33, M 6 per the README), and ONS
SAPE22DT2 mid-2019 populations on 2011 LSOAs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE as REF  # noqa: E402
from conftest import need

from svimpact.exceptions import InputDataError
from svimpact.geo.imd import tag_iod
from svimpact.geo.vintage import (
    check_lsoa_codes,
    check_same_vintage,
    convert_lsoa_counts,
    convert_lsoa_flags,
    convert_lsoa_rates,
    read_lsoa_lookup,
)

LOOKUP = REF / "lookups/LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Lookup_for_England_and_Wales.csv"
LOOKUP_LCR = REF / "lookups/lsoa11_lsoa21_lad22_lcr.csv"
POP_EW = REF / "population/sape22dt2_mid2019_lsoa11_total_population_ew.csv"
POP_LCR = REF / "population/sape22dt2_mid2019_lsoa11_persons_syoa_lcr.csv"


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return read_lsoa_lookup(need(LOOKUP))


@pytest.fixture(scope="module")
def lookup_lcr() -> pd.DataFrame:
    return read_lsoa_lookup(need(LOOKUP_LCR))


@pytest.fixture(scope="module")
def pop_lcr() -> pd.DataFrame:
    df = pd.read_csv(need(POP_LCR), usecols=["lsoa11_code", "total_population"])
    return df.rename(columns={"lsoa11_code": "lsoa_code", "total_population": "people"})


def test_read_lookup(lookup: pd.DataFrame, lookup_lcr: pd.DataFrame) -> None:
    assert len(lookup) == 35_795
    assert lookup["change"].value_counts().to_dict() == {"U": 33_647, "S": 1_900, "M": 239, "X": 9}
    assert lookup["lsoa11_code"].nunique() == 34_753 and lookup["lsoa21_code"].nunique() == 35_672
    assert lookup_lcr["lsoa11_code"].nunique() == 989
    assert lookup_lcr["lsoa21_code"].nunique() == 1_003
    assert lookup_lcr["change"].value_counts().to_dict() == {"U": 967, "S": 33, "M": 6}


def test_check_codes_format_and_vintage(lookup: pd.DataFrame) -> None:
    check_lsoa_codes(["E01006412", "W01000001"], 2011)
    check_lsoa_codes(["Z01000001", "anything"], "synthetic")  # synthetic skips format checks
    with pytest.raises(InputDataError, match=r"malformed.*an identifier-like value of 8 characters.*row 2.*E01 or W01"):
        check_lsoa_codes(["E01006412", "E0100641"], 2011)
    with pytest.raises(InputDataError, match=r"not 2011 LSOAs.*E01033769.*2021 LSOAs.*row 2"):
        check_lsoa_codes(["E01006412", "E01033769"], 2011)
    with pytest.raises(InputDataError, match="no Welsh"):
        check_lsoa_codes(["W01000001"], 2011, england_only=True)
    with pytest.raises(InputDataError, match="unknown LSOA vintage"):
        check_lsoa_codes(["E01006412"], 2001)


def test_check_codes_against_lookup(lookup: pd.DataFrame) -> None:
    check_lsoa_codes(lookup["lsoa21_code"], 2021, lookup=lookup)
    # E01006415 (Knowsley) was split in 2021, so it is a 2011 code only.
    split = lookup.loc[lookup["change"] == "S", "lsoa11_code"].iloc[0]
    with pytest.raises(InputDataError, match=r"not 2021 LSOAs.*1 of them are 2011 codes.*convert"):
        check_lsoa_codes(["E01006412", split], 2021, lookup=lookup)
    with pytest.raises(InputDataError, match=r"not 2011 LSOAs.*E01099999.*row 2"):
        check_lsoa_codes(["E01009999", "E01099999"], 2011, lookup=lookup)
    with pytest.raises(InputDataError, match=r"not 2021 LSOAs in the ONS lookup.*E01099999"):
        check_lsoa_codes(["E01009999", "E01099999"][1:], 2021, lookup=lookup)


def test_lcr_population_total_preserved(lookup_lcr: pd.DataFrame, pop_lcr: pd.DataFrame) -> None:
    with pytest.warns(UserWarning, match="equal shares"):
        out = convert_lsoa_counts(pop_lcr, lookup_lcr, ["people"])
    assert len(out) == 1_003
    assert out["people"].sum() == pytest.approx(pop_lcr["people"].sum(), rel=1e-12)


def test_full_lookup_total_preserved_with_weights(lookup: pd.DataFrame) -> None:
    pop = pd.read_csv(need(POP_EW)).rename(columns={"lsoa11_code": "lsoa_code"})
    rng = np.random.default_rng(7)
    weights = pd.Series(rng.uniform(500, 3000, lookup["lsoa21_code"].nunique()),
                        index=lookup["lsoa21_code"].unique())
    out = convert_lsoa_counts(pop, lookup, ["total_population"], weights=weights)
    assert len(out) == 35_672
    assert out["total_population"].sum() == pytest.approx(pop["total_population"].sum(), rel=1e-12)


def test_split_merge_and_complex_rules() -> None:
    lk = pd.DataFrame({
        "lsoa11_code": ["E01000001", "E01000002", "E01000002", "E01000003", "E01000004"],
        "lsoa21_code": ["E01000001", "E01033801", "E01033802", "E01033803", "E01033803"],
        "change": ["U", "S", "S", "M", "M"],
    })
    df = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002", "E01000003", "E01000004"],
                       "n": [10.0, 90.0, 5.0, 7.0], "den": [100.0, 300.0, 50.0, 70.0],
                       "flag": [False, True, False, True]})
    w = pd.Series({"E01033801": 1000.0, "E01033802": 2000.0})
    out = convert_lsoa_counts(df, lk, ["n"], weights=w).set_index("lsoa_code")["n"]
    # split by population share 1/3 : 2/3; merge sums; unchanged stays
    assert out.to_dict() == pytest.approx({"E01000001": 10.0, "E01033801": 30.0,
                                          "E01033802": 60.0, "E01033803": 12.0})
    rates = convert_lsoa_rates(df, lk, numerator="n", denominator="den", per=1000,
                               weights=w).set_index("lsoa_code")
    assert rates.loc["E01033803", "rate"] == pytest.approx(1000 * 12 / 120)  # not mean of rates
    flags = convert_lsoa_flags(df, lk, ["flag"]).set_index("lsoa_code")["flag"]
    assert flags.to_dict() == {"E01000001": False, "E01033801": True, "E01033802": True,
                               "E01033803": True}
    all_flags = convert_lsoa_flags(df, lk, ["flag"], rule="all").set_index("lsoa_code")["flag"]
    assert not all_flags["E01033803"]
    with pytest.warns(UserWarning, match="equal shares"):
        back = convert_lsoa_counts(out.reset_index(), lk, ["n"], from_vintage=2021,
                                   to_vintage=2011)
    assert back.set_index("lsoa_code")["n"].to_dict() == pytest.approx(
        {"E01000001": 10.0, "E01000002": 90.0, "E01000003": 6.0, "E01000004": 6.0})


def test_conversion_errors(lookup_lcr: pd.DataFrame, pop_lcr: pd.DataFrame) -> None:
    with pytest.raises(InputDataError, match=r"deciles and ranks cannot be converted"):
        convert_lsoa_counts(pop_lcr.assign(imd_decile=1), lookup_lcr, ["imd_decile"])
    bad = pd.concat([pop_lcr, pd.DataFrame({"lsoa_code": ["E01000001"], "people": [5]})])
    with pytest.raises(InputDataError, match=r"not in the lookup's 2011 LSOAs.*E01000001.*row 990"):
        convert_lsoa_counts(bad, lookup_lcr, ["people"])
    with pytest.raises(InputDataError, match="column not found"):
        convert_lsoa_counts(pop_lcr, lookup_lcr, ["nope"])
    with pytest.raises(InputDataError, match="weights lack"):
        convert_lsoa_counts(pop_lcr, lookup_lcr, ["people"], weights=pd.Series({"E01006412": 1.0}))
    with pytest.raises(InputDataError, match="cannot convert from 2011 to 2001"):
        convert_lsoa_counts(pop_lcr, lookup_lcr, ["people"], to_vintage=2001)


def test_same_vintage_check() -> None:
    a = tag_iod(pd.DataFrame({"lsoa_code": ["E01006412"]}), edition=2019)
    b = tag_iod(pd.DataFrame({"lsoa_code": ["E01006412"]}), edition=2025)
    assert check_same_vintage(a, a) == (2019, 2011)
    with pytest.raises(InputDataError, match=r"IoD2019 on 2011.*IoD2025 on 2021.*convert_lsoa_counts"):
        check_same_vintage(a, b, names=["users", "imd"])


def test_bad_lookup_file(tmp_path: Path) -> None:
    p = tmp_path / "lk.csv"
    p.write_text("F_LSOA11CD,LSOA21CD\nE01000001,E01000001\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"lk\.csv.*column 'CHGIND'"):
        read_lsoa_lookup(p)


def test_codes_checked_against_the_imd_frame() -> None:
    imd = tag_iod(pd.DataFrame({"lsoa_code": ["E01006412", "E01006413"]}), edition=2019)
    check_lsoa_codes(["E01006413"], 2011, known=imd["lsoa_code"])
    with pytest.raises(InputDataError, match=r"users\.csv.*1 code\(s\) are not in the IMD frame "
                       r"\(first: E01006414\).*row 2.*convert_lsoa_counts"):
        check_lsoa_codes(["E01006412", "E01006414"], 2011, known=imd["lsoa_code"],
                         file="users.csv")


def test_missing_counts_are_not_dropped(lookup_lcr: pd.DataFrame, pop_lcr: pd.DataFrame) -> None:
    gappy = pop_lcr.copy()
    gappy.loc[3, "people"] = np.nan
    with pytest.raises(InputDataError, match=r"column 'people'.*none missing.*row 4"):
        convert_lsoa_counts(gappy, lookup_lcr, ["people"])
