"""`make lab` starts JupyterLab (as root too) and its kernels start without transport warnings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_make_lab_starts_and_a_kernel_starts_quietly(tmp_path):
    port, token = _free_port(), "svimpact-test"
    log = tmp_path / "lab.log"
    args = f"--no-browser --ServerApp.port={port} --ServerApp.token={token} " + os.environ.get("SVIMPACT_LAB_EXTRA", "")
    env = dict(os.environ)
    with log.open("w") as out:
        proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base, timeout=2)
                break
            except OSError:
                assert proc.poll() is None, f"make lab exited: {log.read_text()[-2000:]}"
                assert time.monotonic() < deadline, f"JupyterLab did not start: {log.read_text()[-2000:]}"
                time.sleep(0.5)
        req = urllib.request.Request(f"{base}/kernels", data=json.dumps({"name": "python3"}).encode(),
                                     headers=headers, method="POST")
        try:
            kernel = json.load(urllib.request.urlopen(req, timeout=30))
        except OSError as exc:
            raise AssertionError(f"no kernel started ({exc}): {log.read_text()[-3000:]}") from None
        # A restart returns once the kernel answers (kernel_info): by then it has logged any warning.
        restart = urllib.request.Request(f"{base}/kernels/{kernel['id']}/restart", data=b"{}", headers=headers,
                                         method="POST")
        state = json.load(urllib.request.urlopen(restart, timeout=120))
        assert state["id"] == kernel["id"]
        time.sleep(3)  # let the kernel's own log lines reach the server's output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert "without encryption" not in text, text[-2000:]
    assert "Kernel started" in text
