"""Helpers for ``notebooks/explore.ipynb``: an evaluator's walkthrough of their own data.

The notebook stays a few short cells; what it shows is built here, so it can be tested:

* :func:`input_columns` and :func:`params_keys`: what a params file and its data files must hold,
  generated from the params model and the file schemas (:mod:`svimpact.io.schemas`), never typed;
* :func:`broken_copy`: a copy of a service's params and participants file with planted faults (a
  missing identifier, a date out of order or an impossible age), to show what the data gate says;
* :func:`data_counts`: how many records each file holds, as the disclosure rule publishes them;
* :func:`estimator_table`, :func:`chain_table` and :func:`appraisal_table`: results side by side as
  text, each central value and interval rounded to one step by :mod:`svimpact.present` (thousands
  separators, true minus signs, percentages for shares, £ for money, no scientific notation);
* :func:`show`: a table rendered with its caption, published tables through the presentation layer;
* :func:`interactive_frame`: the interactive map's page embedded in the notebook.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, get_args

import pandas as pd
from pydantic import BaseModel

from svimpact import present
from svimpact._results import Interval
from svimpact.disclosure import SUPPRESSED, DisclosedTable, disclose
from svimpact.io.params import ServiceParams
from svimpact.io.readers import read_table
from svimpact.io.schemas import areas_schema, records_schema, survey_schema
from svimpact.io.yamlfile import read_yaml
from svimpact.report.tables import METHOD_NAMES

__all__ = [
    "appraisal_table",
    "broken_copy",
    "by_local_authority",
    "chain_table",
    "data_counts",
    "estimator_notes",
    "estimator_table",
    "input_columns",
    "interactive_frame",
    "method_name",
    "minus_signs",
    "params_keys",
    "show",
    "span",
]

KIND_WORDS = {
    "id": "an identifier, one per row (replaced by a pseudonym as it loads)",
    "area": "the 2021 LSOA code of where the person lives",
    "binary": "the outcome: 1 if achieved, 0 if not",
    "number": "a number",
    "nonneg": "a number, zero or more",
    "date": "a date",
    "category": "a category",
    "postcode": "a postcode (never published)",
    "any": "a number or a category (a characteristic used in the comparison)",
}

_SPAN = re.compile(r"^\S+( million)? to \S+( million)?$")
_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=[\d£.])")


def minus_signs(text: str) -> str:
    """Text written elsewhere (a warning, a rule) with a true minus sign (U+2212) before each negative number."""
    return _HYPHEN_MINUS.sub(present.MINUS, text)


def method_name(method: str) -> str:
    """'aipw' -> 'Doubly robust estimator (augmented inverse probability weighting)' (from METHOD_NAMES)."""
    name = re.sub(r"^an? ", "", METHOD_NAMES.get(method, method))
    return name[:1].upper() + name[1:]


def _formatter(iv: Interval, kind: str) -> Callable[[float], str]:
    """One formatter for a value and its limits: one rounding step from the interval's width."""
    if kind in ("percent", "pp"):  # 0-1 shares (or their differences), one decimal place
        return lambda x: present.number(x * 100, digits=1) + ("%" if kind == "percent" else "")
    step = present.step_for(iv.lower, iv.upper, iv.value)
    if kind == "money":
        big = step >= 100_000 and max(abs(iv.lower), abs(iv.upper), abs(iv.value)) >= 1_000_000
        return lambda x: present.money(x, step=max(step, 1.0), millions=big)
    if kind == "ratio":
        return lambda x: present.ratio(x, step=min(step, 0.01))
    if kind == "count":
        return present.count
    if kind == "outcomes":  # estimated numbers of outcomes: never finer than whole outcomes
        return lambda x: present.number(x, step=max(step, 1.0))
    return lambda x: present.number(x, step=step)


def span(iv: Interval, kind: str = "number") -> str:
    """The interval's ends as text, ``60.5% to 70.5%`` ('' when there is no uncertainty)."""
    f = _formatter(iv, kind)
    return "" if iv.lower == iv.upper == iv.value else f"{f(iv.lower)} to {f(iv.upper)}"


