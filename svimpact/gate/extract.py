"""Everything readable out of one published file, as an :class:`Extracted`.

Each file type gives text to search for the inputs' values (``sensitive``), text a reader sees,
where counts of people in words are checked (``prose``), data text where count keys are checked
(``data``), tables (``tables``) and plain-text outputs that may be record listings
(``listings``):

* HTML, SVG and XML: the whole source (entities decoded) is sensitive; visible text and the
  attributes a reader sees or hears (``alt``, ``title``, ``aria-label``...) are prose; JSON in
  ``<script type="application/json">`` and JavaScript are data, the string literals of scripts
  prose; HTML tables are tables.
* JavaScript (``.js``) and JSON: escapes (``\\u00a0``, ``\\n``) decoded; sensitive, data and prose.
* CSV and TSV: the text, and the table (its ``.meta.json`` sidecar names the count columns).
* Excel (openpyxl): every sheet as text and as a table, and the workbook's other parts.
* Word (python-docx): body, tables, headers and footers, notes, comments, text boxes, image alt
  text and properties; its images are read as images.
* Executed notebooks: every cell's source (prose for Markdown), every output (text, HTML, Markdown,
  JSON, SVG, PNG, errors), attachments and metadata.
* PNG: text chunks (tEXt, zTXt, iTXt) and eXIf. Other zips: each member by its name.
* Data URIs anywhere (``data:image/svg+xml;utf8,...``, ``data:image/png;base64,...``,
  ``data:text/html,...``) are decoded and read as the file type they declare.
* Any other file: its bytes as text (sensitive only) unless it is compressed beyond reading
  (PDF, gzip...), which is a problem: the gate cannot vouch for it.

All text is normalised (:func:`~svimpact.gate.match.normalise`) before it is stored.
"""

from __future__ import annotations

import ast
import base64
import binascii
import html as html_lib
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import pandas as pd

from svimpact.gate.match import normalise
from svimpact.gate.office import docx_parts, png_text, xlsx_parts, zip_members

__all__ = ["Extracted", "extract", "html_tables"]

_DATA_URI = re.compile(r"data:(?P<mime>[a-z0-9.+\-]+/[a-z0-9.+\-]+)?(?P<params>(?:;[a-z0-9.\-]+(?:=[^;,\"'\s]*)?)*),",
                       re.IGNORECASE)
