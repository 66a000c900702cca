"""The Dask path's design: columns checked, covariates encoded and summarised, partition by partition.

What :func:`svimpact.estimators.effects.data.build_design` does on a pandas frame, done here by
map-reduce (:mod:`.mapreduce`) on a Dask DataFrame, with the same rules and the same messages: the
columns must exist, the treatment be 0/1, the outcome numeric and finite, covariates vary (text
columns one-hot encoded with the first sorted level as reference), no covariate be a linear
combination of the others (the same Schur-complement check, on the Gram matrix built from pooled
co-moments), and missing values are an error naming their rows unless ``dropna=True``. Row numbers
are counted over the whole frame, partitions in order.

Means and co-moments are pooled with Chan, Golub and LeVeque's (1979) pairwise update, so the
standardisation (:func:`~svimpact.estimators.effects.numerics.standardise`) does not lose digits to
``sum x^2 - n mean^2`` cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from svimpact._common import did_you_mean
from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.estimators.effects.data import check_gram
from svimpact.exceptions import InputDataError

__all__ = ["DaskDesign", "Moments", "arrays", "build_dask_design"]

ROW_LIMIT = 100_000  # bad-row numbers kept per problem (the count is always exact)


@dataclass(frozen=True)
class Moments:
    """Count, mean and co-moment matrix ``sum (z - mean)(z - mean)'`` of some rows (Chan et al. 1979)."""

    n: float
    mean: np.ndarray
    C: np.ndarray

    def __add__(self, other: Moments) -> Moments:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        return Moments(n, self.mean + delta * (other.n / n),
                       self.C + other.C + np.outer(delta, delta) * (self.n * other.n / n))

    @staticmethod
    def of(Z: np.ndarray) -> Moments:
        if len(Z) == 0:
            return Moments(0.0, np.zeros(Z.shape[1]), np.zeros((Z.shape[1], Z.shape[1])))
        mean = Z.mean(axis=0)
        D = Z - mean
        return Moments(float(len(Z)), mean, D.T @ D)

    @property
    def var(self) -> np.ndarray:
        return np.diag(self.C) / self.n


@dataclass(frozen=True)
class DaskDesign:
    """Everything a partition needs to build its rows of the (standardised) design, and the pooled
    summaries. ``encodings`` covers the outcome model's covariates then the propensity model's extra
    ones (the balance columns' order); ``x_idx``/``p_idx`` pick each model's columns."""

    outcome: str
    treatment: str
    used: tuple[str, ...]
    dropna: bool
    encodings: tuple[tuple[str, tuple[str, ...] | None], ...]  # (column, text levels or None)
    names: tuple[str, ...]
    x_idx: tuple[int, ...]
    p_idx: tuple[int, ...]
    pnames: tuple[str, ...]
    cluster: str | None = None
    mean: np.ndarray | None = None
    sd: np.ndarray | None = None
    y_mean: float = 0.0
    y_sd: float = 1.0
    binary: bool = False
    n: int = 0
    n_treated: int = 0
    n_dropped: int = 0
    treated: Moments | None = None  # raw covariates, then the outcome, of the participants
    comparison: Moments | None = None
    y_min: float = 0.0
    ranges: dict[str, np.ndarray] | None = None  # min/max of the raw covariates by group

    all_names: tuple[str, ...] = ()  # every encoded column: the balance table's rows


def _encode(df: pd.DataFrame, encodings: Sequence[tuple[str, tuple[str, ...] | None]]) -> tuple[np.ndarray, list[str]]:
    blocks: list[np.ndarray] = [np.empty((len(df), 0))]
    names: list[str] = []
    for col, levels in encodings:
        if levels is None:
            blocks.append(df[col].to_numpy(dtype=float)[:, None])
            names.append(col)
        else:
            codes = df[col].astype(str).to_numpy()
            blocks.append(np.column_stack([(codes == lev).astype(float) for lev in levels[1:]]))
            names.extend(f"{col}[{lev}]" for lev in levels[1:])
    return np.hstack(blocks), names


def _kept(df: pd.DataFrame, spec: DaskDesign) -> pd.DataFrame:
    if spec.dropna:
        return df.loc[~df[list(spec.used)].isna().to_numpy().any(axis=1)]
    return df


