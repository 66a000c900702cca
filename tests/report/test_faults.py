"""Batch faults: timeouts, strict parameters, kill + --resume, reproduction."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _batches import write_batch
from conftest import REPO

from svimpact.cli import main
from svimpact.exceptions import ParamsError
from svimpact.report.batch import run_batch

pytestmark = pytest.mark.e2e


def _params(tmp: Path, notebook_dir: Path, notebooks, services=("housing_first",), timeout=300) -> Path:
    return write_batch(tmp, notebook_dir, notebooks, services, timeout, title="Faults")


def _notebook(path: Path, *sources: str, parameters: str | None = None) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell(parameters or "params_path = None\noutput_dir = None\nseed = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(s) for s in sources)]
    nbformat.write(nb, path)


def test_hanging_notebook_times_out_and_others_finish(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "hang.ipynb", "import time\ntime.sleep(600)")
    _notebook(nbs / "quick.ipynb", "print('fine')")
    start = time.perf_counter()
    result = run_batch(_params(tmp_path, nbs, ["hang", "quick"], timeout=10), progress=None)
    assert time.perf_counter() - start < 120
    by = {r.job.notebook: r for r in result.results}
    assert by["quick"].status == "ok"
    assert by["hang"].status in {"timeout", "failed"}
    assert "Timeout" in by["hang"].error["ename"] + by["hang"].error["evalue"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed"


def test_unknown_or_missing_notebook_parameter_is_an_error(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "odd.ipynb", "pass", parameters="params_path = None\noutput_dir = None\nsede = None")
    with pytest.raises(ParamsError, match=r"odd.ipynb: the cell tagged 'parameters' must declare exactly "
                                          r"output_dir, params_path, seed; missing seed; unknown sede"):
        run_batch(_params(tmp_path, nbs, ["odd"]), progress=None)


def test_killed_batch_completes_with_resume(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "fast.ipynb", "print('done')")
    _notebook(nbs / "slow.ipynb", "import time\ntime.sleep(60)")
    params = _params(tmp_path, nbs, ["fast", "slow"])
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "svimpact.cli", "run", str(params), "--jobs", "2"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = out / ".svimpact" / "jobs" / "housing_first__fast.json"
    deadline = time.time() + 90
    while not record.exists() and time.time() < deadline:
        time.sleep(0.5)
    assert record.exists(), "the fast notebook never finished"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (out / "index.html").exists() and not (out / "manifest.json").exists()  # nothing looks whole
    _notebook(nbs / "slow.ipynb", "print('quick now')")  # the slow notebook changed: it must re-run
    result = run_batch(params, resume=True, progress=None)
    by = {r.job.notebook: r.status for r in result.results}
    assert by == {"fast": "skipped", "slow": "ok"}
    assert result.ok and json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_reproduce_passes_then_names_an_altered_table(tmp_path, capsys):
    params = _params(tmp_path, REPO / "notebooks", ["additionality"])
    assert main(["run", str(params)]) == 0
    manifest = tmp_path / "out" / "manifest.json"
    assert main(["reproduce", str(manifest)]) == 0
    assert "reproduced: all" in capsys.readouterr().out
    table = tmp_path / "out" / "tables" / "housing_first__gross-to-net.csv"
    table.write_text(table.read_text().replace("after", "AFTER"))
    assert main(["reproduce", str(manifest)]) == 1
    assert "tables/housing_first__gross-to-net.csv differs" in capsys.readouterr().out


def test_two_runs_give_byte_identical_tables(tmp_path):
    params = _params(tmp_path, REPO / "notebooks", ["additionality", "targeting"])
    first = run_batch(params, out=tmp_path / "a", progress=None)
    second = run_batch(params, out=tmp_path / "b", progress=None)
    assert first.ok and second.ok
    a = {p.name: p.read_bytes() for p in (tmp_path / "a" / "tables").iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b" / "tables").iterdir()}
    assert a and a == b


def test_gate_refuses_to_mark_a_leaky_run_complete(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    # A notebook that writes a table behind the publisher's back, with a small count in it.
    _notebook(nbs / "leaky.ipynb", "import pathlib\n"
              "pathlib.Path(output_dir, 'tables', 'leak.csv').write_text('area,users\\nA,3\\nB,40\\n')")
    result = run_batch(_params(tmp_path, nbs, ["leaky"]), progress=None)
    assert not result.ok and result.gate_findings
    assert all(r.ok for r in result.results)  # the notebook itself succeeded
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["disclosure_gate"]["passed"] is False
    assert any("leak.csv" in f for f in manifest["disclosure_gate"]["findings"])
    assert "DISCLOSURE GATE FAILED: DO NOT PUBLISH" in (tmp_path / "out" / "index.html").read_text()


def test_reproduce_names_every_corrupted_output(tmp_path, capsys):
    """The chapter, a map, the Word copy and a notebook changed after the run are each named."""
    params = _params(tmp_path, REPO / "notebooks", ["additionality", "targeting"])
    assert main(["run", str(params)]) == 0
    out = tmp_path / "out"
    chapter = out / "index.html"
    chapter.write_text(chapter.read_text().replace("Housing First", "Housing Frist", 1))
    the_map = next((out / "maps").glob("*.html"))
    the_map.write_bytes(the_map.read_bytes() + b"<!-- edited -->")
    docx = out / "out.docx"  # the Word copy is named after the run's folder
    docx.write_bytes(docx.read_bytes()[:-10])
    nb = out / "notebooks" / "housing_first__targeting.ipynb"
    nb.write_text(nb.read_text().replace("participants", "participant", 1))
    capsys.readouterr()
    assert main(["reproduce", str(out / "manifest.json")]) == 1
    text = capsys.readouterr().out
    for name in ("index.html", f"maps/{the_map.name}", "out.docx", "notebooks/housing_first__targeting.ipynb"):
        assert f"report directory: {name} differs" in text, name
    # the fresh re-run itself matches the recorded content of every output
    assert "re-run:" not in text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_no_worker_writing(tmp_path, sig):
    """Killing `svimpact run` (SIGTERM, or SIGKILL which cannot be caught) stops its workers and
    kernels too: nothing keeps writing into the output folder afterwards."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    code = ("import pathlib, time\nfor i in range(20):\n    time.sleep(1)\n"
            "    pathlib.Path(output_dir, f'alive-{i}.txt').write_text('x')")
    _notebook(nbs / "a.ipynb", code)
    _notebook(nbs / "b.ipynb", code)
    params = _params(tmp_path, nbs, ["a", "b"])
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "svimpact.cli", "run", str(params), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(out.glob("alive-*.txt")) and time.time() < deadline:
        time.sleep(0.2)
    assert list(out.glob("alive-*.txt")), "the notebook never started"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
        assert "svimpact: interrupted; the run stopped before its chapter and manifest were written" in err
        assert "Traceback" not in err
    time.sleep(3)  # let a worker that outlived its parent notice (it checks every 0.5 s)
    before = sorted(p.name for p in out.glob("alive-*.txt"))
    time.sleep(4)
    assert sorted(p.name for p in out.glob("alive-*.txt")) == before, "a worker kept writing after the kill"
    assert not (out / "manifest.json").exists() and not (out / "index.html").exists()
