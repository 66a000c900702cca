"""Store the outputs nbval compares: run each batch notebook with its default parameters and keep
the outputs of cells marked ``# NBVAL_CHECK_OUTPUT`` only (every other output is cleared).

Run it (``make notebooks-refresh``) after a deliberate change to the numbers those cells print,
and review the diff: the stored outputs are regression checks on the headline figures.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        executed_path = Path(tmp) / path.name
        subprocess.run([sys.executable, "-m", "papermill", str(path), str(executed_path), "--no-progress-bar",
                        "--cwd", str(path.parent)], check=True, capture_output=True)
        executed = nbformat.read(executed_path, as_version=4)
    source = nbformat.read(path, as_version=4)
    cells = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    kept = 0
    for original, ran in zip(source.cells, cells, strict=True):
        if original.cell_type != "code":
            continue
        checked = any(line.strip() == MARK for line in original.source.splitlines())
        original.outputs = ran.outputs if checked else []
        original.execution_count = ran.execution_count if checked else None
        kept += checked
    nbformat.write(source, path)
    return kept


if __name__ == "__main__":
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        if any(MARK in "".join(c.source) for c in nbformat.read(nb, as_version=4).cells):
            print(f"{nb.name}: stored the outputs of {refresh(nb)} checked cell(s)")
