"""Write ``notebooks/explore.ipynb``: an evaluator's walkthrough of their own data, end to end.

The notebook is generated (``python scripts/build_explore_notebook.py``) so that its cells stay
short and reviewable here; what they show is built in :mod:`svimpact.report.walkthrough`. Markdown
cells hold no typed numbers (tests/report/test_chapter.py): every number is rendered from results.
No outputs are stored: the notebook is run by the tests (nbval) and by the evaluator in JupyterLab.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PATH = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"

CELLS: list[tuple[str, str] | tuple[str, str, list[str]]] = [
    ("md", """# Exploring an evaluation of your own service

This notebook walks you through an evaluation with svimpact, from your own data to the tables a reader
of the published report sees:

- **Your own data**: the params file, the columns your files need, and what the data gate says when
   something is wrong.
- **Load and validate** the data.
- **Estimate** what would have happened anyway, with several methods side by side, and check the
   comparison.
- **The additionality ledger**: from gross outcomes to net additional outcomes.
- **Value for money**: present values, net present social value and the benefit-cost ratio.
- **Targeting**: did the service reach the most deprived areas? Tables and maps.
- **Disclosure**: how a table is made safe to publish.

Nothing here is published: this notebook is for exploring. Open it with `make lab`, change the params
file in the next cell, and run all cells. The `svimpact run` batch turns the same steps into the
published chapter."""),
    ("code", """# Parameters: point params_path at your service's params file (papermill can inject these).
params_path = "../params/households_into_work.yaml"
seed = 1""", ["parameters"]),
    ("code", """import tempfile
import warnings

from IPython.display import Markdown, display

import svimpact
from svimpact import present
from svimpact.report import open_service
from svimpact.report import walkthrough as walk

# svimpact's warnings (a balance check, thin overlap) are shown once, in words, beside the result they
# concern, not as a stream of warning messages.
warnings.filterwarnings("ignore", category=svimpact.SvimpactWarning)"""),

    ("md", """## 1. Using your own data

**Start from a copy of a params file.** Each service is described by one YAML file: copy one of the
examples, e.g. `cp params/households_into_work.yaml params/my_service.yaml`, then edit it. Paths in it
are relative to the file itself. Set `synthetic: false` for real records: svimpact then replaces every
identifier with a keyed pseudonym as it loads, so it needs a secret key, given in the environment
variable `SVIMPACT_PSEUDONYM_KEY` (or a key file outside the repository, `SVIMPACT_PSEUDONYM_KEY_FILE`).
Keep real data outside the repository.

The keys of a service params file, and their defaults when you leave them out:"""),
    ("code", """walk.show(walk.params_keys(), "Keys of a service params file")"""),
    ("md", """**The columns your files need.** The table below is built from the same rules the data gate
applies, for the params file chosen above: change `params_path` and it changes with it. The
participants and the comparison group (people like them who were not served) share one layout; the
area file describes each small area (LSOA); the survey is optional."""),
    ("code", """params = svimpact.load_service_params(params_path)
walk.show(walk.input_columns(params), f"Columns the data files of '{params.service}' must hold")"""),
    ("md", """**The data gate.** Every file is checked as it loads, and every problem is reported at once,
naming the file, the column and the rows (as a spreadsheet counts them below the header), never the
values. Here is what it says about a copy of the data with mistakes planted in it:"""),
    ("code", """with tempfile.TemporaryDirectory() as folder:
    broken_params, faults = walk.broken_copy(params, folder)
    display(Markdown("Planted: " + "; ".join(faults) + "."))
    try:
        open_service(broken_params)
    except svimpact.SvimpactError as error:  # svimpact's own errors: a clear message, no traceback
        print(f"{type(error).__name__}: {error}")"""),
    ("md", """Fix the records at source and run again. If a few bad rows must not stop the evaluation, set
`exclude_invalid_rows: true`: those rows are then left out, counted and listed (without identifiers) in
the report's quarantine folder, never dropped silently. To check a whole batch without running
anything, use `svimpact validate params/year_one.yaml` (or `make validate`)."""),

    ("md", """## 2. Load and validate

One call reads the params, checks every file and returns the validated data. Counts of people below
are shown as the disclosure rule publishes them: rounded, with small numbers withheld as `[c]`."""),
    ("code", """from svimpact.disclosure import safe_count

