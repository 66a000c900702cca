"""``svimpact run --scheduler``: the batch's notebooks as Dask tasks give the local run's outputs.

Reference: the local run itself (tests/report). Every table, figure, map and the chapter must be
byte-identical, and the manifest's content hashes equal, between a local run and a run on a
``LocalCluster``; failures stay isolated and ``--resume`` skips what succeeded, as locally.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from _batches import write_batch
from conftest import REPO
from dask_fixtures import dask_client  # noqa: F401 (fixture)

from svimpact.cli import main
from svimpact.report.batch import run_batch

pytestmark = pytest.mark.e2e


def _params(tmp: Path, notebook_dir: Path, notebooks, services=("housing_first",)) -> Path:
    return write_batch(tmp, notebook_dir, notebooks, services, title="Dask")


def _published(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] in {"tables", "figures", "maps", "headlines"}}


def test_dask_run_gives_byte_identical_tables_and_manifest_hashes(tmp_path):
    params = _params(tmp_path, REPO / "notebooks", ["additionality", "targeting"])
    # Same folder name in both runs: the Word copy is named after the run's folder.
    runs = {d: tmp_path / d / "year-one" for d in ("local", "dask")}
    assert main(["run", str(params), "--out", str(runs["local"])]) == 0
    assert main(["run", str(params), "--out", str(runs["dask"]), "--scheduler", "local"]) == 0
    local, dask = _published(runs["local"]), _published(runs["dask"])
    assert any(k.startswith("tables/") and k.endswith(".csv") for k in local) and local == dask
    assert (runs["local"] / "index.html").read_bytes() == (runs["dask"] / "index.html").read_bytes()
    ma, mb = (json.loads((runs[d] / "manifest.json").read_text()) for d in ("local", "dask"))
    assert ma["content"] == mb["content"] and mb["status"] == "complete"
    assert {k: v for k, v in ma["outputs"].items() if k.startswith("tables/")} == \
        {k: v for k, v in mb["outputs"].items() if k.startswith("tables/")}


def _notebook(path: Path, source: str) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("params_path = None\noutput_dir = None\nseed = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


def test_failure_is_isolated_and_resume_skips_what_succeeded(tmp_path, dask_client):  # noqa: F811
    """On an existing cluster, by its address (as ``--scheduler tcp://host:8786``)."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "boom.ipynb", "raise ValueError('on purpose')")
    _notebook(nbs / "quick.ipynb", "import os\nprint('run data' if os.environ.get('SVIMPACT_RUN_DATA') else 'none')")
    params = _params(tmp_path, nbs, ["boom", "quick"])
    address = dask_client.scheduler.address
    first = run_batch(params, progress=None, scheduler=address)
    by = {r.job.notebook: r for r in first.results}
    assert by["quick"].status == "ok" and by["boom"].status == "failed" and not first.ok
    assert by["boom"].error["ename"] == "ValueError"
    quick = nbformat.read(by["quick"].job.output_path, as_version=4)
    assert "run data" in quick.cells[-1].outputs[0]["text"]  # the dataset reached the worker's kernel
    manifest = json.loads(first.manifest.read_text())
    assert manifest["status"] != "complete"
    again = run_batch(params, progress=None, scheduler=address, resume=True)
    by = {r.job.notebook: r.status for r in again.results}
    assert by == {"quick": "skipped", "boom": "failed"}
