"""The attacker's reasoning: integer unknowns, what each published figure says about them, propagation.

Every count the attacker wants (users in a decile, in an area, participants, women among them...) is
an integer unknown with a *domain*, the values still possible. A published figure becomes a
constraint: ``30`` in a count column says 28-32 (the rule rounds to 5), ``[c]`` says at least 1, a
rate per 1,000 printed to six figures times the population says exactly 31, a total says the cells
sum to it, an SII says which split of two hidden cells fits its digits. Constraints are propagated
to a fixed point; a domain left with one value is a recovered count.

A figure whose meaning is a guess (that a covariate is 0/1, that a share's denominator is the
table's total, that the SII was fitted as the project fits it) is *tentative*: it is applied on
trial and withdrawn if it contradicts what is already known, so a wrong guess never produces a
false recovery. Every domain is sound: it always contains the true value when the guesses that
survive are right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

Key = tuple[str, ...]
Dom = range | frozenset
UNBOUNDED = 1_000_000
"""Upper bound of a count the attacker knows nothing about."""
ENUM_LIMIT = 1_000_000
"""Most partial assignments a joint enumeration may hold (beyond it, only bounds are used)."""
_EPS = 1e-9


# ----------------------------------------------------------------------------- domains
def interval(lo: int, hi: int) -> Dom:
    return range(int(lo), int(hi) + 1)


def dmin(d: Dom) -> int:
    return d.start if isinstance(d, range) else min(d)


def dmax(d: Dom) -> int:
    return d.stop - 1 if isinstance(d, range) else max(d)


def clip(d: Dom, lo: float, hi: float) -> Dom:
    """The values of ``d`` within [lo, hi] (real bounds, widened by a hair for float error)."""
    a = math.ceil(lo - _EPS * max(1.0, abs(lo))) if math.isfinite(lo) else -UNBOUNDED
    b = math.floor(hi + _EPS * max(1.0, abs(hi))) if math.isfinite(hi) else UNBOUNDED
    if isinstance(d, range):
        return range(max(d.start, a), max(min(d.stop, b + 1), max(d.start, a)))
    return frozenset(v for v in d if a <= v <= b)


def restrict(d: Dom, values: Iterable[int]) -> Dom:
    return frozenset(int(v) for v in values if int(v) in d)


def values(d: Dom) -> np.ndarray:
    return np.arange(d.start, d.stop, dtype=np.int64) if isinstance(d, range) else np.array(sorted(d), dtype=np.int64)


def render(d: Dom) -> str:
    if not len(d):
        return "{}"
    if isinstance(d, range) or len(d) == dmax(d) - dmin(d) + 1:
        return f"{dmin(d)}..{dmax(d)}" if len(d) > 1 else str(dmin(d))
    return "{" + ",".join(map(str, sorted(d))) + "}"


# ----------------------------------------------------------------------------- constraints
@dataclass(eq=False)
class Constraint:
    """What one published figure says about some unknowns."""

    vars: tuple[Key, ...]
    route: str
    file: str
    note: str = ""
    tentative: bool = True

    def narrow(self, doms: dict[Key, Dom], engine: Engine) -> dict[Key, Dom] | None:
        """New (smaller) domains for some of ``vars``; ``None`` when no value fits."""
        raise NotImplementedError


@dataclass(eq=False)
class Linear(Constraint):
    """lo <= sum(coef * x) <= hi."""

    coefs: tuple[float, ...] = ()
    lo: float = 0.0
    hi: float = 0.0

    def narrow(self, doms, engine):
        a = np.asarray(self.coefs, float)
        lo_v = np.array([dmin(doms[k]) for k in self.vars], float)
        hi_v = np.array([dmax(doms[k]) for k in self.vars], float)
        work: dict[Key, Dom] = {}
        for _ in range(50):
            t_lo, t_hi = np.minimum(a * lo_v, a * hi_v), np.maximum(a * lo_v, a * hi_v)
            low, high = t_lo.sum(), t_hi.sum()
            tol = 1e-9 * max(1.0, abs(self.lo), abs(self.hi))
            if low > self.hi + tol or high < self.lo - tol:
                return None
            with np.errstate(divide="ignore", invalid="ignore"):
                b1, b2 = (self.lo - (high - t_hi)) / a, (self.hi - (low - t_lo)) / a
            new_lo = np.where(a != 0, np.ceil(np.minimum(b1, b2) - 1e-9 * np.maximum(1, np.abs(np.minimum(b1, b2)))), lo_v)
            new_hi = np.where(a != 0, np.floor(np.maximum(b1, b2) + 1e-9 * np.maximum(1, np.abs(np.maximum(b1, b2)))), hi_v)
            tighter = np.flatnonzero((new_lo > lo_v) | (new_hi < hi_v))
            if not len(tighter):
                break
            for i in tighter:
                k = self.vars[i]
                d = clip(work.get(k, doms[k]), new_lo[i], new_hi[i])
                if not len(d):
                    return None
                work[k] = d
                lo_v[i], hi_v[i] = dmin(d), dmax(d)
        if len(self.vars) > 1:
            exact = engine.enumerate(self.vars, {**doms, **work}, [self])
            if exact is not None:
                if not exact:
                    return None
                work |= {k: v for k, v in exact.items() if k in self.vars}
        return {k: d for k, d in work.items() if len(d) < len(doms[k])}


@dataclass(eq=False)
class Ratio(Constraint):
    """lo <= x / y <= hi with y >= 1: a share, percentage or mean of x among y people."""

    lo: float = 0.0
    hi: float = 0.0

    def narrow(self, doms, engine):
        x, y = self.vars
        dx, dy = doms[x], doms[y]
        if len(dy) > 2 * UNBOUNDED:
            return _changed(doms, {x: clip(dx, self.lo * dmin(dy), self.hi * dmax(dy))})
        ys = values(dy)
        ys = ys[ys > 0]
        xlo = np.ceil(self.lo * ys - _EPS * np.maximum(1, self.lo * ys))
        xhi = np.floor(self.hi * ys + _EPS * np.maximum(1, self.hi * ys))
        xlo, xhi = np.maximum(xlo, dmin(dx)), np.minimum(xhi, dmax(dx))
        ok = xlo <= xhi
        if isinstance(dx, frozenset):
            xs = values(dx)
            first = np.searchsorted(xs, xlo)
            ok &= (first < len(xs)) & (xs[np.minimum(first, len(xs) - 1)] <= xhi)
        if not ok.any():
            return None
        ys, xlo, xhi = ys[ok], xlo[ok], xhi[ok]
        out: dict[Key, Dom] = {y: restrict(dy, ys) if len(ys) < len(dy) else dy}
        if len(dx) <= 200_000:
            xs = values(dx)
            # x is possible if some surviving y has x in [xlo, xhi]: y in [x / hi, x / lo]
            order = np.argsort(ys)
            ys_sorted = ys[order]
            ylow = np.ceil(xs / self.hi - _EPS * np.maximum(1, xs / self.hi)) if self.hi > 0 else np.full(len(xs), 1.0)
            yhigh = (np.floor(xs / self.lo + _EPS * np.maximum(1, xs / self.lo)) if self.lo > 0
                     else np.full(len(xs), float(UNBOUNDED) * 10))
            i = np.searchsorted(ys_sorted, ylow)
            keep = (i < len(ys_sorted)) & (ys_sorted[np.minimum(i, len(ys_sorted) - 1)] <= yhigh)
            out[x] = restrict(dx, xs[keep]) if not keep.all() else dx
        else:
            out[x] = clip(dx, float(xlo.min()), float(xhi.max()))
        return _changed(doms, out)


@dataclass(eq=False)
class Func(Constraint):
    """lo <= fn(*xs) <= hi, fn vectorised over integer arrays; checked by joint enumeration."""

    fn: Callable[..., np.ndarray] | None = None
    lo: float = 0.0
    hi: float = 0.0

    def holds(self, cols: Sequence[np.ndarray]) -> np.ndarray:
        assert self.fn is not None
        with np.errstate(all="ignore"):
            v = np.asarray(self.fn(*cols), dtype=float)
        return np.isfinite(v) & (v >= self.lo - _EPS * abs(self.lo)) & (v <= self.hi + _EPS * abs(self.hi))

    def narrow(self, doms, engine):
        exact = engine.enumerate(self.vars, doms, [self])
        if exact is None:
            return {}
        if not exact:
            return None
        return {k: v for k, v in exact.items() if k in self.vars and len(v) < len(doms[k])}


def _changed(doms: dict[Key, Dom], new: dict[Key, Dom]) -> dict[Key, Dom] | None:
    if any(not len(d) for d in new.values()):
        return None
    return {k: d for k, d in new.items() if len(d) < len(doms[k])}


def precision(c: Constraint) -> float:
    """Relative width of what a constraint allows: sums and other exact relations 0, a figure printed
    to six figures about 1e-6, one printed to a decimal place or two far more. Trials go from the
    most precise: a leak printed to six figures is tried before a figure rounded from published counts."""
    lo, hi = getattr(c, "lo", 0.0), getattr(c, "hi", 0.0)
    if isinstance(c, Linear) and lo == hi:
        return 0.0
    return (hi - lo) / max(abs(hi + lo) / 2, 1e-300)


# ----------------------------------------------------------------------------- the engine
@dataclass
class VarInfo:
    what: str
    published: str | None = None
    file: str = ""


@dataclass
class Engine:
    """Unknowns, their domains and the constraints on them; :meth:`solve` propagates."""

    doms: dict[Key, Dom] = field(default_factory=dict)
    info: dict[Key, VarInfo] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    accepted: list[Constraint] = field(default_factory=list)
    refuted: list[Constraint] = field(default_factory=list)
    pinned_by: dict[Key, Constraint] = field(default_factory=dict)
    failed: Constraint | None = None
    notes: list[str] = field(default_factory=list)
    touching: dict[Key, list[Constraint]] = field(default_factory=dict)
    routes: dict[Key, set[str]] = field(default_factory=dict)

    def var(self, key: Key, what: str, dom: Dom | None = None) -> Key:
        if key not in self.doms:
            self.doms[key] = interval(0, UNBOUNDED)
            self.info[key] = VarInfo(what)
            self.routes[key] = set()
        if dom is not None:
            new = clip(self.doms[key], dmin(dom), dmax(dom)) if isinstance(dom, range) else restrict(self.doms[key], dom)
            self.doms[key] = new
        return key

    def published(self, key: Key, what: str, text: str, dom: Dom, file: str) -> Key:
        """A count printed in ``file`` as ``text``: its domain is what the rule allows."""
        self.var(key, what)
        if self.info[key].published is None or "[c]" in (self.info[key].published or ""):
            self.info[key].published, self.info[key].file = text, file
        self.add(Linear((key,), "printed-count", file, f"printed as {text!r}", False, (1.0,), dmin(dom), dmax(dom)))
        return key

    def add(self, c: Constraint) -> None:
        for k in c.vars:
            if k not in self.doms:
                raise KeyError(f"constraint on an undeclared unknown {k}")
        self.constraints.append(c)

    # -------------------------------------------------------------- propagation
    def solve(self) -> None:
        """Firm readings first, then each trial from the most precise. If the firm readings contradict
        each other (a table misread), every reading becomes a trial instead of the attack failing."""
        start = dict(self.doms)
        hard = [c for c in self.constraints if not c.tentative]
        self.accepted = list(hard)
        if not self._fixpoint(hard):
            c = self.failed
            self.notes.append(f"firm readings contradict each other at {c.route if c else ''} in "
                              f"{c.file if c else ''} ({c.note if c else ''}): all taken as trials")
            self.doms, self.accepted, self.touching, self.pinned_by = start, [], {}, {}
            self.routes = {k: set() for k in self.doms}
            for c in hard:
                c.tentative = True
            hard = []
        for c in sorted((c for c in self.constraints if c.tentative), key=precision):
            saved = (dict(self.doms), dict(self.pinned_by), {k: set(v) for k, v in self.routes.items()})
            self.accepted.append(c)
            if not self._fixpoint([c]):
                self.doms, self.pinned_by, self.routes = saved
                self.accepted.pop()
                self.refuted.append(c)
                for k in c.vars:
                    if c in self.touching.get(k, []):
                        self.touching[k].remove(c)

    def _fixpoint(self, start: list[Constraint]) -> bool:
        touching = self.touching
        for c in start:
            for k in c.vars:
                if c not in touching.setdefault(k, []):
                    touching[k].append(c)
        queue, queued = list(start), set(map(id, start))
        while queue:
            c = queue.pop(0)
            queued.discard(id(c))
            new = c.narrow(self.doms, self)
            if new is None:
                self.failed = c
                return False
            for k, d in new.items():
                if not len(d):
                    return False
                if len(d) >= len(self.doms[k]):
                    continue
                self.doms[k] = d
                self.routes[k] |= {c.route} | {r for o in c.vars if o != k and len(self.doms[o]) < UNBOUNDED
                                               for r in self.routes[o]}
                if len(d) == 1:
                    self.pinned_by[k] = c
                for other in touching.get(k, []):
                    if other is not c and id(other) not in queued:
                        queue.append(other)
                        queued.add(id(other))
            if len(queue) > 200_000:
                raise RuntimeError("propagation does not settle")
        return True

    # -------------------------------------------------------------- joint enumeration
    def enumerate(self, keys: Sequence[Key], doms: dict[Key, Dom], checks: Sequence[Constraint]
                  ) -> dict[Key, Dom] | None:
        """Supports of each unknown over every joint assignment that satisfies ``checks`` and the
        accepted linear constraints among these unknowns (and small-domain neighbours).

        ``None`` when the assignments would be too many to hold; ``{}`` when none fits.
        """
        keys = list(dict.fromkeys(keys))
        if sum(len(doms[k]) > 1 for k in keys) > 12 or math.prod(len(doms[k]) for k in keys) > ENUM_LIMIT:
            return None
        near = {id(c): c for k in keys for c in self.touching.get(k, ())
                if isinstance(c, Linear) and len(c.vars) > 1 and c not in checks}
        linears = [c for c in checks if isinstance(c, Linear)]
        size = math.prod(len(doms[k]) for k in keys)
        for c in near.values():  # neighbours that stay small: at most one more free unknown each
            new = [k for k in c.vars if k not in keys]
            grow = math.prod(len(doms[k]) for k in new)
            if len(c.vars) <= 24 and sum(len(doms[k]) > 1 for k in new) <= 1 and size * grow <= ENUM_LIMIT:
                linears.append(c)
                keys += new
                size *= grow
        keys.sort(key=lambda k: len(doms[k]))
        pos = {k: i for i, k in enumerate(keys)}
        coef = np.zeros((len(linears), len(keys)))
        for i, c in enumerate(linears):
            for v, a in zip(c.vars, c.coefs):
                coef[i, pos[v]] += a
        lo_k = np.array([dmin(doms[k]) for k in keys], float)
        hi_k = np.array([dmax(doms[k]) for k in keys], float)
        t_lo, t_hi = np.minimum(coef * lo_k, coef * hi_k), np.maximum(coef * lo_k, coef * hi_k)
        # bounds of the terms not yet assigned after stage j: suffix sums from j + 1
        rest_lo = np.concatenate([np.cumsum(t_lo[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((len(linears), 1))], 1)
        rest_hi = np.concatenate([np.cumsum(t_hi[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((len(linears), 1))], 1)
        c_lo = np.array([c.lo for c in linears]) - _EPS * np.array([max(1.0, abs(c.lo), abs(c.hi)) for c in linears])
        c_hi = np.array([c.hi for c in linears]) + _EPS * np.array([max(1.0, abs(c.lo), abs(c.hi)) for c in linears])
        rows = np.zeros((1, 0), dtype=np.int32)
        part = np.zeros((1, len(linears)))
        for j, k in enumerate(keys):
            vals = values(doms[k]).astype(np.int32)
            n = len(rows)
            rows = np.concatenate([np.repeat(rows, len(vals), axis=0), np.tile(vals, n)[:, None]], axis=1)
            part = np.repeat(part, len(vals), axis=0) + rows[:, j:j + 1] * coef[:, j]
            if len(linears):
                keep = ((part + rest_hi[:, j] >= c_lo) & (part + rest_lo[:, j] <= c_hi)).all(axis=1)
                rows, part = rows[keep], part[keep]
            if len(rows) > ENUM_LIMIT:
                return None
            if not len(rows):
                return {}
        for c in checks:
            if isinstance(c, Func):
                rows = rows[c.holds([rows[:, pos[k]] for k in c.vars])]
        if not len(rows):
            return {}
        return {k: restrict(doms[k], np.unique(rows[:, pos[k]])) for k in keys}