svc = open_service(params_path, seed=seed)
params, data, rule = svc.params, svc.data, svc.rule
display(Markdown(
    f"**{params.title}.** {params.description} "
    + ("Every file passed the data gate. " if not data.n_excluded else
       f"{safe_count(data.n_excluded, rule)} records failed the data gate and were excluded, as the params allow. ")
    + f"Identifiers: {data.pseudonymisation or 'kept as they are (pseudonymise: false)'}."
))
walk.show(svc.publish.table(walk.data_counts(data, rule), "records",
                            caption="Records in each file (rounded by the disclosure rule)"))"""),

    ("md", """## 3. Estimate what would have happened anyway

Some participants would have achieved the outcome without the service: that is **deadweight**. It is
estimated by comparing participants with the comparison group, adjusting for the characteristics
listed in the params (`effect.covariates`). Each method below adjusts differently; when they agree,
the estimate does not hang on one modelling choice. The simple difference makes no adjustment and is
shown only as a baseline. An outcome measured from dates (`kind: duration`, such as a tenancy or a job
that lasts) is estimated instead at each time since start named in the params (`outcome.horizons`),
comparing the share still going, with the comparison group reweighted to resemble the participants.
Figures are in their published form, computed from rounded counts."""),
    ("code", """from svimpact.report.disclosed import publishable_effect

frame = data.analysis_frame()
if params.outcome.kind == "duration":
    # Sustainment from start and end dates, censored at the cut-off: Kaplan-Meier for participants against
    # the comparison group reweighted to resemble them, at each horizon in the params.
    from svimpact.report import sustainment

    spells = sustainment.estimate_for_service(data, seed, frame)
    estimates = {f"at {h}": sustainment.publishable_sustainment(e, rule) for h, e in spells.items()}
    chosen = estimates[f"at {params.outcome.headline}"]
    caption = f"Effect on {params.outcome.label}, by time since start (headline: {params.outcome.headline})"
else:
    estimates = {}
    for method in ["difference", "regression", "ipw", "aipw", "psm"]:
        estimates[method] = publishable_effect(svimpact.estimate_effect(
            frame, outcome=params.outcome.column, treatment=data.treatment_column,
            covariates=params.effect.covariates, method=method, level=params.effect.level,
            n_draws=params.effect.n_draws, seed=seed,
        ), rule)
    chosen = estimates[params.effect.method]
    caption = (f"Effect on {params.outcome.label}, by method "
               f"(the params choose: {walk.method_name(params.effect.method).lower()})")
by = "time since start" if params.outcome.kind == "duration" else "method"
display(walk.show(walk.estimator_table(estimates, params.outcome.kind, row=by), caption))
for note in walk.estimator_notes(estimates):  # each check svimpact raised, once
    display(Markdown(f"- {note}"))"""),
    ("code", """if params.outcome.kind == "duration":  # the curves behind the estimates, drawn once
    display(svc.publish.figure(
        sustainment.sustainment_figure(chosen, rule, label=params.outcome.label), "sustainment curves",
        alt=f"Step curves of the share with {params.outcome.label} over time since start: participants against "
            "the reweighted comparison group, with numbers at risk below.",
        caption=f"{params.outcome.label.capitalize()} over time since start (Kaplan-Meier, from published counts).",
    ))"""),
    ("md", """**Is the comparison fair?** After adjustment, participants and the comparison group should look
alike on every characteristic: in the balance chart, the squares (after adjustment) should sit left of
the dashed threshold line.
Their chances of being served (propensity scores) should also overlap: a participant with no one like
them in the comparison group cannot be compared."""),
    ("code", """from svimpact.estimators import diagnostics
from svimpact.report.disclosed import publishable_balance

balance = publishable_balance(chosen, frame, data.treatment_column, rule)
display(svc.publish.figure(
    diagnostics.love_plot(chosen, balance.table.mask(balance.suppressed)), "balance",
    alt="Dot plot of the standardised difference of each characteristic before and after adjustment.",
    caption="Balance: standardised differences between participants and the comparison group, "
            "before and after adjustment.",
))
display(svc.publish.figure(
    diagnostics.overlap_plot(chosen, rule=rule), "overlap",
    alt="Distributions of the estimated propensity score for participants and the comparison group.",
    caption="Overlap of propensity scores between participants and the comparison group.",
))"""),

    ("md", """## 4. The additionality ledger: from gross to net

