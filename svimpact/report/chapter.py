"""Assemble executed notebooks into the Year One chapter: one self-contained HTML file and a Word copy.

The page has no scripts and makes no requests: styles are inline and every figure is embedded as a
data URI, so ``index.html`` stands alone (e-mail it, archive it, open it offline). Structure: a
summary up front (from the headlines the notebooks record), one section per service, then
appendices on methods, disclosure control and provenance. Tables and figures are numbered in
order. The Word file (``year-one.docx``) is converted from the same HTML by pandoc.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

from svimpact._version import __version__
from svimpact.disclosure import get_rule
from svimpact.io.params import ServiceParams
from svimpact.report.messages import read_headlines
from svimpact.report.plan import RunPlan
from svimpact.report.publish import atomic_write_bytes, evaluator_folder
from svimpact.report.summary import glossary_html, service_messages_html, summary_html
from svimpact.report.word import docx_name, write_docx

__all__ = ["build_chapter", "docx_name", "notebook_body", "write_docx"]

NOTEBOOK_TITLES = {
    "additionality": "Additionality: what the service added",
    "targeting": "Targeting: who the service reached",
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:980px;margin:2rem auto;
padding:0 1.2rem;color:#1b1b1b;line-height:1.5}
h1{font-size:1.9rem;margin-bottom:.2rem}h2{border-bottom:3px solid #0b5394;padding-bottom:.2rem;margin-top:2.5rem}
h3{color:#0b5394;margin-top:2rem}
table{border-collapse:collapse;margin:.4rem 0 .8rem;font-size:.9rem;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #c8c8c8;
padding:.25rem .55rem;text-align:right;vertical-align:top}th{background:#eef3f8}
td:first-child,th:first-child{text-align:left}
.svimpact-caption,figcaption{font-size:.9rem;color:#333;font-weight:600;margin:.8rem 0 .2rem}
.svimpact-note{font-size:.85rem;color:#555;margin-top:0}
figure{margin:1rem 0}
.banner{padding:.8rem 1rem;border-radius:4px;margin:1rem 0}
.synthetic{background:#fff4ce;border:1px solid #d8b600}.incomplete{background:#fde7e9;border:2px solid #b00020}
.meta{color:#555;font-size:.9rem}code{font-size:.85rem;word-break:break-all}
.key-messages{background:#eef3f8;border-left:5px solid #0b5394;padding:.2rem 1rem .6rem;margin:1rem 0}
.key-messages h3{margin-top:.6rem}.key-messages li{margin:.35rem 0}
dl.glossary dt{font-weight:600;margin-top:.5rem}dl.glossary dd{margin-left:1.2rem}
@media (max-width:600px){body{padding:0 .6rem}table{font-size:.8rem}th,td{padding:.2rem .3rem}}
"""

METHODS_HTML = """
<p>Net additional impact follows the HCA <em>Additionality Guide</em> (fourth edition, 2014):
AI = GI &times; (1 &minus; DW) &times; (1 &minus; L) &times; (1 &minus; Dp) &times; (1 &minus; S) &times; M, where GI is
gross impact, DW deadweight, L leakage, Dp displacement, S substitution and M the composite
multiplier; the full form subtracts a separately estimated reference case.</p>
<p>Deadweight is estimated from a comparison group of eligible people who were not served: the
counterfactual outcome rate of participants is estimated by regression adjustment, inverse
probability weighting or doubly robust (augmented IPW) estimation on observed characteristics
(statsmodels), and deadweight is the counterfactual rate divided by the observed rate. Evidence
strength is graded on the Maryland Scientific Methods Scale (What Works Centre for Local Economic
Growth): comparisons with controls or matching on observables are level 2.</p>
<p>Uncertainty is carried by seeded Monte Carlo simulation: the estimator's draws of deadweight and
the distributions given for every other adjustment are combined draw by draw, and intervals are
percentiles of the results (HM Treasury <em>Green Book</em> and <em>Magenta Book</em> guidance on
sensitivity and uncertainty).</p>
<p>Targeting uses the English Indices of Deprivation at LSOA level (MHCLG): users' decile profile
against the population; the Core20 share (NHS England Core20PLUS5); reach per 1,000 residents with
Wilson score intervals; the slope and relative indices of inequality computed as OHID/PHE do
(PHEindicatormethods), with simulation intervals; and the concentration index (Wagstaff).</p>
"""


