"""Miniature report folders written by the tests from known true counts (SYNTHETIC).

``leaky`` writers print what today's outputs print (derived statistics from the *true* counts, to
six significant figures; maps marking areas "1-7"); ``fixed`` writers print what the disclosure
layer is to print (derived statistics from the *published* counts at fixed precision, model
statistics withheld over small cells, one map class for 0 to 7). Nothing here calls the project's
output code, so these files keep today's format after the project changes; the statistics
themselves (SII, concentration index) come from the project's estimators, to check that the
attacker's refits match them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from svimpact.geo.inequality import concentration_index, phe_sii

SVC = "planted"
POP = [114243, 226833, 219934, 239324, 188746, 198123, 178066, 148709, 111967, 21975]
SMALL = [20, 22, 11, 3, 2, 3, 1, 2, 1, 2]  # 67 participants: the small service's deciles
DEMO = [31, 55, 38, 47, 38, 36, 22, 22, 8, 3]  # 300: Housing First's deciles in the demo
Z = 1.959963984540054


def pub(v: int) -> str:
    """nhs-hes: 0 stays 0, 1-7 suppressed, the rest rounded to the nearest 5 (half up)."""
    return "0" if v == 0 else "[c]" if v <= 7 else str(int(math.floor(v / 5 + 0.5) * 5))


def g6(v: float) -> str:
    return f"{v:.6g}"


def label(d: int) -> str:
    return f"decile {d}" + (" (most deprived)" if d == 1 else " (least deprived)" if d == 10 else "")


def wilson(x: float, n: float) -> tuple[float, float]:
    p = x / n
    c = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return c - h, c + h


def csv(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in [header, *rows]) + "\n"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    return root


# ----------------------------------------------------------------------------- deprivation tables
def reach(users: list[int], *, rates: str | None = "true", limits: str | None = None, hidden: tuple[int, ...] = (),
          rate_of_hidden: bool = False) -> str:
    """A reach-by-decile table; ``rates``/``limits``: 'true' (6 figures, today) or 'published' (2 dp)."""
    n = sum(users)
    rows = []
    shown_counts = [pub(u) if d + 1 not in hidden else "[c]" for d, u in enumerate(users)]
    for d, (u, p, shown) in enumerate(zip([*users, n], [*POP, sum(POP)], [*shown_counts, pub(n)])):
        base = u if rates == "true" else (int(shown) if shown != "[c]" else None)
        lbase = u if limits == "true" else (int(shown) if shown != "[c]" else None)
        show = shown != "[c]" or rate_of_hidden
        fmt = g6 if rates == "true" else (lambda v: f"{v:.2f}")
        lfmt = g6 if limits == "true" else (lambda v: f"{v:.2f}")
        rate = fmt(base / p * 1000) if rates and show and base is not None else "[c]"
        lo, hi = wilson(lbase, p) if lbase is not None else (0, 0)
        lim = [lfmt(lo * 1000), lfmt(hi * 1000)] if limits and (shown != "[c]" or limits == "true") else ["[c]", "[c]"]
        rows.append([label(d + 1) if d < 10 else "Total", g6(p), shown, rate, *lim])
    return csv(["group", "population", "users", "reach_per_1000", "reach_lower", "reach_upper"], rows)


def profile(users: list[int], pct: str | None = "true") -> str:
    """A decile profile: users and their percentage of all users ('true': 6 figures; 'published': 1 dp)."""
    n = sum(users)
    shown = [pub(u) for u in users]
    total = sum(int(s) for s in shown if s != "[c]") if pct == "published" else n
    rows = []
    for d, (u, s) in enumerate(zip(users, shown)):
        v = (u / n * 100 if pct == "true" else int(s) / total * 100) if s != "[c]" else None
        rows.append([label(d + 1), s, ("[c]" if v is None else g6(v) if pct == "true" else f"{v:.1f}")])
    rows.append(["Total", pub(n), "100.0"])
    header = ["group", "national_users", "national_user_pct"]
    return csv(header if pct else header[:2], [r if pct else r[:2] for r in rows])


def sii_value(users: list[int], what: str = "sii") -> float:
    """The SII (per 1,000) or RII as svimpact fits reach by decile (PHE method on the logit scale)."""
    n = np.array(POP, float)
    x = np.array(users, float)
    lo, hi = zip(*(wilson(a, b) for a, b in zip(x, n)))
    r = phe_sii(range(1, 11), n, x / n, lower=lo, upper=hi, value_type=2, multiplier=1000, transform=True, seed=1)
    return r.sii.value if what == "sii" else r.rii.value


def measures(rows: list[tuple[str, ...]]) -> str:
    """Inequality measures: (measure, value[, smallest count beneath it])."""
    return csv(["measure", "scale", "value", "lower", "upper", "level", "method", "smallest_count"],
               [[r[0], "national", r[1], "[c]", "[c]", "0.95", "", r[2] if len(r) > 2 else "[c]"] for r in rows])


# ----------------------------------------------------------------------------- areas and maps
def areas_frame(n_areas: int = 20):
    """A small public area frame: two areas per decile, populations and IMD scores."""
    import pandas as pd

    rng = np.random.default_rng(12)
    dec = np.repeat(np.arange(1, 11), n_areas // 10)
    score = np.sort(rng.uniform(5, 60, n_areas))[::-1]
    return pd.DataFrame({"lsoa_code": [f"Z0100{i:04d}" for i in range(1, n_areas + 1)],
                         "population": rng.integers(1000, 2000, n_areas), "imd_score": np.round(score, 3),
                         "imd_decile": dec})


def map_page(codes: list[str], deciles: list[int], users: list[int], fixed: bool = False) -> str:
    def text(u: int) -> str:
        if fixed:
            return "fewer than 8 (not shown)" if u < 8 else f"{pub(u)} users (rounded to the nearest 5)"
        return "0 users" if u == 0 else "[c] suppressed (1-7 users)" if u <= 7 else f"{pub(u)} users (rounded to the nearest 5)"

    recs = [{"c": c, "n": c, "b": "", "d": int(d), "u": text(u)} for c, d, u in zip(codes, deciles, users)]
    return (f'<html><body><svg id="svm-map"></svg><script type="application/json" id="svm-data">{json.dumps(recs)}'
            "</script></body></html>")


def concentration(areas, users: list[int]) -> float:
    pop = areas["population"].to_numpy(float)
    r = concentration_index(np.array(users) / pop, -areas["imd_score"].to_numpy(float), pop, kind="wagstaff",
                            bounds=(0.0, 1.0), ties="pooled")
    return r.index.value


# ----------------------------------------------------------------------------- the evaluation
def effect(mean: str) -> str:
    return csv(["measure", "estimate", "lower", "upper", "level", "method"],
               [["observed mean (participants)", mean, mean, mean, "0.95", "exact"]])


def balance(rows: list[tuple[str, str]]) -> str:
    return csv(["covariate", "mean_treated", "mean_comparison", "smd_before"], [[c, m, "0.5", "0.1"] for c, m in rows])


def ledger(successes: str, failures: str, low: str = "", high: str = "") -> str:
    return csv(["parameter", "distribution", "point", "low", "high", "method", "source", "strength"],
               [["leakage", f"beta from counts {successes} / {failures}", "0.0", low, high, "geography", "", ""]])


def survey(counts: dict[str, str], weighted: dict[str, str]) -> str:
    weights = {"yes_fully": "1.0", "partly": "0.5", "no": "0.0", "dont_know": ""}
    return csv(["answer", "respondents", "weight", "weighted", "counted"],
               [[a, c, weights[a], weighted.get(a, ""), "no (excluded)" if a == "dont_know" else "yes"]
                for a, c in counts.items()])


def headline(key: str, label_: str, text: str, value: float | None) -> str:
    iv = None if value is None else {"value": value, "lower": value, "upper": value, "level": 0.95, "method": "x"}
    return json.dumps({"service": SVC, "key": key, "label": label_, "text": text, "order": 1, "interval": iv})


def html_table(caption: str, table_csv: str) -> str:
    rows = [r.split(",") for r in table_csv.strip().splitlines()]
    head = "".join(f"<th>{c}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows[1:])
    return (f"<div class='svimpact-table'><p class='svimpact-caption'>{caption}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def notebook(html: str) -> str:
    cell = {"cell_type": "code", "source": "display(table)", "metadata": {}, "execution_count": 1,
            "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}]}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def chapter(html: str, title: str = "Planted service") -> str:
    return (f"<html><body><nav><a href='#{SVC}'>{title}</a></nav><main><section id='{SVC}'><h2>{title}</h2>"
            f"{html}</section></main></body></html>")


def word_copy(table_csv: str, title: str = "Planted service") -> bytes:
    import io

    import docx

    d = docx.Document()
    d.add_heading(title, level=2)
    rows = [r.split(",") for r in table_csv.strip().splitlines()]
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    for i, r in enumerate(rows):
        for j, c in enumerate(r):
            t.cell(i, j).text = c
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