Gross outcomes count everyone who achieved the outcome. The ledger lists each adjustment of the HCA
Additionality Guide that turns them into **net additional outcomes**, with its evidence: deadweight
from the comparison above, leakage from where participants live, and the assumptions the params state
(displacement, substitution and the rest). Each is a distribution, so the uncertainty carries through."""),
    ("code", """from svimpact.disclosure import rounded_count
from svimpact.estimators.ledger import Source
from svimpact.estimators.survey import leakage_from_geography
from svimpact.report.disclosed import publishable_leakage

leak = leakage_from_geography(data.participants, params.area_column, data.areas["lsoa_code"])
ledger = (
    params.ledger()
    .with_estimate("deadweight", chosen, Source(document=f"Comparison group in {params.data.comparison.name}",
                                                section=f"{chosen.method} estimate"))
    .with_draws("leakage", publishable_leakage(leak, rule))
)
walk.show(svc.publish.table(ledger.table(), "additionality ledger",
                            caption="The additionality ledger: each adjustment, its distribution, evidence and source"))"""),
    ("code", """from svimpact.estimators.valuation import load_deflator_file, load_value_library
from svimpact.disclosure import dominance

if params.outcome.kind == "duration":  # estimated still going at the headline time, among published participants
    gross = rounded_count(int(round(rounded_count(chosen.n_treated, rule) * chosen.observed.value)), rule)
else:
    gross = rounded_count(int(data.participants[params.outcome.column].sum()), rule)  # the published count
cost_withheld = dominance(data.participants[params.cost_column]) if params.cost_column else None
costs = float(data.participants[params.cost_column].sum()) if params.cost_column and not cost_withheld else None
library = load_value_library(params.valuation.value_file, hact=params.valuation.hact_values)
values = [library[v] for v in params.valuation.unit_values]
appraisal = svimpact.appraise(
    ledger, gross, costs, values, years=params.valuation.years, schedule=params.valuation.schedule,
    price_year=params.valuation.price_year, deflator=load_deflator_file(params.valuation.deflator_file),
    n_draws=params.valuation.n_draws, seed=seed,
)
chain = appraisal.chain
display(Markdown(
    f"From {present.count(gross)} gross outcomes, the service's **net additional outcomes** are "
    f"{chain.net.format()}."
))
display(walk.show(walk.chain_table(chain), "From gross to net additional outcomes"))
display(svc.publish.figure(
    chain.chart(unit=params.outcome.label), "gross to net",
    alt=f"Waterfall chart from gross outcomes down to net additional outcomes for {params.title}.",
    caption="From gross to net additional outcomes (central values; intervals in the table above).",
))"""),

    ("md", """## 5. Value for money

Each net additional outcome is valued with the unit values named in the params (`valuation.unit_values`,
each with its source), over the years the benefit lasts, discounted at the HM Treasury Green Book rates.
Costs come from the cost column of the participants file. The intervals carry every uncertainty above."""),
    ("code", """from svimpact.report.tables import value_for_money_note

display(Markdown(
    f"Unit value: *{', '.join(v.name for v in values)}*; {params.valuation.years} years at the Green Book "
    f"{appraisal.settings['schedule']} discount rates; prices of {appraisal.settings['price_year'] or 'each value'}."
    + (f" {note}" if (note := value_for_money_note(params, appraisal, cost_withheld)) else "")
))
walk.show(walk.appraisal_table(appraisal), f"Value for money: {params.title}")"""),
    ("md", """A net present social value below zero, or a benefit-cost ratio below one, means the valued
benefits fall short of the costs. When the interval spans zero (or one), the data cannot tell which
side the service is on."""),

    ("md", """## 6. Targeting: who did the service reach?

