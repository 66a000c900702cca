"""What the attacker holds while reading: the engine, the rule, populations and areas, and helpers
that turn printed cells into domains and constraints.

Tables are recognised by what their columns and rows *mean* (a count column, a rate per 1,000, a
percentage of the column total, an area code...), not by the file they came from, so the attacks
keep working when names or layouts change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from engine import UNBOUNDED, Constraint, Dom, Engine, Func, Key, Linear, Ratio, interval
from readers import parse_number

from svimpact.disclosure import DisclosureRule, get_rule

SUPPRESSED_WORDS = ("[c]", "suppress", "withheld", "not shown")
COUNT_WORDS = ("user", "beneficiar", "respondent", "count", "participant", "household", "people", "persons", "number")
NOT_COUNT_WORDS = ("pct", "percent", "share", "rate", "per_", "lower", "upper", "weighted", "population", "weight",
                   "value", "score", "rank", "mean", "ratio", "lsoas")


def norm(name: str) -> str:
    # '%' in a header means a percentage, as any reader knows ('Participants (%)' -> 'participants_pct')
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("%", " pct ")).strip("_")


def is_count_column(name: str) -> bool:
    n = norm(name)
    return any(w in n for w in COUNT_WORDS) and not any(w in n for w in NOT_COUNT_WORDS)


def decile_of(label: str) -> int | None:
    m = re.fullmatch(r"\s*(?:decile\s*)?(\d{1,2})\b.*", label.strip().lower())
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 10 else None


def is_total(label: str) -> bool:
    return label.strip().lower() in {"total", "all", "all deciles", "total (all deciles)"}


def wilson(x: np.ndarray, n: np.ndarray | float, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of x / n (as the project and every textbook compute them)."""
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@dataclass
class Context:
    """The attacker's state while reading one report."""

    engine: Engine = field(default_factory=Engine)
    rule: DisclosureRule = field(default_factory=lambda: get_rule("nhs-hes"))
    decile_pop: dict[str, dict[int, tuple[float, float]]] = field(default_factory=dict)
    area_pop: dict[str, float] = field(default_factory=dict)
    area_decile: dict[str, int] = field(default_factory=dict)
    areas: pd.DataFrame | None = None
    read: list[tuple[str, str]] = field(default_factory=list)
    primary: set[tuple[str, str, str, str]] = field(default_factory=set)
    pending: list[Constraint] = field(default_factory=list)
    explained: list[str] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    # -------------------------------------------------------------- domains of printed counts
    def count_domain(self, text: str) -> Dom | None:
        """What a printed count allows: '[c]' -> 1 and up, '30' -> 28..32, '0' -> 0, '31' -> 31 exactly."""
        s = text.strip().lower()
        if not s:
            return None
        if re.search(r"\bor (?:withheld|suppressed|hidden)", s):
            return interval(0, UNBOUNDED)  # 'fewer than 8, or withheld': small, or hidden whatever its size
        if any(w in s for w in SUPPRESSED_WORDS):
            m = re.search(r"(\d+)\s*(?:-|\u2013|to)\s*(\d+)", s)
            if m:
                return interval(int(m.group(1)), int(m.group(2)))
            m = re.search(r"fewer than (\d+)", s)
            return interval(0, int(m.group(1)) - 1) if m else interval(1 if self.rule.zero_stays else 0, UNBOUNDED)
        m = re.search(r"fewer than (\d+)", s)
        if m:
            return interval(0, int(m.group(1)) - 1)
        parsed = parse_number(s.split()[0] if s.split() else s)
        if parsed is None or parsed[0] != int(parsed[0]) or parsed[0] < 0:
            return None
        v = int(parsed[0])
        r = self.rule
        if v == 0 and r.zero_stays:
            return interval(0, 0)
        if v <= r.suppress_max or (r.round_to > 1 and v % r.round_to):
            return interval(v, v)  # the rule never prints this: it is the count itself
        lo = math.ceil(v - r.round_to / 2) if r.round_to > 1 else v
        hi = math.ceil(v + r.round_to / 2) - 1 if r.round_to > 1 else v
        return interval(max(lo, r.suppress_max + 1), hi)

    def publishes(self, v: int) -> str:
        """How the rule would print a true count ``v``."""
        r = self.rule
        if v == 0 and r.zero_stays:
            return "0"
        if v <= r.suppress_max:
            return "[c]"
        return str(int(math.floor(v / r.round_to + 0.5) * r.round_to)) if r.round_to > 1 else str(v)

    def printed(self, key: Key, what: str, text: str, file: str, primary: bool = False) -> Key | None:
        """Declare ``key`` and constrain it to what its printed ``text`` allows (``primary``: the
        published audit says this withheld cell is a small count, not a secondary one)."""
        dom = self.count_domain(text)
        if dom is None:
            return None
        if primary and "[c]" in text:
            dom = interval(1, self.rule.suppress_max)
        return self.engine.published(key, what, text.strip(), dom, file)

    # -------------------------------------------------------------- constraints, each added once
    def once(self, *sig) -> bool:
        if sig in self._seen:
            return False
        self._seen.add(sig)
        return True

    def bound(self, key: Key, lo: float, hi: float, route: str, file: str, note: str, tentative: bool = True) -> None:
        if self.once("bound", key, round(lo, 9), round(hi, 9)):
            self.engine.add(Linear((key,), route, file, note, tentative, (1.0,), lo, hi))

    def ratio(self, x: Key, y: Key, lo: float, hi: float, route: str, file: str, note: str) -> None:
        if self.once("ratio", x, y, round(lo, 12), round(hi, 12)):
            self.derived(Ratio((x, y), route, file, note, True, max(lo, 0.0), hi))

    def derived(self, c: Constraint) -> None:
        """A derived figure: kept until reading ends, then dropped if the published counts give it
        (a figure computed from published counts tells nothing new)."""
        self.pending.append(c)

    def flush(self) -> None:
        for c in self.pending:
            if self._explained(c):
                self.explained.append(f"{c.route} in {c.file}: {c.note}")
            else:
                self.engine.add(c)
        self.pending.clear()

    def _explained(self, c: Constraint) -> bool:
        """Do the published counts give this figure? Counts never printed count as any rounded value."""
        if callable(getattr(c, "explain", None)):
            return bool(c.explain())  # type: ignore[attr-defined]
        pubs = [self._published_number(k) for k in c.vars]
        if sum(p is None for p in pubs) > 1:
            return False
        known = [p for p in pubs if p is not None]
        step = max(self.rule.round_to, 1)
        guesses = np.arange(0, max(known, default=10_000) * 2 + step + 1, step)
        cols = [np.full(len(guesses), p) if p is not None else guesses for p in pubs]
        if isinstance(c, Ratio):
            with np.errstate(all="ignore"):
                r = cols[0] / cols[1]
            return bool(((r >= c.lo - 1e-12) & (r <= c.hi + 1e-12) & (cols[1] > 0)).any())
        if isinstance(c, Linear):
            v = sum(a * col for a, col in zip(c.coefs, cols))
            return bool(((v >= c.lo - 1e-9) & (v <= c.hi + 1e-9)).any())
        if isinstance(c, Func):
            return bool(c.holds(cols).any())
        return False

    def _published_number(self, key: Key, depth: int = 0) -> int | None:
        """The count as printed, or as the printed counts it adds up from (Core20 = deciles 1 + 2)."""
        text = self.engine.info[key].published if key in self.engine.info else None
        v = parse_number(text.split()[0]) if text and text.split() else None
        if v:
            return int(v[0])
        for c in self.engine.constraints if depth < 2 else ():
            if isinstance(c, Linear) and not c.tentative and c.lo == c.hi == 0 and len(c.vars) > 2 \
                    and c.vars[-1] == key and all(a == 1 for a in c.coefs[:-1]):
                parts = [self._published_number(k, depth + 1) for k in c.vars[:-1]]
                if all(p is not None for p in parts):
                    return int(sum(parts))
        return None

    def total(self, parts: list[Key], whole: Key, route: str, file: str, note: str, tentative: bool = False) -> None:
        if parts and self.once("sum", tuple(sorted(parts)), whole):
            self.engine.add(Linear((*parts, whole), route, file, note, tentative, (1.0,) * len(parts) + (-1.0,), 0, 0))

    # -------------------------------------------------------------- well-known unknowns
    def n(self, svc: str) -> Key:
        return self.engine.var((svc, "N"), f"{svc}: participants (all users)")

    def users(self, svc: str, scale: str, d: int) -> Key:
        return self.engine.var((svc, "users", scale, str(d)), f"{svc}: users in {scale} decile {d}")

    def area(self, svc: str, code: str) -> Key:
        return self.engine.var((svc, "area", code), f"{svc}: users in area {code}")

    def deciles_sum_to_n(self, svc: str, scale: str, file: str) -> None:
        self.total([self.users(svc, scale, d) for d in range(1, 11)], self.n(svc), "totals-minus-cells", file,
                   f"{scale} deciles add up to all users")