def _value(iv: Interval, kind: str = "number") -> str:
    return _formatter(iv, kind)(iv.value)


# --- what the inputs must hold -------------------------------------------------------------------

def input_columns(params: ServiceParams) -> pd.DataFrame:
    """Every column the data files must (or may) hold, from the schemas built from ``params``.

    One row per column: the files (keys under ``data:`` in the params) that hold it, what it holds
    and whether every row must have it.
    """
    header = _header(params.data.participants)
    schemas = [("participants", records_schema(params, "participants", header)),
               ("comparison", records_schema(params, "comparison", _header(params.data.comparison))),
               ("areas", areas_schema(params))]
    if params.data.survey is not None:
        schemas.append(("survey", survey_schema()))
    rows: dict[tuple[str, str, str], list[str]] = {}
    for key, schema in schemas:
        for col in schema.columns:
            what = KIND_WORDS.get(col.kind, col.kind)
            if col.name in (getattr(params.outcome, "start", None), getattr(params.outcome, "end", None)):
                if col.name == getattr(params.outcome, "end", None):
                    what = "the outcome's end date (blank: still going at the cut-off)"
                else:
                    never = getattr(params.outcome, "missing_start", "error") == "not_started"
                    what = "the outcome's start date" + (" (blank: never started)" if never else "")
            elif col.name == params.targeting.need:
                what = f"the need measure for targeting ({params.targeting.need_label})"
            elif col.name == params.cost_column:
                what = "the cost of supporting the person, in pounds"
            elif col.values:
                what = f"one of {', '.join(col.values)}"
            elif col.minimum is not None and col.maximum is not None:
                what = f"{'a whole number' if col.integer else 'a number'} from {col.minimum:g} to {col.maximum:g}"
            must = "yes, no blanks" if col.required and col.complete else (
                "yes, blanks allowed" if col.required else "optional")
            rows.setdefault((col.name, what, must), []).append(key)
    return pd.DataFrame([{"column": name, "in the file(s)": ", ".join(files), "holds": what, "required?": must}
                         for (name, what, must), files in rows.items()])


def _header(path: Path | None) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    return [str(c) for c in read_table(path, nrows=0).columns]


def params_keys() -> pd.DataFrame:
    """The keys of a service params file (one level of nesting: ``outcome.kind``), each with its default.

    Read from the params model itself, so the list cannot drift from what svimpact accepts.
    """
    rows: list[dict[str, str]] = []

    def walk_model(model: type[BaseModel], prefix: str, depth: int) -> None:
        for name, field in model.model_fields.items():
            if field.exclude:
                continue
            inner = next((t for t in (field.annotation, *get_args(field.annotation))
                          if isinstance(t, type) and issubclass(t, BaseModel)), None)
            required = field.is_required()
            default = None if required else field.get_default(call_default_factory=True)
            if name == "adjustments":
                text = "(the ledger: see the example params files)"
            elif inner is not None:
                text = "" if required else "(optional block)" if default is None else "(block with defaults)"
            else:
                text = "" if required else "(none)" if default in (None, [], {}) else str(default)
            rows.append({"key": prefix + name, "required?": "yes" if required else "no", "default": text})
            if inner is not None and depth == 0 and name != "adjustments":
                walk_model(inner, f"{prefix}{name}.", depth + 1)

    walk_model(ServiceParams, "", 0)
    return pd.DataFrame(rows)


