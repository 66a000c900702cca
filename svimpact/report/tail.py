"""The work after each notebook that need not wait for the others, and the batch's last steps.

As each notebook ends (while the others still run), its chapter section is rendered and the
executed notebook is scanned by the disclosure gate; what the gate looks for (identifiers,
postcodes, the pseudonymisation key) is read from the inputs in a thread meanwhile. At the end the
chapter is built from the rendered sections, converted to Word while the gate scans every output not
yet scanned, and the Word copy is scanned last.
"""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

from svimpact.gate import LookFor, input_identifiers
from svimpact.gate.batch import scan_services
from svimpact.report.chapter import build_chapter, docx_name, notebook_body, write_docx
from svimpact.report.plan import JobResult, RunPlan

__all__ = ["Tail", "gate_inputs", "gate_scan"]


def gate_inputs(plan: RunPlan) -> LookFor:
    """What the gate looks for (identifiers, postcodes, dates of birth, free text, the key), read from
    the inputs while notebooks run."""
    return input_identifiers([sp.params for sp in plan.services])


def gate_scan(plan: RunPlan, inputs: LookFor, files: list[Path] | None = None) -> tuple[str, ...]:
    """The disclosure gate over what the run wrote (``files``, default everything), with the services'
    inputs and the strictest of their rules."""
    report = scan_services(plan.output_dir, [sp.params for sp in plan.services], inputs, files)
    return tuple(f.describe() for f in report.findings)


class Tail:
    """The work after each notebook that need not wait for the others: its chapter section rendered
    and the executed notebook scanned by the disclosure gate."""

    def __init__(self, plan: RunPlan, gate_inputs: cf.Future[LookFor]) -> None:
        self.plan = plan
        self.gate_inputs = gate_inputs
        self.bodies: dict[Path, str] = {}
        self.findings: list[str] = []
        self.scanned: set[Path] = set()

    def __call__(self, res: JobResult) -> None:
        path = res.job.output_path
        if res.status == "ok":
            self.bodies[path] = notebook_body(path)
        if path.is_file():
            self.findings += gate_scan(self.plan, self.gate_inputs.result(), [path])
            self.scanned.add(path)

    def chapter_and_gate(self, ordered: tuple[JobResult, ...], facts: dict) -> tuple[Path, tuple[str, ...]]:
        """Build the chapter, then convert it to Word while the gate scans every output not yet
        scanned; then the gate scans the Word copy. A chapter the gate fails is rebuilt with the DO
        NOT PUBLISH banner."""
        plan, inputs = self.plan, self.gate_inputs.result()
        chapter = build_chapter(plan, ordered, facts, bodies=self.bodies)
        docx = chapter.with_name(docx_name(plan.output_dir))
        others = [p for p in plan.output_dir.rglob("*") if p.is_file() and p != docx and p not in self.scanned]
        with cf.ThreadPoolExecutor(max_workers=1) as thread:
            word = thread.submit(write_docx, chapter, docx)
            findings = tuple(self.findings) + gate_scan(plan, inputs, others)
            word.result()
        findings += gate_scan(plan, inputs, [docx])
        if findings:  # mark the chapter itself, so nobody publishes it by mistake
            chapter = build_chapter(plan, ordered, facts, gate_findings=findings, bodies=self.bodies)
            write_docx(chapter, docx)
        return chapter, findings
