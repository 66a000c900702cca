"""The batch: every (service x notebook) executed with Papermill, in parallel, then one chapter.

``run_batch`` reads as a pipeline: load and validate params -> plan the jobs -> execute them
(a failure never stops the others) -> build the chapter -> write the manifest. The manifest
claims success only when every notebook succeeded.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from svimpact._version import __version__
from svimpact.exceptions import ParamsError
from svimpact.io.params import BatchParams, load_batch_params, load_service_params
from svimpact._common import sha256 as file_sha256
from svimpact.report.publish import atomic_write_bytes

__all__ = ["NOTEBOOK_PARAMETERS", "BatchResult", "Job", "JobResult", "plan_jobs", "run_batch"]

NOTEBOOK_PARAMETERS = frozenset({"params_path", "output_dir", "seed"})
"""The parameters every batch notebook declares in its cell tagged ``parameters``: no more, no fewer."""


@dataclass(frozen=True)
class Job:
    service: str
    title: str
    params_path: Path
    notebook: str
    input_path: Path
    output_path: Path
    key: str = ""  # sha256 of everything the job's result depends on (for --resume)

    @property
    def name(self) -> str:
        return f"{self.service}__{self.notebook}"


@dataclass(frozen=True)
class JobResult:
    job: Job
    status: str  # "ok" | "failed" | "timeout" | "skipped" (unchanged since a successful run; --resume)
    seconds: float
    error: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"ok", "skipped"}

    def describe(self) -> str:
        name = f"{self.job.service} x {self.job.notebook}"
        if self.status == "skipped":
            return f"{name}: unchanged since the last successful run, skipped (--resume)"
        if self.ok:
            return f"{name}: ok in {self.seconds:.1f} s"
        e = self.error or {}
        cell = f" in cell {e['cell']}" if e.get("cell") is not None else ""
        return f"{name}: {self.status.upper()}{cell}: {e.get('ename', '')}: {e.get('evalue', '')}".rstrip(": ")


@dataclass(frozen=True)
class BatchResult:
    batch: BatchParams
    output_dir: Path
    results: tuple[JobResult, ...]
    chapter: Path | None
    manifest: Path
    gate_findings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.gate_findings


def check_notebook_parameters(path: Path) -> None:
    """Papermill only warns about unknown parameters; svimpact refuses them (and missing ones)."""
    import papermill as pm

    declared = set(pm.inspect_notebook(str(path)))
    if declared != NOTEBOOK_PARAMETERS:
        missing = sorted(NOTEBOOK_PARAMETERS - declared)
        unknown = sorted(declared - NOTEBOOK_PARAMETERS)
        raise ParamsError(
            f"the cell tagged 'parameters' must declare exactly {', '.join(sorted(NOTEBOOK_PARAMETERS))}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else ""),
            file=str(path),
        )


def _job_key(notebook: Path, service_params: Path, inputs: list[Path], seed: int) -> str:
    h = hashlib.sha256()
    for part in (__version__, str(seed), file_sha256(notebook), file_sha256(service_params),
                 *(file_sha256(p) for p in inputs)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def plan_jobs(batch: BatchParams, out: Path) -> list[Job]:
    """One job per (service x notebook), each with the key that --resume compares."""
    for nb in batch.notebooks:
        check_notebook_parameters(batch.notebook_dir / f"{nb}.ipynb")
    jobs = []
    for service_path in batch.services:
        sp = load_service_params(service_path)
        inputs = [Path(p) for p in sp.data.model_dump().values() if p is not None]
        for nb in batch.notebooks:
            nb_path = batch.notebook_dir / f"{nb}.ipynb"
            jobs.append(Job(sp.service, sp.title, Path(service_path), nb, nb_path,
                            out / "notebooks" / f"{sp.service}__{nb}.ipynb",
                            _job_key(nb_path, Path(service_path), inputs, batch.seed)))
    return jobs


def _record_path(out: Path, job: Job) -> Path:
    return out / ".svimpact" / "jobs" / f"{job.name}.json"


def _write_record(out: Path, res: JobResult) -> None:
    record = {"key": res.job.key, "status": res.status, "seconds": round(res.seconds, 2), "error": res.error}
    atomic_write_bytes(_record_path(out, res.job), json.dumps(record, indent=1).encode())


def _unchanged(out: Path, job: Job) -> bool:
    path = _record_path(out, job)
    if not (path.is_file() and job.output_path.is_file()):
        return False
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return record.get("key") == job.key and record.get("status") == "ok"


def _prepare_output(out_dir: Path, resume: bool) -> None:
    """Clear the last run's outputs (all of them, unless resuming). A run in progress has no
    index.html or manifest.json, so a crash never leaves a chapter that looks whole."""
    for stale in ("index.html", "manifest.json", "year-one.docx"):
        (out_dir / stale).unlink(missing_ok=True)
    for sub in ("notebooks", "tables", "figures", "maps", "audit", "headlines", "quarantine", ".svimpact"):
        if not resume:
            shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    for partial in (out_dir / "notebooks").glob(".partial-*"):
        partial.unlink()


def _execute(job: Job, out: str, seed: int, timeout: int) -> JobResult:
    """Run one notebook (in a worker process). Never raises: failures become a JobResult."""
    import papermill as pm

    start = time.perf_counter()
    params = {"params_path": str(job.params_path), "output_dir": out, "seed": seed}
    tmp = job.output_path.with_name(f".partial-{job.output_path.name}")
    status, error = "ok", None
    for attempt in range(3):  # kernel start-up can race under parallel runs: retry that only
        try:
            pm.execute_notebook(
                str(job.input_path), str(tmp), parameters=params, kernel_name="python3",
                cwd=str(job.input_path.parent), execution_timeout=timeout, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False,
            )
            break
        except pm.PapermillExecutionError as exc:
            status = "failed"
            error = {"cell": exc.cell_index, "exec_count": exc.exec_count, "ename": exc.ename,
                     "evalue": str(exc.evalue)[:2000]}
            break
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
            name = type(exc).__name__
            if ("Timeout" in name or "timed out" in str(exc).lower()) and "kernel" not in str(exc).lower():
                status, error = "timeout", {"cell": None, "ename": name, "evalue": str(exc)[:2000]}
                break
            if "kernel" in str(exc).lower() and attempt < 2:
                time.sleep(1 + attempt)
                continue
            status, error = "failed", {"cell": None, "ename": name, "evalue": str(exc)[:2000]}
            break
    if tmp.exists():
        tmp.replace(job.output_path)
    return JobResult(job, status, time.perf_counter() - start, error)


def run_batch(
    batch_path: str | Path,
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = print,
) -> BatchResult:
    """Run the batch described by ``batch_path``; see the module docstring.

    With ``resume=True``, notebooks whose notebook file, service params, input files, seed and
    svimpact version are unchanged since they last succeeded in ``out`` are not run again.
    """
    from svimpact.gate import gate_batch
    from svimpact.report.chapter import build_chapter, write_docx
    from svimpact.report.manifest import write_manifest

    say = progress or (lambda _msg: None)
    batch = load_batch_params(batch_path)
    out_dir = Path(out).resolve() if out else batch.output_dir
    planned = plan_jobs(batch, out_dir)
    _prepare_output(out_dir, resume)
    todo = [j for j in planned if not (resume and _unchanged(out_dir, j))]
    results: dict[Job, JobResult] = {j: JobResult(j, "skipped", 0.0) for j in planned if j not in todo}
    n_workers = max(1, min(jobs or batch.jobs, len(todo) or 1))
    say(f"svimpact: running {len(todo)} of {len(planned)} notebook(s) ({len(batch.services)} service(s) x "
        f"{len(batch.notebooks)} notebook(s)) with {n_workers} worker(s) into {out_dir}")
    for res in results.values():
        say(f"[-] {res.describe()}")
    start = time.perf_counter()
    if todo:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            futures = {pool.submit(_execute, j, str(out_dir), batch.seed, batch.timeout_seconds): j for j in todo}
            for i, fut in enumerate(cf.as_completed(futures), 1):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed notebook
                    res = JobResult(job, "failed", 0.0, {"cell": None, "ename": type(exc).__name__,
                                                         "evalue": str(exc)})
                results[job] = res
                _write_record(out_dir, res)
                say(f"[{i}/{len(todo)}] {res.describe()}")
    ordered = tuple(results[j] for j in planned)
    # The provenance appendix renders the manifest, so write it first; it claims success only
    # at the end, once the disclosure gate has passed everything the run wrote.
    write_manifest(batch, out_dir, ordered, elapsed=time.perf_counter() - start, gate=None)
    chapter = build_chapter(batch, out_dir, ordered)
    write_docx(chapter)
    gate = gate_batch(batch.source_file, out_dir)
    findings = tuple(f.describe() for f in gate.findings)
    if findings:  # mark the chapter itself, so nobody publishes it by mistake
        chapter = build_chapter(batch, out_dir, ordered, gate_findings=findings)
        write_docx(chapter)
    manifest = write_manifest(batch, out_dir, ordered, elapsed=time.perf_counter() - start, gate=findings)
    result = BatchResult(batch, out_dir, ordered, chapter, manifest, findings)
    failed = [r for r in ordered if not r.ok]
    if failed:
        say(f"svimpact: {len(failed)} of {len(ordered)} notebooks FAILED; the chapter is marked incomplete:")
        for r in failed:
            say(f"  - {r.describe()}  (see {r.job.output_path})")
    if findings:
        say(f"svimpact: the disclosure gate found {len(findings)} problem(s); the run is NOT complete:")
        for f in findings[:20]:
            say(f"  - {f}")
    if result.ok:
        say(f"svimpact: chapter written to {chapter}; disclosure gate passed")
    return result