def broken_copy(params: ServiceParams, folder: str | Path) -> tuple[Path, list[str]]:
    """Copy ``params`` and its participants file into ``folder`` with faults planted in the copy.

    The faults: the third record loses its identifier; the fifth gets a date before the one it must
    follow (when the file has an ordered pair of dates) or else an impossible age (when there is an
    age column). Returns the copied params file and the faults, in words.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source = Path(params.data.participants)
    records = read_table(source, dtype=str).fillna("")
    faults = []
    records.loc[records.index[2], params.id_column] = ""
    faults.append(f"record 3 has no '{params.id_column}'")
    schema = records_schema(params, "participants", list(records.columns))
    pairs = [(a, b) for a, b in schema.date_order if a in records and b in records
             and (records[a] != "").iloc[4] and (records[b] != "").iloc[4]]
    ages = [c.name for c in schema.columns if c.plausible == "age"]
    if pairs:
        earlier, later = pairs[0]
        records.loc[records.index[4], later] = "1990-01-01"
        faults.append(f"record 5 has '{later}' before '{earlier}'")
    elif ages:
        records.loc[records.index[4], ages[0]] = "430"
        faults.append(f"record 5 has '{ages[0]}' 430")
    bad = folder / f"broken_{source.stem}.csv"
    records.to_csv(bad, index=False)
    raw = dict(read_yaml(params.source_file)) if params.source_file else {}
    raw["data"] = {**{k: str(v) for k, v in params.data.files().items()}, "participants": str(bad)}
    if params.valuation is not None and isinstance(raw.get("valuation"), Mapping):
        raw["valuation"] = {**raw["valuation"], **{k: str(getattr(params.valuation, k)) for k in
                                                   ("value_file", "deflator_file") if getattr(params.valuation, k)}}
    import yaml

    out = folder / "broken_params.yaml"
    out.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return out, faults


# --- results as text -------------------------------------------------------------------------------

def data_counts(data: Any, rule: str) -> DisclosedTable:
    """Records in each input, as the disclosure rule publishes them (people counts rounded or [c])."""
    p = data.params
    rows = [("participants (records in the participants file)", len(data.participants)),
            ("comparison group (records in the comparison file)", len(data.comparison))]
    if data.survey is not None:
        rows.append(("survey respondents", len(data.survey)))
    if p.outcome.kind == "binary":
        rows.append((f"participants with the outcome ({p.outcome.label})", int(data.participants[p.outcome.column].sum())))
    not_started = data.n_not_started() if hasattr(data, "n_not_started") else (0, 0)
    if p.outcome.kind == "duration" and any(not_started):
        rows += [("participants with no start date (never started, not analysed)", not_started[0]),
                 ("comparison records with no start date (never started, not analysed)", not_started[1])]
    table = pd.DataFrame(rows, columns=["records", "count"])
    return disclose(table, counts=["count"], label="records", rule=rule)


def estimator_table(estimates: Mapping[str, Any], outcome_kind: str = "binary", row: str = "method") -> pd.DataFrame:
    """The estimates side by side (one per method, or per horizon of a duration outcome): effect on
    participants and deadweight, each with its interval, as text."""
    share = outcome_kind in ("binary", "duration")  # shares of people: the effect is in percentage points
    unit = "percentage points" if share else "outcome units"
    rows = []
    for method, e in estimates.items():
        level = f"{e.att.level:.0%}"
        rows.append({
            row: method_name(method) if method in METHOD_NAMES else method,
            f"effect on participants ({unit})": _value(e.att, "pp" if share else "number"),
            f"{level} interval": span(e.att, "pp" if share else "number"),
            "deadweight (would have happened anyway)": _value(e.deadweight, "percent"),
            f"deadweight {level} interval": span(e.deadweight, "percent"),
            "evidence (Maryland SMS level)": str(e.sms_level),
        })
    return pd.DataFrame(rows)


def estimator_notes(estimates: Mapping[str, Any]) -> list[str]:
    """The estimators' notes and warnings, each once, prefixed with the methods that raised it."""
    by_text: dict[str, list[str]] = {}
    for method, e in estimates.items():
        for text in e.warnings:
            by_text.setdefault(text, []).append(method_name(method) if method in METHOD_NAMES else method)
    return [minus_signs(text if len(names) == len(estimates) else f"{', '.join(names)}: {text}")
            for text, names in by_text.items()]


def chain_table(chain: Any) -> pd.DataFrame:
    """The chain from gross to net additional outcomes: each step, its central value, interval and change."""
    rows = []
    for line, row in chain.table().set_index("line").iterrows():
        iv = Interval(row["value"], row["lower"], row["upper"], chain.net.level)
        f = _formatter(iv, "outcomes")  # one step per line, from its interval (as in the prose)
        rows.append({"step": present.label(str(line)), "outcomes": f(iv.value),
                     f"{iv.level:.0%} interval": span(iv, "outcomes"),
                     "change": "" if pd.isna(row["change"]) else f(row["change"])})
    return pd.DataFrame(rows)


