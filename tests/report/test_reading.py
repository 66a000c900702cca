"""The chapter as officers read it (issue 16): numbers, key messages, the Word copy, screenshots.

* Published text (the chapter and its Word copy) has no hyphen-minus before a digit and no
  scientific notation; the checker is shown to catch both.
* The Word copy carries every banner the HTML carries (SYNTHETIC, INCOMPLETE, DO NOT PUBLISH),
  failed runs included, with the provenance line and the contents.
* Key messages open the chapter and each service, and say "no evidence" when an interval covers zero.
* CSV tables and the chapter show the same rounded numbers.
* Screenshots of the summary, a service section, both maps and the Word copy's first page are taken
  with headless Chromium on every run (``reports/test-screenshots/``) for a person to look at.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from svimpact._results import Interval
from svimpact.present import MINUS, interval, money

HYPHEN_NUMBER = re.compile(r"(?<![\w.\-/])-\d")
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+\-]?\d+(?![\w.])")
HEX = re.compile(r"\b[0-9a-f]{12,}\b")


def visible_text(page: str) -> str:
    """The words a reader sees: no styles, no code (file hashes, params names), no tags."""
    page = re.sub(r"<(style|script|code)[^>]*>.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<[^>]+>", " ", page)
    return HEX.sub(" ", htmllib.unescape(page))


def word_text(path: Path) -> list[tuple[str, str]]:
    """(style, text) of every paragraph of a Word file, table cells included."""
    import docx

    doc = docx.Document(str(path))
    out = [(p.style.name, p.text) for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out += [("Table cell", c.text) for c in row.cells]
    return out


def number_faults(text: str) -> list[str]:
    return [m.group(0) for m in HYPHEN_NUMBER.finditer(text)] + [m.group(0) for m in SCIENTIFIC.finditer(text)]


def test_checker_catches_hyphen_minus_and_scientific_notation():
    assert number_faults("NPSV -1,642,320 and 1.64e-06 and 2E+5") == ["-1", "1.64e-06", "2E+5"]
    assert number_faults(f"NPSV {MINUS}£1.6 million, 2026-12-02, areas 1–7, E01000001, value 0.0083") == []


def test_presentation_layer_examples():
    """The issue's examples, rendered."""
    assert interval(-943_290, -1_430_000, 2_160_000, kind="money") == \
        f"{MINUS}£0.9 million (95% interval {MINUS}£1.4 million to £2.2 million)"
    assert money(-1_642_315) == f"{MINUS}£1,642,315"
    assert Interval(-0.0000001, -0.0004, 0.0003).format() == "0.00000 (95% interval −0.00040 to 0.00030)"
    assert number_faults(Interval(1.64e-06, 0.0, 0.0083).format()) == []


@given(st.floats(-1e9, 1e9), st.floats(0, 1e9), st.floats(0, 1))
def test_rounded_central_value_stays_inside_its_rounded_interval(lower, width, where):
    from svimpact.present import round_step, step_for

    upper = lower + width
    value = lower + where * width
    step = step_for(lower, upper, value)
    assert round_step(lower, step) <= round_step(value, step) <= round_step(upper, step)


def test_published_text_has_true_minus_signs_and_no_scientific_notation(demo_report):
    page = visible_text((demo_report / "index.html").read_text(encoding="utf-8"))
    assert MINUS in page  # the demo has negative figures: they are written with the true minus sign
    assert number_faults(page) == []
    word = " ".join(t for _s, t in word_text(demo_report / "year-one.docx"))
    assert number_faults(HEX.sub(" ", word)) == []


def test_key_messages_open_the_chapter_and_each_service(demo_report):
    page = (demo_report / "index.html").read_text(encoding="utf-8")
    summary = page[page.index("id='summary'"):page.index("id='housing_first'")]
    assert "Key messages" in summary and "Housing First" in summary and "Households into Work" in summary
    for service in ("housing_first", "households_into_work"):
        section = page[page.index(f"id='{service}'"):]
        head = section[:section.index("<h3 id=")]
        for lead in ("What ", "What it added.", "Value for money.", "Who it reached.", "How sure we are."):
            assert lead in head, (service, lead)


def test_key_messages_say_no_evidence_when_an_interval_covers_zero():
    from svimpact.report.messages import Headline, key_messages
    from svimpact.report.tables import NO_EVIDENCE

    heads = {"net": Headline("s", "net", "Net", "", 20, Interval(12.0, -3.0, 30.0), "number"),
             "npsv": Headline("s", "npsv", "NPSV", "", 40, Interval(-943_290, -1_430_000, 2_160_000), "money",
                              "2024 prices")}
    text = " ".join(key_messages("S", heads))
    assert NO_EVIDENCE in text and "uncertain" in text and "2024 prices" in text
    heads["net"] = Headline("s", "net", "Net", "", 20, Interval(12.0, 3.0, 30.0), "number")
    assert NO_EVIDENCE not in " ".join(key_messages("S", heads))


