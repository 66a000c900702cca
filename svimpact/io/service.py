"""One service's inputs loaded: read, validated once, and pseudonymised.

Validation happens here, once (:mod:`svimpact.io.validate`). Nothing downstream re-checks or
silently drops rows: rows are excluded only when the params say ``exclude_invalid_rows: true``,
and then they are listed in ``ServiceDataset.validation.quarantine`` and counted.

This module sits above :mod:`svimpact.io.readers` (reading only) and :mod:`svimpact.io.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from svimpact._common import sha256
from svimpact.io.params import ServiceParams
from svimpact.io.pseudonymise import describe_key_source, get_pseudonym_key, pseudonymise
from svimpact.io.validate import ServiceCheck, ValidationFailed, ValidationReport, check_service

__all__ = ["ServiceDataset", "dataset_from_check", "load_service_data"]


@dataclass(frozen=True)
class ServiceDataset:
    """One service's validated inputs.

    ``validation`` is the full report (problems, notes and the quarantine list of excluded
    rows); ``pseudonymisation`` says how identifiers were replaced (never the key).
    """

    params: ServiceParams
    participants: pd.DataFrame
    comparison: pd.DataFrame
    survey: pd.DataFrame | None
    areas: pd.DataFrame
    files: dict[str, dict[str, str]]
    validation: ValidationReport | None = None
    pseudonymisation: str | None = None

    @property
    def treatment_column(self) -> str:
        return "_served"

    @property
    def n_excluded(self) -> int:
        """Rows excluded at load (only when the params allow it)."""
        return 0 if self.validation is None else self.validation.n_excluded

    def analysis_frame(self) -> pd.DataFrame:
        """Participants and comparison stacked, with a 0/1 ``_served`` column.

        For a duration outcome with ``missing_start: not_started``, records without a start date (no spell
        began) are not analysed; :meth:`n_not_started` counts them by group.
        """
        cols = [self.params.area_column, *self.params.outcome.columns, *self.params.effect.covariates]
        both = pd.concat(
            [self.participants[cols].assign(_served=1), self.comparison[cols].assign(_served=0)],
            ignore_index=True,
        )
        o = self.params.outcome
        if o.kind == "duration" and o.missing_start == "not_started":
            both = both[both[o.start].notna()].reset_index(drop=True)
        return both

    def n_not_started(self) -> tuple[int, int]:
        """Participants and comparison records with no start date under ``missing_start: not_started`` (else 0, 0)."""
        o = self.params.outcome
        if o.kind != "duration" or o.missing_start != "not_started":
            return 0, 0
        return int(self.participants[o.start].isna().sum()), int(self.comparison[o.start].isna().sum())


def load_service_data(params: ServiceParams, *, hashes: dict[str, str] | None = None) -> ServiceDataset:
    """Read, check and pseudonymise every input file named in ``params``.

    ``hashes`` (data key -> sha256, e.g. from the run plan) saves hashing the files again.

    Raises
    ------
    ValidationFailed
        (an :class:`~svimpact.exceptions.InputDataError`) listing every blocking problem.
    ParamsError
        Real data without a pseudonymisation key.
    """
    return dataset_from_check(params, check_service(params), hashes=hashes)


def dataset_from_check(params: ServiceParams, checked: ServiceCheck, *,
                       hashes: dict[str, str] | None = None) -> ServiceDataset:
    """The dataset of a service whose inputs ``check_service`` has already read and checked."""
    p = params
    do_pseudo = bool(getattr(p, "pseudonymise", True))
    key = get_pseudonym_key(synthetic=p.synthetic, params_file=p.source_file) if do_pseudo else None
    if not checked.report.ok:
        raise ValidationFailed(checked.report)
    t = checked.tables
    participants, comparison, survey = t["participants"], t["comparison"], t["survey"]
    if participants is None or comparison is None:  # check_service reports a missing table as an error
        raise ValidationFailed(checked.report)
    if key is not None:
        participants = participants.assign(**{p.id_column: pseudonymise(participants[p.id_column], key)})
        comparison = comparison.assign(**{p.id_column: pseudonymise(comparison[p.id_column], key)})
        if survey is not None and "respondent_id" in survey:
            survey = survey.assign(respondent_id=pseudonymise(survey["respondent_id"], key))
    hashes = hashes or {}
    files = {
        role: {"path": str(path), "sha256": hashes.get(role) or sha256(path)}
        for role, path in p.data.files().items()
    }
    return ServiceDataset(p, participants, comparison, survey, t["areas"], files, checked.report,
                          describe_key_source(key) if key is not None else None)
