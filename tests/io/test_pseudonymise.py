"""Pseudonymisation at load: keyed hashes, a clear error without a key for real data, and the key
never shown anywhere."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest
from conftest import REPO

from svimpact.exceptions import ParamsError
from svimpact.io.params import load_service_params
from svimpact.io.pseudonymise import (
    DEMO_KEY,
    ENV_KEY,
    ENV_KEY_FILE,
    PseudonymKey,
    get_pseudonym_key,
    pseudonymise,
)
from svimpact.io.service import load_service_data

SECRET = "a-test-secret-key-0123456789abcdef"


@pytest.fixture()
def no_key(monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)


@pytest.fixture()
def hf():
    return load_service_params(REPO / "params" / "housing_first.yaml")


def test_hmac_sha256_reference():
    # Reference computed independently with the standard library: HMAC-SHA256(key, "HF-000001").
    key = PseudonymKey(b"0123456789abcdef-key", "environment")
    expected = "p_" + hmac.new(b"0123456789abcdef-key", b"HF-000001", hashlib.sha256).hexdigest()[:20]
    assert pseudonymise(["HF-000001"], key).tolist() == [expected]
    assert pseudonymise([None, "HF-000001"], key).isna().tolist() == [True, False]


def test_synthetic_data_use_the_documented_demo_key(no_key, hf):
    data = load_service_data(hf)
    raw = pd.read_csv(hf.data.participants)["person_id"]
    assert not set(raw) & set(data.participants["person_id"])
    assert data.participants["person_id"].str.match(r"^p_[0-9a-f]{20}$").all()
    demo = PseudonymKey(DEMO_KEY, "synthetic demo key")
    assert data.participants["person_id"].tolist() == pseudonymise(raw, demo).tolist()
    assert data.pseudonymisation == "HMAC-SHA256, truncated to 20 hex digits; key from the synthetic demo key"
    assert data.survey["respondent_id"].str.startswith("p_").all()


def test_real_data_without_key_is_a_clear_error(no_key, hf):
    real = hf.model_copy(update={"synthetic": False})
    with pytest.raises(ParamsError, match=rf"need a pseudonymisation key: set the environment variable {ENV_KEY}"):
        load_service_data(real)


def test_environment_key_is_used_and_never_shown(monkeypatch, hf):
    monkeypatch.setenv(ENV_KEY, SECRET)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    assert get_pseudonym_key(synthetic=False).source == "environment"
    data = load_service_data(hf)  # a key in the environment wins over the demo key
    raw = pd.read_csv(hf.data.participants)["person_id"]
    assert data.participants["person_id"].tolist() == pseudonymise(raw, PseudonymKey(SECRET.encode(), "x")).tolist()
    shown = " ".join([repr(get_pseudonym_key(synthetic=False)), str(data.pseudonymisation), str(data.files),
                      data.validation.summary().text, repr(data.params)])
    assert SECRET not in shown and "environment" in shown


def test_short_key_refused(monkeypatch):
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(ParamsError, match="shorter than 16 characters"):
        get_pseudonym_key(synthetic=False)


def test_key_file_outside_repo(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_KEY, raising=False)
    path = tmp_path / "svimpact.key"
    path.write_text(SECRET + "\n")
    monkeypatch.setenv(ENV_KEY_FILE, str(path))
    key = get_pseudonym_key(synthetic=False)
    assert key.secret == SECRET.encode() and key.source == "key file"
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "missing.key"))
    with pytest.raises(ParamsError, match="does not exist"):
        get_pseudonym_key(synthetic=False)


def test_key_file_inside_repo_refused(monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(ENV_KEY_FILE, str(REPO / "params" / "housing_first.yaml"))  # any file in the repo
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    with pytest.raises(ParamsError, match="inside the repository"):
        get_pseudonym_key(synthetic=False)


def test_pseudonymise_off_keeps_identifiers(no_key, hf):
    data = load_service_data(hf.model_copy(update={"pseudonymise": False}))
    assert data.participants["person_id"].iloc[0] == pd.read_csv(hf.data.participants)["person_id"].iloc[0]
    assert data.pseudonymisation is None


def test_duplicates_checked_before_hashing(no_key, hf, tmp_path):
    frame = pd.read_csv(hf.data.participants)
    frame.loc[1, "person_id"] = " " + frame.loc[0, "person_id"]  # same person, stray space
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    params = hf.model_copy(update={"data": hf.data.model_copy(update={"participants": path})})
    with pytest.raises(Exception, match=r"identifiers are duplicated \(rows 1, 2"):
        load_service_data(params)
