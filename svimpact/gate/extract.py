"""Reading text, tables and values out of every kind of output file the gate scans.

HTML pages (their tables as frames), executed notebooks (each output's HTML and plain text), Word
documents and other zipped Office XML (their text; Word tables as frames). CSV files are read by
the scan itself. Images (PNG) are not read.
"""

from __future__ import annotations

import html as html_lib
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

__all__ = ["OFFICE_SUFFIXES", "TEXT_SUFFIXES", "html_tables", "office_text", "outputs_text"]

TEXT_SUFFIXES = {".html", ".htm", ".csv", ".tsv", ".ipynb", ".json", ".md", ".txt", ".svg", ".xml", ".yaml", ".yml"}
OFFICE_SUFFIXES = {".docx", ".xlsx", ".odt", ".pptx"}
_W_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")


class _Tables(HTMLParser):
    """Collects the tables of an HTML page as (header, body rows) of cell text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[tuple[bool, str]] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self._stack.append({"header": [], "rows": []})
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell[0] == "th", "".join(self._cell[1:]).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            t = self._stack[-1]
            if not t["header"] and self._row and all(h for h, _ in self._row):
                t["header"] = [c for _, c in self._row]
            elif self._row:
                t["rows"].append([c for _, c in self._row])
            self._row = None
        elif tag == "table" and self._stack:
            t = self._stack.pop()
            self.tables.append((t["header"], t["rows"]))


def html_tables(text: str) -> list[pd.DataFrame]:
    parser = _Tables()
    try:
        parser.feed(text)
    except Exception:  # noqa: BLE001 - malformed HTML: scanned as text only
        return []
    frames = []
    for header, rows in parser.tables:
        if not header or not rows:
            continue
        width = len(header)
        body = [r[-width:] if len(r) > width else r + [""] * (width - len(r)) for r in rows]
        frames.append(pd.DataFrame(body, columns=[h or f"col{i}" for i, h in enumerate(header)], dtype=object))
    return frames


def office_text(path: Path) -> tuple[str, list[pd.DataFrame]]:
    """Text and tables of a Word document (.docx); the text of other zipped XML (.xlsx, .odt, .pptx)."""
    texts, tables = [], []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            xml = z.read(name).decode("utf-8", errors="replace")
            texts.append(html_lib.unescape(re.sub(r"<[^>]+>", " ", xml)))
            for tbl in re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S):
                rows = [[html_lib.unescape("".join(_W_TEXT.findall(c))).strip()
                         for c in re.findall(r"<w:tc>.*?</w:tc>", tr, re.S)]
                        for tr in re.findall(r"<w:tr[ >].*?</w:tr>", tbl, re.S)]
                rows = [r for r in rows if r]
                if len(rows) > 1:
                    width = len(rows[0])
                    body = [r[:width] + [""] * (width - len(r)) for r in rows[1:]]
                    tables.append(pd.DataFrame(body, columns=[h or f"col{i}" for i, h in enumerate(rows[0])]))
    return "\n".join(texts), tables


def outputs_text(output: dict) -> tuple[str, str]:
    data = output.get("data", {}) if isinstance(output, dict) else {}

    def join(v: object) -> str:
        return "".join(v) if isinstance(v, list) else str(v or "")

    html = join(data.get("text/html", ""))
    plain = join(data.get("text/plain", "")) + join(output.get("text", "")) if isinstance(output, dict) else ""
    return html, plain
