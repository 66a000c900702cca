"""Check a page in Debian's headless Chromium: failed requests, console errors, a screenshot.

Used by the tests of the interactive maps and of the HTML chapter. Chromium is driven through the
Chrome DevTools Protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4), so no port is
opened and no extra Python package is needed. Every request the page makes is intercepted: only
``file:``, ``data:``, ``blob:``, ``about:`` and loopback ``http(s)`` URLs (127.0.0.1, ::1,
localhost) are let through; anything else is failed and reported, so a page that would need the
network fails the check instead of reaching the internet. Everything is bounded by ``timeout``.

Examples
--------
>>> check = check_page("reports/year-one/index.html", screenshot="shot.png")  # doctest: +SKIP
>>> check.ok, check.failed_requests, check.non_blank_fraction  # doctest: +SKIP
(True, (), 0.31)


The driver lives under tests/ and is not shipped in the package; tests import it as
``from _browser import check_page`` (tests/ is on ``sys.path``: pytest's default import mode puts
the directory of ``conftest.py`` there). :mod:`_browser.chromium` finds, starts and talks to
Chromium; :mod:`_browser.page` loads a page and measures it.
"""

from _browser.chromium import BrowserError, find_chromium, in_ci, require_chromium
from _browser.page import FailedRequest, PageCheck, check_page, serve_directory

__all__ = ["BrowserError", "FailedRequest", "PageCheck", "check_page", "find_chromium", "in_ci", "require_chromium",
           "serve_directory"]