Each participant is placed in the small area (LSOA) they live in, and areas are grouped by their
national deprivation decile from the English Indices of Deprivation: the first decile holds the most
deprived tenth of areas in England. Every figure below is computed from the published (rounded)
counts."""),
    ("code", """result = svimpact.targeting(
    data.participants, data.areas, lsoa=params.area_column, need=params.targeting.need, rule=rule, seed=seed,
    sii_transform=True,
)
share, ratio = result.measure("Core20 share"), result.measure("Core20 targeting ratio")
display(Markdown(
    f"**Reach of the most deprived areas.** {share.format()} of participants live in the most "
    f"deprived fifth of areas in England (Core20). The targeting ratio, their share of participants over "
    f"their share of residents, is {ratio.format()}: above one, the service reaches deprived "
    "areas more than their share of the population."
))
display(walk.show(svc.publish.table(
    result.profile.published_table(), "decile profile",
    caption="Participants by national and local deprivation decile, against the population (%)")))
display(walk.show(svc.publish.table(
    result.published_tables()["headline"], "inequality measures",
    caption="Targeting and inequality measures ([c]: rests on a withheld decile)")))"""),
    ("md", """**Maps.** The static map is the one the chapter prints; the interactive map is the page the
batch writes for service leads (hover over an area for its decile and reach). Both show counts rounded
by the disclosure rule; hatched areas have too few participants to show."""),
    ("code", """import geopandas as gpd

from svimpact.geo import maps
from svimpact.geo.webmap import interactive_map

areas_map = gpd.read_file(params.data.boundaries)
boroughs = gpd.read_file(params.data.boroughs) if params.data.boroughs else None
attribution = params.map_attribution or (
    maps.SYNTHETIC_ATTRIBUTION if params.synthetic else maps.ons_attribution(2021, 2025))
users_per_area = data.participants[params.area_column].value_counts()
title = f"{params.title}: participants per 1,000 residents"
display(svc.publish.figure(
    maps.reach_map(areas_map, users_per_area, boroughs, rule=rule, attribution=attribution, title=title),
    "reach map", alt="Map of participants per thousand residents by small area; hatched areas are not shown.",
    caption="Reach by area (the map names the geography it uses), from rounded counts.",
))
display(walk.interactive_frame(interactive_map(
    areas_map, users_per_area, boroughs=boroughs, rule=rule, attribution=attribution, title=title)))"""),

    ("md", """## 7. Disclosure: how a table is made safe

Every table, map and sentence the batch publishes passes through one rule, named in the params
(`disclosure.rule`). A small count could identify a person, so it is withheld and shown as `[c]`
("confidential"); the other counts are rounded; rates and shares are computed from the rounded counts,
and withheld with them."""),
    ("code", """from svimpact.disclosure import get_rule

display(Markdown(get_rule(rule).describe()))"""),
    ("md", """`svimpact.disclosure.disclose` takes a table of raw counts, says which columns are counts and which
rates to compute, and returns the published form. A toy table, made up (not from any service), shows
what happens: the small count becomes `[c]`, its rate goes with it, and because the table has a total,
one more cell is withheld so the small one cannot be found by subtraction."""),
    ("code", """import pandas as pd

toy = pd.DataFrame({"group": ["A", "B", "C", "Total"], "people": [42, 3, 118, 163], "with outcome": [20, 2, 61, 83]})
display(walk.show(toy, "Raw counts (made up)"))
display(walk.show(svimpact.disclose(toy, counts=["people", "with outcome"],
                                    rates={"outcome rate (%)": ("with outcome", "people", 100)},
                                    label="group", total_label="Total", rule=rule), "Published form"))"""),
    ("md", """The same call on your data: participants by local authority. Only the published form is shown,
as a reader of the report would see it; the raw counts stay in memory. In the batch, `publish.table`
runs this and writes the published form as CSV; which cells were withheld, and why, goes to an audit
folder beside the report that is never published."""),
    ("code", """walk.show(svc.publish.table(walk.by_local_authority(data, rule, boroughs), "participants by local authority",
                            caption="Participants by local authority (published form)"))"""),
    ("md", """**Next.** When the numbers look right, add your params file to the batch manifest
(`params/year_one.yaml`, key `services`) and run `svimpact run params/year_one.yaml`: the chapter, its
tables and maps are written to the report folder, and `svimpact gate` scans them for small counts,
identifiers and postcodes before anything is shared."""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    for i, entry in enumerate(CELLS):
        kind, source = entry[0], entry[1]
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell.id = f"explore-{i:02d}"  # stable ids: rebuilding gives the same file
        if len(entry) > 2:
            cell.metadata["tags"] = list(entry[2])  # type: ignore[misc]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    nbformat.write(build(), PATH)
    print(f"wrote {PATH}")
