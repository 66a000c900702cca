"""Helpers for ``notebooks/explore.ipynb``: an evaluator's walkthrough of their own data.

The notebook stays a few short cells; what it shows is built here, so it can be tested:

* :func:`input_columns` and :func:`params_keys`: what a params file and its data files must hold,
  generated from the params model and the file schemas (:mod:`svimpact.io.schemas`), never typed;
* :func:`broken_copy`: a copy of a service's params and participants file with planted faults (a
  missing identifier, a date out of order or an impossible age), to show what the data gate says;
* :func:`data_counts`: how many records each file holds, as the disclosure rule publishes them;
* :func:`estimator_table` and :func:`appraisal_table`: results side by side as text, formatted
  (thousands separators, true minus signs, percentages for shares, £ for money);
* :func:`show`: a table rendered with its caption and true minus signs;
* :func:`interactive_frame`: the interactive map's page embedded in the notebook.

Numbers are formatted simply here; the chapter's presentation layer may replace these helpers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from svimpact._results import Interval, fmt_number
from svimpact.disclosure import SUPPRESSED, DisclosedTable, disclose
from svimpact.io.params import ServiceParams
from svimpact.io.readers import read_table
from svimpact.io.schemas import areas_schema, records_schema, survey_schema
from svimpact.io.yamlfile import read_yaml

__all__ = [
    "METHOD_NAMES",
    "MINUS",
    "appraisal_table",
    "broken_copy",
    "by_local_authority",
    "chain_table",
    "data_counts",
    "estimator_notes",
    "estimator_table",
    "input_columns",
    "interactive_frame",
    "money",
    "number",
    "params_keys",
    "show",
    "signed",
    "span",
]

MINUS = "\u2212"

METHOD_NAMES = {
    "difference": "Simple difference (no adjustment)",
    "regression": "Regression adjustment",
    "ols": "Linear regression",
    "ipw": "Inverse probability weighting",
    "aipw": "Doubly robust (augmented IPW)",
    "psm": "Propensity score matching",
}

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

_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=[\d£.])")


def signed(text: str) -> str:
    """Replace a hyphen-minus before a number (or £) with a true minus sign (U+2212)."""
    return _HYPHEN_MINUS.sub(MINUS, text)


def number(x: float, digits: int | None = None) -> str:
    """``1,234``, ``0.655``, ``−12.5``: thousands separators, sensible decimals, true minus."""
    if x == 0:
        x = 0.0  # no "-0"
    return signed(fmt_number(float(x), digits))


def money(x: float) -> str:
    """``£1,234,567`` or ``−£434,031`` (whole pounds)."""
    text = f"£{abs(round(float(x))):,.0f}"
    return f"{MINUS}{text}" if round(float(x)) < 0 else text


def _fmt(kind: str, digits: int | None):  # noqa: ANN202 - a formatter
    if kind == "money":
        return money
    if kind == "pct":
        return lambda v: signed(f"{v * 100:.{1 if digits is None else digits}f}%")
    if kind == "points":  # a difference of two shares
        return lambda v: signed(f"{v * 100:.{1 if digits is None else digits}f}")
    return lambda v: number(v, digits)


def span(iv: Interval, kind: str = "number", digits: int | None = None) -> str:
    """The interval's ends: ``60.5% to 70.5%`` ('' when there is no uncertainty)."""
    f = _fmt(kind, digits)
    return "" if iv.lower == iv.upper == iv.value else f"{f(iv.lower)} to {f(iv.upper)}"


def _value(iv: Interval, kind: str = "number", digits: int | None = None) -> str:
    return _fmt(kind, digits)(iv.value)


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
            if col.name == params.targeting.need:
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
    """The top-level keys of a service params file: required or not, and the default when not."""
    rows = []
    for name, field in ServiceParams.model_fields.items():
        if field.exclude:
            continue
        required = field.is_required()
        default = "" if required else field.get_default(call_default_factory=True)
        text = "" if required else ("(none)" if default is None else
                                    "(settings below)" if hasattr(default, "model_fields") else str(default))
        rows.append({"key": name, "required?": "yes" if required else "no", "default": text})
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
    table = pd.DataFrame(rows, columns=["records", "count"])
    return disclose(table, counts=["count"], label="records", rule=rule)