def notebook_body(path: Path) -> str:
    """The outputs of an executed notebook as HTML: code, prompts, stderr and errors hidden."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code":
            if "parameters" in tags or "injected-parameters" in tags:
                cell.outputs = []
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and o.get("output_type") != "error"
            ]
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(nb)
    return body


def _disclosure_appendix(services: Sequence[ServiceParams], out_dir: Path) -> str:
    by_rule: dict[str, list[str]] = {}
    for sp in services:
        by_rule.setdefault(sp.disclosure.rule, []).append(sp.title)
    items = "".join(f"<li><strong>{html.escape(', '.join(titles))}</strong>: "
                    f"{html.escape(get_rule(rule).describe())}</li>"
                    for rule, titles in by_rule.items())
    audits = [pd.read_csv(p) for p in sorted((evaluator_folder(out_dir) / "audit").glob("*.csv"))]
    if audits:
        audit = pd.concat(audits, ignore_index=True)
        # Which hidden cell is the small one and which the secondary stays in the evaluator's audit
        # (outside the report): here only how many cells each table withholds, and why in general.
        withheld = audit["reason"].astype(str).str.startswith(("count", "secondary suppression"))
        audit["why"] = np.where(withheld, "count withheld", "figure resting on a withheld count")
        counts = (audit.assign(table=audit["table"].str.replace(".csv", "", regex=False))
                  .groupby(["table", "why"]).size().unstack(fill_value=0).reset_index())
        counts.columns.name = None
        table = counts.to_html(index=False, border=0)
        audit_html = (f"<div class='svimpact-table'><p class='svimpact-caption'>Cells withheld from published "
                      f"tables. A withheld count is small (1 to the rule's limit) or hidden so that a small one "
                      f"cannot be worked out from a total; which is which is kept by the evaluator, outside this "
                      f"report.</p>{table}</div>")
    else:
        audit_html = "<p>No cell needed to be withheld.</p>"
    return (f"<p>Every published table and map passes through svimpact's disclosure module. Rules applied:</p>"
            f"<ul>{items}</ul><p>Percentages, rates, shares and the participants' outcome rate are computed from the "
            f"published (rounded) counts and withheld with them; statistics that rest on several counts (inequality "
            f"indices, balance shares) are published only when every count beneath them is. Tables with totals "
            f"receive secondary suppression. Maps never mark single areas as holding a small count. Published outputs "
            f"contain no person identifiers, postcodes, dates of birth or free text.</p>{audit_html}")


def _provenance_appendix(facts: dict, results: Sequence) -> str:
    """Run facts, params and input files with their sha256, notebooks run: all from memory.

    Nothing here varies between two runs of the same batch (timings are in ``manifest.json``), so
    ``svimpact reproduce`` can compare chapters.
    """
    git = facts.get("git", {})
    commit = (git.get("commit") or "not a git checkout") + (" (with local changes)" if git.get("dirty") else "")
    rows_ = [("svimpact version", facts.get("svimpact_version")), ("git commit", commit),
             ("Python", facts.get("python")), ("seed", facts.get("seed"))]
    rows = "".join(f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in rows_)
    files = [("params", k, v) for k, v in facts.get("params", {}).items()] + \
            [("input", k, v) for k, v in facts.get("inputs", {}).items()]
    file_rows = "".join(f"<tr><td>{kind}</td><td><code>{html.escape(Path(k).name)}</code></td>"
                        f"<td><code>{v}</code></td></tr>" for kind, k, v in files)
    nb_rows = "".join(f"<tr><td>{html.escape(r.job.service)}</td><td>{html.escape(r.job.notebook)}</td>"
                      f"<td>{html.escape(r.status)}</td></tr>" for r in results)
    return (f"<div class='svimpact-table'><p class='svimpact-caption'>Run facts</p><table>{rows}</table></div>"
            f"<div class='svimpact-table'><p class='svimpact-caption'>Params and input files (sha256)</p>"
            f"<table><thead><tr><th>kind</th><th>file</th><th>sha256</th></tr></thead>{file_rows}</table></div>"
            f"<div class='svimpact-table'><p class='svimpact-caption'>Notebooks run</p><table><thead><tr>"
            f"<th>service</th><th>notebook</th><th>status</th></tr></thead>{nb_rows}</table></div>"
            f"<p>Timings are recorded in <code>manifest.json</code>. Re-run and compare every output with "
            f"<code>svimpact reproduce manifest.json</code>.</p>")


def _number(page: str) -> str:
    """Number table captions and figure captions in order of appearance."""
    counters = {"table": 0, "figure": 0}

    def table(match: re.Match) -> str:
        counters["table"] += 1
        return f"{match.group(0)}Table {counters['table']}. "

    def figure(match: re.Match) -> str:
        counters["figure"] += 1
        return f"{match.group(0)}Figure {counters['figure']}. "

    page = re.sub(r"<p class=.svimpact-caption.>", table, page)
    return re.sub(r"<figcaption>", figure, page)


def build_chapter(plan: RunPlan, results: Sequence, facts: dict, *,
                  gate_findings: Sequence[str] = (), bodies: Mapping[Path, str] | None = None) -> Path:
    """Write ``index.html`` in the plan's output folder from the executed notebooks in ``results``.

    Everything comes from memory (the plan, the results and the run facts); only the executed
    notebooks, headlines and audit files the notebooks wrote are read.
    """
    batch, out_dir = plan.batch, plan.output_dir
    services = [sp.params for sp in plan.services]
    by_key = {(r.job.service, r.job.notebook): r for r in results}
    failed = [r for r in results if not r.ok]
    heads = read_headlines(out_dir)
    parts: list[str] = [f"<section id='summary'><h2>Summary</h2>{summary_html(services, heads)}</section>"]
    nav = ["<li><a href='#summary'>Summary</a></li>"]
    for sp in services:
        nav.append(f"<li><a href='#{sp.service}'>{html.escape(sp.title)}</a></li>")
        parts.append(f"<section id='{sp.service}'><h2>{html.escape(sp.title)}</h2>"
                     f"<p>{html.escape(sp.description)}</p>{service_messages_html(sp, heads.get(sp.service, {}))}")
        for nb in batch.notebooks:
            res = by_key.get((sp.service, nb))
            title = NOTEBOOK_TITLES.get(nb, nb.replace("_", " ").capitalize())
            parts.append(f"<h3 id='{sp.service}-{nb}'>{html.escape(title)}</h3>")
            if res is not None and res.ok:
                body = (bodies or {}).get(res.job.output_path)
                parts.append(body if body is not None else notebook_body(res.job.output_path))
            else:
                why = html.escape(str(res.summary())) if res is not None else "not run"
                parts.append(f"<div class='banner incomplete'><strong>This section is missing:</strong> {why}</div>")
        parts.append("</section>")
    appendices = [("appendix-methods", "Appendix A: Methods and sources", METHODS_HTML),
                  ("appendix-disclosure", "Appendix B: Disclosure control", _disclosure_appendix(services, out_dir)),
                  ("appendix-provenance", "Appendix C: Provenance", _provenance_appendix(facts, results)),
                  ("appendix-glossary", "Appendix D: Glossary", glossary_html())]
    for anchor, title, body in appendices:
        nav.append(f"<li><a href='#{anchor}'>{title}</a></li>")
        parts.append(f"<section id='{anchor}'><h2>{title}</h2>{body}</section>")
    banners = []
    if any(sp.synthetic for sp in services):
        banners.append("<div class='banner synthetic'><strong>SYNTHETIC DATA.</strong> The service records behind "
                       "this chapter are synthetic, generated by svimpact for demonstration; they describe no "
                       "real people or services.</div>")
    if gate_findings:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in gate_findings[:50])
        banners.append(f"<div class='banner incomplete'><strong>DISCLOSURE GATE FAILED: DO NOT PUBLISH.</strong> "
                       f"The gate found {len(gate_findings)} problem(s) in the outputs.<ul>{items}</ul></div>")
    if failed:
        items = "".join(f"<li>{html.escape(str(r.summary()))}</li>" for r in failed)
        banners.append(f"<div class='banner incomplete'><strong>INCOMPLETE CHAPTER.</strong> "
                       f"{len(failed)} of {len(results)} notebooks failed; their sections are missing."
                       f"<ul>{items}</ul></div>")
    source = Path(batch.source_file).name if batch.source_file else ""
    page = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(batch.title)}</title><style>{CSS}</style></head>
<body><header><h1>{html.escape(batch.title)}</h1></header>
<div class="front"><p class="meta">Built by svimpact {__version__} from <code>{html.escape(source)}</code> with seed {batch.seed}.
Provenance: Appendix C and <code>manifest.json</code> beside this file.</p>
{''.join(banners)}<nav><p><strong>Contents</strong></p><ul>{''.join(nav)}</ul></nav></div>
<main>{''.join(parts)}</main></body></html>
"""
    path = out_dir / "index.html"
    atomic_write_bytes(path, _number(page).encode("utf-8"))
    return path
