"""A small service built to be attacked: 67 participants with cells of 1 to 3 (SYNTHETIC).

The records are drawn, deterministically, from the demo's synthetic Housing First records: most
participants sit in the three most deprived deciles, the other deciles hold 1 to 3, nearly every
area holds 1 or 2, and the survey has options answered by 1 or 2 people. Small cells are planted
where the issue found leaks: 4 of 67 did not sustain a tenancy, 3 are women, 2 answered "yes,
fully" and 1 "don't know".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"

# decile -> {(female, sustained_12m): how many participants}
PLAN: dict[int, dict[tuple[int, int], int]] = {
    1: {(1, 1): 2, (0, 0): 2, (0, 1): 16},
    2: {(0, 0): 2, (0, 1): 20},
    3: {(0, 1): 11},
    4: {(1, 1): 1, (0, 1): 2},
    5: {(0, 1): 2},
    6: {(0, 1): 3},
    7: {(0, 1): 1},
    8: {(0, 1): 2},
    9: {(0, 1): 1},
    10: {(0, 1): 2},
}
SURVEY = {"yes_fully": 2, "partly": 22, "no": 31, "dont_know": 1}
SERVICE = "small_service"


FICTIONAL = {"areas": "../data/synthetic_areas.csv", "boundaries": "../shapefiles/synthetic_city_region_lsoa.gpkg",
             "boroughs": "../shapefiles/synthetic_city_region_boroughs.gpkg"}
"""The fictional region's area files (relative to params/): ``before_fix/`` was built on it (issue 12)."""


def _records(part: str, fictional: bool) -> pd.DataFrame:
    """The demo's Housing First records, or (``fictional``) those the generator places in the fictional region,
    byte for byte the demo's files before issue 16 moved the demo onto real LCR areas."""
    if not fictional:
        return pd.read_csv(DATA / f"synthetic_housing_first_{part}.csv", dtype=str)
    import io

    from svimpact.datasets import DEFAULT_SEED, make_housing_first

    frame = getattr(make_housing_first(pd.read_csv(DATA / "synthetic_areas.csv"), DEFAULT_SEED), part)
    return pd.read_csv(io.StringIO(frame.to_csv(index=False, lineterminator="\n", float_format="%.6g")), dtype=str)


def participants(fictional: bool = False) -> pd.DataFrame:
    """The 67 participants: the first records (by id) in each decile x (female, outcome) cell."""
    people = _records("participants", fictional)
    areas_file = DATA / ("synthetic_areas.csv" if fictional else "lcr/lcr_areas_iod2025.csv")
    areas = pd.read_csv(areas_file, usecols=["lsoa_code", "imd_decile"])
    decile = people["lsoa_code"].map(areas.set_index("lsoa_code")["imd_decile"])
    picked = []
    for d, cells in PLAN.items():
        for (female, sustained), k in cells.items():
            pool = people[(decile == d) & (people["female"] == str(female))
                          & (people["sustained_12m"] == str(sustained))].sort_values("person_id")
            if len(pool) < k:
                raise RuntimeError(f"decile {d}: only {len(pool)} records for {(female, sustained)}, {k} wanted")
            picked.append(pool.head(k))
    return pd.concat(picked).sort_values("person_id").reset_index(drop=True)


def survey(fictional: bool = False) -> pd.DataFrame:
    answers = _records("survey", fictional).sort_values("respondent_id")
    return pd.concat([answers[answers["would_have_happened_anyway"] == a].head(k) for a, k in SURVEY.items()]
                     ).sort_values("respondent_id").reset_index(drop=True)


def write_small_service(tmp: Path, fictional: bool = False) -> Path:
    """Write the small service's data, params and a one-service batch under ``tmp``; return the batch file.

    ``fictional``: the service as ``before_fix/`` was built, in the fictional region."""
    tmp.mkdir(parents=True, exist_ok=True)
    participants(fictional).to_csv(tmp / "participants.csv", index=False, lineterminator="\n")
    survey(fictional).to_csv(tmp / "survey.csv", index=False, lineterminator="\n")
    params = yaml.safe_load((REPO / "params" / "housing_first.yaml").read_text(encoding="utf-8"))
    params["data"] |= FICTIONAL if fictional else {}
    data = {k: str((REPO / "params" / v).resolve()) for k, v in params["data"].items()}
    data |= {"participants": str(tmp / "participants.csv"), "survey": str(tmp / "survey.csv")}
    params |= {"service": SERVICE, "title": "Small service", "data": data}
    params["description"] = "A small Housing First service (SYNTHETIC records) built for the disclosure attack tests."
    # the small cells are planted in the 0/1 outcome (the demo's own outcome is sustainment from dates)
    params["outcome"] = {"column": "sustained_12m", "label": "tenancy sustained for 12 months", "kind": "binary"}
    params["effect"]["n_draws"] = 200
    params["valuation"]["n_draws"] = 2000
    (tmp / f"{SERVICE}.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    batch = {"title": "Small service (SYNTHETIC attack test)", "seed": 20261121, "output_dir": str(tmp / "out"),
             "notebook_dir": str(REPO / "notebooks"), "notebooks": ["additionality", "targeting"],
             "services": [f"{SERVICE}.yaml"], "timeout_seconds": 600, "jobs": 2}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False), encoding="utf-8")
    return path
