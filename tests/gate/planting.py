"""A small clean report holding every file type the gate reads, and the leaks planted into it.

:func:`minimal_report` writes a report directory that passes the gate: an index page with a
table, an embedded PNG and the legends and bounds the gate must leave alone, a map page with its
JSON data, a notebook, a Word copy, an Excel and a TSV table, a headline JSON and a PNG figure.
:data:`PLANTED` maps each kind of leak to a function that plants it into such a directory and
returns the file the gate must name.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from svimpact.disclosure import disclose
from svimpact.gate import LookFor

ID, ID2, PSEUDO = "HF-000001", "HF-000002", "p_0123456789abcdef0123"
POSTCODE = "L1 8JQ"
DOB = dt.date(1984, 3, 7)
FREE = "She moved in with her sister near the park after the winter"
SECRET = "s3cret-pseudonym-key-123"
LOOK = LookFor(identifiers=frozenset({ID, ID2, PSEUDO}), postcodes=frozenset({POSTCODE}),
               dates_of_birth=frozenset({DOB}), free_text=frozenset({FREE}), secrets=(SECRET,),
               id_columns=frozenset({"person_id", "respondent_id"}))
NUMERIC_IDS = frozenset(str(i) for i in range(1001, 2000))


def png(text: dict[str, str] | None = None, ztxt: dict[str, str] | None = None,
        itxt: dict[str, str] | None = None) -> bytes:
    """A small real PNG, with text chunks (tEXt, zTXt, iTXt) if given."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    for k, v in (ztxt or {}).items():
        info.add_text(k, v, zip=True)
    for k, v in (itxt or {}).items():
        info.add_itxt(k, v, lang="en", tkey=k, zip=True)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def append_html(root: Path, rel: str, html: str) -> str:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8").replace("</body>", html + "</body>"), encoding="utf-8")
    return rel


def notebook(outputs: list[dict], markdown: str = "Reach of the service.", metadata: dict | None = None) -> str:
    cell = {"cell_type": "code", "source": "display(table)", "metadata": {}, "execution_count": 1, "outputs": outputs}
    return json.dumps({"cells": [{"cell_type": "markdown", "source": markdown, "metadata": {}}, cell],
                       "metadata": metadata or {"papermill": {"parameters": {"service": "svc"}}},
                       "nbformat": 4, "nbformat_minor": 5})


def docx_bytes(body: str = "About 40 participants were housed.", header: str = "Year One review",
               rows: tuple[tuple[str, str], ...] = (("decile 1", "40"), ("decile 2", "[c]")), alt: str = "A bar chart",
               footer: str = "Page") -> bytes:
    import docx

    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = header
    doc.sections[0].footer.paragraphs[0].text = footer
    doc.add_paragraph(body)
    table = doc.add_table(rows=1 + len(rows), cols=2)
    for i, (a, b) in enumerate((("group", "users"), *rows)):
        table.cell(i, 0).text, table.cell(i, 1).text = a, b
    doc.add_picture(io.BytesIO(png()))
    doc.inline_shapes[0]._inline.docPr.set("descr", alt)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes(rows: tuple[tuple[str, object], ...] = (("decile 1", 40), ("decile 2", "[c]")),
               header: tuple[str, str] = ("group", "users")) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "reach"
    sheet.append(list(header))
    for r in rows:
        sheet.append(list(r))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


MAP_DATA = ('[{"c":"E01000001","n":"Corrin 001","d":2,"u":"[c] suppressed (1-7 users)","r":"[c] suppressed"},'
            '{"c":"E01000002","n":"Corrin 002","d":3,"u":"0 users","r":"0 to 1 per 1,000 residents"},'
            '{"c":"E01000003","n":"Corrin 003","d":1,"u":"10 users","r":"2 to 4 per 1,000 residents"}]')
QUIET_PROSE = ("<p>Around 40 participants were housed in 2024; in 2024 participants reported feeling safe. "
               "Areas with [c] suppressed: 1 to 7 users (12 areas); 1-7 users; fewer than 8 people; "
               "at least one participant in every decile; one in four people; 1 in 4 users; per 1,000 people; "
               "the population of 1,422 residents; rank 1042 of 32,844; year 1999; colour #104200; "
               "coordinates 53.1042, -2.9871; n=40 and (n 65) respondents; (nk-dominance, n=2, k=0.85).</p>")


