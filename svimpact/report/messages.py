"""Key messages: the chapter's first words to officers, written by rules from the recorded results.

Each service's notebooks record headline results (``headlines/<service>__<key>.json``: rendered
text, the :class:`~svimpact._results.Interval` behind it, and its kind). The rules below turn them
into five short messages per service: what the service achieved, what it added, value for money,
who it reached and how sure we are. Every number is rendered from a recorded interval by
:mod:`svimpact.present`; none is typed here. The rules read the *published* intervals (the
notebooks record published figures only), so the messages disclose nothing the tables do not.

When an interval includes zero (or one, for a ratio) the message says that the direction is
uncertain, in the chapter's standard words (:data:`svimpact.report.tables.NO_EVIDENCE`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from svimpact import present
from svimpact._results import Interval
from svimpact.present import interval as render

# Messages are plain text with **bold** lead-ins; the chapter escapes them once when it renders them
# (svimpact.report.summary.markdown_inline).

__all__ = ["KIND_BY_KEY", "Headline", "key_messages", "overall_messages", "read_headlines"]

# The unit of each headline the notebooks record, when the record does not say (older reports).
KIND_BY_KEY = {"gross": "count", "participants": "count", "net": "number", "deadweight": "percent",
               "att": "pp", "npsv": "money", "bcr": "ratio", "core20": "percent100",
               "targeting_ratio": "ratio", "evidence": "text", "observed": "percent"}


@dataclass(frozen=True)
class Headline:
    """One recorded headline result."""

    service: str
    key: str
    label: str
    text: str
    order: int = 50
    interval: Interval | None = None
    kind: str = "number"
    note: str | None = None

    @classmethod
    def from_record(cls, record: Mapping) -> Headline:
        iv = record.get("interval")
        kind = record.get("kind") or KIND_BY_KEY.get(record["key"], "number")
        return cls(record["service"], record["key"], record["label"], record["text"], int(record.get("order", 50)),
                   Interval(**iv) if iv else None, kind, record.get("note"))

    def render(self, *, plus: bool = False) -> str:
        """The figure as the chapter prints it (true minus signs, £, one rounding for value and interval)."""
        iv = self.interval
        if iv is None:
            return self.text
        if self.kind == "percent100":  # already on a 0-100 scale (published percentages)
            iv = Interval(iv.value / 100, iv.lower / 100, iv.upper / 100, iv.level, iv.method)
            return render(iv.value, iv.lower, iv.upper, kind="percent", level=iv.level)
        if self.kind == "text":
            return self.text
        return render(iv.value, iv.lower, iv.upper, kind=self.kind, level=iv.level, plus=plus)


def read_headlines(out_dir: Path) -> dict[str, dict[str, Headline]]:
    """``{service: {key: Headline}}`` from a report folder's ``headlines/``."""
    found: dict[str, dict[str, Headline]] = {}
    for path in sorted((out_dir / "headlines").glob("*.json")):
        head = Headline.from_record(json.loads(path.read_text(encoding="utf-8")))
        found.setdefault(head.service, {})[head.key] = head
    return found


def _spans(iv: Interval, null: float) -> bool:
    return iv.lower <= null <= iv.upper


def _achieved(title: str, h: Mapping[str, Headline]) -> str | None:
    gross = h.get("gross")
    if gross is None:
        return None
    what = gross.note or "achieved the outcome evaluated"
    if "participants" in h:
        return (f"**What {title} achieved.** It worked with {h['participants'].text} people, "
                f"of whom {gross.text} {what}.")
    return f"**What {title} achieved.** {gross.text} participants {what}."


def _added(h: Mapping[str, Headline]) -> str | None:
    from svimpact.report.tables import NO_EVIDENCE

    net = h.get("net")
    if net is None or net.interval is None:
        return None
    iv = net.interval
    if _spans(iv, 0.0):
        return (f"**What it added.** There is {NO_EVIDENCE}: the estimate of net additional outcomes is "
                f"{net.render()}, and the interval includes zero.")
    if iv.upper < 0:
        return (f"**What it added.** There is {NO_EVIDENCE}: the estimate of net additional outcomes is "
                f"{net.render()}, wholly below zero.")
    dw = h.get("deadweight")
    anyway = f" About {dw.render()} of the outcomes would have happened anyway (deadweight)." if dw else ""
    return (f"**What it added.** An estimated {net.render()} outcomes happened because of the service, after "
            f"taking away what would have happened anyway and other losses.{anyway}")