def arrays(df: pd.DataFrame, spec: DaskDesign) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A partition's outcome, treatment and raw encoded covariates (rows with missing values dropped
    when ``dropna``)."""
    df = _kept(df, spec)
    return df[spec.outcome].to_numpy(dtype=float), df[spec.treatment].to_numpy(dtype=float), \
        _encode(df, spec.encodings)[0]


def _rows(mask: np.ndarray, index: int) -> list[tuple[int, int]]:
    return [(index, int(i)) for i in np.flatnonzero(mask)[:ROW_LIMIT]]


def _check_pass(df: pd.DataFrame, index: int, spec: DaskDesign, text: tuple[str, ...], stats: bool) -> Summary:
    """One partition's problems (counts and rows), text levels, and (``stats``) the pooled summaries."""
    out: Summary = {"n_dropped": 0}
    if spec.dropna:
        miss = df[list(spec.used)].isna().to_numpy().any(axis=1)
        out["n_dropped"] = int(miss.sum())
        df = df.loc[~miss]
    else:
        for col in spec.used:
            bad = df[col].isna().to_numpy()
            out[f"missing:{col}"] = int(bad.sum())
            out[f"rows_missing:{col}"] = _rows(bad, index)
    out["rows_n"] = [(index, len(df))]
    tr = df[spec.treatment]
    if not pd.api.types.is_bool_dtype(tr):
        v = tr.to_numpy(dtype=float)
        bad = ~np.isin(v, (0.0, 1.0))
        out["bad_treatment"] = int(bad.sum())
        out["rows_bad_treatment"] = _rows(bad, index)
        out["cat_bad_treatment_values"] = np.unique(v[bad])[:5]
    yv = df[spec.outcome].to_numpy(dtype=float)
    out["rows_nonfinite:" + spec.outcome] = _rows(~np.isfinite(yv) & ~np.isnan(yv), index)
    out["nonbinary_y"] = int((~np.isin(yv, (0.0, 1.0))).sum())
    out["min_y"] = np.array(yv.min() if len(yv) else np.inf)
    for col in text:
        out[f"cat_levels:{col}"] = pd.unique(df[col].astype(str).to_numpy())
    for col, levels in spec.encodings:
        if levels is None and col not in text:
            v = df[col].to_numpy(dtype=float)
            out[f"rows_nonfinite:{col}"] = _rows(~np.isfinite(v) & ~np.isnan(v), index)
    if stats:
        y, t, Z = yv, tr.to_numpy(dtype=float), _encode(df, spec.encodings)[0]
        for g, m in (("t", t == 1), ("c", t == 0)):
            out[f"chan_{g}"] = Moments.of(np.column_stack([Z[m], y[m]]))
            out[f"min_{g}"] = Z[m].min(axis=0) if m.any() else np.full(Z.shape[1], np.inf)
            out[f"max_{g}"] = Z[m].max(axis=0) if m.any() else np.full(Z.shape[1], -np.inf)
    return out


def _global_rows(found: list[tuple[int, int]], sizes: dict[int, int]) -> list[int]:
    offsets, total = {}, 0
    for i in sorted(sizes):
        offsets[i], total = total, total + sizes[i]
    return sorted(offsets[i] + j + 1 for i, j in found)


def _check_columns(frame: Any, columns: Sequence[str]) -> dict[str, Any]:
    dtypes = dict(frame.dtypes.items())
    for col in columns:
        if col not in dtypes:
            hint = did_you_mean(col, list(dtypes), listing=None) or f"the columns are: {', '.join(map(str, list(dtypes)[:20]))}"
            raise InputDataError("not found in the data", column=str(col), hint=hint)
    return dtypes


def _is_number(dtype: Any) -> bool:
    return bool(pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype))


def build_dask_design(frame: Any, *, outcome: str, treatment: str, covariates: Sequence[str], dropna: bool,
                      propensity_covariates: Sequence[str] | None = None, cluster: str | None = None) -> DaskDesign:
    """Check a Dask DataFrame as :func:`~svimpact.estimators.effects.data.build_design` checks a pandas one,
    and pool what the estimators need (one pass over the data, two when a covariate is text)."""
    covariates = list(covariates)
    pcovs = covariates if propensity_covariates is None else list(propensity_covariates)
    used = list(dict.fromkeys([outcome, treatment, *covariates, *pcovs, *([cluster] if cluster else [])]))
    dtypes = _check_columns(frame, used)
    for label, covs in (("covariates", covariates), ("propensity_covariates", pcovs)):
        if len(set(covs)) != len(covs) or {outcome, treatment} & set(covs):
            raise InputDataError(f"{label} must be distinct and must not include the outcome or treatment column",
                                 hint=f"got {label}={covs}")
    if not _is_number(dtypes[treatment]):
        raise InputDataError("must be coded 0/1 (treatment) but holds text values", column=treatment,
                             hint="recode it as 1 = participant, 0 = comparison")
    if not _is_number(dtypes[outcome]):
        raise InputDataError(f"the outcome must be numeric (or 0/1) but has dtype {dtypes[outcome]}", column=outcome,
                             hint="convert it to numbers, e.g. 1 = sustained, 0 = not")
    columns = list(dict.fromkeys([*covariates, *pcovs]))
    text = tuple(c for c in columns if not _is_number(dtypes[c]))
    spec = DaskDesign(outcome, treatment, tuple(used), dropna, tuple((c, None) for c in columns), (), (), (), (),
                      cluster)
    found = partition_reduce(frame, _check_pass, spec, text, not text)
    _raise_problems(found, spec, dtypes)
    if text:
        levels = {c: tuple(sorted(set(found[f"cat_levels:{c}"].tolist()))) for c in text}
        for c, lev in levels.items():
            if len(lev) < 2:
                raise InputDataError(f"has no variation (every row is {lev[0]!r}), so it cannot be adjusted for",
                                     column=c, hint="remove it from covariates")
        spec = replace(spec, encodings=tuple((c, levels.get(c)) for c in columns))
        found = partition_reduce(frame, _check_pass, spec, (), True)  # the same checks again, and the sums
    return _finish(spec, found, covariates, pcovs, propensity_covariates is not None and pcovs != covariates)


