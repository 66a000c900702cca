"""Loading one page in headless Chromium: requests intercepted, console errors, a screenshot."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _browser.chromium import INSTALL_HINT, LOCAL_SCHEMES, LOOPBACK_HOSTS, BrowserError, _launch, _Pipe, find_chromium

__all__ = ["FailedRequest", "PageCheck", "check_page", "serve_directory"]


@dataclass(frozen=True)
class FailedRequest:
    """A request the page made that did not succeed: the URL and why (network error or HTTP status)."""

    url: str
    error: str


@dataclass(frozen=True)
class PageCheck:
    """What a headless browser saw when it loaded a page.

    ``non_blank_fraction`` is the share of screenshot pixels (inside ``selector`` when one was
    given) that are neither near-white nor the page background colour (nor the selected element's
    own background colour), i.e. what the page actually drew.
    """

    url: str
    failed_requests: tuple[FailedRequest, ...]
    console_errors: tuple[str, ...]
    screenshot: Path | None
    non_blank_fraction: float
    script_results: tuple[Any, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no request failed and nothing was written to the console as an error."""
        return not self.failed_requests and not self.console_errors

    def describe(self) -> str:
        """A short report, suitable for an assertion message."""
        lines = [f"{self.url}: {len(self.failed_requests)} failed request(s), "
                 f"{len(self.console_errors)} console error(s), non-blank {self.non_blank_fraction:.1%}"]
        lines += [f"  failed: {f.url} ({f.error})" for f in self.failed_requests]
        lines += [f"  console: {e}" for e in self.console_errors]
        return "\n".join(lines)