def by_local_authority(data: Any, rule: str, names: pd.DataFrame | None = None) -> DisclosedTable:
    """Participants by local authority with a total row and each one's share, in published form.

    ``names`` (e.g. the borough boundaries) maps ``lad_code`` to ``lad_name`` when it has both.
    """
    p = data.params
    lad = data.participants[[p.area_column]].merge(data.areas[["lsoa_code", "lad_code"]], left_on=p.area_column,
                                                   right_on="lsoa_code", how="left")["lad_code"]
    if names is not None and {"lad_code", "lad_name"} <= set(names.columns):
        lad = lad.map(dict(zip(names["lad_code"], names["lad_name"], strict=False))).fillna(lad)
    table = lad.value_counts().sort_index().rename_axis("local authority").rename("participants").reset_index()
    table = pd.concat([table, pd.DataFrame({"local authority": ["Total"], "participants": [len(lad)]})],
                      ignore_index=True)
    return disclose(table, counts=["participants"], rates={"share (%)": ("participants", None, 100)},
                    label="local authority", total_label="Total", rule=rule)


def appraisal_table(appraisal: Any) -> pd.DataFrame:
    """Present values, net present social value, benefit-cost ratio and cost per outcome, formatted."""
    level = f"{appraisal.pv_benefits.level:.0%}"
    items = [("present value of benefits", appraisal.pv_benefits, "money"),
             ("present value of costs", appraisal.pv_costs, "money"),
             ("net present social value (benefits minus costs)", appraisal.npsv, "money"),
             ("benefit-cost ratio (£ of benefit per £ of cost)", appraisal.bcr, "ratio"),
             ("cost per net additional outcome", appraisal.cost_per_outcome, "money")]
    rows = []
    for name, iv, kind in items:
        if iv is None:
            rows.append({"measure": name, "central value": "not computed", f"{level} interval": ""})
        elif kind == "money" and iv.lower == iv.upper and abs(iv.value) >= 1_000_000:  # exact: same unit as the rest
            rows.append({"measure": name, "central value": present.money(iv.value, step=10_000, millions=True),
                         f"{level} interval": ""})
        else:
            rows.append({"measure": name, "central value": _value(iv, kind), f"{level} interval": span(iv, kind)})
    return pd.DataFrame(rows)


def show(table: Any, caption: str = "", *, labels: Mapping[str, str] | None = None,
         money: tuple[str, ...] = ()) -> Any:
    """A table with its caption as HTML: a published (disclosed) table through the presentation layer
    (:meth:`DisclosedTable.to_display`: rounding, £, true minus signs, plain labels), a frame of text as it is."""
    from IPython.display import HTML

    if hasattr(table, "disclosed"):  # a PublishedTable
        caption, money, labels = caption or table.caption, money or table.money, labels or table.labels
        table = table.disclosed
    note = ""
    if isinstance(table, DisclosedTable):
        frame = table.to_display(money=money, labels=labels)
        if table.suppressed.to_numpy().any():
            note = (f"<p><small>{SUPPRESSED}: withheld under the disclosure rule '{html.escape(table.rule.name)}' "
                    "(a small count, or a figure computed from one).</small></p>")
    else:
        # Text as it is, with true minus signs; an interval's ends are kept on one line.
        frame = table.astype(object).map(lambda v: _SPAN.sub(lambda m: m[0].replace(" ", "\u00a0"), minus_signs(v))
                                         if isinstance(v, str) else v)
    body = frame.to_html(index=False, border=0, na_rep="", escape=True)
    head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    return HTML(f"<div class='svimpact-table'>{head}{body}{note}</div>")


def interactive_frame(page: str, height: int = 720) -> Any:
    """The interactive map's self-contained page, embedded in the notebook (an iframe holding the page)."""
    from IPython.display import HTML

    return HTML(f"<div><iframe srcdoc=\"{html.escape(page, quote=True)}\" style='width:100%;height:{height}px;"
                "border:1px solid #ccc' title='Interactive reach map'></iframe></div>")
