"""Reading binary containers: PNG text chunks, Word (python-docx), Excel (openpyxl), other zips.

Each reader returns plain pieces (texts, tables, embedded files); :mod:`svimpact.gate.extract`
scans them. Nothing here decides what a leak is.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pandas as pd

__all__ = ["MAX_INFLATE", "docx_parts", "png_text", "xlsx_parts", "zip_members"]

MAX_INFLATE = 64 << 20
"""Most bytes inflated from one compressed chunk or member (a larger one is read up to this)."""
_PNG = b"\x89PNG\r\n\x1a\n"
_W_T = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_W_P = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_TEXT_BOX = re.compile(r"<w:txbxContent>.*?</w:txbxContent>", re.S)
_ALT = re.compile(r"<(?:wp|pic):(?:docPr|cNvPr)\b[^>]*>")
_ATTR = re.compile(r"\b(?:descr|title|name)=\"([^\"]*)\"")


def _inflate(data: bytes) -> bytes:
    d = zlib.decompressobj()
    try:
        return d.decompress(data, MAX_INFLATE)
    except zlib.error:
        return b""


def png_text(data: bytes) -> list[str]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt: keyword and text) and its eXIf block as text."""
    if not data.startswith(_PNG):
        return []
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        start, pos = pos + 8, pos + 12 + length
        if kind in (b"IDAT", b"IHDR", b"PLTE"):
            continue
        body = data[start:start + length]
        key, _, rest = body.partition(b"\0")
        if kind == b"tEXt":
            out.append(f"{key.decode('latin-1')}: {rest.decode('latin-1')}")
        elif kind == b"zTXt" and rest:
            out.append(f"{key.decode('latin-1')}: {_inflate(rest[1:]).decode('latin-1')}")
        elif kind == b"iTXt" and len(rest) >= 2:
            compressed, lang_etc = rest[0], rest[2:]
            _, _, lang_etc = lang_etc.partition(b"\0")
            translated, _, text = lang_etc.partition(b"\0")
            text = _inflate(text) if compressed else text
            out.append(f"{key.decode('latin-1')} {translated.decode('utf-8', 'replace')}: "
                       f"{text.decode('utf-8', 'replace')}")
        elif kind == b"eXIf":
            out.append(body.decode("latin-1"))
        elif kind == b"IEND":
            break
    return out


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    """Every member of a zip (name, bytes), each read up to :data:`MAX_INFLATE` bytes."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            with z.open(info) as fh:
                out.append((info.filename, fh.read(MAX_INFLATE)))
    return out


def _frame(rows: list[list[str]]) -> pd.DataFrame | None:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        return None
    width = len(rows[0])
    body = [r[:width] + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=[h.strip() or f"col{i}" for i, h in enumerate(rows[0])], dtype=object)


def _docx_tables(tables, where: str, texts: list[tuple[str, str]], frames: list[tuple[str, pd.DataFrame]]) -> None:
    """Each table's rows of cell text (read from its XML: python-docx's cell grid is slow), nested
    tables too."""
    from docx.oxml.ns import qn

    for table in tables:
        k = len(frames) + 1
        tbl = getattr(table, "_tbl", table)
        rows = [["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iterchildren(qn("w:tc"))]
                for tr in tbl.iterchildren(qn("w:tr"))]
        texts.append((f"{where}table {k}, ", "\n".join("\t".join(r) for r in rows)))
        frame = _frame(rows)
        if frame is not None:
            frames.append((f"{where}table {k}, ", frame))
        nested = [t for tc in tbl.iter(qn("w:tc")) for t in tc.iterchildren(qn("w:tbl"))]
        if nested:
            _docx_tables(nested, where, texts, frames)


def docx_parts(data: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, pd.DataFrame]], list[tuple[str, bytes]]]:
    """A Word document's text (body, tables, headers and footers, footnotes, comments, image alt
    text, properties), its tables as frames (first row as header) and its embedded media."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    texts: list[tuple[str, str]] = [("body, ", "\n".join(p.text for p in doc.paragraphs))]
    frames: list[tuple[str, pd.DataFrame]] = []
    _docx_tables(doc.tables, "", texts, frames)
    for i, section in enumerate(doc.sections, 1):
        for name in ("header", "footer", "first_page_header", "first_page_footer", "even_page_header",
                     "even_page_footer"):
            part = getattr(section, name)
            if part.is_linked_to_previous:
                continue
            texts.append((f"section {i} {name.replace('_', ' ')}, ", "\n".join(p.text for p in part.paragraphs)))
            _docx_tables(part.tables, f"section {i} {name.replace('_', ' ')}, ", texts, frames)
    props = doc.core_properties
    texts.append(("document properties, ", "\n".join(str(getattr(props, k) or "") for k in
                                                    ("title", "subject", "author", "keywords", "comments", "category",
                                                     "last_modified_by", "identifier", "content_status", "version"))))
    media, other = [], []
    for name, blob in zip_members(data):
        if name.startswith("word/media/") or name.startswith("word/embeddings/"):
            media.append((name, blob))
        elif name.endswith(".xml") or name.endswith(".rels"):
            xml = blob.decode("utf-8", "replace")
            alt = [a for tag in _ALT.findall(xml) for a in _ATTR.findall(tag)]
            if alt:
                texts.append((f"{name} image alt text, ", "\n".join(alt)))
            if name.startswith("word/"):  # what python-docx does not read: notes, comments, text boxes
                whole = any(k in name for k in ("footnotes", "endnotes", "comments"))
                blocks = [xml] if whole else _TEXT_BOX.findall(xml)
                paras = ["".join(_W_T.findall(p)) for b in blocks for p in _W_P.findall(b)]
                if paras:
                    texts.append((f"{name}, ", "\n".join(paras)))
            other.append((name, xml))
    texts += [(f"{name}, ", re.sub(r"<[^>]+>", " ", xml)) for name, xml in other if name.startswith("docProps/")]
    return texts, frames, media


def xlsx_parts(data: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, pd.DataFrame]]]:
    """An Excel workbook's sheets (every cell as text; each sheet as a frame, first row as header)
    and the text of its other parts (comments, properties)."""
    import openpyxl

    texts, frames = [], []
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            where = f"sheet '{sheet.title}', "
            texts.append((where, sheet.title + "\n" + "\n".join("\t".join(r) for r in rows)))
            frame = _frame(rows)
            if frame is not None:
                frames.append((where, frame))
    finally:
        book.close()
    for name, blob in zip_members(data):
        if name.endswith(".xml") and not name.startswith("xl/worksheets/") and "sharedStrings" not in name:
            texts.append((f"{name}, ", re.sub(r"<[^>]+>", " ", blob.decode("utf-8", "replace"))))
    return texts, frames
