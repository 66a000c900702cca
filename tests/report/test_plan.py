"""The run plan: params read once per file, every input hashed, faults as one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from svimpact.exceptions import BatchError, ParamsError
from svimpact.report.outputs import lock_output, writable_folder
from svimpact.report.plan import load_run, validate_run


def _batch(tmp: Path, services=("housing_first",), notebooks=("additionality",), **extra) -> Path:
    names = []
    for name in services:
        data = yaml.safe_load((REPO / "params" / f"{name}.yaml").read_text())
        data["data"] = {k: str((REPO / "params" / v).resolve()) for k, v in data["data"].items()}
        (tmp / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        names.append(f"{name}.yaml")
    batch = {"title": "Plan", "seed": 3, "output_dir": str(tmp / "out"), "notebook_dir": str(REPO / "notebooks"),
             "notebooks": list(notebooks), "services": names, **extra}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path


def test_plan_resolves_params_notebooks_and_hashes_every_input(tmp_path):
    plan = load_run(_batch(tmp_path, ("housing_first", "households_into_work"), ("additionality", "targeting")))
    assert [sp.service for sp in plan.services] == ["housing_first", "households_into_work"]
    roles = {f.role for f in plan.services[0].inputs}
    assert {"data.participants", "data.comparison", "data.areas", "data.boundaries",
            "valuation.value_file"} <= roles
    assert all(len(f.sha256) == 64 for sp in plan.services for f in sp.inputs)
    jobs = plan.jobs()
    assert len(jobs) == 4 and len({j.key for j in jobs}) == 4
    assert validate_run(plan).ok


def test_resume_key_changes_with_the_unit_value_file(tmp_path):
    path = _batch(tmp_path)
    values = tmp_path / "values.yaml"
    values.write_bytes((REPO / "params" / "values" / "unit_values.yaml").read_bytes())
    sp = yaml.safe_load((tmp_path / "housing_first.yaml").read_text())
    sp["valuation"]["value_file"] = str(values)
    (tmp_path / "housing_first.yaml").write_text(yaml.safe_dump(sp, sort_keys=False))
    before = load_run(path).jobs()[0].key
    values.write_text(values.read_text() + "\n# edited\n")
    assert load_run(path).jobs()[0].key != before


def test_a_service_listed_twice_is_refused(tmp_path):
    path = _batch(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["services"] = data["services"] * 2
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ParamsError, match=r"batch.yaml: key 'services.1': housing_first.yaml is listed twice "
                                          r"\(entries 1 and 2\); list each service once"):
        load_run(path)


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = _batch(tmp_path)
    path.write_text(path.read_text() + "seed: 4\n")
    with pytest.raises(ParamsError, match=r"batch.yaml: not valid YAML at line \d+, column 1: duplicate key 'seed' "
                                          r"\(first at line \d+, again at line \d+\); keep one"):
        load_run(path)


def test_mistyped_notebook_gets_did_you_mean(tmp_path):
    path = _batch(tmp_path, notebooks=("additionalty",))
    with pytest.raises(ParamsError, match=r"key 'notebooks.0': notebook not found: .*additionalty.ipynb; "
                                          r"did you mean 'additionality'\?"):
        load_run(path)


def test_output_path_that_is_a_file_is_one_clear_line(tmp_path):
    target = tmp_path / "report"
    target.write_text("not a folder")
    with pytest.raises(BatchError, match=r"^output folder .*report: this is a file, not a folder; remove it or "
                                         r"choose another --out$"):
        writable_folder(target)


def test_output_path_too_long_is_one_clear_line(tmp_path):
    with pytest.raises(BatchError, match=r"cannot write there: the path is too long for this file system; "
                                         r"choose a shorter one$"):
        writable_folder(tmp_path / ("x" * 300))


def test_read_only_output_is_one_clear_line(tmp_path, monkeypatch):
    # Tests may run as root, where chmod does not stop writes: simulate the file system's refusal.
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(BatchError, match=r"^output folder .*ro: cannot write there: it is not writable "
                                         r"\(permission denied or a read-only file system\); choose a folder you "
                                         r"can write to$"):
        writable_folder(tmp_path / "ro")


def test_second_run_into_the_same_folder_refuses(tmp_path):
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from svimpact.report.outputs import lock_output
        with lock_output(Path({str(tmp_path)!r})):
            print("locked", flush=True)
            time.sleep(30)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(BatchError, match=r"is in use by another svimpact run \(pid \d+\); wait for it to "
                                             r"finish or choose another --out"), lock_output(tmp_path):
            pass
    finally:
        proc.kill()
        proc.wait()
    with lock_output(tmp_path):  # released when the holder ends
        pass


def test_cli_prints_output_faults_without_a_traceback(tmp_path, capsys):
    from svimpact.cli import main

    target = tmp_path / "report"
    target.write_text("x")
    assert main(["run", str(_batch(tmp_path)), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    assert "this is a file, not a folder" in err


_COUNTER = '''
import os, sys
_log = os.environ.get("SVIMPACT_TEST_OPEN_LOG")
if _log:
    def _hook(event, args, _log=_log):
        if event == "open" and isinstance(args[0], str) and args[0].endswith((".yaml", ".yml", ".csv")):
            with open(_log + "." + str(os.getpid()), "a", encoding="utf-8") as fh:
                fh.write(os.path.abspath(args[0]) + "\\n")
    sys.addaudithook(_hook)
'''


@pytest.mark.e2e
def test_each_params_file_is_read_once_per_run(tmp_path):
    """Every process of a run (the CLI, the workers, every notebook kernel) logs each YAML and CSV it
    opens: each params file is read once, and no notebook reads the records again (the batch hands
    them the data it checked)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_COUNTER)
    path = _batch(tmp_path, ("housing_first", "households_into_work"), ("additionality", "targeting"))
    log = tmp_path / "opens"
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "SVIMPACT_TEST_OPEN_LOG": str(log)}
    popen = subprocess.Popen([sys.executable, "-m", "svimpact.cli", "run", str(path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc_pid = popen.pid
    out, err = popen.communicate(timeout=900)
    assert popen.returncode == 0, out[-2000:] + err[-2000:]
    opened: list[str] = []
    by_other_processes: list[str] = []
    for part in tmp_path.glob("opens.*"):
        opened += part.read_text().split()
        if part.suffix != f".{proc_pid}":
            by_other_processes += part.read_text().split()
    params_files = [str(path), str(tmp_path / "housing_first.yaml"), str(tmp_path / "households_into_work.yaml")]
    counts = {p: opened.count(p) for p in params_files}
    assert counts == dict.fromkeys(params_files, 1), counts
    records = [p for p in by_other_processes if "synthetic_" in Path(p).name and "participants" in p]
    assert records == [], records  # notebooks used the batch's checked data
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete"


def test_a_folder_given_as_a_data_file_is_named_as_a_folder(tmp_path):
    path = _batch(tmp_path)
    sp = yaml.safe_load((tmp_path / "housing_first.yaml").read_text())
    sp["data"]["participants"] = str(tmp_path)
    (tmp_path / "housing_first.yaml").write_text(yaml.safe_dump(sp, sort_keys=False))
    with pytest.raises(ParamsError, match=r"housing_first.yaml: key 'data.participants': .* is a folder, not a file; "
                                          r"point this key at the data file inside it"):
        load_run(path)


def test_resume_into_a_folder_another_batch_wrote_is_refused(tmp_path):
    """Two batches into one folder must not both claim it: --resume only continues the same batch."""
    from svimpact.report.outputs import prepare_output

    first = tmp_path / "one"
    second = tmp_path / "two"
    first.mkdir()
    second.mkdir()
    out = tmp_path / "shared-out"
    plan_one = load_run(_batch(first), out=out)
    prepare_output(plan_one, resume=False)
    plan_two = load_run(_batch(second), out=out)
    with pytest.raises(BatchError, match=r"shared-out was written by another batch \(.*one/batch.yaml\); --resume only "
                                         r"continues the same batch: run without --resume or choose another --out"):
        prepare_output(plan_two, resume=True)
    prepare_output(plan_one, resume=True)  # the same batch may resume
