"""Input checks and design matrices for the comparison-group estimators.

Everything a user can get wrong about the data frame is caught here, once, with a message that
names the column, the rows and the fix. The estimators downstream work on plain numpy arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from svimpact._common import describe_value, did_you_mean
from svimpact.estimators.effects.numerics import standardise
from svimpact.exceptions import InputDataError

__all__ = [
    "Design",
    "binary_column",
    "build_design",
    "check_columns",
    "check_gram",
    "covariate_matrix",
    "missing_mask",
    "outcome_array",
    "raise_on_missing",
]


@dataclass(frozen=True, eq=False)
class Design:
    """Numeric arrays behind one estimate.

    ``X`` has an intercept in column 0 followed by ``names`` (the outcome model's covariates,
    categorical ones one-hot encoded with the first level, in sorted order, dropped as reference).
    ``P``/``pnames`` are the same for the propensity model (``None``: the same as ``X``);
    ``cluster`` holds integer cluster codes (or ``None``). The estimators work on the
    standardised designs ``Xs`` and ``Ps`` (see :func:`~.numerics.standardise`).
    """

    y: np.ndarray
    t: np.ndarray
    X: np.ndarray
    names: tuple[str, ...]
    binary_outcome: bool
    n_dropped: int
    P: np.ndarray | None = None
    pnames: tuple[str, ...] | None = None
    cluster: np.ndarray | None = None

    @cached_property
    def Xs(self) -> np.ndarray:
        return standardise(self.X)

    @cached_property
    def Ps(self) -> np.ndarray:
        return self.Xs if self.P is None else standardise(self.P)

    @property
    def propensity_names(self) -> tuple[str, ...]:
        return self.names if self.pnames is None else self.pnames

    @property
    def propensity_X(self) -> np.ndarray:
        return self.X if self.P is None else self.P

    def balance_columns(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Every covariate of either model (outcome first), as raw values, and their names."""
        if self.P is None:
            return self.X[:, 1:], self.names
        extra = [j for j, n in enumerate(self.pnames or (), start=1) if n not in self.names]
        names = self.names + tuple((self.pnames or ())[j - 1] for j in extra)
        return np.column_stack([self.X[:, 1:], self.P[:, extra]]), names

    def subset(self, keep: np.ndarray) -> Design:
        """The design restricted to the rows ``keep`` (e.g. after trimming); rank re-checked."""
        X, P = self.X[keep], None if self.P is None else self.P[keep]
        _check_rank(X, self.names, after="after trimming")
        if P is not None:
            _check_rank(P, self.propensity_names, after="after trimming")
        cluster = None if self.cluster is None else np.unique(self.cluster[keep], return_inverse=True)[1]
        return Design(self.y[keep], self.t[keep], X, self.names, self.binary_outcome, self.n_dropped,
                      P, self.pnames, cluster)


def _row_numbers(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)]


def check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise a helpful error when ``data`` is not a DataFrame or lacks one of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise InputDataError(
            f"expected a pandas DataFrame, got {type(data).__name__}",
            hint="pass the participant and comparison records as one DataFrame",
        )
    for col in columns:
        if col not in data.columns:
            hint = did_you_mean(col, data.columns, listing=None) or (
                f"the columns are: {', '.join(map(str, data.columns[:20]))}"
            )
            raise InputDataError("not found in the data", column=str(col), hint=hint)


def missing_mask(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Rows with a missing value in any of ``columns``."""
    return data[list(columns)].isna().to_numpy().any(axis=1)


def raise_on_missing(data: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise naming the first column with missing values and its rows."""
    for col in columns:
        mask = data[col].isna().to_numpy()
        if mask.any():
            raise InputDataError(
                f"has {int(mask.sum())} missing value(s)",
                column=col,
                rows=_row_numbers(mask),
                hint="fill or remove these rows first, or pass dropna=True to drop them "
                "(the count dropped is recorded in the result)",
            )


def binary_column(data: pd.DataFrame, column: str, role: str) -> np.ndarray:
    """A 0/1 column as a float array; anything else is an error naming the bad rows."""
    s = data[column]
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(s):
        bad = _row_numbers(~s.isin([0, 1]).to_numpy())
        raise InputDataError(
            f"must be coded 0/1 ({role}) but holds text values such as {describe_value(s.iloc[bad[0] - 1])}",
            column=column,
            rows=bad,
            hint="recode it as 1 = participant, 0 = comparison",
        )
    v = s.to_numpy(dtype=float)
    bad_mask = ~np.isin(v, (0.0, 1.0))
    if bad_mask.any():
        values = sorted(set(v[bad_mask].tolist()))[:5]
        shown = values if all(abs(x) < 1000 for x in values) else "numbers other than 0 and 1"  # not a date typed in
        raise InputDataError(
            f"must be coded 0/1 ({role}) but holds {shown}",
            column=column,
            rows=_row_numbers(bad_mask),
            hint="recode it as 1 = participant, 0 = comparison",
        )
    return v


def outcome_array(data: pd.DataFrame, column: str) -> tuple[np.ndarray, bool]:
    """The outcome as floats and whether it is binary (only 0 and 1)."""
    s = data[column]
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float), True
    if not pd.api.types.is_numeric_dtype(s):
        raise InputDataError(
            f"the outcome must be numeric (or 0/1) but has dtype {s.dtype}",
            column=column,
            hint="convert it to numbers, e.g. 1 = sustained, 0 = not",
        )
    y = s.to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise InputDataError(
            "has infinite values", column=column, rows=_row_numbers(~np.isfinite(y))
        )
    return y, bool(np.isin(y, (0.0, 1.0)).all())


