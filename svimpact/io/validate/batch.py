"""A whole batch checked without running any notebook: params, every input file, valuation inputs."""

from __future__ import annotations

from pathlib import Path

from svimpact.exceptions import ParamsError, SvimpactError
from svimpact.io.params import ServiceParams, load_batch_params, load_service_params
from svimpact.io.validate.report import Problem, ValidationReport
from svimpact.io.validate.service import check_service
from svimpact.io.yamlfile import read_yaml

__all__ = ["check_valuation", "validate_batch"]


def validate_batch(batch_path: str | Path) -> ValidationReport:
    """Run every check of a batch (params and every input file) without running notebooks.

    Never raises for a problem in the inputs: params errors and unreadable files become
    problems in the report. ``report.ok`` is False when anything would stop the run.
    """
    path = Path(batch_path)
    report = ValidationReport(files=(str(path),))
    try:
        batch = load_batch_params(path)
        services = list(batch.services)
    except ParamsError as exc:
        report = report.merge(ValidationReport((_params_problem(exc, path),)))
        services = _services_listed(path)
    for service_path in services:
        try:
            sp = load_service_params(service_path)
        except ParamsError as exc:
            report = report.merge(ValidationReport((_params_problem(exc, Path(service_path)),),
                                                   files=(str(service_path),)))
            continue
        try:
            report = report.merge(check_service(sp).report)
        except SvimpactError as exc:  # a check that could not run at all
            report = report.merge(ValidationReport((Problem(str(service_path), None, str(exc)),)))
        report = report.merge(check_valuation(sp, Path(service_path)))
    unique = tuple(dict.fromkeys(report.problems))  # a params error can surface twice (batch and service)
    return ValidationReport(unique, report.quarantine, report.files, report.rows_read)


def check_valuation(sp: ServiceParams, params_file: Path) -> ValidationReport:
    """The valuation inputs (unit-value library, deflator) named in a service's params, if any."""
    v = getattr(sp, "valuation", None)
    if v is None:
        return ValidationReport()
    from svimpact.estimators.valuation import load_deflator, load_unit_values

    problems, files = [], []
    try:
        library = load_unit_values(v.value_file)
        files.append(str(getattr(library, "file", None) or v.value_file or "unit values"))
        for i, name in enumerate(v.unit_values):
            try:
                library[name]
            except (SvimpactError, KeyError) as exc:
                problems.append(Problem(str(params_file), f"valuation.unit_values.{i}", str(exc).strip("'\""), (),
                                        "use a value id from the unit-value library", "error", False))
        if getattr(v, "deflator_file", None) is not None:
            load_deflator(v.deflator_file)
            files.append(str(v.deflator_file))
    except SvimpactError as exc:
        problems.append(Problem(getattr(exc, "file", None) or str(params_file), getattr(exc, "key", None) or
                                getattr(exc, "column", None), str(exc), (), "fix the valuation file", "error", False))
    return ValidationReport(tuple(problems), files=tuple(files))


def _params_problem(exc: ParamsError, path: Path) -> Problem:
    return Problem(exc.file or str(path), exc.key, exc.message, (), "fix the params file", "error", False)


def _services_listed(path: Path) -> list[Path]:
    try:
        raw = read_yaml(path)
    except ParamsError:
        return []
    services = raw.get("services")
    listed: list = services if isinstance(services, list) else []
    out = []
    for s in listed:
        if isinstance(s, str):
            p = Path(s)
            p = p if p.is_absolute() else (path.resolve().parent / p).resolve()
            if p.is_file():
                out.append(p)
    return out
