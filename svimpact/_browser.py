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
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from svimpact.exceptions import SvimpactError

__all__ = ["BrowserError", "FailedRequest", "PageCheck", "check_page", "find_chromium", "require_chromium",
           "serve_directory"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("install Debian's Chromium with `apt-get update && apt-get install -y chromium`, "
                "or point SVIMPACT_CHROMIUM at a Chromium or Chrome binary")
LAUNCH_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-default-browser-check", "--hide-scrollbars", "--mute-audio", "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]", "--remote-debugging-pipe")
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class BrowserError(SvimpactError):
    """Chromium could not be found, started, or did not finish loading the page in time."""


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


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$SVIMPACT_CHROMIUM``, ``/usr/bin/chromium``, or one on ``PATH``."""
    env = os.environ.get("SVIMPACT_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def in_ci() -> bool:
    """True under continuous integration (``CI=true``), where a missing browser is a failure."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium() -> str:
    """For tests: the Chromium path, or skip the test (fail it under ``CI=true``) when there is none."""
    path = find_chromium()
    if path:
        return path
    import pytest

    msg = f"headless Chromium not found; {INSTALL_HINT}"
    if in_ci():
        pytest.fail(f"{msg} (CI=true: a missing browser is a failure, never a skip)", pytrace=False)
    pytest.skip(msg)


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


class _Pipe:
    """A DevTools Protocol connection over Chromium's pipe (NUL-separated JSON messages)."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float) -> None:
        self.write_fd, self.read_fd, self.deadline = write_fd, read_fd, deadline
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.on_event: Any = None

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.write_fd, data):]
        except OSError as exc:
            raise BrowserError(f"could not send {method} to Chromium ({exc}): it crashed or exited") from None
        return self.next_id

    def receive(self, wait: float) -> dict[str, Any] | None:
        """The next message, or None if nothing arrived within ``wait`` seconds (capped by the deadline)."""
        while b"\0" not in self.buffer:
            left = min(wait, self.deadline - time.monotonic())
            if left <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe (it crashed or exited)")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send a command and wait for its reply; events that arrive meanwhile are queued."""
        wanted = self.send(method, params, session)
        while True:
            msg = self.receive(self.deadline - time.monotonic())
            if msg is None:
                raise BrowserError(f"timed out waiting for Chromium to answer {method}")
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise BrowserError(f"Chromium refused {method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if self.on_event is not None:
                self.on_event(msg)
            else:
                self.events.append(msg)


@contextlib.contextmanager
def _launch(chromium: str, width: int, height: int, deadline: float) -> Iterator[_Pipe]:
    profile = tempfile.mkdtemp(prefix="svimpact-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # Move the child's ends above fd 9 so that moving them onto 3 and 4 cannot clobber one another.
    to_chrome_r, from_chrome_w = (_high_fd(to_chrome_r), _high_fd(from_chrome_w))
    log = open(Path(profile) / "stderr.log", "wb")  # noqa: SIM115 - closed below
    argv = [chromium, *LAUNCH_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]
    # The pipe must arrive on fds 3 (commands) and 4 (replies): a tiny Python trampoline moves it there
    # (dash cannot redirect fds above 9, and preexec_fn is unsafe with threads).
    trampoline = ("import os, sys; a, b = int(sys.argv[1]), int(sys.argv[2]); os.dup2(a, 3); os.dup2(b, 4); "
                  "os.close(a); os.close(b); os.execv(sys.argv[3], sys.argv[3:])")
    try:
        proc = subprocess.Popen([sys.executable, "-c", trampoline, str(to_chrome_r), str(from_chrome_w), *argv],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                pass_fds=(to_chrome_r, from_chrome_w), start_new_session=True)
    except OSError as exc:
        for fd in (to_chrome_w, from_chrome_r):
            os.close(fd)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
        raise BrowserError(f"could not start Chromium at {chromium}: {exc}; {INSTALL_HINT}") from None
    finally:
        os.close(to_chrome_r)
        os.close(from_chrome_w)
    pipe = _Pipe(to_chrome_w, from_chrome_r, deadline)
    try:
        yield pipe
    except BrowserError as exc:
        log.flush()
        tail = (Path(profile) / "stderr.log").read_text(errors="replace")[-1500:]
        raise BrowserError(f"{exc}\nChromium stderr (last lines):\n{tail}") from None
    finally:
        _shutdown(proc, pipe)
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)


def _high_fd(fd: int) -> int:
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def _shutdown(proc: subprocess.Popen[bytes], pipe: _Pipe) -> None:
    with contextlib.suppress(BrowserError):
        pipe.send("Browser.close")
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=3)
    # Chromium's helper processes share its process group (start_new_session): end them all by that id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


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