def _encode(s: pd.Series, column: str) -> tuple[np.ndarray, list[str]]:
    """One covariate as numeric columns (one-hot, reference level dropped, for text)."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float)
        if not np.isfinite(v).all():
            raise InputDataError(
                "has infinite values", column=column, rows=_row_numbers(~np.isfinite(v))
            )
        if np.ptp(v) == 0:
            raise InputDataError(
                f"has no variation (every row is {v[0]:g}), so it cannot be adjusted for",
                column=column,
                hint="remove it from covariates",
            )
        return v[:, None], [column]
    levels = sorted(pd.unique(s.astype(str)))
    if len(levels) < 2:
        raise InputDataError(
            f"has no variation (every row is {levels[0]!r}), so it cannot be adjusted for",
            column=column,
            hint="remove it from covariates",
        )
    codes = s.astype(str).to_numpy()
    cols = [(codes == lev).astype(float) for lev in levels[1:]]
    return np.column_stack(cols), [f"{column}[{lev}]" for lev in levels[1:]]


def covariate_matrix(
    data: pd.DataFrame, covariates: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Covariates as a numeric matrix (no intercept) and its column names."""
    blocks: list[np.ndarray] = [np.empty((len(data), 0))]
    names: list[str] = []
    for col in covariates:
        block, labels = _encode(data[col], col)
        blocks.append(block)
        names.extend(labels)
    return np.hstack(blocks), names


def _check_rank(X: np.ndarray, names: Sequence[str], after: str = "") -> None:
    """Raise naming a covariate that is a linear combination of the others (or constant).

    Pivoted Cholesky-free check on the standardised Gram matrix: column j's residual variance
    after the columns before it (a Schur complement) must keep at least ``1e-12`` of its variance.
    """
    if X.shape[1] <= 1:
        return
    Xs = standardise(X)
    check_gram(Xs.T @ Xs / len(Xs), names, after)


def check_gram(G: np.ndarray, names: Sequence[str], after: str = "") -> None:
    """The rank check of :func:`_check_rank` on the standardised Gram matrix ``G`` (intercept first);
    the Dask path builds ``G`` from sums over partitions."""
    for j in range(1, G.shape[0]):
        A, b = G[:j, :j], G[:j, j]
        try:
            resid = G[j, j] - b @ np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            resid = 0.0
        if not G[j, j] > 0 or resid < 1e-12 * max(G[j, j], 1.0):
            name = names[j - 1]
            raise InputDataError(
                "is a linear combination of the other covariates (or of the intercept)"
                + (f" {after}" if after else ""),
                column=name.split("[")[0],
                hint=f"remove '{name}' or the covariate it duplicates",
            )


def build_design(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    dropna: bool,
    propensity_covariates: Sequence[str] | None = None,
    cluster: str | None = None,
) -> Design:
    """Check the inputs and return the numeric design for the estimators.

    ``propensity_covariates`` (default: ``covariates``) are the propensity model's columns;
    ``cluster`` names a column of cluster identifiers for cluster-robust standard errors.
    """
    covariates = list(covariates)
    pcovs = covariates if propensity_covariates is None else list(propensity_covariates)
    extra = [c for c in (cluster,) if c is not None]
    used = list(dict.fromkeys([outcome, treatment, *covariates, *pcovs, *extra]))
    check_columns(data, used)
    for label, covs in (("covariates", covariates), ("propensity_covariates", pcovs)):
        if len(set(covs)) != len(covs) or {outcome, treatment} & set(covs):
            raise InputDataError(
                f"{label} must be distinct and must not include the outcome or treatment column",
                hint=f"got {label}={covs}",
            )
    n_dropped = 0
    if dropna:
        mask = missing_mask(data, used)
        n_dropped = int(mask.sum())
        data = data.loc[~mask]
    else:
        raise_on_missing(data, used)
    t = binary_column(data, treatment, "treatment")
    if t.sum() == 0 or t.sum() == len(t):
        which = "participants (1)" if t.sum() == 0 else "comparison units (0)"
        raise InputDataError(f"has no {which}", column=treatment,
                             hint="the estimators need both groups")
    y, binary = outcome_array(data, outcome)
    Z, names = covariate_matrix(data, covariates)
    X = np.column_stack([np.ones(len(y)), Z])
    _check_rank(X, names)
    P, pnames = None, None
    if propensity_covariates is not None and pcovs != covariates:
        Zp, pn = covariate_matrix(data, pcovs)
        P, pnames = np.column_stack([np.ones(len(y)), Zp]), tuple(pn)
        _check_rank(P, pnames)
    codes = None
    if cluster is not None:
        codes = np.unique(data[cluster].astype(str).to_numpy(), return_inverse=True)[1]
    return Design(y, t, X, tuple(names), binary, n_dropped, P, pnames, codes)
