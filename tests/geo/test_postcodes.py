"""Postcodes: normalising, validating, and looking up to LSOA through an ONSPD/NSPL file.

No postcode directory is in the reference data (too large), so the tests write a few rows in
the ONSPD layout (lower-case columns pcd, pcd2, pcds, dointr, doterm, ..., lsoa11, ..., lsoa21)
and in the newer upper-case layout (PCD7, PCD8, PCDS, DOINTR, DOTERM, LSOA11CD, LSOA21CD). The
postcodes are real Liverpool City Region postcodes but the LSOA codes beside them are only
plausible placeholders.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from svimpact.exceptions import InputDataError
from svimpact.geo.postcodes import (
    lookup_postcodes,
    normalise_postcode,
    normalise_postcodes,
    read_postcode_directory,
    validate_postcodes,
)

ONSPD_ROWS = [
    # pcd, pcd2, pcds, dointr, doterm, oslaua, usertype, lsoa11, msoa11, lat, long, lsoa21, msoa21
    ("L1  8JQ", "L1   8JQ", "L1 8JQ", "198001", "", "E08000012", "0", "E01033758", "E02006932",
     "53.40", "-2.98", "E01033758", "E02006932"),
    ("L3  1HU", "L3   1HU", "L3 1HU", "198001", "201204", "E08000012", "1", "E01033755", "E02001377",
     "53.41", "-2.99", "E01033755", "E02001377"),
    ("CH416AA", "CH41 6AA", "CH41 6AA", "198001", "", "E08000015", "0", "E01007133", "E02001425",
     "53.39", "-3.02", "E01007133", "E02001425"),
    ("WA7 1AA", "WA7  1AA", "WA7 1AA", "199901", "", "E06000006", "0", "E01012367", "E02002526",
     "53.33", "-2.73", "E01012367", "E02002526"),
]
ONSPD_HEADER = ["pcd", "pcd2", "pcds", "dointr", "doterm", "oslaua", "usertype", "lsoa11",
                "msoa11", "lat", "long", "lsoa21", "msoa21"]


@pytest.fixture()
def onspd(tmp_path: Path) -> Path:
    p = tmp_path / "ONSPD_NOV_2025_UK.csv"
    pd.DataFrame(ONSPD_ROWS, columns=ONSPD_HEADER).to_csv(p, index=False)
    return p


@pytest.mark.parametrize(("raw", "expected"), [
    ("l18jq", "L1 8JQ"), (" L1 8JQ ", "L1 8JQ"), ("ch41  6aa", "CH41 6AA"),
    ("EC1A1BB", "EC1A 1BB"), ("W1A 0AX", "W1A 0AX"), ("M11AE", "M1 1AE"), ("gir0aa", "GIR 0AA"),
    ("L1 8J", None), ("L1 8JQQ", None), ("QQ1 1AA", None), ("L1 8CQ", None), ("", None),
    (None, None), (float("nan"), None), (12345, None),
])
def test_normalise(raw: object, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


def test_normalise_many_keeps_positions() -> None:
    out = normalise_postcodes(["l18jq", "bad", None])
    assert out.tolist()[0] == "L1 8JQ" and out.isna().tolist() == [False, True, True]


def test_validate_lists_rows() -> None:
    assert validate_postcodes(["l18jq", "CH41 6AA"]).tolist() == ["L1 8JQ", "CH41 6AA"]
    with pytest.raises(InputDataError, match=r"clients\.csv.*'postcode'.*2 postcode\(s\) do not "
                       r"parse \(first: a text value of 5 character\(s\)\).*rows 2, 4"):
        validate_postcodes(["L1 8JQ", "L1 8J", "WA7 1AA", "not one"], file="clients.csv")


def test_read_onspd(onspd: Path) -> None:
    d = read_postcode_directory(onspd)
    assert d["postcode"].tolist() == ["L1 8JQ", "L3 1HU", "CH41 6AA", "WA7 1AA"]
    assert d["terminated"].tolist() == [False, True, False, False]
    assert d.attrs["svimpact"]["lsoa_vintage"] == 2021


def test_lookup_reports_every_row(onspd: Path) -> None:
    users = ["l1 8jq", "L3 1HU", "L99 9ZZ", "nonsense", "wa71aa", None]
    res = lookup_postcodes(users, onspd, vintage=2011)
    t = res.table
    assert len(t) == len(users) and t["row"].tolist() == [1, 2, 3, 4, 5, 6]
    assert t["status"].tolist() == ["matched", "terminated", "not_found", "invalid", "matched",
                                    "invalid"]
    assert t["lsoa_code"].tolist()[:2] == ["E01033758", "E01033755"]
    assert pd.isna(t["lsoa_code"].iloc[2])
    counts = res.counts()
    assert counts.to_dict() == {"matched": 2, "terminated": 1, "not_found": 1, "invalid": 2}
    assert len(res.problems()) == 4
    f = res.to_frame()
    assert f.loc[f["measure"].str.startswith("rows "), "value"].sum() == 6
    assert "terminated" in str(res)


def test_nspl_upper_case_layout(tmp_path: Path) -> None:
    p = tmp_path / "NSPL_2025.csv"
    p.write_text("\ufeffPCD7,PCD8,PCDS,DOINTR,DOTERM,USRTYPIND,LSOA11CD,LSOA21CD\n"
                 "L1  8JQ,L1   8JQ,L1 8JQ,198001,,0,E01033758,E01033758\n", encoding="utf-8")
    res = lookup_postcodes(["L18JQ"], read_postcode_directory(p, vintage=2021))
    assert res.table["status"].tolist() == ["matched"]


def test_directory_errors(tmp_path: Path) -> None:
    p = tmp_path / "postcodes.csv"
    p.write_text("postcode,lsoa\nL1 8JQ,E01033758\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"postcodes\.csv.*column 'pcds'.*ONSPD/NSPL"):
        read_postcode_directory(p)
    with pytest.raises(InputDataError, match="not found"):
        read_postcode_directory(tmp_path / "missing.csv")
    q = tmp_path / "dup.csv"
    q.write_text("pcds,doterm,lsoa21\nL1 8JQ,,E01033758\nL18JQ,,E01033758\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"more than once.*rows 1, 2"):
        read_postcode_directory(q)
