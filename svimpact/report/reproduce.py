"""``svimpact reproduce MANIFEST``: re-run a batch and compare every output with its manifest.

Two checks, both listed file by file:

1. the report directory still holds exactly what the manifest recorded, byte for byte: the
   chapter, the Word copy, the maps, the executed notebooks, tables, figures and headline
   files (a file edited, added or removed after the run is named);
2. a fresh run of the same batch params (same seed) into a new directory gives the same content
   for every output, after normalising only what legitimately varies between runs (notebook
   timings and papermill metadata, the Word file's zip timestamps, the output folder's own path:
   see :func:`svimpact.report.manifest.content_digest`).
"""

from __future__ import annotations

import html as html_lib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svimpact._common import sha256
from svimpact._results import ResultMixin, Summary, result_frame
from svimpact.exceptions import InputDataError
from svimpact.report.batch import run_batch
from svimpact.report.manifest import content_digest, output_files

__all__ = ["ReproduceReport", "compare_outputs", "reproduce"]


@dataclass(frozen=True)
class ReproduceReport(ResultMixin):
    """The verdict of ``svimpact reproduce``: how many outputs were checked and every difference.

    ``to_frame()`` keeps the results contract: "outputs checked" and "differences" (counts,
    ``method`` "sha256 / content digest", ``source`` = the manifest), then one row per difference
    (``measure`` = the difference, ``value`` NaN: it names a file, not a number).
    """

    manifest: Path
    differences: tuple[str, ...] = field(default=())
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_frame(self) -> pd.DataFrame:
        method, source = "sha256 / content digest", str(self.manifest)
        rows: list[dict[str, object]] = [
            {"measure": "outputs checked", "value": float(self.checked), "method": method, "source": source},
            {"measure": "differences", "value": float(len(self.differences)), "method": method, "source": source},
        ]
        rows += [{"measure": d, "method": method, "source": source} for d in self.differences]
        return result_frame(rows)

    def summary(self) -> Summary:
        """'reproduced: all N outputs ... match MANIFEST', or each difference on its own line."""
        if self.ok:
            text = (f"reproduced: all {self.checked} outputs (chapter, Word copy, maps, notebooks, tables, figures) "
                    f"match {self.manifest}")
            return Summary(text, f"<p>{html_lib.escape(text)}</p>", text)
        head = f"NOT reproduced: {len(self.differences)} difference(s) against {self.manifest}:"
        html = f"<p>{html_lib.escape(head)}</p><ul>" + "".join(
            f"<li>{html_lib.escape(d)}</li>" for d in self.differences) + "</ul>"
        markdown = "\n".join([head, "", *(f"- {d}" for d in self.differences)])
        return Summary("\n".join([head, *(f"  - {d}" for d in self.differences)]), html, markdown)


def compare_outputs(recorded: dict[str, str], folder: Path, label: str,
                    digest: Callable[[Path], str] = sha256) -> list[str]:
    """Differences between ``recorded`` digests and every output file under ``folder``."""
    found = {p.relative_to(folder).as_posix(): p for p in output_files(folder)}
    diffs = []
    for name, expected in sorted(recorded.items()):
        if name not in found:
            diffs.append(f"{label}: {name} is missing")
            continue
        got = digest(found[name])
        if got != expected:
            diffs.append(f"{label}: {name} differs (sha256 {got[:12]}..., manifest {expected[:12]}...)")
    diffs += [f"{label}: {name} is not in the manifest" for name in sorted(set(found) - set(recorded))]
    return diffs


def reproduce(manifest_path: str | Path, *, out: str | Path | None = None, jobs: int | None = None,
              progress: Callable[[str], None] | None = print) -> ReproduceReport:
    manifest_path = Path(manifest_path).resolve()
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded, content = manifest["outputs"], manifest["content"]
        batch_params = Path(manifest["batch_params"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputDataError(f"not a readable svimpact manifest ({type(exc).__name__}); re-run the batch to "
                             "write a new one", file=str(manifest_path)) from None
    diffs = compare_outputs(recorded, manifest_path.parent, "report directory")
    if manifest.get("status") != "complete":
        diffs.append(f"the recorded run did not complete (status: {manifest.get('status')})")
    with tempfile.TemporaryDirectory(prefix="svimpact-reproduce-") as tmp:
        # Same folder name as the recorded run: the Word copy is named after it.
        target = Path(out) if out else Path(tmp) / manifest_path.parent.name
        result = run_batch(batch_params, out=target, jobs=jobs, progress=progress)
        if not result.ok:
            diffs.append("the re-run did not complete: " + "; ".join(str(r.summary()) for r in result.results if not r.ok))
        diffs += compare_outputs(content, target, "re-run", lambda p: content_digest(p, result.output_dir))
    return ReproduceReport(manifest_path, tuple(diffs), len(recorded))
