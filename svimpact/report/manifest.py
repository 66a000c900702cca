"""The run manifest: what was run, on what, with which code, and how it went."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from svimpact._version import __version__
from svimpact.io.params import BatchParams, load_service_params
from svimpact._common import sha256 as file_sha256
from svimpact.report.publish import atomic_write_bytes

__all__ = ["git_commit", "write_manifest"]


def git_commit(where: Path) -> dict:
    """The git commit of the checkout holding ``where`` (and whether it had local changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if head.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def _hashes(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder.parent).as_posix(): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def write_manifest(batch: BatchParams, out_dir: Path, results: Sequence, *, elapsed: float,
                   gate: Sequence[str] | None) -> Path:
    """Write ``out_dir/manifest.json``.

    ``status`` is ``complete`` only if every notebook succeeded and the disclosure gate ran and
    found nothing (``gate`` is its findings; ``None`` means it has not run yet).
    """
    params_files = {str(batch.source_file): file_sha256(batch.source_file)} if batch.source_file else {}
    inputs: dict[str, str] = {}
    services = []
    for sp_path in batch.services:
        sp = load_service_params(sp_path, check_files=False)
        params_files[str(sp_path)] = file_sha256(sp_path)
        for role, p in sp.data.model_dump().items():
            if p is not None and Path(p).is_file():
                inputs[str(p)] = file_sha256(p)
        services.append({"service": sp.service, "title": sp.title, "params": str(sp_path),
                         "synthetic": sp.synthetic, "params_content": sp.model_dump(mode="json")})
    ok = all(r.ok for r in results) and gate is not None and not gate
    status = "complete" if ok else ("failed" if not all(r.ok for r in results) or gate else "in progress")
    manifest = {
        "svimpact_version": __version__,
        "git": git_commit(Path(__file__).parent),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "title": batch.title,
        "seed": batch.seed,
        "batch_params": str(batch.source_file),
        "status": status,
        "disclosure_gate": None if gate is None else {"passed": not gate, "findings": list(gate)},
        "elapsed_seconds": round(elapsed, 2),
        "params": params_files,
        "services": services,
        "inputs": inputs,
        "notebooks": [
            {"service": r.job.service, "notebook": r.job.notebook, "status": r.status,
             "seconds": round(r.seconds, 2), "output": r.job.output_path.relative_to(out_dir).as_posix(),
             "key": r.job.key, "error": r.error}
            for r in results
        ],
        "outputs": {**_hashes(out_dir / "tables"), **_hashes(out_dir / "figures")},
    }
    path = out_dir / "manifest.json"
    atomic_write_bytes(path, (json.dumps(manifest, indent=2, default=str) + "\n").encode("utf-8"))
    return path
