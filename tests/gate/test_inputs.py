"""What the gate looks for, read from a service's inputs: identifiers raw and pseudonymised,
postcodes (from postcode columns and typed anywhere else), dates of birth in any stored form, free
text from free-text columns only (not categories, not stock phrases); and a report holding them
is failed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from svimpact.gate import input_identifiers, scan_report
from svimpact.gate.inputs import canonical_words
from svimpact.io.params import load_service_params
from svimpact.io.pseudonymise import get_pseudonym_key, pseudonymise

NOTE = "Referred by the outreach team after a night at the bus station"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inputs")
    hf = load_service_params(REPO / "params" / "housing_first.yaml")
    part = pd.read_csv(hf.data.participants, dtype=str, keep_default_na=False)
    n = len(part)
    part["date_of_birth"] = ["07/03/1984", "1990-12-01"] + [""] * (n - 2)
    part["home_postcode"] = ["l18jq", "CH41 6AA"] + [""] * (n - 2)
    part["support_notes"] = [NOTE, "no further action"] + ["no further action"] * 10 + [""] * (n - 12)
    part["referral_route"] = (["street outreach team", "hospital discharge team", "prison release team"] * n)[:n]
    part.loc[5, "lsoa_code"] = "WA7 1AA"  # a postcode typed in the area column
    path = tmp / "participants.csv"
    part.to_csv(path, index=False)
    return hf.model_copy(update={"data": hf.data.model_copy(update={"participants": path})}), part


def test_everything_the_inputs_hold_is_looked_for(service):
    sp, part = service
    look = input_identifiers([sp])
    key = get_pseudonym_key(synthetic=True, params_file=sp.source_file)
    first = part["person_id"].iloc[0]
    assert {first, pseudonymise([first], key).iloc[0]} <= look.identifiers
    assert look.postcodes == {"L1 8JQ", "CH41 6AA", "WA7 1AA"}
    assert look.dates_of_birth == {dt.date(1984, 3, 7), dt.date(1990, 12, 1)}
    assert look.free_text == {canonical_words(NOTE)}  # not the stock phrase (12 records), not the referral route (a category)
    assert look.secrets and "person_id" in look.id_columns


@pytest.mark.parametrize("text", [
    "Born on 7 March 1984.", "born 1990/12/01", "Postcode: WA7  1AA",
    "“Referred by the outreach team, after a night at the bus station.”"])
def test_a_report_holding_an_input_value_fails(service, tmp_path: Path, text):
    sp, _ = service
    (tmp_path / "index.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    assert not scan_report(tmp_path, look_for=input_identifiers([sp])).ok


def test_category_values_and_stock_phrases_are_not_flagged(service, tmp_path: Path):
    sp, _ = service
    (tmp_path / "index.html").write_text("<p>Street outreach team: 40 participants; no further action.</p>",
                                         encoding="utf-8")
    assert scan_report(tmp_path, look_for=input_identifiers([sp])).ok
