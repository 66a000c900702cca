"""IoD edition facts live in geo/editions.py, which depends on no other geo module; geo has no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import svimpact
from svimpact.exceptions import InputDataError
from svimpact.geo import editions, imd, vintage

PKG = Path(svimpact.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """svimpact modules imported anywhere in the file (top level and inside functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("svimpact"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("svimpact")}
    return out


def test_editions_imports_nothing_from_geo() -> None:
    assert not {m for m in _imports(Path(editions.__file__)) if m.startswith("svimpact.geo")}


def test_no_import_cycle_through_geo() -> None:
    graph = {_module(p): _imports(p) for p in PKG.rglob("*.py")}
    known = set(graph)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    edges = {m: {r for r in map(resolve, deps) if r and r != m} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d] if d in stack else [m, d]
                if any(x.startswith("svimpact.geo") for x in cycle):
                    pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            elif d not in state:
                visit(d, [*stack, d])
        state[m] = 2

    for m in sorted(k for k in edges if k.startswith("svimpact.geo")):
        if m not in state:
            visit(m, [m])


def test_edition_facts_are_re_exported_where_they_were() -> None:
    assert imd.EDITIONS is editions.EDITIONS and imd.DOMAINS is editions.DOMAINS
    assert imd.iod_info is editions.iod_info and imd.tag_iod is editions.tag_iod
    assert vintage.LSOA_VINTAGES is editions.LSOA_VINTAGES
    assert editions.EDITIONS[2019][0] == 2011 and editions.EDITIONS[2025][0] == 2021


def test_tag_and_read_back() -> None:
    df = editions.tag_iod(pd.DataFrame({"lsoa_code": ["E01000001"]}), edition=2025)
    info = editions.iod_info(df)
    assert (info.edition, info.lsoa_vintage, info.n_national) == (2025, 2021, 33_755)
    with pytest.raises(InputDataError, match="uses 2011 LSOAs"):
        editions.tag_iod(df, edition=2019, lsoa_vintage=2021)
