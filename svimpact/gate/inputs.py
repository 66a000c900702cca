"""The identifiers, postcodes and secrets to look for: loaded from the services' input files."""

from __future__ import annotations

from collections.abc import Iterable

from svimpact.exceptions import SvimpactError
from svimpact.io.pseudonymise import get_pseudonym_key, pseudonymise
from svimpact.io.readers import read_table
from svimpact.io.schemas import is_postcode_name

__all__ = ["input_identifiers"]


def input_identifiers(params_list: Iterable) -> tuple[set[str], set[str], list[str]]:
    """Identifiers (raw and pseudonymised), postcodes and secrets from services' inputs.

    Parameters
    ----------
    params_list : iterable of ServiceParams

    Returns
    -------
    (identifiers, postcodes, secrets)
    """
    ids: set[str] = set()
    pcs: set[str] = set()
    secrets: list[str] = []
    for sp in params_list:
        try:
            key = get_pseudonym_key(synthetic=sp.synthetic, params_file=sp.source_file)
            secrets.append(key.secret.decode("utf-8", errors="replace"))
        except SvimpactError:
            key = None
        for role, id_col in (("participants", sp.id_column), ("comparison", sp.id_column), ("survey", "respondent_id")):
            path = getattr(sp.data, role)
            if path is None:
                continue
            try:
                frame = read_table(path, dtype=str, sheet=(getattr(sp.data, "sheets", None) or {}).get(role))
            except SvimpactError:
                continue
            if id_col in frame:
                raw = frame[id_col].dropna().astype(str).str.strip()
                ids |= set(raw)
                if key is not None:
                    ids |= set(pseudonymise(raw, key).dropna())
            for col in frame.columns:
                if is_postcode_name(col):
                    pcs |= set(frame[col].dropna().astype(str))
    return ids, pcs, secrets