def _raise_problems(found: Summary, spec: DaskDesign, dtypes: dict[str, Any]) -> None:
    sizes = dict(found["rows_n"])
    if not spec.dropna:
        for col in spec.used:
            if found[f"missing:{col}"]:
                raise InputDataError(f"has {found[f'missing:{col}']} missing value(s)", column=col,
                                     rows=_global_rows(found[f"rows_missing:{col}"], sizes),
                                     hint="fill or remove these rows first, or pass dropna=True to drop them "
                                          "(the count dropped is recorded in the result)")
    if found.get("bad_treatment"):
        values = sorted(set(found["cat_bad_treatment_values"].tolist()))[:5]
        shown = values if all(abs(x) < 1000 for x in values) else "numbers other than 0 and 1"
        raise InputDataError(f"must be coded 0/1 (treatment) but holds {shown}", column=spec.treatment,
                             rows=_global_rows(found["rows_bad_treatment"], sizes),
                             hint="recode it as 1 = participant, 0 = comparison")
    for key in [k for k in found if k.startswith("rows_nonfinite:")]:
        if found[key]:
            raise InputDataError("has infinite values", column=key.split(":", 1)[1],
                                 rows=_global_rows(found[key], sizes))


def _finish(spec: DaskDesign, found: Summary, covariates: list[str], pcovs: list[str], separate: bool) -> DaskDesign:
    treated, comparison = found["chan_t"], found["chan_c"]
    n_t, n_c = int(treated.n), int(comparison.n)
    if n_t == 0 or n_c == 0:
        which = "participants (1)" if n_t == 0 else "comparison units (0)"
        raise InputDataError(f"has no {which}", column=spec.treatment, hint="the estimators need both groups")
    lo, hi = np.fmin(found["min_t"], found["min_c"]), np.fmax(found["max_t"], found["max_c"])
    for j, (col, levels) in enumerate(spec.encodings):
        if levels is None and lo[j] == hi[j]:
            raise InputDataError(f"has no variation (every row is {lo[j]:g}), so it cannot be adjusted for",
                                 column=col, hint="remove it from covariates")
    _, names = _encode(pd.DataFrame({c: pd.Series(dtype=object) for c, _ in spec.encodings}), spec.encodings)
    block: dict[str, list[int]] = {}
    for col, levels in spec.encodings:
        start = sum(len(v) for v in block.values())
        block[col] = list(range(start, start + (1 if levels is None else len(levels) - 1)))
    x_idx = tuple(j for c in covariates for j in block[c])
    p_idx = tuple(j for c in pcovs for j in block[c])
    allm = treated + comparison
    k = len(names)
    mean, var = allm.mean[:k], allm.var[:k]
    sd = np.sqrt(var)
    corr = allm.C[:k, :k] / allm.n / np.outer(np.where(sd > 0, sd, 1.0), np.where(sd > 0, sd, 1.0))
    for idx in ((x_idx, p_idx) if separate else (x_idx,)):
        G = np.eye(len(idx) + 1)
        G[1:, 1:] = corr[np.ix_(idx, idx)]
        check_gram(G, [names[j] for j in idx])
    y_sd = float(np.sqrt(allm.var[k]))
    return replace(spec, names=tuple(names[j] for j in x_idx), x_idx=x_idx, p_idx=p_idx if separate else x_idx,
                   pnames=tuple(names[j] for j in p_idx), all_names=tuple(names), mean=mean, sd=sd,
                   y_mean=float(allm.mean[k]), y_sd=y_sd,
                   binary=found["nonbinary_y"] == 0, n=n_t + n_c, n_treated=n_t, n_dropped=int(found["n_dropped"]),
                   treated=treated, comparison=comparison, y_min=float(found["min_y"]),
                   ranges={"min_t": found["min_t"], "max_t": found["max_t"], "min_c": found["min_c"],
                           "max_c": found["max_c"]})
