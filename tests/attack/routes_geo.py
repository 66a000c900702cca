"""Attacks on the deprivation tables: deciles, areas, and the inequality measures fitted on them.

* rates per 1,000 and Wilson limits times the published population (rate-x-population,
  interval-inversion);
* percentages and shares of the column total times the total (percent-x-total);
* totals minus cells, across every table of the same people (totals-minus-cells);
* SII and RII refitted over every split of the hidden cells that the other figures leave
  (sii-rii-fit); gap and ratio between the ends (gap-ratio); the concentration index over areas
  (concentration-fit).

A derived column that is reproduced exactly by the *published* counts tells nothing new and is
skipped (it is how the fixed outputs compute them); any other is read as computed from the true
counts, on trial (see engine).
"""

from __future__ import annotations

import numpy as np
from context import Context, decile_of, is_count_column, is_total, norm, wilson
from engine import Func
from readers import Table, parse_number

PER = {"per_1000": 1000.0, "per_1_000": 1000.0, "per_100000": 1e5, "per_100_000": 1e5, "per_10000": 1e4}


def _num(t: Table, text: str) -> tuple[float, float] | None:
    return parse_number(text, t.sig)


def _scale(col: str, t: Table) -> str:
    n, tn = norm(col), norm(t.name)
    if "local" in n or "national" in n:
        return "local" if "local" in n else "national"
    return "local" if "local" in tn and "national" not in tn else "national"


def _per(col: str) -> float | None:
    n = norm(col)
    for k, v in PER.items():
        if k in n:
            return v
    return 1000.0 if n.startswith("reach") or n in {"rate", "reach"} else None


def decile_table(ctx: Context, t: Table) -> bool:
    """A table with one row per decile (and maybe a Total row) and at least one count column."""
    labels = [r[0] if r else "" for r in t.rows]
    deciles = [decile_of(x) for x in labels]
    if sum(d is not None for d in deciles) < 5 or len(set(d for d in deciles if d)) < 5:
        return False
    counts = [c for c in t.header[1:] if is_count_column(c)]
    if not counts:
        return False
    svc, eng, cols = t.service, ctx.engine, list(t.header)
    total_row = next((i for i, x in enumerate(labels) if is_total(x)), None)
    pop_col = next((c for c in cols if norm(c) == "population"), None)
    pub: dict[str, dict[int, int | None]] = {}
    for c in counts:
        scale, j = _scale(c, t), cols.index(c)
        pub[c] = {}
        for i, d in enumerate(deciles):
            if d is None or j >= len(t.rows[i]):
                continue
            cell = t.rows[i][j]
            key = ctx.users(svc, scale, d)
            ctx.printed(key, eng.info[key].what, cell, t.file, primary=(svc, t.name, labels[i], c) in ctx.primary)
            v = _num(t, cell)
            pub[c][d] = int(v[0]) if v else None
        if total_row is not None and j < len(t.rows[total_row]):
            ctx.printed(ctx.n(svc), eng.info[ctx.n(svc)].what, t.rows[total_row][j], t.file)
            v = _num(t, t.rows[total_row][j])
            pub[c][0] = int(v[0]) if v else None
        if set(d for d in deciles if d) == set(range(1, 11)):
            ctx.deciles_sum_to_n(svc, scale, t.file)
    if pop_col:
        pops = {d: _num(t, t.rows[i][cols.index(pop_col)]) for i, d in enumerate(deciles) if d}
        if all(pops.values()) and _scale(counts[0], t) == "national":
            ctx.decile_pop.setdefault(svc, {}).update({d: p for d, p in pops.items() if p})
        if total_row is not None:
            pops[0] = _num(t, t.rows[total_row][cols.index(pop_col)])
        _rates(ctx, t, deciles, total_row, counts, pub, pops)
    _percentages(ctx, t, deciles, total_row, counts, pub)
    ctx.read.append((t.file, "decile table"))
    return True


def _row_key(ctx: Context, svc: str, scale: str, d: int):
    return ctx.n(svc) if d == 0 else ctx.users(svc, scale, d)


