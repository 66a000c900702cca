"""svimpact.io.fetch against a local HTTP server on 127.0.0.1 (never the internet).

The server serves shared/reference-data/iod2019, whose File 10 and File 12 workbooks are
byte-identical to MHCLG's, so the pinned sha256 values in registry.yaml must verify.
"""

from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("pooch")

from conftest import REFERENCE as REF  # noqa: E402
from conftest import REPO, need  # noqa: E402

from svimpact.io.fetch import FetchError, fetch, list_files, load_registry  # noqa: E402

TIMEOUT = 10.0


class _Handler(SimpleHTTPRequestHandler):
    requests_seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests_seen.append(self.path)
        super().do_GET()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture()
def server() -> Iterator[tuple[str, list[str]]]:
    root = need(REF / "iod2019")
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"requests_seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    httpd.timeout = TIMEOUT
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


def write_registry(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "registry.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_registry_lists_official_files() -> None:
    files = list_files()
    assert {"iod2019_file7", "iod2019_file10", "iod2025_file7", "lsoa11_lsoa21_lookup",
            "onspd"} <= set(files["name"])
    pinned = set(files.loc[files["pinned"], "name"])
    assert pinned == {"iod2019_file10", "iod2019_file12"}
    urls = files["url"].dropna()
    assert urls.str.startswith("https://assets.publishing.service.gov.uk/").all()


def test_fetch_pinned_files_verifies_and_caches(server: tuple[str, list[str]],
                                                tmp_path: Path) -> None:
    base, seen = server
    got = fetch(["iod2019_file10", "iod2019_file12"], cache_dir=tmp_path, progress=False,
                base_url=base, timeout=TIMEOUT)
    assert got["iod2019_file10"].read_bytes() == (
        REF / "iod2019/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
    ).read_bytes()
    assert len(seen) == 2
    again = fetch(["iod2019_file10"], cache_dir=tmp_path, progress=True, base_url=base,
                  timeout=TIMEOUT)
    assert again["iod2019_file10"] == got["iod2019_file10"] and len(seen) == 2  # from the cache


def test_default_fetches_pinned_and_says_what_it_skipped(server: tuple[str, list[str]],
                                                         tmp_path: Path) -> None:
    base, _ = server
    with pytest.warns(UserWarning, match=r"not fetched.*iod2019_file7.*allow_unpinned"):
        got = fetch(cache_dir=tmp_path, progress=False, base_url=base, timeout=TIMEOUT)
    assert set(got) == {"iod2019_file10", "iod2019_file12"}


def test_checksum_mismatch_is_refused(server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, _ = server
    reg = write_registry(tmp_path, (
        "file1:\n  file: File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv\n"
        "  url: null\n  sha256: '" + "0" * 64 + "'\n"))
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=r"does not match its pinned sha256"):
        fetch(["file1"], cache_dir=cache, progress=False, base_url=base, registry=reg,
              timeout=TIMEOUT)
    assert not (cache / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv").exists()


def test_unpinned_refused_unless_allowed(server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, _ = server
    with pytest.raises(FetchError, match=r"no pinned sha256 for iod2019_file1.*allow_unpinned"):
        fetch(["iod2019_file1"], cache_dir=tmp_path, base_url=base)
    reg = write_registry(tmp_path, (
        "file6:\n  file: File_6_-_IoD2019_Population_Denominators.csv\n  url: null\n"
        "  sha256: null\n"))
    with pytest.warns(UserWarning, match=r"no pinned checksum.*sha256 [0-9a-f]{64}"):
        got = fetch(["file6"], cache_dir=tmp_path, progress=False, base_url=base, registry=reg,
                    allow_unpinned=True, timeout=TIMEOUT)
    assert got["file6"].stat().st_size > 1_000_000


def test_errors_without_network(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"unknown file name\(s\) \['nope'\]"):
        fetch(["nope"], cache_dir=tmp_path)
    with pytest.raises(FetchError, match=r"'onspd' has no verified direct URL.*geoportal"):
        fetch(["onspd"], cache_dir=tmp_path)
    bad = write_registry(tmp_path, "x:\n  file: a.csv\n  sha256: abc\n")
    with pytest.raises(FetchError, match="64 hex digits"):
        load_registry(bad)
    typo = write_registry(tmp_path, "x:\n  file: a.csv\n  sha265: null\n")
    with pytest.raises(FetchError, match=r"unknown key\(s\) \['sha265'\]"):
        load_registry(typo)


def test_server_down_gives_fetch_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port on 127.0.0.1 with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="download from http://127.0.0.1"):
        fetch(["iod2019_file10"], cache_dir=tmp_path, progress=False,
              base_url=f"http://127.0.0.1:{port}", timeout=2)


NETWORK_MODULES = {"requests", "urllib.request", "http.client", "socket", "pooch", "httpx",
                   "urllib3", "aiohttp", "ftplib"}


def test_only_fetch_touches_the_network() -> None:
    """No module of svimpact but io/fetch.py imports a networking library."""
    offenders = []
    for path in (REPO / "svimpact").rglob("*.py"):
        if path == REPO / "svimpact/io/fetch.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n in NETWORK_MODULES or n.split(".")[0] in {"requests", "pooch", "httpx"}
                   for n in names):
                offenders.append(f"{path.relative_to(REPO)}: {names}")
    assert not offenders, offenders
