"""Attacks through the evaluation: means of 0/1 outcomes and covariates times N, category shares,
the gross count, the survey, the ledger's counts, the headlines and the prose."""

from __future__ import annotations

import re

import numpy as np
from context import Context, is_count_column, norm
from engine import Func, Key
from readers import Table, Text, parse_number
from routes_inequality import core20, core20_ratio, core20_share


def _outcome(ctx: Context, svc: str, file: str) -> tuple[Key, Key]:
    eng = ctx.engine
    one = eng.var((svc, "outcome", "1"), f"{svc}: participants who achieved the outcome")
    zero = eng.var((svc, "outcome", "0"), f"{svc}: participants who did not achieve the outcome")
    ctx.total([one, zero], ctx.n(svc), "mean-x-n", file, "achieved + not achieved = all participants", True)
    return one, zero


def effect_table(ctx: Context, t: Table) -> bool:
    """'observed mean (participants)' of a 0/1 outcome, times N; a Kaplan-Meier sustainment is tried the same way
    (with no one censored before the horizon it is the share still going: issue 14)."""
    rows = [r for r in t.rows if r and ("observed" in r[0].lower() and "mean" in r[0].lower()
                                        or "participants (kaplan-meier)" in r[0].lower())]
    if not rows or len(t.header) < 2:
        return False
    v = parse_number(rows[0][1], t.sig)
    if v and -v[1] <= v[0] <= 1 + v[1]:
        one, _ = _outcome(ctx, t.service, t.file)
        ctx.ratio(one, ctx.n(t.service), v[0] - v[1], v[0] + v[1], "mean-x-n", t.file, "observed mean x N")
    ctx.read.append((t.file, "effect estimate"))
    return True


def gross_count(ctx: Context, svc: str, text: str, file: str) -> None:
    """The gross outcome of a 0/1 outcome is a count of people."""
    v = parse_number(text.split()[0] if text.split() else text)
    if v and v[0] == int(v[0]) and v[0] >= 0:
        one, _ = _outcome(ctx, svc, file)
        ctx.printed(one, ctx.engine.info[one].what, str(int(v[0])), file)


def gross_table(ctx: Context, t: Table) -> bool:
    cols = [norm(c) for c in t.header]
    rows = [r for r in t.rows if r and r[0].strip().lower() in {"gross", "gross outcomes"}]
    if not rows:
        return False
    j = next((j for j, c in enumerate(cols) if c in {"value", "point", "estimate"}), 1)
    if j < len(rows[0]):
        gross_count(ctx, t.service, rows[0][j], t.file)
    ctx.read.append((t.file, "gross outcomes"))
    return True


def balance_table(ctx: Context, t: Table) -> bool:
    """Means of 0/1 covariates and category shares among participants, times N."""
    cols = [norm(c) for c in t.header]
    treated = [j for j, c in enumerate(cols) if "mean" in c and "treat" in c]
    if not treated or not cols or "covariate" not in cols[0] and "variable" not in cols[0]:
        return False
    eng, svc = ctx.engine, t.service
    for r in t.rows:
        name = r[0].strip()
        for j in treated:
            v = parse_number(r[j], t.sig) if j < len(r) else None
            if not v or not (-v[1] <= v[0] <= 1 + v[1]):
                continue
            route = "category-share-x-n" if "[" in name or "=" in name else "mean-x-n"
            one = eng.var((svc, "covariate", name, "1"), f"{svc}: participants with {name}")
            zero = eng.var((svc, "covariate", name, "0"), f"{svc}: participants without {name}")
            ctx.ratio(one, ctx.n(svc), v[0] - v[1], v[0] + v[1], route, t.file, f"{t.header[j]} of {name} x N")
            ctx.total([one, zero], ctx.n(svc), route, t.file, f"with + without {name} = all participants", True)
    ctx.read.append((t.file, "covariate balance"))
    return True


