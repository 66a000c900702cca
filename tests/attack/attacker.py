"""The attacker: a reader holding every published file of a report, who knows the disclosure rule.

:func:`attack` reads everything under ``reports/<run>/`` except the run's ``.svimpact/`` internals
(tables, headlines, the chapter, its Word copy, the maps and their embedded data, the executed
notebooks and their outputs, and the audit files while they are published), turns each figure
into what it says about the true counts (see ``engine``), and returns every count it pins down
that the rule should have hidden:

* (a) a count of 1 to 7, or any count behind ``[c]``;
* (b) a count the rule would have rounded (one not a multiple of 5).

Routes: printed-count, rate-x-population, interval-inversion, percent-x-total, mean-x-n,
category-share-x-n, totals-minus-cells, sii-rii-fit, gap-ratio, concentration-fit, map-classes.
``areas`` is public reference data the attacker may hold too (populations, IMD scores and
deciles of the areas); without it the concentration index and local deciles are not attacked.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from context import Context
from engine import Constraint, render
from readers import all_tables_and_texts, headlines, map_records, published_files, rel, service_of
from routes_areas import area_table, background_areas, map_data
from routes_geo import decile_table
from routes_inequality import inequality_table
from routes_people import (
    balance_table,
    effect_table,
    gross_table,
    headline,
    ledger_table,
    prose,
    survey_table,
    switching_table,
)

from svimpact.disclosure import get_rule

__all__ = ["AttackReport", "Recovery", "attack", "attack_report"]

TABLE_ATTACKS = (ledger_table, decile_table, area_table, inequality_table, effect_table, gross_table, balance_table,
                 survey_table, switching_table)


@dataclass(frozen=True)
class Recovery:
    """A count the published files give back: where, what, its value, and the route that pinned it
    (``via``: every route that narrowed it on the way)."""

    file: str
    what: str
    value: int
    route: str
    via: tuple[str, ...] = ()
    published: str = ""
    key: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = f" (published {self.published!r})" if self.published else ""
        return f"{self.what} = {self.value}{shown} [{self.route} in {self.file}; via {', '.join(self.via)}]"


@dataclass(frozen=True)
class AttackReport:
    recoveries: tuple[Recovery, ...]
    read: tuple[tuple[str, str], ...]
    refuted: tuple[str, ...]
    domains: dict = field(default_factory=dict)
    explained: tuple[str, ...] = ()

    def by_route(self) -> Counter:
        return Counter(r.route for r in self.recoveries)

    def roles(self) -> set[str]:
        return {role for _, role in self.read}


def attack(report_dir: str | Path, *, areas: pd.DataFrame | None = None, rule: str = "nhs-hes") -> list[Recovery]:
    """Every small or unrounded count the published files of ``report_dir`` give back."""
    return list(attack_report(report_dir, areas=areas, rule=rule).recoveries)


STRUCTURAL = {"printed-count", "totals-minus-cells"}


def attack_report(report_dir: str | Path, *, areas: pd.DataFrame | None = None, rule: str = "nhs-hes",
                  only: set[str] | None = None) -> AttackReport:
    """:func:`attack` with what was read and refuted; ``only``: use just these routes (with the printed
    counts and the totals, which every route builds on) to see what each route gives back alone."""
    root = Path(report_dir)
    ctx = Context(rule=get_rule(rule), areas=areas)
    _audit(ctx, root)
    tables, texts = all_tables_and_texts(root)
    services = {service_of(p) for p in published_files(root)} - {""}
    tables = sorted((t for t in tables if t.service in services), key=lambda t: (t.sig is None, t.file))  # CSV first
    claimed: set[int] = set()
    for handlers in (TABLE_ATTACKS[:3], TABLE_ATTACKS[3:]):  # populations and areas before the measures on them
        for i, t in enumerate(tables):
            if i in claimed:
                continue
            for handler in handlers:
                try:
                    if handler(ctx, t):
                        claimed.add(i)
                        break
                except (ValueError, IndexError) as err:  # a layout the attacker does not know: noted, not fatal
                    ctx.read.append((t.file, f"unreadable ({handler.__name__}: {err})"))
                    claimed.add(i)
                    break
    steps = [(file, "map data", lambda f=file, s=svc, r=recs: map_data(ctx, f, s, r)) for file, svc, recs in map_records(root)]
    steps += [("(public area data)", "areas", lambda s=svc: background_areas(ctx, s))
              for svc in sorted({k[0] for k in ctx.engine.doms})]
    steps += [(file, "headline", lambda f=file, s=svc, h=h: headline(ctx, f, s, h)) for file, svc, h in headlines(root)]
    steps += [(x.file, "prose", lambda x=x: prose(ctx, x)) for x in texts if x.service in services]
    for file, what, step in steps:
        try:
            step()
        except (ValueError, IndexError, KeyError, TypeError) as err:
            ctx.read.append((file, f"unreadable ({what}: {err})"))
    ctx.flush()
    if only is not None:
        ctx.engine.constraints = [c for c in ctx.engine.constraints if c.route in only | STRUCTURAL]
    ctx.engine.solve()
    refuted = tuple(ctx.engine.notes) + tuple(_describe(c) for c in ctx.engine.refuted)
    return AttackReport(tuple(_recoveries(ctx)), tuple(ctx.read), refuted,
                        {k: render(d) for k, d in ctx.engine.doms.items()}, tuple(ctx.explained))


def _audit(ctx: Context, root: Path) -> None:
    """A published audit of withheld cells says which are the small ones (primary suppression)."""
    for p in published_files(root):
        if p.suffix.lower() != ".csv" or "audit" not in p.parent.name.lower():
            continue
        with p.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if "between 1 and" in row.get("reason", "") or "primary" in row.get("reason", "").lower():
                    table = Path(row.get("table") or p.name).stem
                    ctx.primary.add((service_of(Path(table)), table.split("__", 1)[-1], row["row"], row["column"]))
        ctx.read.append((rel(p, root), "audit"))


def _recoveries(ctx: Context) -> list[Recovery]:
    eng, out = ctx.engine, []
    for key, dom in eng.doms.items():
        if len(dom) != 1:
            continue
        v = next(iter(dom))
        info = eng.info[key]
        hidden = info.published is not None and "[c]" in info.published
        if not hidden and ctx.publishes(v) == str(v):
            continue
        if hidden and v == 0:
            continue
        c = eng.pinned_by.get(key)
        route = c.route if c else "printed-count"
        out.append(Recovery(c.file if c else info.file, info.what, v, route, tuple(sorted(eng.routes[key] - {route})),
                            info.published or "", key))
    return sorted(out, key=lambda r: (r.file, r.what))


def _describe(c: Constraint) -> str:
    return f"{c.route} in {c.file}: {c.note}"
