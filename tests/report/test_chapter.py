"""The published chapter: structure, Word copy, browser check, and the no-typed-numbers rule."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import REPO

from svimpact.report.batch import run_batch

pytestmark = pytest.mark.e2e


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tables = 0
        self.images: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in {"h1", "h2", "h3", "h4"}:
            self._in = tag
            self.headings.append("")
        elif tag == "table":
            self.tables += 1
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.headings[-1] += data


@pytest.fixture(scope="module")
def chapter(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("chapter")
    names = []
    for name in ("housing_first", "households_into_work"):
        data = yaml.safe_load((REPO / "params" / f"{name}.yaml").read_text())
        data["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in data["data"].items()}
        data["effect"]["n_draws"] = 300
        data["valuation"]["n_draws"] = 2000
        (tmp / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        names.append(f"{name}.yaml")
    batch = {"title": "Year One test chapter", "seed": 11, "output_dir": str(tmp / "out"),
             "notebook_dir": str(REPO / "notebooks"), "notebooks": ["additionality", "targeting"],
             "services": names, "timeout_seconds": 600, "jobs": 2}
    (tmp / "batch.yaml").write_text(yaml.safe_dump(batch))
    result = run_batch(tmp / "batch.yaml", progress=None)
    assert result.ok, [str(r.summary()) for r in result.results]
    return tmp / "out"


def _outline(path: Path) -> _Outline:
    parser = _Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_chapter_structure(chapter):
    outline = _outline(chapter / "index.html")
    h = [x.strip() for x in outline.headings]
    assert h[0] == "Year One test chapter"
    for wanted in ("Summary", "Housing First", "Households into Work", "Appendix A: Methods and sources",
                   "Appendix B: Disclosure control", "Appendix C: Provenance", "Limitations",
                   "The additionality ledger", "Deadweight from the comparison group"):
        assert wanted in h, wanted
    assert h.index("Summary") < h.index("Housing First") < h.index("Households into Work") < h.index(
        "Appendix A: Methods and sources")
    page = (chapter / "index.html").read_text()
    # tables and figures are numbered in order, every figure has alt text
    tables = [int(n) for n in re.findall(r"Table (\d+)\. ", page)]
    figures = [int(n) for n in re.findall(r"Figure (\d+)\. ", page)]
    assert tables == list(range(1, len(tables) + 1)) and len(tables) >= 20
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 8
    assert outline.images and all(img.get("alt", "").strip() for img in outline.images)
    summary = page[page.index("id='summary'"):page.index("id='housing_first'")]
    for label in ("Gross outcomes", "Net additional outcomes", "Benefit-cost ratio", "Core20", "Evidence strength"):
        assert label in summary
    assert "95% interval" in summary


def test_word_copy_has_the_same_headings_tables_and_figures(chapter):
    import docx

    outline = _outline(chapter / "index.html")
    doc = docx.Document(str(chapter / f"{chapter.name}.docx"))  # named after the run's folder
    headings = [p.text.strip() for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [x.strip() for x in outline.headings]
    assert len(doc.tables) == outline.tables
    assert len(doc.inline_shapes) == len(outline.images)


def test_chapter_opens_in_a_browser_with_no_failed_requests(chapter, tmp_path):
    from _browser import check_page, require_chromium

    require_chromium()
    shot = REPO / "reports" / "test-screenshots" / "chapter-first-page.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    check = check_page(chapter / "index.html", screenshot=shot, timeout=60)
    print(f"chapter screenshot: {shot}")
    assert check.failed_requests == () and check.console_errors == (), check.describe()
    assert check.non_blank_fraction > 0.05


def test_manifest_lists_the_word_copy_inputs_and_outputs(chapter):
    manifest = json.loads((chapter / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert any(k.startswith("tables/") for k in manifest["outputs"])


ALLOWED_DIGITS = [
    re.compile(r"\b(19|20)\d{2}(-\d{2}(-\d{2})?)?\b"),  # years and dates
    re.compile(r"^#+\s*\d+(\.\d+)*\.?\s", re.M),  # section numbers in headings
]


def _typed_numbers(text: str) -> list[str]:
    for pattern in ALLOWED_DIGITS:
        text = pattern.sub(" ", text)
    text = re.sub(r"`[^`]*`", " ", text)  # code spans (file names, commands) are not prose numbers
    return re.findall(r"\d[\d,.]*", text)


@pytest.mark.parametrize("notebook", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_no_numbers_typed_into_markdown(notebook):
    nb = nbformat.read(notebook, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found = _typed_numbers(cell.source)
            assert not found, f"{notebook.name} cell {i}: numbers typed into prose {found}; render them from results"


def test_the_typed_number_check_can_fail():
    assert _typed_numbers("Deadweight was 38% in 2024-25 and 0.4 overall") == ["38", "0.4"]
    assert _typed_numbers("## 2.1 Methods (2019 edition)") == []
