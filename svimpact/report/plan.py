"""The run plan: a batch resolved once, before anything runs.

``load_run(batch_yaml)`` reads the batch manifest and every service params file exactly once,
checks each notebook's parameters cell, and hashes every input file (records, areas, boundaries,
unit-value and deflator files) once. The frozen :class:`RunPlan` it returns is what every later
step uses: validation (``validate_run``, all data checked before any kernel starts), the job keys
``--resume`` compares, the notebooks (which open their service from the plan's snapshot instead of
re-reading the YAML), the chapter and the manifest.
"""

from __future__ import annotations

import html as html_lib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from svimpact._common import sha256
from svimpact._results import ResultMixin, Summary, result_frame
from svimpact._version import __version__
from svimpact.exceptions import ParamsError, SvimpactError
from svimpact.io.params import BatchParams, ServiceParams, load_batch
from svimpact.io.service import ServiceDataset, dataset_from_check
from svimpact.io.validate import Problem, ValidationReport, check_service
from svimpact.io.validate.batch import check_valuation

__all__ = [
    "NOTEBOOK_PARAMETERS",
    "PLAN_SNAPSHOT",
    "InputFile",
    "Job",
    "JobResult",
    "NotebookSpec",
    "RunPlan",
    "ServicePlan",
    "load_run",
    "prepare_run",
    "validate_run",
]

NOTEBOOK_PARAMETERS = frozenset({"params_path", "output_dir", "seed"})
"""The parameters every batch notebook declares in its cell tagged ``parameters``: no more, no fewer."""

PLAN_SNAPSHOT = Path(".svimpact") / "plan.json"
"""Where a run writes its resolved plan, relative to the output folder (read by ``open_service``)."""


@dataclass(frozen=True)
class InputFile:
    """One input file of a service: its role (``data.participants``, ``valuation.value_file``...)."""

    role: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class ServicePlan:
    """A service's resolved params, the sha256 of its params file, and its input files."""

    params: ServiceParams
    params_file: Path
    params_sha256: str
    inputs: tuple[InputFile, ...]

    @property
    def service(self) -> str:
        return self.params.service

    @property
    def title(self) -> str:
        return self.params.title


@dataclass(frozen=True)
class Job:
    """One notebook run for one service. ``key`` is the sha256 of everything its result depends on."""

    service: str
    title: str
    params_path: Path
    notebook: str
    input_path: Path
    output_path: Path
    key: str = ""

    @property
    def name(self) -> str:
        return f"{self.service}__{self.notebook}"


