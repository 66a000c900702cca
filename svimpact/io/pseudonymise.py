"""Participant identifiers replaced by keyed hashes (HMAC-SHA256) as the data are loaded.

The key comes from the environment variable ``SVIMPACT_PSEUDONYM_KEY`` (at least 16 characters)
or from a file named by ``SVIMPACT_PSEUDONYM_KEY_FILE`` that lies outside the repository. With
real data (``synthetic: false``) a missing key is an error. Synthetic demonstration data
(``synthetic: true``) with no key set use :data:`DEMO_KEY`, a fixed key that is published here and
therefore protects nothing: it exists so the demo runs anywhere and gives the same pseudonyms.

The key is never written anywhere: the dataset records only *how* identifiers were pseudonymised
(:func:`describe_key_source`), never the key or a fingerprint of it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from svimpact.exceptions import ParamsError

__all__ = ["DEMO_KEY", "ENV_KEY", "ENV_KEY_FILE", "PseudonymKey", "get_pseudonym_key", "pseudonymise"]

ENV_KEY = "SVIMPACT_PSEUDONYM_KEY"
ENV_KEY_FILE = "SVIMPACT_PSEUDONYM_KEY_FILE"
DEMO_KEY = b"svimpact-synthetic-demo-key (public: protects nothing)"
"""The fixed key used for ``synthetic: true`` data when no key is set. Public by design."""
MIN_KEY_LENGTH = 16
PREFIX = "p_"
DIGEST_CHARS = 20  # 80 bits of the HMAC: collisions are negligible for any service's caseload


@dataclass(frozen=True)
class PseudonymKey:
    """A pseudonymisation key and where it came from. ``repr`` never shows the key."""

    secret: bytes
    source: str  # "environment", "key file", "synthetic demo key"

    def __repr__(self) -> str:
        return f"PseudonymKey(source={self.source!r}, secret=<hidden>)"

    __str__ = __repr__


def _repo_root(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / ".git").exists():
            return folder
    return None


def _inside_repo(path: Path, anchors: Iterable[Path]) -> Path | None:
    for anchor in anchors:
        root = _repo_root(anchor.resolve())
        if root is not None and path.resolve().is_relative_to(root):
            return root
    return None


def get_pseudonym_key(*, synthetic: bool, params_file: str | Path | None = None) -> PseudonymKey:
    """Find the pseudonymisation key (see the module docstring).

    Raises
    ------
    ParamsError
        Real data without a key, a key that is too short, or a key file inside a repository.
    """
    where = str(params_file) if params_file else None
    text = os.environ.get(ENV_KEY)
    key_file = os.environ.get(ENV_KEY_FILE)
    if text:
        secret, source = text.encode("utf-8"), "environment"
    elif key_file:
        path = Path(key_file).expanduser()
        anchors = [Path(__file__).parent] + ([Path(params_file).parent] if params_file else [])
        root = _inside_repo(path, anchors)
        if root is not None:
            raise ParamsError(f"the pseudonymisation key file {path} is inside the repository {root}",
                              file=where, key=ENV_KEY_FILE)
        if not path.is_file():
            raise ParamsError(f"the pseudonymisation key file {path} does not exist", file=where, key=ENV_KEY_FILE)
        secret, source = path.read_bytes().strip(), "key file"
    elif synthetic:
        return PseudonymKey(DEMO_KEY, "synthetic demo key")
    else:
        raise ParamsError(
            f"real data (synthetic: false) need a pseudonymisation key: set the environment variable "
            f"{ENV_KEY} to a secret of at least {MIN_KEY_LENGTH} characters, or {ENV_KEY_FILE} to a "
            "file holding it, kept outside the repository (e.g. python -c \"import secrets; "
            "print(secrets.token_hex(32))\" > ~/.svimpact_key)",
            file=where, key="pseudonymise",
        )
    if len(secret) < MIN_KEY_LENGTH:
        raise ParamsError(f"the pseudonymisation key ({source}) is shorter than {MIN_KEY_LENGTH} characters",
                          file=where, key=ENV_KEY if source == "environment" else ENV_KEY_FILE)
    return PseudonymKey(secret, source)


def pseudonymise(values: Iterable[object] | pd.Series, key: PseudonymKey) -> pd.Series:
    """Replace each identifier by ``p_`` + the first 20 hex digits of HMAC-SHA256(key, id).

    Identifiers are compared as trimmed text, so ``" HF-1"`` and ``"HF-1"`` get the same
    pseudonym; missing values stay missing. The same key always gives the same pseudonym.

    >>> k = PseudonymKey(DEMO_KEY, "synthetic demo key")
    >>> pseudonymise(["HF-000001"], k).iloc[0] == pseudonymise([" HF-000001 "], k).iloc[0]
    True
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)

    def one(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return pd.NA
        mac = hmac.new(key.secret, str(v).strip().encode("utf-8"), hashlib.sha256)
        return PREFIX + mac.hexdigest()[:DIGEST_CHARS]

    return pd.Series([one(v) for v in s], index=s.index, dtype="str")


def describe_key_source(key: PseudonymKey) -> str:
    """What may be recorded about the key: the method and the source, never the key."""
    return f"HMAC-SHA256, truncated to {DIGEST_CHARS} hex digits; key from the {key.source}"
