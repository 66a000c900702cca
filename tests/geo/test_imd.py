"""Readers for the official IoD files into the canonical frame (svimpact.geo.imd).

Reference data: /work/shared/reference-data (README.md there gives each file's source). Expected
counts (32,844 / 33,755 LSOAs; LCR 989 / 1,003 with per-borough counts) are from that README.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import REFERENCE as REF  # noqa: E402
from conftest import need

from svimpact.exceptions import InputDataError
from svimpact.geo.imd import iod_info, read_iod, tag_iod

F1 = REF / "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
F2 = REF / "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
F6 = REF / "iod2019/File_6_-_IoD2019_Population_Denominators.csv"
SCORES = REF / "iod2019/imd2019_lsoa11_score_decile_opendatacommunities.csv"
ASSEMBLED = REF / "iod2019/iod2019_lsoa11_england_assembled.csv"
LCR19 = REF / "iod2019/iod2019_lsoa11_lcr.csv"
IOD25 = REF / "iod2025/imd2025_lsoa21_england.csv"
LCR = {"E06000006": "Halton", "E08000011": "Knowsley", "E08000012": "Liverpool",
       "E08000013": "St. Helens", "E08000014": "Sefton", "E08000015": "Wirral"}

HEAD_2019 = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
             "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
             "Index of Multiple Deprivation (IMD) Decile")


@pytest.fixture(scope="module")
def iod2019() -> pd.DataFrame:
    return read_iod(need(ASSEMBLED))


@pytest.fixture(scope="module")
def iod2025() -> pd.DataFrame:
    return read_iod(need(IOD25))


def write(tmp_path: Path, name: str, text: str, bom: bool = True) -> Path:
    p = tmp_path / name
    p.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return p


def test_iod2019_canonical_frame(iod2019: pd.DataFrame) -> None:
    assert len(iod2019) == 32_844
    assert list(iod2019.columns[:7]) == ["lsoa_code", "lsoa_name", "lad_code", "lad_name",
                                         "imd_score", "imd_rank", "imd_decile"]
    for domain in ("income", "employment", "education", "health", "crime", "barriers",
                   "living_environment"):
        assert f"{domain}_rank" in iod2019 and f"{domain}_decile" in iod2019
    assert "population" in iod2019
    info = iod_info(iod2019)
    assert (info.edition, info.lsoa_vintage, info.n_national) == (2019, 2011, 32_844)
    # File 7 row for E01000001 (City of London 001A): score 6.208, rank 29,199, decile 9,
    # population mid-2015 1,296 (README quotes the File 1 and File 6 values).
    row = iod2019.set_index("lsoa_code").loc["E01000001"]
    assert (row["imd_score"], row["imd_rank"], row["imd_decile"], row["population"]) == (
        6.208, 29_199, 9, 1_296)
    # The official ranks are not all distinct: 26 pairs of LSOAs share a rank (and a score).
    assert iod2019["imd_rank"].between(1, 32_844).all()
    assert (iod2019["imd_rank"].value_counts() == 2).sum() == 26


def test_official_files_with_bom_and_thousands_separators_combine(iod2019: pd.DataFrame) -> None:
    """Files 1, 2 and 6 (BOM; File 1 and 6 quote numbers like "29,199") plus the score file
    give exactly the assembled File-7-style frame."""
    combined = read_iod(need(F1), need(F2), need(SCORES), need(F6))
    a, b = iod2019.copy(), combined.copy()
    a.attrs, b.attrs = {}, {}
    pd.testing.assert_frame_equal(a, b)
    assert len(iod_info(combined).sources) == 4


def test_lcr_counts_2019_and_2025(iod2019: pd.DataFrame, iod2025: pd.DataFrame) -> None:
    n19 = iod2019[iod2019["lad_code"].isin(LCR)].groupby("lad_code").size()
    n25 = iod2025[iod2025["lad_code"].isin(LCR)].groupby("lad_code").size()
    assert n19.sum() == 989 and n25.sum() == 1_003
    assert n19.tolist() == [79, 98, 298, 119, 189, 206]
    assert n25.tolist() == [80, 100, 302, 121, 191, 209]


def test_iod2025_frame(iod2025: pd.DataFrame) -> None:
    assert len(iod2025) == 33_755
    info = iod_info(iod2025)
    assert (info.edition, info.lsoa_vintage) == (2025, 2021)
    assert {"imd_score", "income_score", "barriers_score", "living_environment_decile"} <= set(
        iod2025.columns)
    assert "population" not in iod2025  # the reference copy has no denominators
    assert iod2025["imd_decile"].value_counts().between(3375, 3376).all()


def test_lcr_extract_matches_england(iod2019: pd.DataFrame) -> None:
    lcr = read_iod(need(LCR19))
    assert len(lcr) == 989
    eng = iod2019.set_index("lsoa_code").loc[lcr["lsoa_code"]].reset_index()
    lcr.attrs, eng.attrs = {}, {}
    pd.testing.assert_frame_equal(lcr, eng)


def test_iod2025_official_headers(tmp_path: Path) -> None:
    """IoD2025 File 7 headers (2021 LSOAs, 2024 LADs, '(rate)' scores, mid-2022 denominator)."""
    text = (
        "LSOA code (2021),LSOA name (2021),Local Authority District code (2024),"
        "Local Authority District name (2024),Index of Multiple Deprivation (IMD) Score,"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
        "Income Score (rate),Income Rank (where 1 is most deprived),"
        "Income Decile (where 1 is most deprived 10% of LSOAs),"
        "Income Deprivation Affecting Children Index (IDACI) Score (rate),"
        "Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived),"
        "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs),"
        "Total population: mid 2022 (excluding prisoners)\n"
        'E01006412,Knowsley 006A,E08000011,Knowsley,66.076,509,1,0.653,413,1,0.7,300,1,"1,650"\n'
        "E01035000,Somewhere 001X,E08000011,Knowsley,5.0,33000,10,0.01,33001,10,0.02,33002,10,1400\n"
    )
    df = read_iod(write(tmp_path, "File_7_IoD2025.csv", text))
    assert iod_info(df).edition == 2025
    assert df["population"].tolist() == [1650, 1400]
    assert df["idaci_score"].tolist() == [0.7, 0.02]
    assert df["income_rank"].tolist() == [413, 33001]


def test_xlsx_finds_the_data_sheet(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    p = tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    data = pd.DataFrame({
        "LSOA code (2011)": ["E01006412", "E01006413"],
        "LSOA name (2011)": ["Knowsley 006A", "Knowsley 006B"],
        "Local Authority District code (2019)": ["E08000011"] * 2,
        "Local Authority District name (2019)": ["Knowsley"] * 2,
        "Index of Multiple Deprivation (IMD) Rank": [1234, 56],
        "Index of Multiple Deprivation (IMD) Decile": [1, 1],
    })
    with pd.ExcelWriter(p) as xl:
        pd.DataFrame({"Notes": ["English Indices of Deprivation 2019"]}).to_excel(
            xl, sheet_name="Notes", index=False)
        data.to_excel(xl, sheet_name="IMD2019", index=False)
    df = read_iod(p)
    assert df["imd_rank"].tolist() == [1234, 56]
    assert iod_info(df).lsoa_vintage == 2011


def test_missing_decile_column_names_file_and_column(tmp_path: Path) -> None:
    head = HEAD_2019.rsplit(",", 1)[0]
    p = write(tmp_path, "File_1.csv", head + "\nE01006412,Knowsley 006A,E08000011,Knowsley,1234\n")
    with pytest.raises(InputDataError, match=r"File_1\.csv.*column 'imd_decile'.*"
                       r"Index of Multiple Deprivation \(IMD\) Rank"):
        read_iod(p)


def test_no_lsoa_column(tmp_path: Path) -> None:
    p = write(tmp_path, "odd.csv", "code,IMD_score\nE01006412,3.2\n")
    with pytest.raises(InputDataError, match=r"odd\.csv.*no LSOA code column.*LSOA code \(2011\)"):
        read_iod(p)


def test_2019_file_with_2021_codes(tmp_path: Path) -> None:
    p = write(tmp_path, "f1.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\n"
              "E01035000,B,E08000011,K,2,1\n")
    with pytest.raises(InputDataError, match=r"f1\.csv.*not 2011 LSOAs.*E01035000.*2021 LSOAs.*row 2"):
        read_iod(p)


def test_unparseable_number_reports_rows(tmp_path: Path) -> None:
    p = write(tmp_path, "f1.csv", HEAD_2019 + '\nE01006412,A,E08000011,K,"1,234",1\n'
              "E01006413,B,E08000011,K,n/a,1\n")
    with pytest.raises(InputDataError, match=r"Rank'.*not numbers.*'n/a'.*row 2"):
        read_iod(p)


def test_bad_decile_and_duplicate_codes(tmp_path: Path) -> None:
    p = write(tmp_path, "f1.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,11\n")
    with pytest.raises(InputDataError, match="deciles must lie between 1 and 10"):
        read_iod(p)
    p = write(tmp_path, "f2.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\n"
              "E01006412,A,E08000011,K,2,1\n")
    with pytest.raises(InputDataError, match=r"more than once \(rows 1, 2"):
        read_iod(p)


def test_mixing_editions_is_an_error(tmp_path: Path) -> None:
    p19 = write(tmp_path, "a.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\n")
    p25 = write(tmp_path, "b.csv", HEAD_2019.replace("(2011)", "(2021)").replace("(2019)", "(2024)")
                + "\nE01006412,A,E08000011,K,1,1\n")
    with pytest.raises(InputDataError, match=r"different IoD editions.*convert_lsoa_counts"):
        read_iod(p19, p25)


def test_files_that_disagree(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\nE01006413,B,E08000011,K,2,1\n")
    b = write(tmp_path, "b.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\nE01006413,B,E08000011,K,3,1\n")
    with pytest.raises(InputDataError, match=r"b\.csv.*disagrees.*imd_rank.*row 2"):
        read_iod(a, b)
    c = write(tmp_path, "c.csv", HEAD_2019 + "\nE01006412,A,E08000011,K,1,1\n")
    with pytest.raises(InputDataError, match="covers different LSOAs"):
        read_iod(a, c)


def test_unknown_columns_warn_and_required_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", HEAD_2019 + ",Comment\nE01006412,A,E08000011,K,1,1,x\n")
    with pytest.warns(UserWarning, match="'Comment'"):
        df = read_iod(p)
    assert "Comment" not in df
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputDataError, match="'population' not found"):
            read_iod(p, require=["population"])


def test_attrs_helper_and_tagging() -> None:
    df = pd.DataFrame({"lsoa_code": ["Z01000001"], "imd_rank": [3]})
    with pytest.raises(InputDataError, match=r"tag_iod\(df, edition="):
        iod_info(df)
    tagged = tag_iod(df, edition="synthetic", n_national=33_755)
    assert iod_info(tagged).lsoa_vintage == "synthetic"
    assert iod_info(tagged).n_national == 33_755
    with pytest.raises(InputDataError, match="IoD2019 uses 2011 LSOAs"):
        tag_iod(df, edition=2019, lsoa_vintage=2021)
    with pytest.raises(InputDataError, match="unknown IoD edition"):
        tag_iod(df, edition=2015)


def test_synthetic_canonical_csv(tmp_path: Path) -> None:
    p = write(tmp_path, "synthetic.csv",
              "lsoa_code,lsoa_name,lad_code,lad_name,population,imd_score,imd_rank,imd_decile\n"
              "Z01000001,Area 1,Z08000001,Corrin,1500,40.1,120,1\n", bom=False)
    with pytest.raises(InputDataError, match="pass edition="):
        read_iod(p)
    df = read_iod(p, edition="synthetic")
    assert iod_info(df).edition == "synthetic" and df.loc[0, "population"] == 1500


def test_canonical_csv_round_trip(iod2019: pd.DataFrame, tmp_path: Path) -> None:
    p = tmp_path / "canonical.csv"
    iod2019.head(100).to_csv(p, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every canonical column is recognised
        back = read_iod(p, edition=2019)
    expected = iod2019.head(100).copy()
    expected.attrs, back.attrs = {}, {}
    pd.testing.assert_frame_equal(back, expected)
