"""Read every published file of a report the way a reader would: tables, map data, headlines, prose.

Nothing here knows the project's internals: tables come from CSV files, from the HTML tables of
the chapter and of the executed notebooks, and from the Word copy; map data from the JSON inside
each map page; headlines from their JSON; prose from the chapter, the notebooks and the Word copy.
Each table keeps the precision it was printed with (its cells stay strings).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html

NUMBER = re.compile(r"[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")
INTERNAL = ".svimpact"


@dataclass(frozen=True)
class Table:
    """One published table: header and rows as printed; ``sig`` = significant figures the writer keeps
    at most (CSV writers round to 6), ``None`` when each number is printed as it is meant."""

    file: str
    service: str
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sig: int | None = None

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [r[i] if i < len(r) else "" for r in self.rows]


@dataclass(frozen=True)
class Text:
    file: str
    service: str
    text: str


def parse_number(text: str, sig: int | None = None) -> tuple[float, float] | None:
    """``(value, tolerance)`` of a number as printed: '0.271351' is 0.271351 +- 5e-7.

    Trailing zeros are never taken as precision: '0.260' is 0.26 +- 0.005 (a display may pad a
    rate rounded to two places), '1,890,000' is +- 5,000;
    ``sig`` caps the precision (a CSV writer keeping 6 significant figures prints 114243.0 for
    114,243.4).
    """
    s = text.strip().replace("\u2212", "-").replace("\u00a3", "").replace("%", "").strip()
    m = NUMBER.fullmatch(s)
    if not m:
        return None
    t = s.replace(",", "")
    mant, _, exp = t.lower().partition("e")
    e10 = int(exp) if exp else 0
    if "." in mant:
        # zeros at the end of the decimals may be padding ('0.260' displayed for a rate rounded to 0.26):
        # they are not taken as precision
        tol = 0.5 * 10.0 ** (e10 - len(mant.split(".")[1].rstrip("0")))
    else:
        digits = mant.lstrip("+-")
        zeros = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
        tol = 0.5 * 10.0 ** (e10 + zeros)
    v = float(t)
    if sig and v:
        tol = max(tol, 0.5 * 10.0 ** (math.floor(math.log10(abs(v))) - sig + 1))
    return v, tol + 1e-12 * abs(v)


def rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def published_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and INTERNAL not in p.relative_to(root).parts)


def service_of(path: Path) -> str:
    return path.name.split("__", 1)[0] if "__" in path.name else ""


# ----------------------------------------------------------------------------- tables
def csv_tables(root: Path) -> list[Table]:
    out = []
    for p in published_files(root):
        if p.suffix.lower() in {".csv", ".tsv"}:
            with p.open(newline="", encoding="utf-8", errors="replace") as fh:
                rows = list(csv.reader(fh, delimiter="\t" if p.suffix.lower() == ".tsv" else ","))
            if rows:
                name = p.stem.split("__", 1)[-1]
                out.append(Table(rel(p, root), service_of(p), name, tuple(rows[0]), tuple(map(tuple, rows[1:])), 6))
    return out


def _cell_text(el) -> str:
    return " ".join(el.text_content().split())


def html_tables(html: str, file: str, service_for=lambda el: "") -> list[Table]:
    """Every <table> in ``html``: header from <thead> (or the first row), body rows as text."""
    if "<table" not in html:
        return []
    doc = lxml.html.fromstring(html)
    out = []
    for t in doc.iter("table"):
        head = [_cell_text(c) for c in t.xpath("./thead/tr[last()]/*")]
        body = t.xpath("./tbody/tr") or t.xpath("./tr")
        rows = [[_cell_text(c) for c in tr.xpath("./th|./td")] for tr in body]
        if not head and rows:
            head, rows = rows[0], rows[1:]
        cap = t.xpath("./preceding-sibling::*[contains(@class, 'caption')][1]")
        name = _cell_text(cap[0]) if cap else ""
        out.append(Table(file, service_for(t), name, tuple(head), tuple(tuple(r) for r in rows)))
    return out


def chapter_services(html: str) -> dict[str, str]:
    """Service key -> title, from the chapter's contents list (``<a href='#key'>Title</a>``)."""
    doc = lxml.html.fromstring(html)
    return {a.get("href")[1:]: _cell_text(a) for a in doc.xpath("//nav//a[starts-with(@href, '#')]")}


