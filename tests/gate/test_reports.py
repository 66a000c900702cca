"""The gate on real batch outputs: the demo passes; leaks planted into a copy of it are caught; a
service whose identifiers are plain 4-digit numbers (colliding with years, populations, costs and
coordinates across its report) passes, and its identifiers written beside an identifier word are
caught."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO
from planting import png

from svimpact.gate import LookFor, gate_batch, input_identifiers
from svimpact.gate.batch import scan_services
from svimpact.io.params import load_batch

pytestmark = pytest.mark.e2e
DEMO = REPO / "params" / "year_one.yaml"


@pytest.fixture(scope="module")
def demo(demo_report) -> Path:
    # The session's demo run (tests/conftest.py); tests copy it before editing.
    manifest = json.loads((demo_report / "manifest.json").read_text())
    assert manifest["status"] == "complete", manifest.get("gate")
    return demo_report


def test_demo_output_passes_the_gate(demo):
    report = gate_batch(DEMO, demo)
    assert report.ok, str(report.summary())
    suffixes = {Path(f).suffix for f in report.files_scanned}
    assert {".html", ".csv", ".json", ".ipynb", ".png", ".docx"} <= suffixes and len(report.files_scanned) >= 80


def _first_id() -> str:
    return str(pd.read_csv(REPO / "data" / "synthetic_housing_first_participants.csv")["person_id"].iloc[7])


def _edit_docx(path: Path, body: str = "", header: str = "") -> None:
    import docx

    doc = docx.Document(str(path))
    if body:
        doc.add_paragraph(body)
    if header:
        doc.sections[0].header.add_paragraph(header)
    doc.save(str(path))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _png_with_text(path: Path, text: str) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Title", text)
    image = Image.open(io.BytesIO(path.read_bytes()))
    image.save(path, "PNG", pnginfo=info)


PLANT_IN_DEMO = {
    "identifier in lower case in the index page":
        lambda d: (_replace(d / "index.html", "</body>", f"<p>{_first_id().lower()}</p></body>"), "index.html")[1],
    "identifier in the Word header":
        lambda d: (_edit_docx(d / "year-one.docx", header=f"Case {_first_id()}"), "year-one.docx")[1],
    "n=3 in the Word body":
        lambda d: (_edit_docx(d / "year-one.docx", body="Sustained tenancies (n=3)."), "year-one.docx")[1],
    "\"u\":\"3\" in the reach map data":
        lambda d: (_replace(d / "maps" / "households_into_work__reach-map.html", '"u":"not shown',
                            '"u":"3","x":"not shown'),
                   "maps/households_into_work__reach-map.html")[1],  # HF's map is by borough: none hidden
    "identifier in a figure's PNG text chunk":
        lambda d: (_png_with_text(d / "figures" / "housing_first__tornado.png", _first_id()),
                   "figures/housing_first__tornado.png")[1],
    "Three participants in a notebook":
        lambda d: (_replace(d / "notebooks" / "housing_first__additionality.ipynb", '"text/markdown": [\n',
                            '"text/markdown": [\n      "Three participants left. ",\n'),
                   "notebooks/housing_first__additionality.ipynb")[1],
}


@pytest.mark.parametrize("kind", sorted(PLANT_IN_DEMO))
def test_leak_planted_into_the_demo_is_caught(demo, tmp_path, kind):
    copy = Path(shutil.copytree(demo, tmp_path / "copy"))
    file = PLANT_IN_DEMO[kind](copy)
    report = gate_batch(DEMO, copy)
    assert [f.file for f in report.findings] == [file], str(report.summary())


# ----------------------------------------------------------------------------- numeric identifiers
def _numeric_service(tmp: Path) -> Path:
    """Housing First with people numbered 1001-1900 and survey respondents 2001-2140 (years!)."""
    data = tmp / "data"
    data.mkdir()
    part = pd.read_csv(REPO / "data" / "synthetic_housing_first_participants.csv", dtype=str)
    comp = pd.read_csv(REPO / "data" / "synthetic_housing_first_comparison.csv", dtype=str)
    survey = pd.read_csv(REPO / "data" / "synthetic_housing_first_survey.csv", dtype=str)
    numbers = {old: str(1001 + i) for i, old in enumerate(sorted(set(part["person_id"]) | set(comp["person_id"])))}
    part.assign(person_id=part["person_id"].map(numbers)).to_csv(data / "participants.csv", index=False)
    comp.assign(person_id=comp["person_id"].map(numbers)).to_csv(data / "comparison.csv", index=False)
    survey.assign(respondent_id=[str(2001 + i) for i in range(len(survey))]).to_csv(data / "survey.csv", index=False)
    params = yaml.safe_load((REPO / "params" / "housing_first.yaml").read_text())
    params["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in params["data"].items()}
    params["data"].update(participants=str(data / "participants.csv"), comparison=str(data / "comparison.csv"),
                          survey=str(data / "survey.csv"))
    params["effect"]["n_draws"] = 200
    (tmp / "numeric.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    batch = {"title": "Numeric identifiers", "seed": 7, "output_dir": str(tmp / "out"),
             "notebook_dir": str(REPO / "notebooks"), "notebooks": ["additionality", "targeting"],
             "services": ["numeric.yaml"], "timeout_seconds": 600, "jobs": 2}
    (tmp / "batch.yaml").write_text(yaml.safe_dump(batch, sort_keys=False))
    return tmp / "batch.yaml"


@pytest.fixture(scope="module")
def numeric(tmp_path_factory) -> tuple[Path, Path]:
    from svimpact.report.batch import run_batch

    batch = _numeric_service(tmp_path_factory.mktemp("numeric"))
    result = run_batch(batch, progress=None)
    assert all(r.ok for r in result.results), [str(r.summary()) for r in result.results if not r.ok]
    assert result.gate_findings == (), result.gate_findings
    return batch, result.plan.output_dir


def test_numeric_identifier_service_passes(numeric):
    batch, out = numeric
    services = load_batch(batch)[1]
    look = input_identifiers(services)
    assert {"1001", "1900", "2024", "2025"} <= set(look.identifiers)
    report = scan_services(out, services, look)
    assert report.ok, str(report.summary())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    # the test means something: the report is full of numbers equal to identifiers
    text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*")
                    if p.is_file() and p.suffix in (".html", ".csv", ".json"))
    collisions = set(re.findall(r"(?<![\d.])\d{4}(?![\d])", text)) & set(look.identifiers)
    assert len(collisions) >= 10, sorted(collisions)


@pytest.mark.parametrize("plant", ["<p>Participant 1042 moved in.</p>", "<p>respondent_id: 2024</p>",
                                   '<script>var d={"person_id":"1042"};</script>'])
def test_numeric_identifier_leak_is_caught(numeric, tmp_path, plant):
    batch, out = numeric
    copy = Path(shutil.copytree(out, tmp_path / "copy"))
    _replace(copy / "index.html", "</body>", plant + "</body>")
    report = scan_services(copy, load_batch(batch)[1])
    assert [f.file for f in report.findings] == ["index.html"], str(report.summary())


def test_planted_png_is_read_in_place(demo, tmp_path):
    copy = Path(shutil.copytree(demo, tmp_path / "copy"))
    (copy / "figures" / "extra.png").write_bytes(png({"Comment": "postcode L1 8JQ"}))
    services = load_batch(DEMO)[1]
    report = scan_services(copy, services, input_identifiers(services) | LookFor(postcodes=frozenset({"L1 8JQ"})))
    assert [f.file for f in report.findings] == ["figures/extra.png"]