@dataclass(frozen=True)
class JobResult(ResultMixin):
    """One notebook run: its status, how long it took and, when it failed, the error.

    ``to_frame()`` keeps the results contract: one row, ``measure`` = "service x notebook: run
    time (s)", ``value`` = seconds, ``method`` = the status, ``source`` = the executed notebook.
    ``summary()`` is the one line the batch prints.
    """

    job: Job
    status: str  # "ok" | "failed" | "timeout" | "skipped" (unchanged since a successful run; --resume)
    seconds: float
    error: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"ok", "skipped"}

    def to_frame(self) -> pd.DataFrame:
        return result_frame([{"measure": f"{self.job.service} x {self.job.notebook}: run time (s)",
                              "value": float(self.seconds), "method": self.status,
                              "source": str(self.job.output_path)}])

    def _line(self) -> str:
        name = f"{self.job.service} x {self.job.notebook}"
        if self.status == "skipped":
            return f"{name}: unchanged since the last successful run, skipped (--resume)"
        if self.ok:
            return f"{name}: ok in {self.seconds:.1f} s"
        e = self.error or {}
        cell = f" in cell {e['cell']}" if e.get("cell") is not None else ""
        return f"{name}: {self.status.upper()}{cell}: {e.get('ename', '')}: {e.get('evalue', '')}".rstrip(": ")

    def summary(self) -> Summary:
        """One line: 'service x notebook: ok in 3.2 s' or the status, cell and error."""
        line = self._line()
        return Summary(line, f"<p>{html_lib.escape(line)}</p>", line)


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs, resolved and hashed once (see the module docstring)."""

    batch: BatchParams
    batch_sha256: str
    services: tuple[ServicePlan, ...]
    notebooks: tuple[NotebookSpec, ...]
    output_dir: Path

    @property
    def seed(self) -> int:
        return self.batch.seed

    def service(self, name: str) -> ServicePlan:
        for sp in self.services:
            if sp.service == name:
                return sp
        raise KeyError(name)

    def inputs(self) -> dict[str, str]:
        """Every input file of the run (params, notebooks, data, value files) -> sha256."""
        files = {str(self.batch.source_file): self.batch_sha256}
        for sp in self.services:
            files[str(sp.params_file)] = sp.params_sha256
            files.update({str(f.path): f.sha256 for f in sp.inputs})
        files.update({str(nb.path): nb.sha256 for nb in self.notebooks})
        return files

    def jobs(self) -> tuple[Job, ...]:
        """One job per (service x notebook), in the batch's order, each keyed on every file it reads
        (the batch runs them longest first: :func:`svimpact.report.scheduling.longest_first`)."""
        jobs = []
        for sp in self.services:
            for nb in self.notebooks:
                jobs.append(Job(sp.service, sp.title, sp.params_file, nb.name, nb.path,
                                self.output_dir / "notebooks" / f"{sp.service}__{nb.name}.ipynb",
                                _job_key(nb, sp, self.seed)))
        return tuple(jobs)

    def snapshot(self) -> dict[str, Any]:
        """The plan as JSON-ready data: what ``open_service`` reads in a notebook kernel."""
        return {
            "svimpact_version": __version__,
            "batch": str(self.batch.source_file),
            "batch_sha256": self.batch_sha256,
            "seed": self.seed,
            "services": {
                str(sp.params_file): {
                    "params": sp.params.model_dump(mode="json"),
                    "source_file": str(sp.params_file),
                    "params_sha256": sp.params_sha256,
                    "inputs": {f.role: {"path": str(f.path), "sha256": f.sha256} for f in sp.inputs},
                }
                for sp in self.services
            },
        }


def _job_key(nb: NotebookSpec, sp: ServicePlan, seed: int) -> str:
    parts = (__version__, str(seed), nb.sha256, sp.params_sha256, *(f"{f.role}={f.sha256}" for f in sp.inputs))
    return sha256(b"".join(part.encode() + b"\0" for part in parts))


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


def _input_files(sp: ServiceParams) -> list[tuple[str, Path]]:
    from svimpact.estimators.valuation import VALUES_DIR

    files = [(f"data.{role}", Path(p)) for role, p in sp.data.files().items()]
    v = sp.valuation
    if v is not None:
        files.append(("valuation.value_file", Path(v.value_file) if v.value_file else VALUES_DIR / "unit_values.yaml"))
        if v.deflator_file is not None:
            files.append(("valuation.deflator_file", Path(v.deflator_file)))
    return files


def _hash_input(role: str, path: Path, params_file: Path) -> str:
    try:
        return sha256(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ParamsError(f"input file {path} cannot be read ({reason}); check it exists and is readable",
                          file=str(params_file), key=role) from None


def load_run(batch_yaml: str | Path, *, out: str | Path | None = None) -> RunPlan:
    """Resolve a batch: params read and validated once, notebooks checked, every input hashed once."""
    batch, services = load_batch(batch_yaml)
    plans = []
    for sp in services:
        params_file = Path(sp.source_file or "")
        inputs = tuple(InputFile(role, p, _hash_input(role, p, params_file)) for role, p in _input_files(sp))
        plans.append(ServicePlan(sp, params_file, sp.source_sha256 or sha256(params_file), inputs))
    notebooks = []
    for name in batch.notebooks:
        path = batch.notebook_dir / f"{name}.ipynb"
        check_notebook_parameters(path)
        notebooks.append(NotebookSpec(name, path, sha256(path)))
    output_dir = Path(out).expanduser().absolute() if out else batch.output_dir
    return RunPlan(batch, batch.source_sha256 or sha256(Path(batch.source_file or "")), tuple(plans), tuple(notebooks),
                   output_dir)


def validate_run(plan: RunPlan) -> ValidationReport:
    """Check every service's data and valuation inputs; never raises for a problem in the inputs.

    ``report.ok`` is False when anything would stop a notebook: the run then stops before any
    kernel starts, with every problem listed.
    """
    return prepare_run(plan)[0]


def prepare_run(plan: RunPlan) -> tuple[ValidationReport, dict[str, ServiceDataset]]:
    """:func:`validate_run`, plus each valid service's dataset (read, checked and pseudonymised once),
    so the batch can hand it to its notebooks instead of every kernel reading and checking it again."""
    report = ValidationReport(files=tuple(str(f) for f in (plan.batch.source_file,) if f))
    datasets: dict[str, ServiceDataset] = {}
    for sp in plan.services:
        try:
            checked = check_service(sp.params)
            report = report.merge(checked.report)
            if checked.report.ok:
                hashes = {f.role.removeprefix("data."): f.sha256 for f in sp.inputs}
                datasets[sp.service] = dataset_from_check(sp.params, checked, hashes=hashes)
        except SvimpactError as exc:  # a check that could not run at all
            report = report.merge(ValidationReport((Problem(str(sp.params_file), None, str(exc)),)))
        report = report.merge(check_valuation(sp.params, sp.params_file))
    unique = tuple(dict.fromkeys(report.problems))
    return ValidationReport(unique, report.quarantine, report.files, report.rows_read), datasets


def read_snapshot(output_dir: str | Path) -> dict[str, Any] | None:
    """The plan snapshot a run wrote into ``output_dir``, or None."""
    path = Path(output_dir) / PLAN_SNAPSHOT
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