_B64 = re.compile(r"[A-Za-z0-9+/=\r\n\\]*")
_PLAIN_END = re.compile(r"[\s\"'<>)]")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SEEN_ATTR = re.compile(r"\s(?:alt|title|aria-label|aria-description|label|placeholder|summary|content|value"
                        r"|data-[a-z0-9\-]+)\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)
_JS_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[nrtbf\"'/\\])")
_ESCAPES = {"n": "\n", "r": "\n", "t": "\t", "b": " ", "f": " "}
_BYTES_REPR = re.compile(r"(?<![A-Za-z0-9_])b'[^'\\\n]*(?:\\.[^'\\\n]*)*'|(?<![A-Za-z0-9_])b\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"")
_MAX_DEPTH = 4
_MARKUP = {".html", ".htm", ".xhtml", ".svg", ".xml"}
_PLAIN = {".txt", ".md", ".markdown", ".yaml", ".yml", ".css", ".tex", ".rst", ".log", ".lock", ".ini", ".cfg", ".toml"}
_UNREADABLE = {b"%PDF": "PDF", b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"7z\xbc\xaf": "7-Zip",
               b"\x28\xb5\x2f\xfd": "zstandard", b"Rar!": "RAR"}
_IMAGE_MIME = {"image/png": ".png", "image/svg+xml": ".svg", "text/html": ".html", "application/json": ".json",
               "text/csv": ".csv", "text/plain": ".txt", "application/javascript": ".js", "text/javascript": ".js",
               "text/markdown": ".md", "application/xml": ".xml", "text/xml": ".xml"}


@dataclass
class Extracted:
    """What one file holds, normalised, by the check it goes to (see the module docstring)."""

    sensitive: list[tuple[str, str]] = field(default_factory=list)
    prose: list[tuple[str, str]] = field(default_factory=list)
    data: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    listings: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def text(self, where: str, text: str, *, prose: bool = True, data: bool = False) -> None:
        norm = normalise(text)
        self.sensitive.append((where, norm))
        if prose:
            self.prose.append((where, norm))
        if data:
            self.data.append((where, norm))


_TABLE = re.compile(r"<table\b.*?</table\s*>", re.S | re.IGNORECASE)
_ROW = re.compile(r"<tr\b.*?(?:</tr\s*>|(?=<tr\b)|$)", re.S | re.IGNORECASE)
_CELL = re.compile(r"<(t[hd])\b[^>]*>(.*?)(?:</t[hd]\s*>|(?=<t[hd]\b)|$)", re.S | re.IGNORECASE)


def html_tables(text: str) -> list[pd.DataFrame]:
    """The tables of an HTML page (those whose first row is all header cells), cells as text."""
    frames = []
    for table in _TABLE.findall(text):
        header: list[str] = []
        body: list[list[str]] = []
        for row in _ROW.findall(table):
            cells = [(kind.lower() == "th", html_lib.unescape(_TAG.sub("", inner)).strip())
                     for kind, inner in _CELL.findall(row)]
            if not cells:
                continue
            if not header and not body and all(h for h, _ in cells):
                header = [c for _, c in cells]
            else:
                body.append([c for _, c in cells])
        if not header or not body:
            continue
        width = len(header)
        rows = [r[-width:] if len(r) > width else r + [""] * (width - len(r)) for r in body]
        frames.append(pd.DataFrame(rows, columns=[h or f"col{i}" for i, h in enumerate(header)], dtype=object))
    return frames


def _keep_lines(m: re.Match) -> str:
    return "\n" * m.group(0).count("\n") or " "


def _unescape_js(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, e)

    return _ESCAPE.sub(one, text)


def _data_uris(text: str, where: str, ex: Extracted, depth: int) -> str:
    """``text`` with each data URI blanked out; each URI's content read into ``ex``."""
    if "data:" not in text and "DATA:" not in text:
        return text
    pieces, last = [], 0
    for m in _DATA_URI.finditer(text):
        if m.start() < last:
            continue
        start, params = m.end(), (m.group("params") or "").lower()
        if ";base64" in params:
            end = _B64.match(text, start).end()  # type: ignore[union-attr]
            payload = text[start:end].replace("\\n", "").replace("\\", "")
            try:
                data = base64.b64decode("".join(payload.split()) + "==", validate=False)
            except (binascii.Error, ValueError):
                data = b""
        else:
            quote = text[m.start() - 1] if m.start() else ""
            closing = {"\"": "\"", "'": "'", "(": ")"}.get(quote)
            end = text.find(closing, start) if closing else -1
            if end < 0:
                found = _PLAIN_END.search(text, start)
                end = found.start() if found else len(text)
            data = unquote_to_bytes(html_lib.unescape(text[start:end]))
        mime = (m.group("mime") or "text/plain").lower()
        read_bytes(data, _IMAGE_MIME.get(mime, ".bin"), f"{where}data URI ({mime}), ", ex, depth + 1)
        pieces += [text[last:m.start()], "\n" * text.count("\n", m.start(), end) or " "]
        last = end
    return "".join(pieces) + text[last:]


def _byte_reprs(text: str, where: str, ex: Extracted, depth: int) -> str:
    """``text`` with each long Python bytes literal (``b'\\x89PNG...'``, a figure's repr) blanked out and
    read as the bytes it holds."""
    if "b'" not in text and 'b"' not in text:
        return text
    pieces, last = [], 0
    for m in _BYTES_REPR.finditer(text):
        if m.end() - m.start() < 64:
            continue
        try:
            data = ast.literal_eval(m.group(0))
        except (ValueError, SyntaxError):
            continue
        read_bytes(data, ".bin", f"{where}bytes, ", ex, depth + 1)
        pieces += [text[last:m.start()], " "]
        last = m.end()
    return "".join(pieces) + text[last:]


def _markup(text: str, where: str, ex: Extracted, depth: int, tables: bool) -> None:
    text = _data_uris(text, where, ex, depth)
    ex.sensitive.append((where, normalise(html_lib.unescape(text))))
    for attrs, body in _SCRIPT.findall(text):
        body = _unescape_js(body)
        if "json" in attrs.lower():
            ex.data.append((f"{where}script data, ", normalise(body)))
        strings = "\n".join(s[1:-1] for s in _JS_STRING.findall(body))
        ex.prose.append((f"{where}script strings, ", normalise(strings)))
        if "json" not in attrs.lower():
            ex.data.append((f"{where}script, ", normalise(body)))
    visible = _TAG.sub(_keep_lines, _SCRIPT.sub(_keep_lines, _STYLE.sub(_keep_lines, text)))
    seen = "\n".join(v[1:-1] for v in _SEEN_ATTR.findall(text))
    ex.prose.append((where, normalise(html_lib.unescape(visible + "\n" + seen))))
    if tables:
        ex.tables += [(f"{where}table {k}, ", f) for k, f in enumerate(html_tables(text), 1)]


def _table(text: str, where: str, sep: str, ex: Extracted) -> None:
    ex.text(where, text)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
    except pd.errors.EmptyDataError:
        return
    except (pd.errors.ParserError, ValueError):
        ex.problems.append((where.rstrip(", ") or "file", "published table could not be read as a table; cannot be checked"))
        return
    ex.tables.append((where, frame))


def _joined(v: object) -> str:
    return "".join(v) if isinstance(v, list) else str(v or "")


def _output(out: dict, where: str, ex: Extracted, depth: int) -> None:
    data = out.get("data") or {}
    if out.get("output_type") == "stream":
        ex.text(where, _byte_reprs(_joined(out.get("text")), where, ex, depth))
        ex.listings.append((where.rstrip(", "), _joined(out.get("text"))))
    if out.get("output_type") == "error":
        ex.text(where, "\n".join([str(out.get("ename", "")), str(out.get("evalue", "")), *map(str, out.get("traceback", []))]))
    for mime, value in data.items():
        if mime in ("image/png", "image/jpeg", "image/gif"):
            try:
                read_bytes(base64.b64decode(_joined(value)), ".png" if mime == "image/png" else ".bin",
                           f"{where}{mime}, ", ex, depth + 1)
            except (binascii.Error, ValueError):
                ex.problems.append((where.rstrip(", "), f"{mime} output is not valid base64; cannot be checked"))
        elif mime in ("text/html", "image/svg+xml"):
            _markup(_joined(value), where, ex, depth, tables=mime == "text/html")
        elif "json" in mime:
            ex.text(where, json.dumps(value, ensure_ascii=False), data=True)
        else:
            ex.text(where, _byte_reprs(_joined(value), where, ex, depth))
    if "text/plain" in data and "text/html" not in data:
        ex.listings.append((where.rstrip(", "), _joined(data["text/plain"])))
    ex.text(f"{where}metadata, ", json.dumps(out.get("metadata") or {}, ensure_ascii=False), prose=False)


def _notebook(text: str, ex: Extracted, depth: int) -> None:
    try:
        nb = json.loads(text)
        cells = nb.get("cells", [])
        meta = nb.get("metadata", {})
    except (ValueError, AttributeError):
        ex.problems.append(("file", "not a readable notebook (JSON); cannot be checked"))
        return
    ex.text("notebook metadata, ", json.dumps(meta, ensure_ascii=False), prose=False)
    for i, cell in enumerate(cells):
        where = f"cell {i}, "
        source = _joined(cell.get("source", ""))
        if cell.get("cell_type") == "code":
            ex.text(where, source, prose=False)
        else:
            _markup(source, where, ex, depth, tables=True)
        ex.text(f"{where}metadata, ", json.dumps(cell.get("metadata") or {}, ensure_ascii=False), prose=False)
        for name, bundle in (cell.get("attachments") or {}).items():
            ex.text(f"{where}attachment, ", str(name), prose=False)
            for mime, value in (bundle or {}).items():
                _output({"data": {mime: value}}, f"{where}attachment, ", ex, depth)
        for out in cell.get("outputs", []) or []:
            _output(out, where, ex, depth)


def read_bytes(data: bytes, suffix: str, where: str, ex: Extracted, depth: int = 0) -> None:
    """Read ``data`` (a file's bytes, of the type ``suffix`` names) into ``ex``."""
    if depth > _MAX_DEPTH:
        ex.problems.append((where.rstrip(", ") or "file", "nested too deep to read; cannot be checked"))
        return
    suffix = suffix.lower()
    if data.startswith(b"\x89PNG"):
        ex.text(f"{where}PNG text, ", "\n".join(png_text(data)))
        return
    if suffix == ".docx" or suffix == ".xlsx" or suffix == ".xlsm" or data.startswith(b"PK\x03\x04"):
        _office(data, suffix, where, ex, depth)
        return
    kind = next((k for magic, k in _UNREADABLE.items() if data.startswith(magic)), None)
    if kind is not None:
        ex.problems.append((where.rstrip(", ") or "file", f"a {kind} file the gate cannot read; cannot be checked"))
        return
    text = data.decode("utf-8", errors="replace")
    if suffix in _MARKUP:
        _markup(text, where, ex, depth, tables=suffix != ".svg")
    elif suffix in (".js", ".mjs"):
        text = _data_uris(_unescape_js(text), where, ex, depth)
        ex.text(where, text, prose=False, data=True)
        ex.prose.append((f"{where}strings, ", normalise("\n".join(s[1:-1] for s in _JS_STRING.findall(text)))))
    elif suffix in (".json", ".geojson"):
        ex.text(where, _data_uris(_unescape_js(text), where, ex, depth), data=True)
    elif suffix == ".ipynb":
        _notebook(text, ex, depth)
    elif suffix in (".csv", ".tsv"):
        _table(_data_uris(text, where, ex, depth), where, "\t" if suffix == ".tsv" else ",", ex)
    elif suffix in _PLAIN or (b"\0" not in data[:4096] and "\ufffd" not in text[:4096]):
        ex.text(where, _data_uris(text, where, ex, depth))
    else:  # an image or other binary: any text stored in it as bytes
        ex.text(where, data.decode("latin-1"), prose=False)


def _office(data: bytes, suffix: str, where: str, ex: Extracted, depth: int) -> None:
    try:
        if suffix == ".docx":
            texts, frames, media = docx_parts(data)
        elif suffix in (".xlsx", ".xlsm"):
            (texts, frames), media = xlsx_parts(data), []
        else:
            texts, frames, media = [], [], zip_members(data)
    except Exception as exc:  # noqa: BLE001 - any damage in the file: it cannot be vouched for

        ex.problems.append((where.rstrip(", ") or "file", f"not a readable {suffix or 'zip'} file "
                            f"({type(exc).__name__}); cannot be checked"))
        return
    for w, t in texts:
        ex.text(f"{where}{w}", t)
    ex.tables += [(f"{where}{w}", f) for w, f in frames]
    for name, blob in media:
        ex.text(f"{where}{name}, ", name, prose=False)
        read_bytes(blob, "." + name.rpartition(".")[2] if "." in name else "", f"{where}{name}, ", ex, depth + 1)


def extract(data: bytes, name: str) -> Extracted:
    """Everything readable in a file called ``name`` (its path in the report) holding ``data``."""
    ex = Extracted()
    ex.text("file name, ", name.replace("/", " / "))
    suffix = "." + name.rpartition(".")[2] if "." in name.rpartition("/")[2] else ""
    read_bytes(data, suffix, "", ex)
    return ex