def test_csv_tables_and_chapter_show_the_same_numbers(demo_report):
    page = (demo_report / "index.html").read_text(encoding="utf-8")
    vfm = pd.read_csv(demo_report / "tables" / "housing_first__value-for-money.csv")
    npsv = vfm.loc[vfm["measure"] == "Net present social value", "value"].iloc[0]
    shown = f"{MINUS if npsv < 0 else ''}£{abs(npsv):,.0f}"
    assert shown in htmllib.unescape(page), shown


def _failed_chapter(tmp_path: Path) -> Path:
    """A chapter whose notebooks all failed and whose gate found a problem: every banner at once."""
    from svimpact.report.chapter import build_chapter
    from svimpact.report.plan import JobResult, load_run

    plan = load_run(REPO / "params" / "year_one.yaml", out=tmp_path / "failed-run")
    plan.output_dir.mkdir(parents=True)
    results = [JobResult(job, "failed", 1.0, {"ename": "ValueError", "evalue": "planted", "cell": 3})
               for job in plan.jobs()]
    return build_chapter(plan, results, {}, gate_findings=("index.html: a planted finding",))


def test_word_copy_carries_every_banner_the_html_carries_failed_runs_included(tmp_path, demo_report):
    from svimpact.report.word import write_docx

    for chapter in (_failed_chapter(tmp_path), demo_report / "index.html"):
        page = chapter.read_text(encoding="utf-8")
        banners = re.findall(r"<div class='banner [^']+'><strong>([^<]+)</strong>", page)
        docx = write_docx(chapter, tmp_path / f"{chapter.parent.name}.docx")
        paragraphs = word_text(docx)
        banner_text = " ".join(t for s, t in paragraphs if s == "Banner")
        for banner in banners:
            assert banner in banner_text, banner
        body = " ".join(t for _s, t in paragraphs)
        assert "Built by svimpact" in body and "Contents" in body and "Appendix C: Provenance" in body
    assert {"SYNTHETIC DATA.", "INCOMPLETE CHAPTER.", "DISCLOSURE GATE FAILED: DO NOT PUBLISH."} <= set(
        re.findall(r"<div class='banner [^']+'><strong>([^<]+)</strong>", _failed_chapter(tmp_path / "again")
                   .read_text(encoding="utf-8")))


def test_word_copy_has_real_captions_bordered_tables_and_is_named_after_the_run(demo_report):
    import docx

    path = demo_report / f"{demo_report.name}.docx"
    doc = docx.Document(str(path))
    captions = [p.text for p in doc.paragraphs if p.style.name == "Table Caption"]
    assert len(captions) >= 10 and all(c.startswith("Table ") for c in captions)
    borders = doc.styles["Table"].element.xpath(".//w:tblBorders")
    assert borders, "the Table style has borders"


@pytest.mark.e2e
def test_screenshots_of_what_readers_see(demo_report):
    """Screenshots for a person to look at; the test checks each rendered and is not blank."""
    import subprocess

    import pypandoc
    from _browser import check_page, require_chromium

    require_chromium()
    shots = REPO / "reports" / "test-screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    index = demo_report / "index.html"
    views = [("summary", index, [], 1100, 1400),
             ("service-section", index, ["document.getElementById('housing_first').scrollIntoView(); true"], 1100, 1400),
             ("summary-phone", index, [], 390, 844)]
    views += [(f"map-{m.stem}", m, [], 1100, 900) for m in sorted((demo_report / "maps").glob("*.html"))]
    word_html = shots / "word-first-page.html"
    subprocess.run([pypandoc.get_pandoc_path(), str(demo_report / "year-one.docx"), "-s", "-o", str(word_html),
                    "--metadata", "title=Word copy (first page, as pandoc reads it back)"], check=True)
    views.append(("word-first-page", word_html, [], 900, 1200))
    assert len([v for v in views if v[0].startswith("map-")]) == 2
    for name, target, scripts, width, height in views:
        check = check_page(target, screenshot=shots / f"{name}.png", width=width, height=height, scripts=scripts,
                           timeout=90)
        assert check.non_blank_fraction > 0.03, (name, check.describe())
        assert check.console_errors == (), (name, check.describe())


def test_version_and_first_progress_line_come_at_once(tmp_path, capsys):
    """`svimpact --version` answers; a run prints its first line before reading anything."""
    from svimpact import __version__
    from svimpact.cli import main
    from svimpact.report.batch import run_batch

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"svimpact {__version__}"
    lines: list[str] = []
    with pytest.raises(Exception):  # noqa: B017 - any error: the point is what was said before it
        run_batch(tmp_path / "missing.yaml", progress=lines.append)
    assert lines and lines[0].startswith("svimpact: reading ")
