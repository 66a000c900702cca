"""One presentation layer for every number svimpact publishes.

Officers read the chapter, so every number is written the way GOV.UK style writes numbers: pounds
with a £ sign and thousands separators, a true minus sign (U+2212) rather than a hyphen, no
scientific notation, percentages to one decimal place, and no more significant figures than the
uncertainty supports. A central value and its interval are rounded to one step chosen from the
interval's width (two significant figures of the width), so the three numbers read alike and the
rounded central value stays inside its rounded interval (rounding is monotone).

The chapter and the CSV tables use the same rounding (:func:`round_step`), so a figure read in one
agrees with the other; CSV files keep the plain ASCII minus sign so that spreadsheets read them as
numbers. Pure Python: nothing heavy is imported, so every module (results, disclosure, report) may use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["DEFAULT_LABELS", "MINUS", "Kind", "count", "interval", "label", "money", "number", "percent", "ratio", "round_step",
           "signed", "step_for"]

MINUS = "\u2212"
Kind = str  # "count" | "money" | "percent" | "share" | "ratio" | "number"


def _finite(x: float | None) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def step_for(lower: float, upper: float, value: float | None = None, *, sig: int = 2) -> float:
    """The rounding step for an interval: ``sig`` significant figures of its width.

    An interval of no width (an exact figure) gets the step that shows ``value`` to 3 significant
    figures, at most 1 (whole units) for figures of 100 or more.
    """
    width = abs(upper - lower) if _finite(lower) and _finite(upper) else 0.0
    if width > 0:
        return float(10.0 ** (math.floor(math.log10(width)) - (sig - 1)))
    ref = abs(value) if _finite(value) and value else 1.0
    return 1.0 if ref >= 100 else float(10.0 ** (math.floor(math.log10(ref)) - 2))


def round_step(x: float, step: float) -> float:
    """``x`` rounded to a multiple of ``step`` (half away from zero), without binary noise."""
    if not _finite(x) or step <= 0:
        return x
    decimals = max(0, -math.floor(math.log10(step)))
    q = math.floor(abs(x) / step + 0.5) * step
    return round(math.copysign(q, x), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


def signed(text: str, negative: bool, *, plus: bool = False) -> str:
    """Prefix a true minus sign (or a plus sign when ``plus``) to an unsigned rendered number."""
    return f"{MINUS}{text}" if negative else (f"+{text}" if plus else text)


def number(x: float | None, *, step: float | None = None, digits: int | None = None, plus: bool = False) -> str:
    """A plain number: thousands separators, true minus sign, never scientific notation.

    ``step`` rounds to a multiple of it; ``digits`` fixes the decimal places; otherwise precision
    follows the size (whole numbers from 100, 1 decimal from 10, 2 from 1, else 3 significant figures).
    """
    if not _finite(x):
        return "n/a"
    assert x is not None
    if step is not None:
        x, digits = round_step(x, step), _decimals(step)
    elif digits is None:
        ax = abs(x)
        digits = 0 if ax >= 100 else 1 if ax >= 10 else 2 if ax >= 1 else \
            (max(0, 2 - math.floor(math.log10(ax))) if ax > 0 else 0)
    text = f"{abs(x):,.{digits}f}"
    negative = x < 0 and any(c not in "0.," for c in text)
    return signed(text, negative, plus=plus and any(c not in "0.," for c in text))


def count(x: float | None) -> str:
    """A (published) count: whole number with thousands separators."""
    return number(x, digits=0)


def money(x: float | None, *, step: float | None = None, plus: bool = False, millions: bool | None = None) -> str:
    """Pounds: '£1,234', '−£943,000', '£1.4 million' (millions once the step is £100,000 or more,
    or when ``millions`` says so, so that an interval's three figures share one unit)."""
    if not _finite(x):
        return "n/a"
    assert x is not None
    step = step if step is not None else (1.0 if abs(x) >= 100 else 0.01)
    if millions is None:
        millions = step >= 100_000 and abs(x) >= 1_000_000
    if millions:
        body = number(abs(round_step(x, step)) / 1e6, digits=_decimals(step / 1e6)) + " million"
    else:
        body = number(abs(x), step=step)
    rounded = round_step(x, step)
    return signed(f"£{body}", rounded < 0, plus=plus and rounded > 0)


def percent(x: float | None, *, fraction: bool = True, digits: int = 1, plus: bool = False) -> str:
    """A percentage to ``digits`` decimal places ('42.2%'); ``fraction`` says ``x`` is a 0-1 share."""
    if not _finite(x):
        return "n/a"
    assert x is not None
    return number(x * 100 if fraction else x, digits=digits, plus=plus) + "%"


def ratio(x: float | None, *, step: float | None = None) -> str:
    """A ratio (benefit-cost, targeting): 2 decimal places unless the interval asks otherwise."""
    return number(x, step=step if step is not None else 0.01)


def interval(value: float, lower: float, upper: float, *, kind: Kind = "number", level: float = 0.95,
             plus: bool = False) -> str:
    """'−£0.9 million (95% interval −£1.4 million to £2.2 million)', rounded to one step from the width.

    Percentages (``kind="percent"`` for 0-1 shares, or ``"pp"`` for percentage points of a 0-1
    difference) keep one decimal place; counts are whole numbers. An interval of no width is shown
    as the value alone.
    """
    if kind in ("percent", "pp"):
        unit = "%" if kind == "percent" else " percentage points"

        def fmt(x: float) -> str:
            return number(x * 100, digits=1, plus=plus) + ("" if kind == "pp" else "%")
        if lower == upper == value:
            return fmt(value) + (unit if kind == "pp" else "")
        return f"{fmt(value)}{unit if kind == 'pp' else ''} ({level:.0%} interval {fmt(lower)} to {fmt(upper)})"
    step = 1.0 if kind == "count" else step_for(lower, upper, value)
    if kind == "money":
        step = max(step, 1.0)
        big = step >= 100_000 and max(abs(v) for v in (value, lower, upper) if _finite(v)) >= 1_000_000

        def fmt(x: float) -> str:
            return money(x, step=step, plus=plus, millions=big)
    elif kind == "ratio":
        step = max(step, 0.01)  # ratios to at most 2 decimal places

        def fmt(x: float) -> str:
            return ratio(x, step=step)
    else:
        def fmt(x: float) -> str:
            return number(x, step=step, plus=plus)
    if lower == upper == value or not (_finite(lower) and _finite(upper)):
        return fmt(value)
    return f"{fmt(value)} ({level:.0%} interval {fmt(lower)} to {fmt(upper)})"


_ACRONYMS = {"imd": "IMD", "lsoa": "LSOA", "msoa": "MSOA", "jsa": "JSA", "esa": "ESA", "uc": "Universal Credit",
             "gmca": "GMCA", "npsv": "NPSV", "bcr": "BCR", "sroi": "SROI", "pv": "PV", "att": "ATT", "id": "ID",
             "nhs": "NHS", "la": "local authority", "pct": "%", "dont": "don't"}


DEFAULT_LABELS = {
    "mean_treated": "Participants (mean)", "mean_comparison": "Comparison group (mean)",
    "mean_treated_after": "Participants (mean, after weighting)",
    "mean_comparison_after": "Comparison group (mean, after weighting)",
    "smd_before": "Standardised difference before", "smd_after": "Standardised difference after",
    "reach_per_1000": "Reach per 1,000", "reach_lower": "Lower (per 1,000)", "reach_upper": "Upper (per 1,000)",
    "national_population_pct": "Population, England (%)", "national_users": "Participants",
    "national_user_pct": "Share of participants (%)", "local_population_pct": "Population, local (%)",
    "local_users": "Participants (local deciles)", "local_user_pct": "Share of participants, local deciles (%)",
    "imd_decile": "IMD decile", "lsoas": "Areas (LSOAs)", "return_per_pound": "Return per £1",
    "return_lower": "Return lower", "return_upper": "Return upper", "value_type": "Value type",
    "need_rank": "Need rank", "significantly_low": "Reach significantly low", "lad_name": "Borough",
    "lsoa_name": "Area", "lsoa_code": "Area code", "npsv = 0": "NPSV = 0", "bcr = 1": "BCR = 1",
    "drop_off": "Drop-off", "optimism_bias": "Optimism bias",
}
"""Labels for the column and row names svimpact's own tables use; params ``labels:`` override them."""


def label(code: str, labels: Mapping[str, str] | None = None) -> str:
    """A reader's label for a code name: from ``labels`` when given, else 'years_rough_sleeping' ->
    'Years rough sleeping', 'benefit_type[jsa]' -> 'Benefit type: JSA', 'yes_fully' -> 'Yes fully'."""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    if code in labels:
        return labels[code]
    if " " in code.strip():  # already words ('ATT (observed - counterfactual)'): leave as written
        return code
    if ":" in code:  # 'value:gmca_...': an identifier after the prefix stays as written
        prefix, rest = code.split(":", 1)
        return f"{label(prefix, labels)}: {rest}"
    if "[" in code and code.endswith("]"):
        var, level = code[:-1].split("[", 1)
        return f"{label(var, labels)}: {labels.get(f'{var}[{level}]', label(level, labels))}"
    words = [w for w in code.replace("-", "_").split("_") if w]
    if not words:
        return code
    words = [_ACRONYMS.get(w.lower(), w) for w in words]
    first = words[0]
    words[0] = first[:1].upper() + first[1:]
    return " ".join(words)
