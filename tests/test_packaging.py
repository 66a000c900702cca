"""The conda route (environment.yml) must list exactly the dependencies of pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml
from conftest import REPO


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    entries = [r for r in env["dependencies"] if isinstance(r, str)]
    entries += [r for d in env["dependencies"] if isinstance(d, dict) for r in d.get("pip", [])]
    listed = {_name(r): r for r in entries if _name(r) not in {"python", "pip"}}
    assert set(listed) == set(wanted), (
        f"environment.yml and pyproject.toml drifted: only in pyproject {sorted(set(wanted) - set(listed))}, "
        f"only in environment.yml {sorted(set(listed) - set(wanted))}"
    )
    for name, req in wanted.items():
        spec = req[len(name):].strip()
        assert listed[name].replace(" ", "")[len(name):] == spec.replace(" ", ""), f"version pins differ for {name}"


def test_import_is_light() -> None:
    """`import svimpact` must not pull in the geospatial, plotting or notebook stacks."""
    code = ("import sys, svimpact; heavy = [m for m in ('geopandas', 'matplotlib', 'papermill', 'nbconvert', "
            "'statsmodels') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import svimpact loaded heavy modules: {out}"


def test_public_api_is_sorted_and_resolves() -> None:
    import svimpact

    assert list(svimpact.__all__) == sorted(svimpact.__all__)
    for name in svimpact.__all__:
        assert getattr(svimpact, name) is not None


def test_lock_file_pins_every_dependency() -> None:
    """requirements.lock (used by make and CI) pins an exact version of every dependency."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: '{line}' is not pinned with =="
            pins[_name(name)] = version
    missing = sorted(w for w in wanted if w not in pins)
    assert not missing, f"requirements.lock lacks {missing}: run `make lock`"
