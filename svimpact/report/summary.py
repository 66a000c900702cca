"""The chapter's opening for officers: key messages, the headline table and a short glossary.

Everything is rendered from the headlines the notebooks record (:mod:`svimpact.report.messages`),
through the presentation layer (:mod:`svimpact.present`): one price base per table, stated in its
caption; when services are valued in different price years, their money figures go in separate
tables rather than side by side.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from svimpact.io.params import ServiceParams
from svimpact.report.messages import Headline, key_messages, overall_messages

__all__ = ["GLOSSARY", "glossary_html", "markdown_inline", "service_messages_html", "summary_html"]

GLOSSARY = {
    "Additional (net additional)": "what changed because the service acted: outcomes after taking away what would "
                                   "have happened anyway and other losses.",
    "Deadweight": "outcomes that would have happened anyway, without the service.",
    "Leakage": "benefits that go to people outside the area or group the service is for.",
    "Displacement": "outcomes gained by participants at the expense of others in the area.",
    "Substitution": "an employer or organisation replacing someone it would have taken on anyway with a participant, "
                    "to take advantage of the service.",
    "Comparison group": "eligible people who were not served, adjusted to resemble participants, whose outcomes "
                        "stand in for what would have happened to participants without the service.",
    "95% interval": "the range the figure is likely to lie in, given the uncertainty in the data and the "
                    "assumptions; when it includes zero, the direction of the effect is not known.",
    "Net present social value (NPSV)": "the present value of benefits minus the present value of costs, "
                                       "discounted as the HM Treasury Green Book sets out.",
    "Benefit-cost ratio (BCR)": "present value of benefits divided by present value of costs.",
    "Core20": "the most deprived 20% of areas in England on the Index of Multiple Deprivation (NHS England).",
    "IMD decile": "areas ranked by the English Index of Multiple Deprivation in ten equal groups; "
                  "decile 1 is the most deprived.",
    "LSOA": "lower layer super output area: a small area of about 1,500 residents.",
    "[c]": "a figure withheld to protect people's confidentiality (Appendix B).",
}


def markdown_inline(text: str) -> str:
    """``**bold**`` lead-ins to HTML; the text is escaped first (messages carry no markup of their own)."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text, quote=False))


def _items(messages: Sequence[str]) -> str:
    return "".join(f"<li>{markdown_inline(m)}</li>" for m in messages)


def service_messages_html(params: ServiceParams, headlines: Mapping[str, Headline]) -> str:
    """The key messages that open one service's section (empty when nothing was recorded)."""
    messages = key_messages(params.title, headlines, synthetic=params.synthetic)
    if not messages:
        return ""
    return f"<div class='key-messages'><h3>Key messages</h3><ul>{_items(messages)}</ul></div>"


def _row(label: str, cells: Sequence[str]) -> str:
    return f"<tr><th scope='row'>{html.escape(label)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>"


def _table(caption: str, services: Sequence[ServiceParams], rows: Sequence[str]) -> str:
    header = "".join(f"<th>{html.escape(sp.title)}</th>" for sp in services)
    return (f"<div class='svimpact-table'><p class='svimpact-caption'>{html.escape(caption)}</p>"
            f"<table><thead><tr><th>Measure</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _headline_tables(services: Sequence[ServiceParams], heads: Mapping[str, Mapping[str, Headline]]) -> str:
    every = sorted({(h.order, h.key, h.label) for hs in heads.values() for h in hs.values()})
    seen: set[str] = set()
    plain: list[tuple[str, str]] = []
    money: list[tuple[str, str]] = []
    for _order, key, label in every:
        if key in seen:
            continue
        seen.add(key)
        kinds = {hs[key].kind for hs in heads.values() if key in hs}
        (money if "money" in kinds else plain).append((key, label))
    out = []
    if plain:
        rows = [_row(label, [heads[sp.service][key].render() if key in heads.get(sp.service, {}) else "&ndash;"
                             for sp in services]) for key, label in plain]
        out.append(_table("Headline results by service (95% intervals; counts rounded or withheld as Appendix B "
                          "sets out)", services, rows))
    if money:
        bases: dict[str, list[ServiceParams]] = {}
        for sp in services:
            notes = {h.note for k, _ in money if (h := heads.get(sp.service, {}).get(k)) is not None}
            bases.setdefault(" / ".join(sorted(n for n in notes if n)) or "price base not stated", []).append(sp)
        for basis, group in bases.items():
            rows = [_row(label.replace(" (£)", ""), [
                heads[sp.service][key].render() if key in heads.get(sp.service, {}) else "&ndash;" for sp in group])
                for key, label in money]
            out.append(_table(f"Value for money (£, {basis}; 95% intervals)", group, rows))
    return "".join(out)


def summary_html(services: Sequence[ServiceParams], heads: Mapping[str, Mapping[str, Headline]]) -> str:
    """Key messages for the whole chapter, then the headline tables (``heads``: :func:`read_headlines`)."""
    if not heads:
        return "<p>No headline figures were recorded (see the sections below).</p>"
    overall = overall_messages([(sp.service, sp.title, heads.get(sp.service, {})) for sp in services])
    lead = (f"<div class='key-messages'><h3>Key messages</h3><ul>{_items(overall)}</ul>"
            "<p class='svimpact-note'>Each service's section opens with its own key messages.</p></div>"
            if overall else "")
    return lead + _headline_tables(services, heads)


def glossary_html() -> str:
    items = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" for term, text in GLOSSARY.items())
    return f"<dl class='glossary'>{items}</dl>"
