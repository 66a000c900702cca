"""Attacks through the inequality measures: the Core20 share and ratio, the gap and ratio between the
ends, the SII and RII, and the concentration index, each refitted over every split of the hidden
cells that the other figures leave.

A measure is fitted on the groups it says it was computed over (deciles, quintiles, or areas), as
svimpact.geo.inequality computes it. Fitted from published counts (the fixed outputs say so, and
the published counts reproduce it), it tells nothing new and is dropped.
"""

from __future__ import annotations

import math
import re

import numpy as np
from context import Context, norm
from engine import Func, Key, Linear, dmax, dmin
from readers import Table, parse_number
from routes_geo import _wilson_limit
from scipy.special import expit, logit


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
        label, words = r[0].lower(), " ".join(r[1:]).lower()
        v = cell(r, vj)
        if "core20" in label:
            core = core20(ctx, svc, t.file)
            if sj is not None and "share" in label:
                ctx.printed(core, eng.info[core].what, r[sj], t.file)
            if v and "share" in label:
                core20_share(ctx, svc, v, cell(r, lj), cell(r, uj), t.file, percent="%" in " ".join(r))
            elif v and "ratio" in label:
                core20_ratio(ctx, svc, v, t.file)
        elif v and ("sii" in label or re.search(r"\brii\b", label)):
            if sj is not None and "sii" in label:
                ctx.printed(ctx.n(svc), eng.info[ctx.n(svc)].what, r[sj], t.file)
            group_fit(ctx, svc, "sii" if "sii" in label else "rii", v, t.file, _groups(words, 10))
        elif v and "gap" in label:
            gap_fit(ctx, svc, v, "gap", t.file)
        elif v and "ratio" in label and ("least" in label or "most" in label):
            gap_fit(ctx, svc, v, "ratio", t.file)
        elif v and "concentration" in label:
            groups = _groups(words, 0)
            if groups:
                group_fit(ctx, svc, "ci", v, t.file, groups)
            else:
                concentration_fit(ctx, svc, v, t.file)
    ctx.read.append((t.file, "inequality measures"))
    return True


def _groups(words: str, default: int) -> int:
    """10 (deciles), 5 (quintiles) or 0 (areas), from the scale and method a measure states."""
    if "quintile" in words:
        return 5
    if "decile" in words:
        return 10
    return 0 if "lsoa" in words or "area" in words else default


# ----------------------------------------------------------------------------- Core20
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


# ----------------------------------------------------------------------------- fits over groups
def _sii(u: np.ndarray, pops: np.ndarray, transform: bool, what: str) -> np.ndarray:
    """PHE SII (per 1,000) or RII of reach over groups (rows of ``u``), as svimpact.geo.targeting.sii fits them."""
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


def _ci(u: np.ndarray, pops: np.ndarray) -> np.ndarray:
    """Wagstaff concentration index (bounds 0-1) of reach over groups ranked from the most deprived:
    C = 2 sum(u_g (r_g - rbar)) / N, divided by 1 - mu."""
    a = pops / pops.sum()
    r = np.cumsum(a) - a / 2
    n = u.sum(axis=1)
    with np.errstate(all="ignore"):
        return 2 * (u @ (r - a @ r)) / n / (1 - n / pops.sum())


