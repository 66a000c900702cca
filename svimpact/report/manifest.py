"""The run manifest: what was run, on what, with which code, how it went, and what it wrote.

Built in memory from the run plan (no file is read or hashed twice) and written once, at the end.
Every output file is recorded twice: the sha256 of its bytes (``outputs``), which catches a file
changed after the run, and the sha256 of its *content* after normalising what legitimately
varies between two runs of the same batch (``content``, see :func:`content_digest`), which
``svimpact reproduce`` compares with a fresh run.
"""

from __future__ import annotations

import io
import json
import platform
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from svimpact._common import sha256
from svimpact._version import __version__
from svimpact.report.plan import RunPlan
from svimpact.report.publish import atomic_write_bytes

__all__ = ["content_digest", "git_commit", "manifest_data", "output_files", "run_facts", "write_manifest"]

_SKIP = {"manifest.json", ".svimpact.lock"}


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


def output_files(out_dir: Path) -> list[Path]:
    """Every file a run publishes (the chapter, Word copy, maps, notebooks, tables, figures, headlines...)."""
    return [p for p in sorted(out_dir.rglob("*"))
            if p.is_file() and p.name not in _SKIP and ".svimpact" not in p.relative_to(out_dir).parts[:1]
            and not p.name.startswith(".partial-")]


def _normalise_text(text: str, out_dir: Path) -> str:
    return text.replace(str(out_dir), "<output_dir>")


def _notebook_content(raw: bytes, out_dir: Path) -> bytes:
    """A notebook without what varies between runs: timings, papermill metadata, the output path."""
    nb = json.loads(raw)
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        for key in ("papermill", "execution"):
            meta.pop(key, None)
    return _normalise_text(json.dumps(nb, sort_keys=True), out_dir).encode("utf-8")


def _docx_content(raw: bytes) -> bytes:
    """A Word file's text, tables and images (not its zip timestamps or core properties)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for name in sorted(zf.namelist()):
            if name == "docProps/core.xml":
                continue
            data = zf.read(name)
            parts.append(f"{name}\0{sha256(data)}")
    return "\n".join(parts).encode("utf-8")


def content_digest(path: Path, out_dir: Path) -> str:
    """sha256 of ``path``'s content with what legitimately varies between runs normalised away.

    Notebooks: execution timings and papermill metadata dropped; Word: zip member contents (not
    timestamps or the creation date); text files: the output folder's own path replaced. Tables
    and figures are compared byte for byte.
    """
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return sha256(_notebook_content(raw, out_dir))
    if suffix == ".docx":
        return sha256(_docx_content(raw))
    if suffix in (".html", ".json", ".md", ".txt"):
        return sha256(_normalise_text(raw.decode("utf-8", errors="replace"), out_dir).encode("utf-8"))
    return sha256(raw)


def run_facts(plan: RunPlan) -> dict[str, Any]:
    """The facts about a run that the chapter's provenance appendix shows (all deterministic)."""
    return {
        "svimpact_version": __version__,
        "git": git_commit(Path(__file__).parent),
        "python": sys.version.split()[0],
        "seed": plan.seed,
        "params": {str(plan.batch.source_file): plan.batch_sha256,
                   **{str(sp.params_file): sp.params_sha256 for sp in plan.services}},
        "inputs": {str(f.path): f.sha256 for sp in plan.services for f in sp.inputs},
    }


def manifest_data(plan: RunPlan, results: Sequence, *, elapsed: float, gate: Sequence[str] | None,
                  facts: dict[str, Any]) -> dict[str, Any]:
    """The manifest as data. ``status`` is ``complete`` only if every notebook succeeded and the
    disclosure gate ran and found nothing (``gate`` is its findings; ``None``: it did not run)."""
    out_dir = plan.output_dir
    ok = all(r.ok for r in results) and gate is not None and not gate
    status = "complete" if ok else ("failed" if not all(r.ok for r in results) or gate else "in progress")
    files = output_files(out_dir)
    rel = {p: p.relative_to(out_dir).as_posix() for p in files}
    return {
        **facts,
        "platform": platform.platform(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "title": plan.batch.title,
        "batch_params": str(plan.batch.source_file),
        "output_dir": str(out_dir),
        "status": status,
        "disclosure_gate": None if gate is None else {"passed": not gate, "findings": list(gate)},
        "elapsed_seconds": round(elapsed, 2),
        "services": [{"service": sp.service, "title": sp.title, "params": str(sp.params_file),
                      "synthetic": sp.params.synthetic, "params_content": sp.params.model_dump(mode="json")}
                     for sp in plan.services],
        "notebooks": [
            {"service": r.job.service, "notebook": r.job.notebook, "status": r.status,
             "seconds": round(r.seconds, 2), "output": r.job.output_path.relative_to(out_dir).as_posix(),
             "key": r.job.key, "error": r.error}
            for r in results
        ],
        "outputs": {rel[p]: sha256(p) for p in files},
        "content": {rel[p]: content_digest(p, out_dir) for p in files},
    }


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``out_dir/manifest.json`` (once per run, at the end)."""
    path = out_dir / "manifest.json"
    atomic_write_bytes(path, (json.dumps(manifest, indent=2, default=str) + "\n").encode("utf-8"))
    return path

