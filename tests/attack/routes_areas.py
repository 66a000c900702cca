"""Attacks through areas and the inequality measures: area tables, map classes, SII/RII, gap and
ratio, the Core20 share and the concentration index."""

from __future__ import annotations

import re

import numpy as np
from context import Context, is_count_column, norm
from engine import Func, Key, Linear, dmax, dmin, interval
from readers import AREA_CODE, Table, parse_number
from routes_geo import _per, _published_world, _wilson_limit
from scipy.special import expit, logit


# ----------------------------------------------------------------------------- area tables
def area_table(ctx: Context, t: Table) -> bool:
    """One row per area (an area code column) with a count of users, maybe its population and rate."""
    cols = list(t.header)
    code_col = next((j for j in range(len(cols)) if sum(bool(AREA_CODE.match(r[j])) for r in t.rows if j < len(r))
                     >= max(1, len(t.rows) // 2)), None)
    counts = [c for c in cols if is_count_column(c)]
    if code_col is None or not counts:
        return False
    j = cols.index(counts[0])
    pop_j = next((cols.index(c) for c in cols if norm(c) == "population"), None)
    dec_j = next((cols.index(c) for c in cols if "decile" in norm(c) and "local" not in norm(c)), None)
    for r in t.rows:
        if len(r) <= j or not AREA_CODE.match(r[code_col]):
            continue
        code = r[code_col]
        key = ctx.area(t.service, code)
        ctx.printed(key, ctx.engine.info[key].what, r[j], t.file)
        if pop_j is not None and (p := parse_number(r[pop_j], t.sig)):
            ctx.area_pop.setdefault(code, p[0])
        if dec_j is not None and (d := parse_number(r[dec_j])):
            ctx.area_decile.setdefault(code, int(d[0]))
    for c in cols:
        per = _per(c)
        if per is None or pop_j is None or c in counts:
            continue
        kind = "lower" if "lower" in norm(c) else "upper" if "upper" in norm(c) else "rate"
        k = cols.index(c)
        seen = []
        for r in t.rows:
            v, p, n = parse_number(r[k], t.sig), parse_number(r[pop_j], t.sig), parse_number(r[j], t.sig)
            if v and p:
                seen.append((r[code_col], v, p, int(n[0]) if n else None))
        if _published_world([(code, v, p) for code, v, p, _ in seen], {code: n for code, _, _, n in seen}, per, kind):
            continue
        for code, (v, tol), (p, ptol), _ in seen:
            key = ctx.area(t.service, code)
            if kind == "rate":
                ctx.bound(key, (v - tol) * (p - ptol) / per, (v + tol) * (p + ptol) / per, "rate-x-population", t.file,
                          f"{c} x population of {code}")
            else:
                _wilson_limit(ctx, key, None, kind, v / per, tol / per, (p - ptol, p + ptol), t.file, c)
    ctx.read.append((t.file, "area table"))
    return True


# ----------------------------------------------------------------------------- maps
def map_data(ctx: Context, file: str, svc: str, recs: list[dict]) -> None:
    """Each area's class on the map, and the decile totals they must add up to."""
    by_decile: dict[int, list[Key]] = {}
    for rec in recs:
        code = next((str(v) for v in rec.values() if isinstance(v, str) and AREA_CODE.match(v)), None)
        users = next((str(v) for k, v in rec.items() if isinstance(v, str) and ("user" in v.lower() or k == "u")), None)
        if code is None or users is None:
            continue
        key = ctx.area(svc, code)
        ctx.printed(key, ctx.engine.info[key].what, users, file)
        d = rec.get("d", rec.get("decile", rec.get("imd_decile")))
        if isinstance(d, int) and 1 <= d <= 10:
            ctx.area_decile.setdefault(code, d)
            by_decile.setdefault(d, []).append(key)
        band = next((str(v) for v in rec.values() if isinstance(v, str) and re.search(r"\bper\b", v)), "")
        m = re.match(r"\s*([\d.,]+)\s*(?:to|-|\u2013)\s*([\d.,]+)\s*per\s*([\d,]+)", band)
        pop = ctx.area_pop.get(code)
        if m and pop:
            lo, hi, per = (parse_number(m.group(i)) for i in (1, 2, 3))
            if lo and hi and per:
                ctx.bound(key, (lo[0] - lo[1]) * pop / per[0], (hi[0] + hi[1]) * pop / per[0], "map-classes", file,
                          f"rate band '{band}' x population")
    for d, keys in by_decile.items():
        ctx.total(keys, ctx.users(svc, "national", d), "map-classes", file, f"areas of decile {d} add up", True)
    if len(by_decile) >= 5:
        ctx.total([k for keys in by_decile.values() for k in keys], ctx.n(svc), "map-classes", file,
                  "areas add up to all users", True)
    ctx.read.append((file, "map data"))


def background_areas(ctx: Context, svc: str) -> None:
    """Public reference data (populations, IMD scores and deciles of the areas): local deciles."""
    a = ctx.areas
    if a is None:
        return
    for code, pop, dec in zip(a["lsoa_code"].astype(str), a["population"], a["imd_decile"]):
        ctx.area_pop.setdefault(code, float(pop))
        ctx.area_decile.setdefault(code, int(dec))
    keys = {k[2] for k in ctx.engine.doms if k[0] == svc and k[1] == "area"}
    if not keys:
        return
    from svimpact.geo.inequality import phe_quantile

    local = phe_quantile(a["imd_score"].to_numpy(float), q=10, invert=True).to_numpy(dtype=np.int64, na_value=0)
    groups: dict[int, list[Key]] = {}
    for code, d in zip(a["lsoa_code"].astype(str), local):
        groups.setdefault(int(d), []).append(ctx.area(svc, code))
    if len(keys) >= len(a) // 2 and set(groups) == set(range(1, 11)):
        for d, members in groups.items():
            ctx.total(members, ctx.users(svc, "local", d), "map-classes", "(public area data)",
                      f"areas of local decile {d} add up", True)


# ----------------------------------------------------------------------------- inequality measures
def _sii(cols, pops: np.ndarray, transform: bool, what: str) -> np.ndarray:
    """PHE SII (per 1,000) or RII of reach by decile, as svimpact.geo.targeting.sii fits them."""
    u = np.stack([np.asarray(c, float) for c in cols], axis=1)
    p = u / pops
    a = pops / pops.sum()
    b = np.cumsum(a) - a / 2
    bbar = float(a @ b)
    coef = a * (b - bbar) / float(a @ (b - bbar) ** 2)
    inside = ((p > 0) & (p < 1)).all(axis=1)
    with np.errstate(all="ignore"):
        y = np.where(inside[:, None] & transform, logit(np.clip(p, 1e-300, 1 - 1e-16)), p)
        b1 = y @ coef
        b0 = y @ a - b1 * bbar
        t0, t1 = expit(b0), expit(b0 + b1)
        sii = np.where(inside & transform, (t1 - t0) * 1000, b1 * 1000)
        rii = np.where(inside & transform, t1 / t0, (b0 + b1) / b0)
    return sii if what == "sii" else rii


def inequality_table(ctx: Context, t: Table) -> bool:
    cols = [norm(c) for c in t.header]
    if not t.rows or not any(re.search(r"\b[rs]ii\b|core20|concentration|\bgap\b|most.*least", r[0].lower())
                             for r in t.rows):
        return False
    svc, eng = t.service, ctx.engine
    vj = next((j for j, c in enumerate(cols) if c in {"value", "estimate", "point"}), 1)
    lj = next((j for j, c in enumerate(cols) if c == "lower"), None)
    uj = next((j for j, c in enumerate(cols) if c == "upper"), None)
    sj = next((j for j, c in enumerate(cols) if "count" in c), None)
    def cell(r: tuple[str, ...], j: int | None):
        return parse_number(r[j], t.sig) if j is not None and j < len(r) else None

    for r in t.rows:
        label = r[0].lower()
        v = cell(r, vj)
        if "core20" in label:
            core = core20(ctx, svc, t.file)
            if sj is not None and "share" in label:
                ctx.printed(core, eng.info[core].what, r[sj], t.file)
            if v and "share" in label:
                core20_share(ctx, svc, v, cell(r, lj), cell(r, uj), t.file, percent="%" in " ".join(r).lower())
            elif v and "ratio" in label:
                core20_ratio(ctx, svc, v, t.file)
        elif v and ("sii" in label or re.search(r"\brii\b", label)):
            if sj is not None and "sii" in label:
                ctx.printed(ctx.n(svc), eng.info[ctx.n(svc)].what, r[sj], t.file)
            sii_fit(ctx, svc, "sii" if "sii" in label else "rii", v, t.file)
        elif v and "gap" in label:
            gap_fit(ctx, svc, v, "gap", t.file)
        elif v and "ratio" in label and ("least" in label or "most" in label):
            gap_fit(ctx, svc, v, "ratio", t.file)
        elif v and "concentration" in label:
            concentration_fit(ctx, svc, v, t.file)
    ctx.read.append((t.file, "inequality measures"))
    return True


def core20(ctx: Context, svc: str, file: str) -> Key:
    key = ctx.engine.var((svc, "core20"), f"{svc}: users in the most deprived fifth (Core20)")
    ctx.total([ctx.users(svc, "national", 1), ctx.users(svc, "national", 2)], key, "totals-minus-cells", file,
              "Core20 = national deciles 1 and 2")
    return key


def core20_share(ctx: Context, svc: str, v, lower, upper, file: str, percent: bool = False) -> None:
    """The Core20 share (a proportion, or a percentage when above 1 or said to be) and its Wilson limits."""
    key = core20(ctx, svc, file)
    scale = 100.0 if percent or v[0] > 1.0 + v[1] else 1.0
    s, tol = v[0] / scale, v[1] / scale
    ctx.ratio(key, ctx.n(svc), s - tol, s + tol, "percent-x-total", file, "Core20 share x all users")
    for kind, lim in (("lower", lower), ("upper", upper)):
        if lim:
            _wilson_limit(ctx, key, ctx.n(svc), kind, lim[0] / scale, lim[1] / scale, None, file, f"Core20 {kind}")


def core20_ratio(ctx: Context, svc: str, v, file: str) -> None:
    pops = ctx.decile_pop.get(svc)
    if not pops or len(pops) < 10:
        return
    share = (pops[1][0] + pops[2][0]) / sum(p for p, _ in pops.values())
    slack = 1e-5 * share
    key = core20(ctx, svc, file)
    ctx.ratio(key, ctx.n(svc), (v[0] - v[1]) * share - slack, (v[0] + v[1]) * share + slack, "percent-x-total", file,
              "Core20 targeting ratio x population share x all users")


def _pops(ctx: Context, svc: str) -> tuple[list[int], np.ndarray] | None:
    pops = ctx.decile_pop.get(svc)
    if not pops:
        return None
    ds = sorted(d for d, p in pops.items() if p[0] > 0)
    return (ds, np.array([pops[d][0] for d in ds])) if len(ds) >= 5 else None


def sii_fit(ctx: Context, svc: str, what: str, v, file: str) -> None:
    """Every split of the hidden deciles that the SII (or RII) printed to its digits allows."""
    got = _pops(ctx, svc)
    if got is None:
        return
    ds, pops = got
    keys = tuple(ctx.users(svc, "national", d) for d in ds)
    val, tol = v
    slack = tol + 1e-5 * abs(val)  # populations are printed to 6 figures
    for transform in (True, False):
        if ctx.once("sii", svc, what, transform, round(val, 12)):
            def fn(*c, tr=transform):
                return _sii(c, pops, tr, what)

            ctx.derived(Func(keys, "sii-rii-fit", file, f"{what.upper()} (transform={transform})", True,
                             fn, val - slack, val + slack))


def gap_fit(ctx: Context, svc: str, v, kind: str, file: str) -> None:
    got = _pops(ctx, svc)
    if got is None:
        return
    ds, pops = got
    most, least = ctx.users(svc, "national", ds[0]), ctx.users(svc, "national", ds[-1])
    val, tol = v
    slack = tol + 1e-5 * abs(val)
    if kind == "gap":
        ctx.derived(Linear((most, least), "gap-ratio", file, "gap per 1,000 most - least deprived", True,
                           (1000 / pops[0], -1000 / pops[-1]), val - slack, val + slack))
    else:
        ctx.ratio(most, least, (val - slack) * pops[0] / pops[-1], (val + slack) * pops[0] / pops[-1], "gap-ratio",
                  file, "reach ratio most / least deprived")


class _Concentration(Linear):
    """sum(u_i (r_i - rbar)) = C (1 - N/P) N / 2 for the Wagstaff index C of reach over areas; N is
    an unknown too, so the target range is taken over N's domain."""

    n_key: Key = ("", "")
    value: tuple[float, float] = (0.0, 0.0)
    total_pop: float = 1.0

    def narrow(self, doms, engine):
        lo_n, hi_n = max(dmin(doms[self.n_key]), 1), dmax(doms[self.n_key])
        if hi_n - lo_n > 50:
            return {}
        ns = np.arange(lo_n, hi_n + 1, dtype=float)
        c, tol = self.value
        f = np.concatenate([(c - tol) * (1 - ns / self.total_pop) * ns / 2, (c + tol) * (1 - ns / self.total_pop) * ns / 2])
        self.lo, self.hi = float(f.min()) - 1e-6, float(f.max()) + 1e-6
        return super().narrow(doms, engine)


def concentration_fit(ctx: Context, svc: str, v, file: str) -> None:
    a = ctx.areas
    if a is None:
        return
    score = -a["imd_score"].to_numpy(float)
    w = a["population"].to_numpy(float)
    order = np.argsort(score, kind="stable")
    ws = w[order] / w.sum()
    cum = np.cumsum(ws)
    rs = score[order]
    _, start, counts = np.unique(rs, return_index=True, return_counts=True)
    before = np.concatenate([[0.0], cum])[start]
    block = np.add.reduceat(ws, start)
    r = np.empty_like(ws)
    r[order] = np.repeat(before + block / 2, counts)
    rbar = float((w / w.sum()) @ r)
    keys = tuple(ctx.area(svc, code) for code in a["lsoa_code"].astype(str))
    n = ctx.n(svc)
    con = _Concentration((*keys, n), "concentration-fit", file, "Wagstaff concentration index of reach", True,
                         (*(r - rbar), 0.0), 0.0, 0.0)
    con.n_key, con.value, con.total_pop = n, (v[0], v[1] + 1e-6), float(w.sum())
    if ctx.once("concentration", svc, round(v[0], 12)):
        ctx.derived(con)


__all__ = ["area_table", "background_areas", "core20", "inequality_table", "interval", "map_data"]