def minimal_report(root: Path) -> Path:
    """A clean report directory holding every file type the gate reads (see the module docstring)."""
    table = disclose(pd.DataFrame({"decile": [1, 2, 3], "users": [42, 3, 0]}), counts=["users"], label="decile")
    (root / "tables").mkdir(parents=True)
    table.to_csv(str(root / "tables" / "svc__profile.csv"))
    write(root, "tables/svc__profile.tsv", "decile\tusers\n1\t40\n2\t[c]\n3\t0\n")
    write(root, "tables/svc__reach.xlsx", xlsx_bytes())
    write(root, "index.html", f"<html><body><h2>Svc</h2>{table._repr_html_()}"
                              f"<img alt='Bar chart of reach by decile' src='data:image/png;base64,{b64(png())}'/>"
                              f"{QUIET_PROSE}</body></html>")
    write(root, "maps/svc__reach-map.html",
          f'<html><body><svg role="img" aria-label="Reach map"><path class="a" data-i="0" d="M0 0L1042 1999z"/></svg>'
          f'<script type="application/json" id="svm-data">{MAP_DATA}</script>'
          '<script>var recs = JSON.parse(x); line("div", "Users: " + r.u); var n=3;</script></body></html>')
    write(root, "notebooks/svc__a.ipynb", notebook([
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": table._repr_html_(), "text/plain": "DisclosedTable", "image/png": b64(png())}},
        {"output_type": "stream", "name": "stdout", "text": "Done: 40 participants.\n"}]))
    write(root, "year-one.docx", docx_bytes())
    write(root, "figures/svc__reach.png", png({"Software": "matplotlib"}))
    write(root, "headlines/svc__gross.json", json.dumps({"text": "40 participants", "order": 10, "n_draws": 2000}))
    write(root, "manifest.json", json.dumps({"status": "complete", "services": []}))
    return root


def _html(html: str) -> Callable[[Path], str]:
    return lambda root: append_html(root, "index.html", html)


def _file(rel: str, content: Callable[[], str | bytes]) -> Callable[[Path], str]:
    def plant(root: Path) -> str:
        write(root, rel, content())
        return rel
    return plant


def _nb(outputs: list[dict] | None = None, **kw) -> Callable[[Path], str]:
    return _file("notebooks/svc__b.ipynb", lambda: notebook(outputs or [], **kw))


def _zip(name: str, content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, content)
    return buf.getvalue()