def _value(h: Mapping[str, Headline]) -> str | None:
    npsv, bcr = h.get("npsv"), h.get("bcr")
    if npsv is None:
        return None
    if npsv.interval is None:
        return (f"**Value for money.** Not computed: {npsv.note or npsv.text}. The service's section "
                "says why.")
    iv = npsv.interval
    basis = f" ({npsv.note})" if npsv.note else ""
    ratio = (f" The benefit-cost ratio is {bcr.render()}: each £1 spent returned about "
             f"£{present.ratio(bcr.interval.value)} in the benefits valued here." if bcr and bcr.interval else "")
    if _spans(iv, 0.0):
        verdict = ("Whether the benefits valued here outweigh the costs is uncertain: the net present social value "
                   f"is {npsv.render()}, an interval that runs from a loss to a gain")
    elif iv.upper < 0:
        verdict = ("The benefits valued here do not cover the costs: the net present social value is "
                   f"{npsv.render()}, wholly below zero")
    else:
        verdict = f"The benefits valued here outweigh the costs: the net present social value is {npsv.render()}"
    return f"**Value for money.** {verdict}{basis}.{ratio}"


def _reached(h: Mapping[str, Headline]) -> str | None:
    core20, ratio = h.get("core20"), h.get("targeting_ratio")
    if core20 is None or core20.interval is None:
        return None
    msg = f"**Who it reached.** {core20.render()} of participants live in the most deprived fifth of areas in England"
    if ratio is not None and ratio.interval is not None:
        iv = ratio.interval
        if _spans(iv, 1.0):
            msg += (f", in line with those areas' share of the population (targeting ratio {ratio.render()}, "
                    "an interval that includes 1)")
        elif iv.lower > 1:
            msg += f", more than their share of the population (targeting ratio {ratio.render()})"
        else:
            msg += f", less than their share of the population (targeting ratio {ratio.render()})"
    return msg + "."


def _sure(h: Mapping[str, Headline], synthetic: bool) -> str | None:
    ev = h.get("evidence")
    parts = []
    if ev is not None:
        parts.append(f"The comparison-group evidence is at {ev.text} of the Maryland Scientific Methods "
                     "Scale (out of 5): it compares participants with similar people who were not served, but cannot "
                     "rule out differences the records do not show")
    parts.append("every range above is a 95% interval, carrying the uncertainty of each estimate and assumption")
    text = "**How sure we are.** " + "; ".join(parts) + "."
    if synthetic:
        text += " The records are synthetic: these figures demonstrate the method and describe no real people."
    return text


def key_messages(title: str, headlines: Mapping[str, Headline], *, synthetic: bool = False) -> list[str]:
    """The key messages of one service, as Markdown-style strings (``**bold**`` lead-ins), in order."""
    found = [_achieved(title, headlines), _added(headlines), _value(headlines), _reached(headlines),
             _sure(headlines, synthetic)]
    return [m for m in found if m]


def overall_messages(services: Sequence[tuple[str, str, Mapping[str, Headline]]]) -> list[str]:
    """One message per service for the chapter's opening: what it added and whether it paid its way."""
    from svimpact.report.tables import NO_EVIDENCE

    out = []
    for _service, title, h in services:
        bits = []
        net = h.get("net")
        if net is not None and net.interval is not None:
            if net.interval.lower > 0:
                bits.append(f"added an estimated {net.render()} outcomes")
            else:
                bits.append(f"shows {NO_EVIDENCE} ({net.render()})")
        npsv = h.get("npsv")
        if npsv is not None and npsv.interval is not None:
            iv = npsv.interval
            sign = ("whether its benefits outweigh its costs is uncertain" if _spans(iv, 0.0) else
                    "its benefits outweigh its costs" if iv.lower > 0 else "its costs exceed the benefits valued here")
            basis = f" ({npsv.note})" if npsv.note else ""
            bits.append(f"{sign}: net present social value {npsv.render()}{basis}")
        elif npsv is not None:
            bits.append("value for money is not computed")
        if bits:
            out.append(f"**{title}** " + "; ".join(bits) + ".")
    return out