def survey_table(ctx: Context, t: Table) -> bool:
    cols = [norm(c) for c in t.header]
    counts = [j for j, c in enumerate(t.header) if is_count_column(c)]
    if not counts or not cols or "answer" not in cols[0] and "response" not in cols[0]:
        return False
    eng, svc, j = ctx.engine, t.service, counts[0]
    wj = next((k for k, c in enumerate(cols) if c == "weight"), None)
    xj = next((k for k, c in enumerate(cols) if c.startswith("weighted")), None)
    cj = next((k for k, c in enumerate(cols) if c == "counted"), None)
    sj = next((k for k, c in enumerate(cols) if "share" in c or "pct" in c or "percent" in c), None)
    counted, every = [], []
    for r in t.rows:
        answer = r[0].strip()
        key = eng.var((svc, "survey", answer), f"{svc}: survey answer '{answer}'")
        ctx.printed(key, eng.info[key].what, r[j], t.file)
        every.append(key)
        if cj is not None and r[cj].strip().lower().startswith("yes"):
            counted.append(key)
        pub = parse_number(r[j])
        w = parse_number(r[wj]) if wj is not None else None
        x = parse_number(r[xj], t.sig) if xj is not None else None
        if w and x and w[0] > 0 and not (pub and abs(pub[0] * w[0] - x[0]) <= x[1] + 1e-9):
            ctx.bound(key, (x[0] - x[1]) / (w[0] + w[1]), (x[0] + x[1]) / (w[0] - w[1]), "category-share-x-n", t.file,
                      "weighted count / weight")
        s = parse_number(r[sj], t.sig) if sj is not None else None
        if s:
            scale = 100.0 if "pct" in cols[sj] or "percent" in cols[sj] else 1.0
            ctx.ratio(key, _respondents(ctx, svc, every if cj is None else counted), (s[0] - s[1]) / scale,
                      (s[0] + s[1]) / scale, "category-share-x-n", t.file, "answer share x respondents")
    if counted:
        ctx.total(counted, eng.var((svc, "survey counted"), f"{svc}: survey answers counted"), "totals-minus-cells",
                  t.file, "counted answers add up")
    ctx.total(every, eng.var((svc, "survey all"), f"{svc}: survey respondents"), "totals-minus-cells", t.file,
              "answers add up")
    ctx.read.append((t.file, "survey answers"))
    return True


def _respondents(ctx: Context, svc: str, keys: list[Key]) -> Key:
    return ctx.engine.var((svc, "survey counted"), f"{svc}: survey answers counted")


def ledger_table(ctx: Context, t: Table) -> bool:
    """'beta from counts a / b' (successes / failures): counts printed as they are, and the Beta
    interval printed beside them, which gives the counts back even when the text hides them."""
    cols = [norm(c) for c in t.header]
    if not any("distribution" in c for c in cols):
        return False
    eng, svc = ctx.engine, t.service
    lj = next((j for j, c in enumerate(cols) if c in {"low", "lower"}), None)
    hj = next((j for j, c in enumerate(cols) if c in {"high", "upper"}), None)
    for r in t.rows:
        m = next((m for c in r if (m := re.search(r"counts?\s+(\S+)\s*(/|of)\s*(\S+)", c))), None)
        if not m:
            continue
        what = r[0].strip() or "adjustment"
        a = eng.var((svc, "ledger", what, "successes"), f"{svc}: people counted as '{what}' in the ledger")
        b = eng.var((svc, "ledger", what, "failures"), f"{svc}: people counted as not '{what}' in the ledger")
        ctx.printed(a, eng.info[a].what, m.group(1), t.file)
        if m.group(2) == "/":
            ctx.printed(b, eng.info[b].what, m.group(3), t.file)
        else:  # 'a of n': n is everyone counted
            n = eng.var((svc, "ledger", what, "all"), f"{svc}: people counted for '{what}' in the ledger")
            ctx.printed(n, eng.info[n].what, m.group(3), t.file)
            ctx.total([a, b], n, "totals-minus-cells", t.file, f"{what}: counted + not counted = all")
            pa, pn = parse_number(m.group(1)), parse_number(m.group(3))
            if pa and pn and eng.info[b].published is None:
                eng.info[b].published = str(int(pn[0] - pa[0]))  # what the printed counts give
        if "leak" in what.lower():
            ctx.total([a, b], ctx.n(svc), "totals-minus-cells", t.file, "inside + outside = all participants", True)
        for j, q in ((lj, 0.025), (hj, 0.975)):
            v = parse_number(r[j], t.sig) if j is not None and j < len(r) else None
            if v and ctx.once("beta", a, b, q, v[0]):
                ctx.derived(Func((a, b), "interval-inversion", t.file, f"Beta limit {r[j]} of the {what} counts", True,
                                 lambda x, y, q=q: _beta_ppf(q, x, y), v[0] - v[1], v[0] + v[1]))
    ctx.read.append((t.file, "additionality ledger"))
    return True


