"""The chapter's Word copy: the same words, banners, contents, captions and tables as the HTML.

pandoc (pypandoc-binary) converts the HTML chapter. Before converting, the page is prepared so the
Word copy keeps everything the HTML shows:

* every banner (SYNTHETIC, INCOMPLETE, DO NOT PUBLISH) becomes a shaded, bordered "Banner" paragraph;
* table captions become real Word captions (``<caption>``: Word's "Table Caption" style, so Word's
  own list of tables finds them), and figure captions "Image Caption";
* tables get borders and a shaded header row from the reference document;
* embedded images are written beside the page and linked (pandoc converts the lighter page about
  four times faster, and the Word file does not repeat each image's base64 text).

House style comes from a reference document (:func:`reference_docx`): pandoc's own default,
restyled here (Arial, heading colours, bordered tables, banner style), built on first use and cached
by content hash; ``write_docx(reference=...)`` takes an organisation's own. The Word file is named
after the run (``<output folder name>.docx``).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from pathlib import Path

__all__ = ["docx_name", "prepare_for_word", "reference_docx", "write_docx"]

_DATA_URI = re.compile(r'src="data:image/(png|jpeg|gif|svg\+xml);base64,([A-Za-z0-9+/=\s]+)"')
_CAPTION_TABLE = re.compile(r"<p class=.svimpact-caption.>(.*?)</p>\s*(?:<div[^>]*>\s*)?(<table[^>]*>)", re.DOTALL)
_BANNER = re.compile(r"<div class='banner ([a-z ]+)'>")
BLUE = "0B5394"


def docx_name(output_dir: Path) -> str:
    """The Word copy's file name: the run's output folder name (``reports/year-one`` -> ``year-one.docx``)."""
    return f"{Path(output_dir).name}.docx"


def _externalise_images(page: str, folder: Path) -> str:
    from svimpact._common import sha256

    def link(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        name = f"figure-{sha256(data)[:16]}.{match.group(1).replace('+xml', '')}"
        (folder / name).write_bytes(data)
        return f'src="{name}"'

    return _DATA_URI.sub(link, page)


def prepare_for_word(page: str) -> str:
    """The HTML chapter rewritten for pandoc's Word writer (banners, captions, contents kept)."""
    page = _CAPTION_TABLE.sub(lambda m: f"{m.group(2)}<caption>{m.group(1)}</caption>", page)
    page = _BANNER.sub(lambda m: f"<div class='banner {m.group(1)}' data-custom-style='Banner'>", page)
    # pandoc's HTML reader keeps only <main> when there is one, and drops <nav>: without them the
    # provenance line, banners and contents (kept as an ordinary list) reach the Word copy.
    # The <h1> is dropped: pandoc already makes the page's <title> the Word title.
    page = re.sub(r"<header><h1>.*?</h1></header>", "", page, count=1, flags=re.DOTALL)
    for tag in ("main", "header"):
        page = page.replace(f"<{tag}>", "").replace(f"</{tag}>", "")
    return page.replace("<nav>", "<div class='contents'>").replace("</nav>", "</div>")


def _border(element, tag: str, **attrs: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement(tag)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        for k, v in attrs.items():
            el.set(qn(f"w:{k}"), v)
        borders.append(el)
    element.append(borders)


def _build_reference(path: Path) -> None:
    import docx
    import pypandoc
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    subprocess.run([pypandoc.get_pandoc_path(), "-o", str(path), "--print-default-data-file", "reference.docx"],
                   check=True, capture_output=True)
    doc = docx.Document(str(path))
    styles = doc.styles
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        if name in [s.name for s in styles]:
            styles[name].font.name = "Arial"
            styles[name].font.size = Pt(11)
    for level, size in ((1, 20), (2, 16), (3, 13), (4, 12)):
        st = styles[f"Heading {level}"]
        st.font.name, st.font.size, st.font.color.rgb = "Arial", Pt(size), RGBColor.from_string(BLUE)
    for name in ("Title",):
        styles[name].font.name, styles[name].font.color.rgb = "Arial", RGBColor.from_string("1B1B1B")
    for name in ("Table Caption", "Image Caption"):
        st = styles[name]
        st.font.name, st.font.bold, st.font.italic, st.font.size = "Arial", True, False, Pt(10)
    banner = styles.add_style("Banner", WD_STYLE_TYPE.PARAGRAPH)
    banner.base_style = styles["Normal"]
    banner.font.bold = True
    ppr = banner.element.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear"), shd.set(qn("w:fill"), "FFF4CE")
    ppr.append(shd)
    pbdr = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{edge}")
        for k, v in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "B00020")):
            el.set(qn(f"w:{k}"), v)
        pbdr.append(el)
    ppr.append(pbdr)
    table = styles["Table"]
    tblpr = table.element.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        table.element.append(tblpr)
    for old in tblpr.findall(qn("w:tblBorders")):
        tblpr.remove(old)
    _border(tblpr, "w:tblBorders", val="single", sz="4", space="0", color="8C8C8C")
    doc.core_properties.author = "svimpact"
    doc.save(str(path))


def reference_docx(cache: Path | None = None) -> Path:
    """svimpact's house-style reference document (built from pandoc's default on first use)."""
    import pypandoc

    folder = cache or Path(tempfile.gettempdir()) / "svimpact-reference"
    folder.mkdir(parents=True, exist_ok=True)
    from svimpact._common import sha256

    # Keyed by pandoc's version and this module's bytes: a change of house style builds a new one.
    path = folder / f"reference-{pypandoc.get_pandoc_version()}-{sha256(Path(__file__).read_bytes())[:12]}.docx"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(suffix=".docx", dir=folder)
        os.close(fd)
        try:
            _build_reference(Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path


def write_docx(html_path: Path, docx_path: Path | None = None, *, reference: Path | None = None) -> Path:
    """Convert the HTML chapter to Word with pandoc; same text, banners, contents, tables and figures."""
    import pypandoc

    docx_path = docx_path or html_path.with_name(docx_name(html_path.parent))
    reference = reference or reference_docx()
    fd, tmp = tempfile.mkstemp(suffix=".docx", dir=docx_path.parent)
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="svimpact-docx-") as work:
            light = Path(work) / html_path.name
            page = prepare_for_word(html_path.read_text(encoding="utf-8"))
            light.write_text(_externalise_images(page, Path(work)), encoding="utf-8")
            pypandoc.convert_file(str(light), "docx", outputfile=tmp,
                                  extra_args=["--resource-path", f"{work}{os.pathsep}{html_path.parent}",
                                              f"--reference-doc={reference}", "--quiet"])
        os.chmod(tmp, 0o644)
        os.replace(tmp, docx_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return docx_path