def _section_service(el) -> str:
    for anc in el.iterancestors("section"):
        if anc.get("id") and not anc.get("id", "").startswith(("summary", "appendix")):
            return anc.get("id")
    return ""


def notebook_outputs(path: Path) -> tuple[list[str], list[str]]:
    """(HTML outputs, text outputs: markdown, plain text and streams) of an executed notebook."""
    nb = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    html, text = [], []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text.append("".join(cell.get("source", "")))
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "text/html" in data:
                html.append("".join(data["text/html"]))
            for kind in ("text/markdown", "text/plain"):
                if kind in data:
                    text.append("".join(data[kind]))
            if "text" in o:
                text.append("".join(o["text"]))
    return html, text


def frame_reprs(text: str) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    """Tables printed as plain text in a notebook output (a displayed object's ``text/plain``): the
    ``table=`` of a repr, or a fixed-width table (with or without its index, wrapped in blocks or
    not) after a caption line. Cells keep the digits printed, hidden ones too when a repr shows the
    values behind a mask."""
    parts = [p.split(", suppressed=")[0] for p in text.split("table=")[1:]] if "table=" in text else [text]
    out = []
    for part in parts:
        lines = part.rstrip().split("\n")
        # a caption of a few lines may sit above the table: the reading whose cells hold no runs of spaces
        # (no two columns read as one) wins, then the one with more columns
        tries = [got for skip in range(min(4, len(lines))) if (got := _blocks(lines[skip:]))]
        if tries:
            out.append(min(tries, key=lambda g: (sum("  " in c for r in g[1] for c in r), -len(g[0]))))
    return out


