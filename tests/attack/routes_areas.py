"""Attacks through areas: area tables (rates and Wilson limits times each area's population), map
classes with the decile totals they add up to, and local deciles from public area data."""

from __future__ import annotations

import re

import numpy as np
from context import Context, is_count_column, norm
from engine import Key
from readers import AREA_CODE, Table, parse_number
from routes_geo import _per, _published_world, _wilson_limit


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
def unit_members(ctx: Context, code: str) -> list[str] | None:
    """The LSOAs of a larger map area, from the public area data: an MSOA (by name), a borough in one IMD
    decile ('E08000012 decile 1') or a borough (its code); None when ``code`` names none of them."""
    a = ctx.areas
    if a is None:
        return None
    codes = a["lsoa_code"].astype(str)
    if "msoa_name" in a.columns and (a["msoa_name"] == code).any():
        return codes[a["msoa_name"] == code].tolist()
    m = re.fullmatch(r"([A-Z]\d{8}) decile (\d+)", code)
    if m and "lad_code" in a.columns:
        hit = (a["lad_code"] == m.group(1)) & (a["imd_decile"] == int(m.group(2)))
        return codes[hit].tolist() or None
    if "lad_code" in a.columns and (a["lad_code"] == code).any() and not (codes == code).any():
        return codes[a["lad_code"] == code].tolist()
    return None


def map_data(ctx: Context, file: str, svc: str, recs: list[dict]) -> None:
    """Each area's class on the map, and the decile totals they must add up to. A larger area (MSOA,
    borough by decile, borough) is the sum of its LSOAs, and all of them add up to every user."""
    by_decile: dict[int, list[Key]] = {}
    units: list[Key] = []
    for rec in recs:
        members = unit_members(ctx, str(rec.get("c", "")))
        if members is not None and isinstance(rec.get("u"), str):
            unit = ctx.area(svc, str(rec["c"]))
            units.append(unit)
            ctx.total([ctx.area(svc, m) for m in members], unit, "map-units", file, f"LSOAs of {rec['c']} add up")
            a = ctx.areas
            if a is not None:
                ctx.area_pop.setdefault(str(rec["c"]), float(a.loc[a["lsoa_code"].astype(str).isin(members),
                                                                    "population"].sum()))
        code = next((str(v) for v in rec.values() if isinstance(v, str) and AREA_CODE.match(v)), None)
        if members is not None:
            code = str(rec["c"])
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
    if units and len(units) == len(recs):
        ctx.total(units, ctx.n(svc), "map-units", file, "larger areas add up to all users", True)
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
