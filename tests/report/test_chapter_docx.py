"""The Word copy of the chapter (write_docx), without running a batch."""

from __future__ import annotations


def test_word_copy_links_figures_instead_of_repeating_their_base64(tmp_path):
    import base64
    import io
    import zipfile

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from svimpact.report.chapter import write_docx

    def png(colour: str) -> str:
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.set_facecolor(colour)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return base64.b64encode(buf.getvalue()).decode()

    a, b = png("red"), png("blue")
    page = "".join(f'<figure><img alt="figure {i}" src="data:image/png;base64,{d}"/>'
                   f"<figcaption>Figure {i}.</figcaption></figure>" for i, d in enumerate((a, b, a), 1))
    html_path = tmp_path / "index.html"
    html_path.write_text(f"<html><body><h1>T</h1>{page}</body></html>", encoding="utf-8")
    out = write_docx(html_path)
    with zipfile.ZipFile(out) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        xml = z.read("word/document.xml").decode()
    assert len(media) == 2  # the repeated figure is stored once
    assert "base64" not in xml and a[:40] not in xml
    assert 'descr="figure 1"' in xml and xml.count("<pic:pic") == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", f"{tmp_path.name}.docx"]
