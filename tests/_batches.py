"""A small batch of the demo's services for end-to-end tests (fewer draws, own output folder)."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import REPO


def write_batch(tmp: Path, notebook_dir: Path, notebooks, services=("housing_first",), timeout: int = 300,
                title: str = "Test batch") -> Path:
    """``tmp/batch.yaml`` running ``notebooks`` for ``services`` (the demo params, 200 effect draws) into ``tmp/out``."""
    names = []
    for name in services:
        data = yaml.safe_load((REPO / "params" / f"{name}.yaml").read_text())
        data["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in data["data"].items()}
        data["effect"]["n_draws"] = 200
        (tmp / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        names.append(f"{name}.yaml")
    batch = {"title": title, "seed": 3, "output_dir": str(tmp / "out"), "notebook_dir": str(notebook_dir),
             "notebooks": list(notebooks), "services": names, "timeout_seconds": timeout, "jobs": 2}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path
