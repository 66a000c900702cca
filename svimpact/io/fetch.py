"""Download the official data files into a local cache, verifying their checksums.

This is the only module of svimpact that touches the network. It uses pooch (download, cache,
sha256 check) with a tqdm progress bar. The files it knows are listed in ``registry.yaml`` beside
this module: each has the publisher's URL (gov.uk for the Indices of Deprivation, the ONS Open
Geography Portal for lookups, postcodes and boundaries) and, where a byte-identical copy of the
official file was available to compute it, a pinned sha256.

A file with no pinned checksum is not fetched unless ``allow_unpinned=True``; then the checksum
of what was downloaded is reported in a warning, so it can be checked and pinned.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from svimpact._common import sha256
from svimpact.exceptions import FetchError

__all__ = ["FetchError", "RegistryEntry", "default_cache_dir", "fetch", "list_files",
           "load_registry"]

REGISTRY = Path(__file__).with_name("registry.yaml")
CACHE_ENV = "SVIMPACT_DATA_DIR"
_FIELDS = ("file", "url", "sha256", "page", "description", "publisher")


@dataclass(frozen=True)
class RegistryEntry:
    """One downloadable file."""

    name: str
    file: str
    url: str | None
    sha256: str | None
    page: str | None = None
    description: str = ""
    publisher: str = ""

    @property
    def pinned(self) -> bool:
        return bool(self.sha256)


def load_registry(path: str | Path | None = None) -> dict[str, RegistryEntry]:
    """Read a registry YAML (the packaged one by default) into entries keyed by name."""
    path = Path(path) if path is not None else REGISTRY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FetchError(f"{path}: cannot read the registry: {exc}") from exc
    entries = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "file" not in spec:
            raise FetchError(f"{path}: entry '{name}' needs at least a 'file' key")
        unknown = sorted(set(spec) - set(_FIELDS))
        if unknown:
            raise FetchError(f"{path}: entry '{name}' has unknown key(s) {unknown}; "
                             f"allowed: {list(_FIELDS)}")
        sha = spec.get("sha256")
        if sha is not None and (len(str(sha)) != 64 or not all(c in "0123456789abcdef"
                                                                for c in str(sha).lower())):
            raise FetchError(f"{path}: entry '{name}': sha256 must be 64 hex digits "
                             "(quote it if YAML reads it as a number)")
        entries[name] = RegistryEntry(
            name=name, file=str(spec["file"]), url=spec.get("url"),
            sha256=str(sha).lower() if sha else None, page=spec.get("page"),
            description=spec.get("description", ""), publisher=spec.get("publisher", ""),
        )
    return entries


def list_files(registry: str | Path | None = None) -> pd.DataFrame:
    """The files ``fetch`` knows: name, file, publisher, description, url, pinned (bool)."""
    rows = [{"name": e.name, "file": e.file, "publisher": e.publisher,
             "description": e.description, "url": e.url, "pinned": e.pinned}
            for e in load_registry(registry).values()]
    return pd.DataFrame(rows)


def default_cache_dir() -> Path:
    """``$SVIMPACT_DATA_DIR`` if set, else the user cache folder (e.g. ~/.cache/svimpact)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("svimpact"))


def _choose(entries: dict[str, RegistryEntry], names: Iterable[str] | None,
            base_url: str | None, allow_unpinned: bool) -> list[RegistryEntry]:
    if names is None:
        chosen = [e for e in entries.values() if e.pinned and (e.url or base_url)]
        skipped = [e.name for e in entries.values() if e not in chosen]
        if skipped:
            warnings.warn(
                f"not fetched (no pinned sha256 or no URL): {', '.join(skipped)}; name them "
                "explicitly with allow_unpinned=True, or download them from the publisher's page "
                "(svimpact.io.fetch.list_files() lists them)", UserWarning, stacklevel=3)
        return chosen
    names = list(names)
    unknown = [n for n in names if n not in entries]
    if unknown:
        raise FetchError(f"unknown file name(s) {unknown}; known: {sorted(entries)}")
    chosen = [entries[n] for n in names]
    no_url = [e for e in chosen if not e.url and not base_url]
    if no_url:
        e = no_url[0]
        raise FetchError(f"'{e.name}' has no verified direct URL; download {e.file} from "
                         f"{e.page} and pass its path to the reader instead")
    unpinned = [e.name for e in chosen if not e.pinned]
    if unpinned and not allow_unpinned:
        raise FetchError(
            f"no pinned sha256 for {', '.join(unpinned)}, so the download could not be verified; "
            "pass allow_unpinned=True (svimpact data fetch --allow-unpinned) to fetch anyway and "
            "report the checksum")
    return chosen


def fetch(
    names: Iterable[str] | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    *,
    base_url: str | None = None,
    allow_unpinned: bool = False,
    registry: str | Path | None = None,
    timeout: float = 120.0,
) -> dict[str, Path]:
    """Download official files into the cache (or find them there), verifying their sha256.

    Parameters
    ----------
    names : iterable of str, optional
        Registry names (see :func:`list_files`). By default every pinned file with a URL.
    cache_dir : str or Path, optional
        Where files are kept; default :func:`default_cache_dir`.
    progress : bool
        Show a progress bar (tqdm) while downloading.
    base_url : str, optional
        Fetch ``<base_url>/<file>`` instead of the publisher's URL (a mirror; tests use a local
        server).
    allow_unpinned : bool
        Fetch files that have no pinned checksum; a warning gives the checksum of each.
    registry : str or Path, optional
        Another registry YAML in the same layout.
    timeout : float
        Seconds to wait for the server before giving up.

    Returns
    -------
    dict
        Name -> path of the verified local file.

    Raises
    ------
    FetchError
        Unknown name, no URL, no pinned checksum, network failure or checksum mismatch.
    """
    try:
        import pooch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FetchError("fetching needs pooch: `pip install pooch tqdm`") from exc
    if progress:
        try:
            import tqdm  # noqa: F401  (pooch draws its progress bar with tqdm)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise FetchError("the progress bar needs tqdm: `pip install tqdm`, or pass "
                             "progress=False") from exc
    entries = load_registry(registry)
    chosen = _choose(entries, names, base_url, allow_unpinned)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
    out: dict[str, Path] = {}
    for e in chosen:
        url = f"{base_url.rstrip('/')}/{e.file}" if base_url else str(e.url)
        known = f"sha256:{e.sha256}" if e.pinned else None
        try:
            got = pooch.retrieve(url, known_hash=known, fname=e.file, path=cache,
                                 downloader=downloader, progressbar=progress)
        except ValueError as exc:  # pooch's checksum mismatch
            raise FetchError(f"{e.name}: the downloaded {e.file} does not match its pinned "
                             f"sha256 ({exc}); the file was not kept. If the publisher has "
                             "replaced it, check the new release and update the registry") from exc
        except Exception as exc:  # requests' connection and HTTP errors
            raise FetchError(f"{e.name}: download from {url} failed: {exc}") from exc
        path = Path(got)
        if not e.pinned:
            warnings.warn(f"{e.name}: {e.file} has no pinned checksum; downloaded file has "
                          f"sha256 {sha256(path)} (check it and pin it in the registry)",
                          UserWarning, stacklevel=2)
        out[e.name] = path
    return out
