"""``svimpact reproduce MANIFEST``: re-run a batch and compare every table and figure with its manifest.

Two checks, both listed file by file:

1. the report directory still holds exactly what the manifest recorded (a table edited after
   the run is caught here);
2. a fresh run of the same batch params (same seed) into a new directory gives byte-identical
   tables and figures.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from svimpact.exceptions import InputDataError
from svimpact._common import sha256 as file_sha256

__all__ = ["ReproduceReport", "compare_outputs", "reproduce"]


@dataclass(frozen=True)
class ReproduceReport:
    manifest: Path
    differences: tuple[str, ...] = field(default=())
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def text(self) -> str:
        if self.ok:
            return f"reproduced: all {self.checked} tables and figures match {self.manifest}"
        lines = [f"NOT reproduced: {len(self.differences)} difference(s) against {self.manifest}:"]
        return "\n".join(lines + [f"  - {d}" for d in self.differences])


def compare_outputs(recorded: dict[str, str], folder: Path, label: str) -> list[str]:
    """Differences between ``recorded`` hashes and the files under ``folder`` (tables/, figures/)."""
    found = {
        p.relative_to(folder).as_posix(): file_sha256(p)
        for sub in ("tables", "figures") for p in sorted((folder / sub).rglob("*")) if p.is_file()
    }
    diffs = []
    for name, digest in sorted(recorded.items()):
        if name not in found:
            diffs.append(f"{label}: {name} is missing")
        elif found[name] != digest:
            diffs.append(f"{label}: {name} differs (sha256 {found[name][:12]}..., manifest {digest[:12]}...)")
    diffs += [f"{label}: {name} is not in the manifest" for name in sorted(set(found) - set(recorded))]
    return diffs


def reproduce(manifest_path: str | Path, *, out: str | Path | None = None, jobs: int | None = None,
              progress=print) -> ReproduceReport:
    from svimpact.report.batch import run_batch

    manifest_path = Path(manifest_path).resolve()
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded = manifest["outputs"]
        batch_params = Path(manifest["batch_params"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputDataError(f"not a readable svimpact manifest ({type(exc).__name__}: {exc})",
                             file=str(manifest_path)) from None
    diffs = compare_outputs(recorded, manifest_path.parent, "report directory")
    if manifest.get("status") != "complete":
        diffs.append(f"the recorded run did not complete (status: {manifest.get('status')})")
    with tempfile.TemporaryDirectory(prefix="svimpact-reproduce-") as tmp:
        target = Path(out) if out else Path(tmp) / "run"
        result = run_batch(batch_params, out=target, jobs=jobs, progress=progress)
        if not result.ok:
            diffs.append("the re-run did not complete: " + "; ".join(r.describe() for r in result.results if not r.ok))
        diffs += compare_outputs(recorded, target, "re-run")
    return ReproduceReport(manifest_path, tuple(diffs), len(recorded))