@contextlib.contextmanager
def serve_directory(root: str | os.PathLike[str]) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 (a free port) for the duration of the block.

    Yields the base URL, ending in ``/``.
    """
    directory = str(Path(root).resolve())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - name fixed by the base class
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _to_url(target: str | os.PathLike[str]) -> str:
    text = os.fspath(target)
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    path = Path(text).resolve()
    if not path.is_file():
        raise BrowserError(f"page not found: {path}; check the path (or pass an http://127.0.0.1 URL)")
    return path.as_uri()


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOOPBACK_HOSTS


class _Recorder:
    """Turns DevTools events into failed requests and console errors, and tracks loading."""

    def __init__(self, pipe: _Pipe, session: str) -> None:
        self.pipe, self.session = pipe, session
        self.urls: dict[str, str] = {}
        self.inflight: set[str] = set()
        self.own: set[str] = set()
        self.failed: list[FailedRequest] = []
        self.console: list[str] = []
        self.loaded = False
        self.last_activity = time.monotonic()

    def handle(self, msg: dict[str, Any]) -> None:
        method, p = msg.get("method", ""), msg.get("params", {})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is not None:
            self.last_activity = time.monotonic()
            handler(p)

    def _Fetch_requestPaused(self, p: dict[str, Any]) -> None:
        url = p["request"]["url"]
        if _allowed(url):
            self.pipe.send("Fetch.continueRequest", {"requestId": p["requestId"]}, self.session)
        else:
            self.failed.append(FailedRequest(url, "blocked: not a local file or loopback address"))
            self.pipe.send("Fetch.failRequest", {"requestId": p["requestId"], "errorReason": "BlockedByClient"},
                           self.session)

    def _Network_requestWillBeSent(self, p: dict[str, Any]) -> None:
        url = p["request"]["url"]
        self.urls[p["requestId"]] = url
        self.inflight.add(p["requestId"])
        if urlsplit(url).path == "/favicon.ico" and p.get("initiator", {}).get("type") == "other":
            self.own.add(p["requestId"])  # Chromium's own favicon probe, not something the page asked for

    def _Network_responseReceived(self, p: dict[str, Any]) -> None:
        status = int(p["response"].get("status") or 0)
        if status >= 400 and p["requestId"] not in self.own:
            self.fail(p["response"]["url"], f"HTTP {status}")

    def _Network_loadingFinished(self, p: dict[str, Any]) -> None:
        self.inflight.discard(p["requestId"])

    def _Network_loadingFailed(self, p: dict[str, Any]) -> None:
        self.inflight.discard(p["requestId"])
        url = self.urls.get(p["requestId"], "?")
        error = p.get("errorText") or "failed"
        if p["requestId"] in self.own:
            return
        if error.startswith("net::ERR_BLOCKED_BY_CLIENT") and any(f.url == url for f in self.failed):
            return  # already reported when it was blocked
        self.fail(url, error)

    def fail(self, url: str, error: str) -> None:
        """Record a failed request once (navigation errors are reported twice by Chromium)."""
        if FailedRequest(url, error) not in self.failed:
            self.failed.append(FailedRequest(url, error))

    def _Page_loadEventFired(self, p: dict[str, Any]) -> None:
        self.loaded = True

    def _Runtime_exceptionThrown(self, p: dict[str, Any]) -> None:
        d = p["exceptionDetails"]
        text = (d.get("exception") or {}).get("description") or d.get("text", "exception")
        self.console.append(f"uncaught: {text} ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})")

    def _Runtime_consoleAPICalled(self, p: dict[str, Any]) -> None:
        if p.get("type") in {"error", "assert"}:
            args = [str(a.get("value", a.get("description", ""))) for a in p.get("args", [])]
            self.console.append("console.error: " + " ".join(args))

    def _Log_entryAdded(self, p: dict[str, Any]) -> None:
        entry = p["entry"]
        # Network errors are reported as failed requests already.
        if entry.get("level") == "error" and entry.get("source") != "network":
            self.console.append(f"{entry.get('source', 'log')}: {entry.get('text', '')}")


def _wait_until_settled(pipe: _Pipe, rec: _Recorder, quiet: float = 0.4) -> None:
    for msg in pipe.events:
        rec.handle(msg)
    pipe.events.clear()
    while True:
        msg = pipe.receive(0.1)
        if msg is not None:
            rec.handle(msg)
            continue
        if time.monotonic() >= pipe.deadline:
            state = "load event not fired" if not rec.loaded else f"{len(rec.inflight)} request(s) still loading"
            raise BrowserError(f"timed out loading the page ({state})")
        if rec.loaded and not rec.inflight and time.monotonic() - rec.last_activity >= quiet:
            return


def _rgb(css: str) -> list[int] | None:
    """``rgb(1, 2, 3)`` or ``rgba(1, 2, 3, 1)`` to ``[1, 2, 3]``; None for anything else."""
    if "(" not in css:
        return None
    parts = [v.strip() for v in css[css.find("(") + 1:css.rfind(")")].replace("/", ",").split(",")]
    try:
        return [int(float(v)) for v in parts[:3]] if len(parts) >= 3 else None
    except ValueError:
        return None


def _non_blank(png: bytes, backgrounds: Sequence[str], box: list[float] | None) -> float:
    """Share of pixels (inside ``box`` = x, y, width, height) that are neither near-white nor a background."""
    import io

    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    if box:
        x, y, w, h = (int(round(v)) for v in box)
        img = img[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)]
    if img.size == 0:
        return 0.0
    blank = (img >= 245).all(axis=-1)
    for colour in filter(None, map(_rgb, backgrounds)):
        blank |= (np.abs(img - np.array(colour)) <= 10).all(axis=-1)
    return float((~blank).mean())


_PROBE = """(() => {
  const clear = c => !c || c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
  const bg = [document.body, document.documentElement].map(e => e ? getComputedStyle(e).backgroundColor : '')
    .find(c => !clear(c)) || 'rgb(255, 255, 255)';
  const el = %s ? document.querySelector(%s) : null;
  const r = el ? el.getBoundingClientRect() : null;
  const own = el ? getComputedStyle(el).backgroundColor : '';
  return {bg: clear(own) ? [bg] : [bg, own], box: r ? [r.x, r.y, r.width, r.height] : null, found: !!el};
})()"""


def check_page(target: str | os.PathLike[str], *, screenshot: str | os.PathLike[str] | None = None,
               timeout: float = 30.0, width: int = 1280, height: int = 900, selector: str | None = None,
               scripts: Sequence[str] = (), full_page: bool = False, chromium: str | None = None) -> PageCheck:
    """Load a local file or a loopback URL in headless Chromium and report what went wrong.

    Parameters
    ----------
    target
        A path to an HTML file, or a ``file:``/``http://127.0.0.1`` URL. Requests to anything
        other than local files and loopback addresses are blocked and reported as failed.
    screenshot
        Where to save a PNG of the viewport (``width`` x ``height``), or None. The screenshot is
        taken (and measured) either way.
    timeout
        Seconds allowed for everything: starting Chromium, loading, settling and the screenshot.
    selector
        CSS selector of the element whose pixels ``non_blank_fraction`` measures (the whole
        viewport when None); an error if nothing matches.
    scripts
        JavaScript expressions evaluated after loading, in order; their JSON values are returned
        in ``PageCheck.script_results`` (promises are awaited).
    full_page
        Capture the whole page (up to 16,384 CSS pixels tall) instead of the viewport.
    chromium
        The browser binary; found with :func:`find_chromium` when None.

    Raises
    ------
    BrowserError
        When Chromium is missing, crashes, or the page does not settle within ``timeout``.
    """
    binary = chromium or find_chromium()
    if binary is None or shutil.which(binary) is None:
        raise BrowserError(f"headless Chromium not found{f' at {binary}' if binary else ''}; {INSTALL_HINT}")
    url = _to_url(target)
    deadline = time.monotonic() + timeout
    with _launch(binary, width, height, deadline) as pipe:
        target_id = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        rec = _Recorder(pipe, session)
        pipe.on_event = rec.handle
        for method in ("Network.enable", "Page.enable", "Runtime.enable", "Log.enable"):
            pipe.call(method, {}, session)
        pipe.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        nav = pipe.call("Page.navigate", {"url": url}, session)
        if nav.get("errorText"):
            rec.fail(url, nav["errorText"])
        _wait_until_settled(pipe, rec)
        results = tuple(_evaluate(pipe, session, s) for s in scripts)
        sel = json.dumps(selector)
        probe = _evaluate(pipe, session, _PROBE % (sel, sel))
        if selector and not probe["found"]:
            raise BrowserError(f"no element matches selector {selector!r} on {url}")
        png = _screenshot(pipe, session, full_page)
        _wait_until_settled(pipe, rec, quiet=0.0)
    out = None
    if screenshot is not None:
        out = Path(screenshot)
        out.write_bytes(png)
    return PageCheck(url, tuple(rec.failed), tuple(rec.console), out, _non_blank(png, probe["bg"], probe["box"]),
                     results)


def _evaluate(pipe: _Pipe, session: str, expression: str) -> Any:
    res = pipe.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                    session)
    if "exceptionDetails" in res:
        d = res["exceptionDetails"]
        raise BrowserError(f"script failed: {(d.get('exception') or {}).get('description') or d.get('text')}")
    return res.get("result", {}).get("value")


MAX_FULL_PAGE_HEIGHT = 16_384
"""Full-page screenshots are cut at this many CSS pixels so a runaway page stays bounded."""


def _screenshot(pipe: _Pipe, session: str, full_page: bool) -> bytes:
    import base64

    params: dict[str, Any] = {"format": "png"}
    if full_page:
        size = pipe.call("Page.getLayoutMetrics", {}, session)["cssContentSize"]
        params |= {"captureBeyondViewport": True,
                   "clip": {"x": 0, "y": 0, "width": size["width"], "scale": 1,
                            "height": min(size["height"], MAX_FULL_PAGE_HEIGHT)}}
    return base64.b64decode(pipe.call("Page.captureScreenshot", params, session)["data"])
