"""End to end: `svimpact run` on small params, and a batch with a failing notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import REPO

from svimpact.cli import main

pytestmark = pytest.mark.e2e


def _small_params(tmp: Path, notebooks=("additionality", "targeting"), notebook_dir: Path | None = None) -> Path:
    services = []
    for name in ("housing_first", "households_into_work"):
        data = yaml.safe_load((REPO / "params" / f"{name}.yaml").read_text())
        data["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in data["data"].items()}
        data["effect"]["n_draws"] = 200
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        services.append(path.name)
    batch = {
        "title": "Test batch", "seed": 7, "output_dir": str(tmp / "out"),
        "notebook_dir": str(notebook_dir or REPO / "notebooks"), "notebooks": list(notebooks),
        "services": services, "timeout_seconds": 300, "jobs": 2,
    }
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    status = main(["run", str(_small_params(tmp)), "--jobs", "2"])
    return status, tmp / "out"


def test_batch_succeeds_and_writes_everything(demo_run):
    status, out = demo_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert status == 0, manifest["notebooks"]
    assert manifest["status"] == "complete"
    assert {(n["service"], n["notebook"]) for n in manifest["notebooks"]} == {
        (s, nb) for s in ("housing_first", "households_into_work") for nb in ("additionality", "targeting")}
    assert all(n["status"] == "ok" and n["seconds"] > 0 for n in manifest["notebooks"])
    assert manifest["seed"] == 7 and manifest["svimpact_version"]
    assert all(len(h) == 64 for h in manifest["inputs"].values()) and len(manifest["inputs"]) >= 6
    assert any(k.startswith("tables/") for k in manifest["outputs"])
    assert any(k.startswith("figures/") for k in manifest["outputs"])
    for entry in manifest["notebooks"]:
        assert (out / entry["output"]).is_file()


def test_chapter_stands_alone_with_both_services(demo_run):
    _, out = demo_run
    page = (out / "index.html").read_text()
    assert "<h2>Housing First</h2>" in page and "<h2>Households into Work</h2>" in page
    assert "SYNTHETIC DATA" in page and "INCOMPLETE" not in page
    assert "data:image/png;base64," in page
    assert "<script" not in page and "src='http" not in page and 'src="http' not in page
    assert "params_path" not in page  # code and parameters hidden
    assert "Traceback" not in page


def test_published_outputs_hold_no_identifiers(demo_run):
    import re

    import pandas as pd

    _, out = demo_run
    ids = set(pd.read_csv(REPO / "data" / "synthetic_housing_first_participants.csv")["person_id"])
    ids |= set(pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv")["household_id"])
    pattern = re.compile(r"H[FW]-\d{6}")
    for path in out.rglob("*"):
        if path.suffix in {".html", ".csv", ".ipynb", ".json"}:
            found = set(pattern.findall(path.read_text(errors="replace"))) & ids
            assert not found, f"{path} publishes identifiers {sorted(found)[:3]}"


def test_failing_notebook_is_reported_and_others_still_run(tmp_path):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    good = nbformat.read(REPO / "notebooks" / "targeting.ipynb", as_version=4)
    nbformat.write(good, nb_dir / "targeting.ipynb")
    bad = nbformat.v4.new_notebook(metadata=good.metadata)
    bad.cells = [good.cells[1], nbformat.v4.new_code_cell("x = 1"),
                 nbformat.v4.new_code_cell("raise ValueError('planted failure')")]
    nbformat.write(bad, nb_dir / "broken.ipynb")
    params = _small_params(tmp_path, notebooks=("broken", "targeting"), notebook_dir=nb_dir)
    status = main(["run", str(params)])
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert status == 1
    assert manifest["status"] == "failed"
    by = {(n["service"], n["notebook"]): n for n in manifest["notebooks"]}
    assert by[("housing_first", "targeting")]["status"] == "ok"
    err = by[("housing_first", "broken")]["error"]
    assert by[("housing_first", "broken")]["status"] == "failed"
    assert err["ename"] == "ValueError" and "planted failure" in err["evalue"] and err["cell"] is not None
    page = (out / "index.html").read_text()
    assert "INCOMPLETE CHAPTER" in page and "planted failure" in page


def test_validate_command(capsys):
    assert main(["validate", str(REPO / "params" / "year_one.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Validation: OK")
    assert "synthetic_housing_first_participants.csv: 300 record(s) read, 0 excluded" in out


def test_cli_reports_params_errors_cleanly(tmp_path, capsys):
    bad = tmp_path / "b.yaml"
    bad.write_text("title: x\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("svimpact: error:") and "key 'output_dir': required key is missing" in err


def test_demo_maps_records_onto_real_lcr_boroughs(demo_run):
    """Issue 16 item 6: the demo (params/*.yaml, shipped data/lcr) names the six LCR boroughs in the
    chapter and in both services' interactive maps, with real 2021 LSOA codes."""
    _, out = demo_run
    boroughs = ("Halton", "Knowsley", "Liverpool", "St. Helens", "Sefton", "Wirral")
    chapter = (out / "index.html").read_text(encoding="utf-8")
    assert [b for b in boroughs if b not in chapter] == []
    for service in ("housing_first", "households_into_work"):
        page = (out / "maps" / f"{service}__reach-map.html").read_text(encoding="utf-8")
        assert [b for b in boroughs if f">{b}</text>" not in page] == [], service
        assert "Open Government Licence" in page
    assert "synthetic)" not in chapter  # no fictional borough left in the demo

def test_excluded_rows_are_quarantined_and_counted_in_the_chapter(tmp_path):
    """Rows are dropped only when the params say so, then listed (without identifiers) and counted."""
    import pandas as pd

    participants = pd.read_csv(REPO / "data" / "synthetic_households_into_work_participants.csv")
    bad_rows = [3, 17, 40, 41, 99, 150, 151, 152, 300, 301, 302]  # 11 rows: enough to be shown (> 7)
    participants.loc[bad_rows, "support_cost"] = -1.0
    part_path = tmp_path / "participants.csv"
    participants.to_csv(part_path, index=False)
    params = _small_params(tmp_path, notebooks=("additionality",))
    hiw = yaml.safe_load((tmp_path / "households_into_work.yaml").read_text())
    hiw["data"]["participants"] = str(part_path)
    hiw["exclude_invalid_rows"] = True
    (tmp_path / "households_into_work.yaml").write_text(yaml.safe_dump(hiw, sort_keys=False))
    assert main(["run", str(params)]) == 0
    out = tmp_path / "out"
    quarantine = pd.read_csv(out / "quarantine" / "households_into_work__excluded-rows.csv")
    assert sorted(set(quarantine["row"])) == [r + 1 for r in bad_rows]
    assert not quarantine.astype(str).apply(lambda c: c.str.contains("HW-")).any().any()
    page = (out / "index.html").read_text()
    assert "10 records failed validation and were excluded" in page  # 11, rounded to 5 by nhs-hes
