"""The true counts behind a service's report, from its input files: to check that every count the
attacker claims is right (so a recovery is a real leak, never the attacker's mistake)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from svimpact.geo.inequality import phe_quantile
from svimpact.io.params import load_service_params

SURVEY_COLUMN = "would_have_happened_anyway"
COUNTED = ("yes_fully", "partly", "no")


def true_counts(params_file: str | Path) -> dict[tuple[str, ...], int]:
    """Every count the attacker has a name for, keyed as the attacker keys them."""
    p = load_service_params(params_file)
    svc = p.service
    people = pd.read_csv(p.data.participants)
    areas = pd.read_csv(p.data.areas)
    codes = people[p.area_column].astype(str)
    decile = codes.map(areas.set_index("lsoa_code")["imd_decile"])
    local = phe_quantile(areas["imd_score"].to_numpy(float), q=10, invert=True).to_numpy(dtype=np.int64, na_value=0)
    local_of = codes.map(pd.Series(local, index=areas["lsoa_code"].astype(str)))
    out: dict[tuple[str, ...], int] = {(svc, "N"): len(people)}
    for d in range(1, 11):
        out[(svc, "users", "national", str(d))] = int((decile == d).sum())
        out[(svc, "users", "local", str(d))] = int((local_of == d).sum())
    out[(svc, "core20")] = int(decile.isin([1, 2]).sum())
    for code in areas["lsoa_code"].astype(str):
        out[(svc, "area", code)] = int((codes == code).sum())
    # larger map areas (issue 16): MSOAs by name, boroughs by IMD decile, boroughs
    per_lsoa = codes.value_counts().reindex(areas["lsoa_code"].astype(str), fill_value=0).to_numpy()
    groups = [areas["lad_code"].astype(str) + " decile " + areas["imd_decile"].astype(str), areas["lad_code"].astype(str)]
    if "msoa_name" in areas.columns:
        groups.append(areas["msoa_name"].astype(str))
    for g in groups:
        for unit, n in pd.Series(per_lsoa).groupby(g.to_numpy()).sum().items():
            out.setdefault((svc, "area", str(unit)), int(n))
    if p.outcome.kind != "duration":  # a Kaplan-Meier sustainment is no count of people: any claim about it is false
        y = people[p.outcome.column]
        out[(svc, "outcome", "1")], out[(svc, "outcome", "0")] = int((y == 1).sum()), int((y == 0).sum())
    for cov in p.effect.covariates:
        col = people[cov]
        levels = [(cov, col == 1)] if set(col.dropna().unique()) <= {0, 1} else [
            (f"{cov}[{lv}]", col == lv) for lv in col.dropna().unique()]
        for name, hit in levels:
            out[(svc, "covariate", name, "1")] = int(hit.sum())
            out[(svc, "covariate", name, "0")] = int((~hit).sum())
    outside = int((~codes.isin(areas["lsoa_code"].astype(str))).sum())
    for what in ("leakage",):
        out[(svc, "ledger", what, "successes")] = outside
        out[(svc, "ledger", what, "failures")] = len(people) - outside
        out[(svc, "ledger", what, "all")] = len(people)
    out[(svc, "comparison N")] = len(pd.read_csv(p.data.comparison))
    if p.data.survey is not None:
        answers = pd.read_csv(p.data.survey)[SURVEY_COLUMN]
        for a in answers.unique():
            out[(svc, "survey", str(a))] = int((answers == a).sum())
        out[(svc, "survey counted")] = int(answers.isin(COUNTED).sum())
        out[(svc, "survey all")] = len(answers)
    return out
