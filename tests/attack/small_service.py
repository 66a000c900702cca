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


def participants() -> pd.DataFrame:
    """The 67 participants: the first records (by id) in each decile x (female, outcome) cell."""
    people = pd.read_csv(DATA / "synthetic_housing_first_participants.csv", dtype=str)
    areas = pd.read_csv(DATA / "synthetic_areas.csv", usecols=["lsoa_code", "imd_decile"])
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


def survey() -> pd.DataFrame:
    answers = pd.read_csv(DATA / "synthetic_housing_first_survey.csv", dtype=str).sort_values("respondent_id")
    return pd.concat([answers[answers["would_have_happened_anyway"] == a].head(k) for a, k in SURVEY.items()]
                     ).sort_values("respondent_id").reset_index(drop=True)


def write_small_service(tmp: Path) -> Path:
    """Write the small service's data, params and a one-service batch under ``tmp``; return the batch file."""
    tmp.mkdir(parents=True, exist_ok=True)
    participants().to_csv(tmp / "participants.csv", index=False, lineterminator="\n")
    survey().to_csv(tmp / "survey.csv", index=False, lineterminator="\n")
    params = yaml.safe_load((REPO / "params" / "housing_first.yaml").read_text(encoding="utf-8"))
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
