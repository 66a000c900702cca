"""Reading YAML files: the one reader for params, batch and value files.

A leaf module (it imports nothing from svimpact but the error tree), so the ledger, the params
models and the value library can all use it without an import cycle. Duplicate keys, which
PyYAML silently resolves to the last one, are an error naming the key and both lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from svimpact._common import sha256
from svimpact.exceptions import ParamsError

__all__ = ["read_yaml", "read_yaml_digest"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping with the same key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first at line {seen[key]}, again at line {line}); "
                    "keep one", key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, with errors that name the file (and the line, for syntax or duplicate keys)."""
    return read_yaml_digest(path)[0]


def read_yaml_digest(path: str | Path) -> tuple[dict[str, Any], str]:
    """:func:`read_yaml`, plus the sha256 of the bytes read (so the file is opened once, not twice)."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "file not found"
        raise ParamsError(what, file=str(path))
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ParamsError(f"cannot be read ({reason}); check the file's permissions and that it is UTF-8 text",
                          file=str(path)) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ParamsError("expected a mapping of keys to values at the top level", file=str(path))
    return data, sha256(raw)
