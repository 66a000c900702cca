"""End to end: the attacker against the demo's report and the small service's (issue 12, item 2).

Each batch runs once per module, into a temporary folder: the Year One demo exactly as ``make
demo`` runs it, and the 67-participant small service (``small_service.py``). The attacker reads
every published file (``attacker.py``) with the public area data (populations and IMD) beside it.

Before the disclosure layer both reports gave counts back (``test_attack_before_fix.py`` keeps the
small service's files of then and shows the attacks recover its small cells); with it, neither
does. The other tests keep the "nothing comes back" ones meaningful: the attacker reads every kind
of output without misreading it, and every count it claims is the true one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from attacker import AttackReport, attack_report
from small_service import SERVICE, write_small_service
from truth import true_counts

from svimpact.cli import main

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
# What the attacker must find and read in any report of these notebooks, whatever the format.
ROLES = {"decile table", "area table", "inequality measures", "effect estimate", "covariate balance",
         "survey answers", "additionality ledger", "gross outcomes", "map data", "headline"}


def _run(batch: Path) -> Path:
    assert main(["run", str(batch)]) == 0, "the batch failed"
    return Path(yaml.safe_load(batch.read_text())["output_dir"])


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    """Public reference data the attacker may hold: populations, IMD scores and deciles of the areas."""
    return pd.read_csv(REPO / "data" / "lcr" / "lcr_areas_iod2025.csv")  # the demo's real LCR areas (issue 16)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("demo")
    batch = yaml.safe_load((REPO / "params" / "year_one.yaml").read_text())
    batch |= {"output_dir": str(tmp / "year-one"), "notebook_dir": str(REPO / "notebooks"),
              "services": [str(REPO / "params" / s) for s in batch["services"]]}
    (tmp / "year_one.yaml").write_text(yaml.safe_dump(batch, sort_keys=False))
    return _run(tmp / "year_one.yaml")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return _run(write_small_service(tmp_path_factory.mktemp("small")))


@pytest.fixture(scope="module")
def attacked(demo, small, areas) -> dict[str, AttackReport]:
    return {"demo": attack_report(demo, areas=areas), "small": attack_report(small, areas=areas)}


@pytest.fixture(scope="module")
def truth(small) -> dict:
    out = {}
    for params in (REPO / "params" / "housing_first.yaml", REPO / "params" / "households_into_work.yaml",
                   small.parent / f"{SERVICE}.yaml"):
        out |= true_counts(params)
    return out


def _listing(report: AttackReport, limit: int = 40) -> str:
    lines = [f"{len(report.recoveries)} count(s) given back; by route: {dict(report.by_route())}"]
    lines += [f"  {r}" for r in report.recoveries[:limit]]
    return "\n".join(lines)


@pytest.mark.parametrize("which", ["demo", "small"])
def test_attacker_reads_every_kind_of_output(attacked, which, request):
    """The attacks stay meaningful: a format the attacker cannot read would make 'nothing comes back' vacuous.
    A report lists priority areas only when some are significantly low (issue 16): then it must be read."""
    report, root = attacked[which], request.getfixturevalue(which)
    roles = ROLES if list((root / "tables").glob("*priority-areas.csv")) else ROLES - {"area table"}
    assert report.roles() >= roles, f"not read: {sorted(roles - report.roles())}"
    assert not [r for r in report.read if r[1].startswith("unreadable")]
    assert not [n for n in report.refuted if n.startswith("firm readings")], "the attacker misread a table"
    read = {f for f, _ in report.read}
    for kind in ("tables/", "headlines/", "maps/", "notebooks/", "index.html"):
        assert any(f.startswith(kind) for f in read), f"nothing read from {kind}"
    assert any(f == f"{root.name}.docx" for f in read), "nothing read from the Word copy (named after the run)"


@pytest.mark.parametrize("which", ["demo", "small"])
def test_every_count_the_attacker_claims_is_true(attacked, truth, which):
    wrong = [f"{r} (true {truth.get(r.key)})" for r in attacked[which].recoveries if truth.get(r.key) != r.value]
    assert not wrong, "the attacker claimed counts that are not the true ones:\n" + "\n".join(wrong)


def test_small_service_has_the_small_cells_it_is_built_for(truth):
    """Cells of 1 to 3 in deciles, areas and survey answers (and a small complement of the outcome)."""
    deciles = [truth[(SERVICE, "users", "national", str(d))] for d in range(1, 11)]
    areas = [v for k, v in truth.items() if k[:2] == (SERVICE, "area") and k[2][:3] in ("E01", "Z01") and v]  # LSOAs
    assert truth[(SERVICE, "N")] == 67 and sum(1 <= d <= 3 for d in deciles) == 7
    assert areas and max(areas) <= 3 and sum(v == 1 for v in areas) > len(areas) // 2
    assert {truth[(SERVICE, "survey", a)] for a in ("yes_fully", "dont_know")} == {2, 1}
    assert truth[(SERVICE, "outcome", "0")] == 4 and truth[(SERVICE, "covariate", "female", "1")] == 3


def test_demo_gives_back_no_small_or_unrounded_count(attacked):
    assert not attacked["demo"].recoveries, _listing(attacked["demo"])


def test_small_service_gives_back_no_small_or_unrounded_count(attacked):
    assert not attacked["small"].recoveries, _listing(attacked["small"])
