"""The gate run on a batch: the services' inputs and rules, then the scan of the report directory."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from svimpact.disclosure import get_rule
from svimpact.exceptions import SvimpactError
from svimpact.gate.inputs import LookFor, input_identifiers
from svimpact.gate.report import GateReport
from svimpact.gate.scan import scan_report
from svimpact.io.params import ServiceParams, load_batch, load_service_params

__all__ = ["gate_batch", "gate_report", "scan_services"]


def scan_services(report_dir: str | Path, services: Sequence[ServiceParams], looked_for: LookFor | None = None,
                  files: Iterable[str | Path] | None = None) -> GateReport:
    """Scan ``report_dir`` (or only ``files`` in it) for the services' identifiers, postcodes, dates
    of birth, free text and key (``looked_for``, read from their inputs when not given) under the
    strictest of their rules."""
    look = looked_for if looked_for is not None else input_identifiers(services)
    rules = {s.disclosure.rule for s in services}
    strictest = max((get_rule(x) for x in rules), key=lambda x: (x.suppress_max, x.round_to), default=get_rule())
    return scan_report(report_dir, look_for=look, rule=strictest, files=files)


def gate_batch(batch_path: str | Path, report_dir: str | Path) -> GateReport:
    """Scan ``report_dir`` with the identifiers, postcodes and rules of the batch's services."""
    return scan_services(report_dir, load_batch(batch_path)[1])


def gate_report(report_dir: str | Path, batch_path: str | Path | None = None) -> GateReport:
    """The gate as ``svimpact gate REPORT_DIR`` runs it.

    The services (and so the values and rules to check) come from ``batch_path`` when given,
    otherwise from the ``manifest.json`` the batch wrote into ``report_dir``. Without either,
    only the checks that need no inputs run (small counts, record listings) and the report says
    so.
    """
    if batch_path is not None:
        return gate_batch(batch_path, report_dir)
    manifest = Path(report_dir) / "manifest.json"
    services = []
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        services = [load_service_params(s["params"]) for s in info.get("services", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SvimpactError):
        services = []
    if not services:
        report = scan_report(report_dir)
        note = ("no manifest.json naming the services' params: identifiers, postcodes, dates of birth and free "
                "text from the inputs were not checked (pass the batch params to check them)")
        return GateReport(report.report_dir, report.findings, report.files_scanned, report.rule,
                          report.notes + (note,))
    return scan_services(report_dir, services)
