"""The headless-browser helper really detects failed requests and console errors, and stays local.

Browser tests need Debian's Chromium (``apt-get install -y chromium``): they skip without it on a
laptop, and fail without it under ``CI=true``.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from _browser import BrowserError, check_page, find_chromium, require_chromium, serve_directory
from PIL import Image

OK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>ok</title></head>
<body><svg id="box" width="400" height="300"><rect x="50" y="50" width="200" height="100" fill="#3366cc"/></svg>
<script>console.log("fine"); document.title = "ready";</script></body></html>"""

BLANK_PAGE = """<!doctype html><html><body><div id="box" style="width:400px;height:300px"></div></body></html>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "ok.html").write_text(OK_PAGE, encoding="utf-8")
    (tmp_path / "blank.html").write_text(BLANK_PAGE, encoding="utf-8")
    (tmp_path / "missing_image.html").write_text(
        '<!doctype html><html><body><img src="not-there.png" alt="x"></body></html>', encoding="utf-8")
    (tmp_path / "external.html").write_text(
        '<!doctype html><html><body><script src="https://cdn.example.org/lib.js"></script></body></html>',
        encoding="utf-8")
    (tmp_path / "errors.html").write_text(
        '<!doctype html><html><body><script>console.error("bad thing"); notDefined();</script></body></html>',
        encoding="utf-8")
    return tmp_path


# --- finding the browser: skip on a laptop, fail under CI ------------------------------------

def test_require_chromium_skips_without_browser_on_a_laptop(monkeypatch):
    monkeypatch.setenv("SVIMPACT_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    assert find_chromium() is None
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        require_chromium()


def test_require_chromium_fails_without_browser_under_ci(monkeypatch):
    monkeypatch.setenv("SVIMPACT_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: a missing browser is a failure"):
        require_chromium()


def test_check_page_without_browser_is_a_clear_error(monkeypatch, site):
    monkeypatch.setenv("SVIMPACT_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserError, match="Chromium not found"):
        check_page(site / "ok.html")


def test_missing_page_is_a_clear_error(site):
    with pytest.raises(BrowserError, match="page not found"):
        check_page(site / "nothing.html", chromium="/bin/true")


# --- the real browser --------------------------------------------------------------------------

def test_good_page_passes_and_screenshot_is_written(chromium, site):
    shot = site / "ok.png"
    check = check_page(site / "ok.html", screenshot=shot, width=800, height=600, selector="#box",
                       scripts=["document.title", "1 + 1"], timeout=60)
    assert check.ok, check.describe()
    assert check.script_results == ("ready", 2)
    img = Image.open(io.BytesIO(shot.read_bytes()))
    assert img.size == (800, 600)
    # The blue rectangle is 200 x 100 of the 400 x 300 svg: a sixth of the box.
    assert check.non_blank_fraction == pytest.approx(1 / 6, abs=0.02)


def test_blank_page_has_no_drawn_pixels(chromium, site):
    check = check_page(site / "blank.html", selector="#box", timeout=60)
    assert check.ok, check.describe()
    assert check.non_blank_fraction == 0.0


def test_missing_local_file_is_reported(chromium, site):
    check = check_page(site / "missing_image.html", timeout=60)
    assert not check.ok
    failed = [(Path(f.url).name, f.error) for f in check.failed_requests]
    assert failed == [("not-there.png", "net::ERR_FILE_NOT_FOUND")]


def test_external_request_is_blocked_and_reported(chromium, site):
    check = check_page(site / "external.html", timeout=60)
    assert [f.url for f in check.failed_requests] == ["https://cdn.example.org/lib.js"]
    assert "blocked" in check.failed_requests[0].error


def test_console_errors_and_exceptions_are_reported(chromium, site):
    check = check_page(site / "errors.html", timeout=60)
    assert not check.failed_requests
    assert len(check.console_errors) == 2, check.describe()
    assert "bad thing" in check.console_errors[0]
    assert "notDefined is not defined" in check.console_errors[1]


def test_served_page_reports_http_errors_but_not_the_favicon_probe(chromium, site):
    with serve_directory(site) as base:
        assert base.startswith("http://127.0.0.1:")
        good = check_page(base + "ok.html", timeout=60)
        bad = check_page(base + "missing_image.html", timeout=60)
    assert good.ok, good.describe()
    assert [(f.url, f.error) for f in bad.failed_requests] == [(base + "not-there.png", "HTTP 404")]


def test_timeout_is_an_error_and_leaves_no_browser_behind(chromium, site):
    before = _chromium_processes()
    with pytest.raises(BrowserError, match="timed out"):
        check_page(site / "ok.html", timeout=0.05)
    assert _chromium_processes() <= before


def _chromium_processes() -> set[int]:
    """Process ids of chromium processes whose command line names our temporary profile."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=False).stdout
    return {int(line.split(None, 1)[0]) for line in out.splitlines() if "svimpact-chromium-" in line
            and str(os.getpid()) != line.split(None, 1)[0]}


def test_non_blank_ignores_backgrounds():
    from _browser.page import _non_blank

    img = np.full((10, 10, 3), 240, dtype=np.uint8)
    img[:5, :2] = (200, 0, 0)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    assert _non_blank(buf.getvalue(), ["rgb(240, 240, 240)"], None) == pytest.approx(0.1)
    assert _non_blank(buf.getvalue(), ["rgb(255, 255, 255)"], None) == 1.0
    assert _non_blank(buf.getvalue(), ["rgb(240, 240, 240)"], [0, 0, 2, 5]) == 1.0


def test_full_page_screenshot_covers_the_whole_document(chromium, tmp_path):
    page = tmp_path / "long.html"
    page.write_text('<!doctype html><html><body style="margin:0"><div style="height:2000px;'
                    'background:linear-gradient(#fff 0 1500px, #c00 1500px)"></div></body></html>', encoding="utf-8")
    viewport = check_page(page, width=600, height=400, timeout=60)
    full = check_page(page, screenshot=tmp_path / "long.png", width=600, height=400, full_page=True, timeout=60)
    assert viewport.non_blank_fraction == 0.0  # the red block is below the fold
    assert Image.open(tmp_path / "long.png").size == (600, 2000)
    assert full.non_blank_fraction == pytest.approx(0.25, abs=0.01)


def test_browser_driver_is_a_test_helper_not_shipped_in_the_package():
    import importlib.util

    import _browser

    assert importlib.util.find_spec("svimpact._browser") is None
    assert "svimpact" not in Path(_browser.__file__).resolve().parent.parent.name