def group_fit(ctx: Context, svc: str, what: str, v, file: str, groups: int) -> None:
    """Every split of the hidden deciles that the SII, RII or concentration index, printed to its
    digits over deciles or quintiles, allows."""
    pops = ctx.decile_pop.get(svc)
    if not pops or len(pops) < 10:
        return
    ds = [d for d in range(1, 11) if pops[d][0] > 0]
    member = np.array([(d + 1) // 2 if groups == 5 else d for d in ds])
    names = sorted(set(member))
    gpops = np.array([sum(pops[d][0] for d, m in zip(ds, member) if m == g) for g in names])
    if len(names) < 5:
        return
    keys = tuple(ctx.users(svc, "national", d) for d in ds)
    val, tol = v
    slack = tol + 1e-5 * abs(val)  # populations are printed to 6 figures

    def grouped(cols) -> np.ndarray:
        u = np.stack([np.asarray(c, float) for c in cols], axis=1)
        return np.stack([u[:, member == g].sum(axis=1) for g in names], axis=1)

    for transform in ((True, False) if what != "ci" else (False,)):
        def stat(u: np.ndarray, tr: bool = transform) -> np.ndarray:
            return _ci(u, gpops) if what == "ci" else _sii(u, gpops, tr, what)

        def fn(*c, stat=stat):
            return stat(grouped(c))

        if ctx.once("fit", svc, what, groups, transform, round(val, 12)):
            f = Func(keys, "sii-rii-fit" if what != "ci" else "concentration-fit", file,
                     f"{what.upper()} over {'quintiles' if groups == 5 else 'deciles'} (transform={transform})", True,
                     fn, val - slack, val + slack)
            f.explain = (lambda stat=stat: _from_published(  # type: ignore[attr-defined]
                ctx, svc, ds, member, names, stat, val - slack, val + slack))
            ctx.derived(f)


def _from_published(ctx: Context, svc: str, ds: list[int], member: np.ndarray, names: list[int], stat,
                    lo: float, hi: float) -> bool:
    """Does the measure come out of published counts? Each group's published count is the rounded true
    count, so near the sum of its published deciles (a multiple of the rounding base, within one step),
    or anything the rule may print when a decile of it is hidden."""
    step = max(ctx.rule.round_to, 1)
    total = ctx._published_number(ctx.n(svc))
    choices = []
    for g in names:
        pub = [ctx._published_number(ctx.users(svc, "national", d)) for d, m in zip(ds, member) if m == g]
        if all(p is not None for p in pub):
            s = sum(p for p in pub if p is not None)
            choices.append(sorted({max(s + k * step, 0) for k in ((-1, 0, 1) if len(pub) > 1 else (0,))}))
        elif total is not None:
            choices.append(list(range(0, total + step + 1, step)))
        else:
            return False
    if math.prod(len(c) for c in choices) > 1_000_000:
        return False
    grid = np.array(np.meshgrid(*choices, indexing="ij"), dtype=float).reshape(len(names), -1).T
    with np.errstate(all="ignore"):
        v = stat(grid)
    return bool(((v >= lo) & (v <= hi)).any())


# ----------------------------------------------------------------------------- gap and ratio
def gap_fit(ctx: Context, svc: str, v, kind: str, file: str) -> None:
    pops = ctx.decile_pop.get(svc)
    if not pops:
        return
    ds = sorted(d for d, p in pops.items() if p[0] > 0)
    p1, pl = pops[ds[0]][0], pops[ds[-1]][0]
    most, least = ctx.users(svc, "national", ds[0]), ctx.users(svc, "national", ds[-1])
    val, tol = v
    slack = tol + 1e-5 * abs(val)
    if kind == "gap":
        ctx.derived(Linear((most, least), "gap-ratio", file, "gap per 1,000 most - least deprived", True,
                           (1000 / p1, -1000 / pl), val - slack, val + slack))
    else:
        ctx.ratio(most, least, (val - slack) * p1 / pl, (val + slack) * p1 / pl, "gap-ratio", file,
                  "reach ratio most / least deprived")


# ----------------------------------------------------------------------------- concentration over areas
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
    """The index over areas (LSOA level): needs the public area data (IMD scores and populations)."""
    a = ctx.areas
    if a is None:
        return
    score = -a["imd_score"].to_numpy(float)
    w = a["population"].to_numpy(float)
    order = np.argsort(score, kind="stable")
    ws = w[order] / w.sum()
    cum = np.cumsum(ws)
    _, start, counts = np.unique(score[order], return_index=True, return_counts=True)
    before = np.concatenate([[0.0], cum])[start]
    r = np.empty_like(ws)
    r[order] = np.repeat(before + np.add.reduceat(ws, start) / 2, counts)
    rbar = float((w / w.sum()) @ r)
    keys = tuple(ctx.area(svc, code) for code in a["lsoa_code"].astype(str))
    n = ctx.n(svc)
    con = _Concentration((*keys, n), "concentration-fit", file, "Wagstaff concentration index of reach", True,
                         (*(r - rbar), 0.0), 0.0, 0.0)
    con.n_key, con.value, con.total_pop = n, (v[0], v[1] + 1e-6), float(w.sum())
    if ctx.once("concentration", svc, round(v[0], 12)):
        ctx.derived(con)
