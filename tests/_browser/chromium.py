"""Finding, starting and talking to headless Chromium (DevTools protocol over a pipe)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from svimpact.exceptions import SvimpactError

__all__ = ["BrowserError", "find_chromium", "in_ci", "require_chromium"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("install Debian's Chromium with `apt-get update && apt-get install -y chromium`, "
                "or point SVIMPACT_CHROMIUM at a Chromium or Chrome binary")
LAUNCH_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-default-browser-check", "--hide-scrollbars", "--mute-audio", "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]",
                "--remote-debugging-pipe")
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class BrowserError(SvimpactError):
    """Chromium could not be found, started, or did not finish loading the page in time."""


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