def estimator_table(estimates: Mapping[str, Any], outcome_kind: str = "binary") -> pd.DataFrame:
    """The estimators side by side: effect on participants, deadweight, each with its interval, as text."""
    share = outcome_kind == "binary"
    unit = "percentage points" if share else "outcome units"
    rows = []
    for method, e in estimates.items():
        level = f"{e.att.level:.0%}"
        rows.append({
            "method": METHOD_NAMES.get(method, method),
            f"effect on participants ({unit})": _value(e.att, "points" if share else "number"),
            f"{level} interval": span(e.att, "points" if share else "number"),
            "deadweight (would have happened anyway)": _value(e.deadweight, "pct"),
            f"deadweight {level} interval": span(e.deadweight, "pct"),
            "evidence (Maryland SMS level)": str(e.sms_level),
        })
    return pd.DataFrame(rows)


def estimator_notes(estimates: Mapping[str, Any]) -> list[str]:
    """The estimators' notes and warnings, each once, prefixed with the methods that raised it."""
    by_text: dict[str, list[str]] = {}
    for method, e in estimates.items():
        for text in e.warnings:
            by_text.setdefault(text, []).append(METHOD_NAMES.get(method, method))
    return [signed(text if len(names) == len(estimates) else f"{', '.join(names)}: {text}")
            for text, names in by_text.items()]


def chain_table(chain: Any) -> pd.DataFrame:
    """The chain from gross to net additional outcomes: each step, its central value, interval and change."""
    rows = []
    for line, row in chain.table().set_index("line").iterrows():
        iv = Interval(row["value"], row["lower"], row["upper"], chain.net.level)
        rows.append({"step": line, "outcomes": number(iv.value, 0), f"{iv.level:.0%} interval": span(iv, digits=0),
                     "change": "" if pd.isna(row["change"]) else number(row["change"], 0)})
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
    level = f"{appraisal.npsv.level:.0%}" if appraisal.npsv is not None else "95%"
    items = [("present value of benefits", appraisal.pv_benefits, "money"),
             ("present value of costs", appraisal.pv_costs, "money"),
             ("net present social value (benefits minus costs)", appraisal.npsv, "money"),
             ("benefit-cost ratio (£ of benefit per £ of cost)", appraisal.bcr, "ratio"),
             ("cost per net additional outcome", appraisal.cost_per_outcome, "money")]
    rows = []
    for label, iv, kind in items:
        if iv is None:
            rows.append({"measure": label, "central value": "not computed", f"{level} interval": ""})
            continue
        f = _fmt("number", 2) if kind == "ratio" else _fmt(kind, None)
        rows.append({"measure": label, "central value": f(iv.value),
                     f"{level} interval": "" if iv.lower == iv.upper else f"{f(iv.lower)} to {f(iv.upper)}"})
    return pd.DataFrame(rows)


def show(table: Any, caption: str = "") -> Any:
    """A table (DataFrame, DisclosedTable or published table) as HTML with its caption and true minus signs."""
    from IPython.display import HTML

    if hasattr(table, "disclosed"):  # a PublishedTable
        caption = caption or table.caption
        table = table.disclosed
    note = ""
    raw = table.table if isinstance(table, DisclosedTable) else table
    frame = raw.copy().astype(object)
    for col in raw.columns:
        name = str(col)
        if pd.api.types.is_bool_dtype(raw[col]):
            frame[col] = raw[col].map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(raw[col]):
            # Percentages keep one decimal place down the column; a level is a percentage; others by size.
            pct = name.endswith(("pct", "%", "%)"))
            frame[col] = ["" if pd.isna(v) else f"{v:.0%}" if name == "level" else
                          number(float(v), 1 if pct else None) for v in raw[col]]
        elif pd.api.types.is_integer_dtype(raw[col]):
            frame[col] = ["" if pd.isna(v) else f"{int(v):,}" for v in raw[col]]
    if isinstance(table, DisclosedTable):
        frame = frame.mask(table.suppressed, SUPPRESSED)
        if table.suppressed.to_numpy().any():
            note = (f"<p><small>{SUPPRESSED}: withheld under the disclosure rule '{html.escape(table.rule.name)}' "
                    "(a small count, or a figure computed from one).</small></p>")
    frame = frame.rename(columns=lambda c: re.sub(r"[ _]pct$", " (%)", str(c)).replace("_", " "))
    frame = frame.astype(object).map(lambda v: signed(v) if isinstance(v, str) else v)
    body = frame.to_html(index=False, border=0, na_rep="", escape=True)
    head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    return HTML(f"<div class='svimpact-table'>{head}{body}{note}</div>")


def interactive_frame(page: str, height: int = 620) -> Any:
    """The interactive map's self-contained page, embedded in the notebook (an iframe holding the page)."""
    from IPython.display import HTML

    return HTML(f"<div><iframe srcdoc=\"{html.escape(page, quote=True)}\" style='width:100%;height:{height}px;"
                "border:1px solid #ccc' title='Interactive reach map'></iframe></div>")