SVG = f"<svg xmlns='http://www.w3.org/2000/svg'><text x='1' y='9'>{ID}</text></svg>"
PLANTED: dict[str, Callable[[Path], str]] = {
    # identifiers
    "identifier": _html(f"<p>Case study: {ID2} moved in.</p>"),
    "identifier in lower case": _html(f"<p>case study: {ID2.lower()} moved in.</p>"),
    "identifier with _ for -": _html("<p>See hf_000002.</p>"),
    "identifier split by a zero-width space": _html("<p>HF-\u200b000002</p>"),
    "identifier in a .js file": _file("maps/svc__extra.js", lambda: f'var people = ["{ID}"];'),
    "identifier as a JSON unicode escape": _file("headlines/svc__x.json", lambda: '{"text": "HF\\u002d000001"}'),
    "identifier in a base64 SVG data URI": _html(f"<img alt='chart' src='data:image/svg+xml;base64,{b64(SVG)}'/>"),
    "identifier in a utf8 SVG data URI in JSON": _file("headlines/svc__icon.json",
                                                      lambda: json.dumps({"icon": f"data:image/svg+xml;utf8,{SVG}"})),
    "identifier in a percent-encoded data URI in CSS": _html(
        "<div style=\"background:url('data:image/svg+xml,%3Csvg%3E%3Ctitle%3EHF-000001%3C/title%3E%3C/svg%3E')\">"
        "</div>"),
    "identifier in a file name": _file(f"figures/{ID}.png", png),
    "identifier in a PNG tEXt chunk": _file("figures/svc__x.png", lambda: png({"Title": f"Journey of {ID}"})),
    "identifier in a PNG zTXt chunk": _file("figures/svc__x.png", lambda: png(ztxt={"Comment": ID})),
    "identifier in a PNG iTXt chunk inside a data URI": _html(
        f"<img alt='chart' src='data:image/png;base64,{b64(png(itxt={'Description': ID}))}'/>"),
    "identifier in image alt text": _html(f"<img alt='Photo of {ID}' src='data:image/png;base64,{b64(png())}'/>"),
    "pseudonymised identifier in a CSV": _file("tables/svc__notes.csv", lambda: f"note\nsee {PSEUDO}\n"),
    "identifier in a Word header": _file("year-one.docx", lambda: docx_bytes(header=f"Year One: {ID}")),
    "identifier in a Word footer": _file("year-one.docx", lambda: docx_bytes(footer=f"{ID}")),
    "identifier in Word image alt text": _file("year-one.docx", lambda: docx_bytes(alt=f"Photo of {ID}")),
    "identifier in an Excel cell": _file("tables/svc__reach.xlsx", lambda: xlsx_bytes(rows=(("decile 1", 40), (ID, 0)))),
    "identifier in a notebook stream output": _nb([{"output_type": "stream", "name": "stdout", "text": f"{ID}\n"}]),
    "identifier in a notebook error": _nb([{"output_type": "error", "ename": "InputDataError",
                                           "evalue": f"bad row {ID}", "traceback": []}]),
    "identifier in notebook metadata": _nb(metadata={"papermill": {"parameters": {"example": ID}}}),
    "identifier in a PNG notebook output": _nb([{"output_type": "display_data", "metadata": {},
                                                "data": {"image/png": b64(png({"Title": ID}))}}]),
    "identifier in a zip member": _file("extra/bundle.zip", lambda: _zip("notes.txt", ID)),
    # postcodes, dates of birth, free text
    "postcode": _html("<p>Lives at L1 8JQ.</p>"),
    "postcode without a space": _html("<p>l18jq</p>"),
    "postcode with a double space": _html("<p>L1  8JQ</p>"),
    "postcode with a non-breaking space": _html("<p>L1\u00a08JQ</p>"),
    "postcode with &nbsp;": _html("<p>L1&nbsp;8JQ</p>"),
    "postcode with a thin space in a notebook": _nb([{"output_type": "stream", "name": "stdout", "text": "L1\u20098JQ"}]),
    "date of birth ISO": _html("<p>born 1984-03-07</p>"),
    "date of birth dd/mm/yyyy": _html("<p>born 07/03/1984</p>"),
    "date of birth d.m.yyyy": _file("tables/svc__d.csv", lambda: "note\n7.3.1984\n"),
    "date of birth in words": _html("<p>born 7 March 1984</p>"),
    "date of birth month first in words": _html("<p>born March 7th, 1984</p>"),
    "date of birth as 8 digits": _file("headlines/svc__d.json", lambda: '{"dob": 19840307}'),
    "free text": _html("<p>&ldquo;she moved in with her  sister near the park, after the winter.&rdquo;</p>"),
    "free text in a Word body": _file("year-one.docx", lambda: docx_bytes(body=f"Quote: {FREE.upper()}")),
    "the pseudonymisation key": _file("manifest.json", lambda: json.dumps({"key": SECRET})),
    # counts
    "Three participants": _html("<p>Three participants left.</p>"),
    "three people in Word": _file("year-one.docx", lambda: docx_bytes(body="Only three people stayed.")),
    "twenty-three households (unrounded)": _html("<p>twenty-three households</p>"),
    "3 users in a JS string": _file("maps/svc__extra.js", lambda: 'tip("3 users live here");'),
    "n=3": _html("<p>Sustained (n=3)</p>"),
    "n = 3 in a notebook Markdown output": _nb([{"output_type": "display_data", "metadata": {},
                                                "data": {"text/markdown": "Outcome: n = 3"}}]),
    "(n 3) in an SVG": _file("figures/svc__x.svg", lambda: "<svg><text>Decile 10 (n 3)</text></svg>"),
    "n=67 (unrounded)": _html("<p>All participants (N=67)</p>"),
    "\"u\":\"3\" in map data": lambda root: _replace(root, "maps/svc__reach-map.html", '"u":"0 users"', '"u":"3"'),
    "small count in a .tsv table": _file("tables/svc__profile.tsv", lambda: "decile\tusers\n1\t40\n2\t3\n"),
    "small count in a .xlsx table": _file("tables/svc__reach.xlsx", lambda: xlsx_bytes(rows=(("decile 1", 3),))),
    "small count in a CSV": _file("tables/svc__leak.csv", lambda: "decile,users\n1,40\n2,3\n"),
    "small count in a Word table": _file("year-one.docx", lambda: docx_bytes(rows=(("decile 1", "4"),))),
    "small count in an HTML table": _html(pd.DataFrame({"group": ["a"], "participants": [5]}).to_html(index=False)),
    "record listing in a notebook": _nb([{"output_type": "stream", "name": "stdout", "text": pd.DataFrame(
        {"person_id": [f"x{i}" for i in range(15)], "age": range(15)}).to_string(index=False)}]),
    "a PDF the gate cannot read": _file("extra/chapter.pdf", lambda: b"%PDF-1.7\n%binary"),
}


def _replace(root: Path, rel: str, old: str, new: str) -> str:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return rel