def _blocks(lines: list[str]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    """A fixed-width table, maybe wrapped into blocks of columns separated by blank lines."""
    blocks, current = [], []
    for ln in (ln for ln in lines if not re.fullmatch(r"\s*\[\d+ rows x \d+ columns\]\s*", ln)):
        if ln.strip():
            current.append(ln)
        elif current:
            blocks.append(current)
            current = []
    blocks += [current] if current else []
    header: list[str] = []
    rows: list[list[str]] = []
    for block in blocks:
        got = _fixed_width(block[0].rstrip().rstrip("\\").rstrip(), block[1:])
        if got is None or (rows and len(got[1]) != len(rows)):
            return None
        header += got[0]
        rows = [(rows[i] if rows else []) + r for i, r in enumerate(got[1])]
    return (tuple(header), tuple(tuple(r) for r in rows)) if len(header) > 1 and rows else None


def _fixed_width(head: str, body: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """Columns right-aligned under their names: a name ends where the cells below it end."""
    body = [ln.rstrip() for ln in body if ln.strip()]
    words = [m.end() for m in re.finditer(r"\S+", head)]
    if len(words) < 2 or not body:
        return None
    ends = [e for e in words[:-1] if sum(len(ln) >= e and ln[e - 1] != " " and (len(ln) == e or ln[e] == " ")
                                         for ln in body) >= 0.8 * len(body)] + [words[-1]]
    first = re.match(r"\s*", head).end()
    index = all(re.match(r"\d+\s", ln) for ln in body) and first > 0 and all(
        len(ln.split()[0]) <= first for ln in body)
    names, cells, prev = [], [[] for _ in body], 0
    for e in ends:
        names.append(head[prev:e].strip())
        for i, ln in enumerate(body):
            lo = len(ln.split()[0]) if index and prev == 0 else prev
            cells[i].append(ln[lo:e].strip())
        prev = e
    if any(len(ln) > ends[-1] + 2 for ln in body):
        return None
    return names, cells


def docx_parts(path: Path, titles: dict[str, str]) -> tuple[list[Table], list[Text]]:
    """Tables and paragraphs of the Word copy, each given the service of the heading above it."""
    import docx

    file = path.name
    document = docx.Document(str(path))
    by_title = {v.strip().lower(): k for k, v in titles.items()}
    tables, texts, service = [], [], ""
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = docx.text.paragraph.Paragraph(child, document)
            words = para.text.strip()
            style = para.style.name.lower() if para.style is not None else ""
            if style.startswith("heading") or style == "title":
                level = int(re.sub(r"\D", "", style) or 1)
                service = by_title.get(words.lower(), "" if level <= 2 else service)
            if words:
                texts.append(Text(file, service, words))
        elif tag == "tbl":
            tbl = docx.table.Table(child, document)
            rows = [tuple(" ".join(c.text.split()) for c in r.cells) for r in tbl.rows]
            if rows:
                tables.append(Table(file, service, "", rows[0], tuple(rows[1:])))
    return tables, texts


def all_tables_and_texts(root: Path) -> tuple[list[Table], list[Text]]:
    tables, texts = csv_tables(root), []
    titles: dict[str, str] = {}
    for p in published_files(root):
        suffix, file = p.suffix.lower(), rel(p, root)
        if suffix == ".ipynb":
            html, text = notebook_outputs(p)
            svc = service_of(p)
            for h in html:
                tables += html_tables(h, file, lambda el, s=svc: s)
            for t in text:
                tables += [Table(file, svc, "text/plain", head, rows) for head, rows in frame_reprs(t)
                           if len(head) > 1 and rows]
            texts += [Text(file, service_of(p), t) for t in text]
        elif suffix == ".html" and not file.startswith("maps/"):
            page = p.read_text(encoding="utf-8", errors="replace")
            titles |= chapter_services(page) if "<nav" in page else {}
            tables += html_tables(page, file, _section_service)
            doc = lxml.html.fromstring(page)
            for sec in doc.iter("section"):
                texts.append(Text(file, _section_service(sec) if sec.get("id") in (None, "") else sec.get("id"),
                                  " ".join(sec.text_content().split())))
    for p in published_files(root):
        if p.suffix.lower() == ".docx":
            t, x = docx_parts(p, titles)
            tables, texts = tables + t, texts + x
    return tables, texts


# ----------------------------------------------------------------------------- maps and headlines
def map_records(root: Path) -> list[tuple[str, str, list[dict]]]:
    """(file, service, records) for each JSON array of area records embedded in a published page."""
    out = []
    for p in published_files(root):
        if p.suffix.lower() not in {".html", ".htm", ".js", ".json"} or p.name == "manifest.json":
            continue
        page = p.read_text(encoding="utf-8", errors="replace")
        blobs = re.findall(r"<script[^>]*application/json[^>]*>(.*?)</script>", page, re.S) if "<script" in page else [page]
        for blob in blobs:
            try:
                data = json.loads(blob)
            except ValueError:
                continue
            if isinstance(data, dict):
                data = next((v for v in data.values() if isinstance(v, list)), [])
            recs = [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
            # LSOA records carry an area code; records of larger areas (MSOAs, boroughs by decile: issue 16)
            # carry the area's name as "c" with the users' text as "u"
            if recs and (any(_area_code(r) for r in recs) or all(isinstance(r.get("c"), str) and "u" in r for r in recs)):
                out.append((rel(p, root), service_of(p), recs))
    return out


AREA_CODE = re.compile(r"^[A-Z]\d{8}$")


def _area_code(rec: dict) -> str:
    return next((str(v) for v in rec.values() if isinstance(v, str) and AREA_CODE.match(v)), "")


def headlines(root: Path) -> list[tuple[str, str, dict]]:
    out = []
    for p in published_files(root):
        if p.suffix.lower() == ".json" and p.parent.name == "headlines":
            try:
                h = json.loads(p.read_text(encoding="utf-8"))
            except ValueError:
                continue
            out.append((rel(p, root), h.get("service") or service_of(p), h))
    return out