def _beta_ppf(q: float, successes: np.ndarray, failures: np.ndarray, prior: float = 0.5) -> np.ndarray:
    from scipy.stats import beta

    return beta.ppf(q, successes + prior, failures + prior)


def switching_table(ctx: Context, t: Table) -> bool:
    cols = [norm(c) for c in t.header]
    if "parameter" not in cols[:1] or "point" not in cols:
        return False
    for r in t.rows:
        if r and r[0].strip().lower() == "gross":
            gross_count(ctx, t.service, r[cols.index("point")], t.file)
    ctx.read.append((t.file, "switching values"))
    return True


def headline(ctx: Context, file: str, svc: str, h: dict) -> None:
    label, key, text = str(h.get("label", "")).lower(), str(h.get("key", "")).lower(), str(h.get("text", ""))
    iv = h.get("interval") or {}

    def num(name):
        v = iv.get(name)  # a float's shortest repr: 0.2866666666666667 is exact, 61.5 is 61.5 +- 0.05
        return parse_number(repr(float(v))) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    if "gross" in key or "gross" in label:
        gross_count(ctx, svc, text, file)
    elif "core20" in (key + label) and "ratio" in (key + label):
        if num("value"):
            core20_ratio(ctx, svc, num("value"), file)
    elif "core20" in (key + label):
        core20(ctx, svc, file)
        if num("value"):
            shown = parse_number(text.split()[0]) if text.split() else None  # '61.5%': is the value 61.5 or 0.615?
            percent = bool(shown) and "%" in text and abs(shown[0] - num("value")[0]) < abs(shown[0] - 100 * num("value")[0])
            core20_share(ctx, svc, num("value"), num("lower"), num("upper"), file, percent=percent)
    ctx.read.append((file, "headline"))


PROSE = [
    (r"supported ([\d,]+) participants", "N"),
    (r"of whom ([\d,]+) achieved", "outcome"),
    (r"with ([\d,]+) eligible people", "comparison"),
    (r"([\d,]+) respondents gave", "counted"),
]


def prose(ctx: Context, x: Text) -> None:
    """Counts and rates written in sentences."""
    svc, eng, file = x.service, ctx.engine, x.file
    if not svc:
        return
    for pattern, what in PROSE:
        for m in re.finditer(pattern, x.text):
            if what == "N":
                ctx.printed(ctx.n(svc), eng.info[ctx.n(svc)].what, m.group(1), file)
            elif what == "outcome":
                gross_count(ctx, svc, m.group(1), file)
            elif what == "comparison":
                key = eng.var((svc, "comparison N"), f"{svc}: people in the comparison group")
                ctx.printed(key, eng.info[key].what, m.group(1), file)
            else:
                key = eng.var((svc, "survey counted"), f"{svc}: survey answers counted")
                ctx.printed(key, eng.info[key].what, m.group(1), file)
    for m in re.finditer(r"outcome rate was ([\d.]+)%", x.text):
        v = parse_number(m.group(1))
        if v:
            one, _ = _outcome(ctx, svc, file)
            ctx.ratio(one, ctx.n(svc), (v[0] - v[1]) / 100, (v[0] + v[1]) / 100, "mean-x-n", file, "outcome rate x N")
    for m in re.finditer(r"weighted deadweight of ([\d.]+)%(?: \(95% interval ([\d.]+)% to ([\d.]+)%\))?", x.text):
        keys = ((svc, "survey", "yes_fully"), (svc, "survey", "partly"), (svc, "survey counted"))
        if not all(k in eng.doms for k in keys):
            continue
        for text, q in ((m.group(1), None), (m.group(2), 0.025), (m.group(3), 0.975)):
            v = parse_number(text) if text else None
            if v and ctx.once("survey-dw", svc, text, q):
                ctx.derived(Func(keys, "category-share-x-n", file, f"weighted survey deadweight {text}%", True,
                                 lambda f, p, n, q=q: _survey_share(f, p, n, q), v[0] - v[1], v[0] + v[1]))


def _survey_share(full: np.ndarray, partly: np.ndarray, n: np.ndarray, q: float | None) -> np.ndarray:
    """The survey's weighted 'yes' share (partly = 0.5) in percent, or a limit of its Jeffreys interval."""
    from scipy.stats import beta

    yes = full + 0.5 * partly
    with np.errstate(all="ignore"):
        if q is None:
            return np.where(n > 0, yes / np.maximum(n, 1) * 100, np.nan)
        return np.where(n > yes, beta.ppf(q, yes + 0.5, n - yes + 0.5) * 100, np.nan)