def _rates(ctx: Context, t: Table, deciles, total_row, counts, pub, pops) -> None:
    """Rates per 1,000 (and their Wilson limits) times the population of the row."""
    cols = list(t.header)
    count = counts[0]
    scale = _scale(count, t)
    rows = [(i, d) for i, d in enumerate(deciles) if d] + ([(total_row, 0)] if total_row is not None else [])
    for c in cols:
        n = norm(c)
        per = _per(c)
        if per is None or is_count_column(c) or "population" in n:
            continue
        kind = "lower" if "lower" in n else "upper" if "upper" in n else "rate"
        j = cols.index(c)
        seen = [(d, _num(t, t.rows[i][j]), pops.get(d)) for i, d in rows if j < len(t.rows[i])]
        seen = [(d, v, p) for d, v, p in seen if v and p]
        if not seen or _published_world(seen, pub[count], per, kind):
            continue
        for d, (v, tol), (p, ptol) in seen:
            key = _row_key(ctx, t.service, scale, d)
            if kind == "rate":
                ctx.bound(key, (v - tol) * (p - ptol) / per, (v + tol) * (p + ptol) / per, "rate-x-population", t.file,
                          f"{c} x population / {per:g}")
            else:
                _wilson_limit(ctx, key, None, kind, v / per, tol / per, (p - ptol, p + ptol), t.file, c)


def _published_world(seen, published: dict[int, int | None], per: float, kind: str) -> bool:
    """True when every printed value is what the published counts give (so it tells nothing new)."""
    ok = True
    for d, (v, tol), (p, ptol) in seen:
        c = published.get(d)
        if c is None:
            return False
        if kind == "rate":
            f = np.array([c / (p - ptol) * per, c / (p + ptol) * per])
        else:
            lo, hi = wilson(np.array([c, c]), np.array([p - ptol, p + ptol]))
            f = (lo if kind == "lower" else hi) * per
        ok &= bool(f.min() - tol - 1e-9 <= v <= f.max() + tol + 1e-9)
    return ok


def _wilson_limit(ctx: Context, x, n, kind: str, v: float, tol: float, pop, file: str, col: str) -> None:
    """A Wilson limit printed as v +- tol: which counts x (of n, or of a known population) give it."""
    pick = 0 if kind == "lower" else 1

    def miss(*cols):
        xs = cols[0]
        ns = [cols[1], cols[1]] if n is not None else [np.full(len(xs), pop[0]), np.full(len(xs), pop[1])]
        a, b = wilson(xs, ns[0])[pick], wilson(xs, ns[1])[pick]
        return ~((np.maximum(a, b) >= v - tol - 1e-12) & (np.minimum(a, b) <= v + tol + 1e-12))

    keys = (x,) if n is None else (x, n)
    if ctx.once("wilson", keys, kind, round(v, 12)):
        ctx.derived(Func(keys, "interval-inversion", file, f"Wilson {kind} limit in {col}", True, miss, 0.0, 0.0))


def _percentages(ctx: Context, t: Table, deciles, total_row, counts, pub) -> None:
    """Percentages, shares and values split by the count: x / N printed, times N."""
    cols = list(t.header)
    for c in cols:
        n = norm(c)
        if is_count_column(c) or "population" in n or n.startswith("reach"):
            continue
        pct = 100.0 if ("pct" in n or "percent" in n or "%" in c) else 1.0 if "share" in n else None
        money = pct is None and n in {"value", "lower", "upper"} and any("benefic" in norm(k) for k in counts)
        if pct is None and not money:
            continue
        count = next((k for k in counts if norm(k).split("_")[0] == n.split("_")[0]), counts[0])
        scale, j = _scale(count, t), cols.index(c)
        cells = {d: _num(t, t.rows[i][j]) for i, d in enumerate(deciles) if d and j < len(t.rows[i])}
        whole = _num(t, t.rows[total_row][j]) if total_row is not None and j < len(t.rows[total_row]) else None
        if money:
            if not whole or not whole[0]:
                continue
            pct = 1.0
            cells = {d: ((v / whole[0]), (tol + v * whole[1] / whole[0]) / (whole[0] - whole[1]))
                     for d, (v, tol) in ((d, c_) for d, c_ in cells.items() if c_)}
        shown = {d: v for d, v in cells.items() if v}
        published = {d: pub[count].get(d) for d in shown}
        if _shares_from_published(shown, published, pub[count].get(0), pct):
            continue
        for d, (v, tol) in shown.items():
            ctx.ratio(ctx.users(t.service, scale, d), ctx.n(t.service), (v - tol) / pct, (v + tol) / pct,
                      "percent-x-total", t.file, f"{c} x total")


def _shares_from_published(shown, published, total, pct: float) -> bool:
    if not shown or any(v is None for v in published.values()):
        return False
    for den in {total, sum(v for v in published.values() if v is not None)}:
        if den and all(abs(published[d] / den * pct - v) <= tol + 1e-9 for d, (v, tol) in shown.items()):
            return True
    return False
