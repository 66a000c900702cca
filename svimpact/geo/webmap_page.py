"""The interactive reach map's page: the HTML, CSS and script template and the legend.

:mod:`svimpact.geo.webmap` prepares the data (disclosure-protected records, SVG paths, the
legend's bands); this module only renders them into one self-contained page. It imports nothing
from :mod:`svimpact.geo.webmap`.
"""

from __future__ import annotations

import html
import json

from svimpact.disclosure import DisclosureRule

__all__ = ["render_page"]


def _legend_html(legend: dict) -> tuple[str, str]:
    import matplotlib as mpl

    from svimpact.geo.maps import band_colours

    n = len(legend["labels"])
    reach = band_colours(n)  # the static map's bands, colour for colour
    deciles = mpl.colormaps["viridis"].resampled(10)
    reach_css = [f".reach .r{k}{{fill:{reach[k]}}}" for k in range(n)]
    dec_css = [f".imd .d{k + 1}{{fill:{mpl.colors.to_hex(deciles(k))}}}" for k in range(10)]
    rows = [f'<li><span class="sw" style="background:{reach[k]}"></span>{html.escape(lab)}</li>'
            for k, lab in enumerate(legend["labels"])]
    rows.append(f'<li><span class="sw hatch"></span>{html.escape(legend["suppressed_text"])}: '
                f'{legend["suppressed"]:,} {html.escape(legend.get("unit", "areas"))}</li>')
    if not legend["labels"]:
        rows.insert(0, "<li>No area has enough users to show a rate: see the reach by decile table.</li>")
    dec_rows = [f'<li><span class="sw" style="background:{mpl.colors.to_hex(deciles(k))}"></span>{k + 1}'
                f'{" (most deprived)" if k == 0 else " (least deprived)" if k == 9 else ""}</li>' for k in range(10)]
    body = (f'<div class="lg-reach"><h2>Users {html.escape(legend["per"])}</h2><ul>{"".join(rows)}</ul></div>'
            f'<div class="lg-imd"><h2>IMD national decile<br>(1 = most deprived 10% of areas in England)</h2>'
            f'<ul>{"".join(dec_rows)}<li><span class="sw" style="background:#e0e0e0"></span>area spans several deciles'
            f'</li></ul></div>')
    return body, "\n".join(reach_css + dec_css)


def render_page(*, title: str, attribution: str, rule: DisclosureRule, per: float, legend: dict, records: list[dict],
                width: int, height: int, paths: str, outline: str, note: str = "") -> str:
    legend_html, colour_css = _legend_html(legend)
    data = json.dumps(records, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    attribution_html = "<br>".join(html.escape(line) for line in attribution.splitlines())
    return _TEMPLATE.format(
        title=html.escape(title), css=_CSS + colour_css, legend=legend_html, viewbox=_viewbox(width, height),
        paths=paths, outline=outline, data=data, script=_SCRIPT, attribution=attribution_html,
        note=f'<p class="note">{html.escape(note)}</p>' if note else "",
        rule=html.escape(rule.describe()), stroke=max(width, height) / 4000,
    )


def _viewbox(width: int, height: int) -> str:
    """The whole region with a 2% margin, so outlines on the edge are not clipped."""
    pad = int(round(0.02 * max(width, height)))
    return f"{-pad} {-pad} {width + 2 * pad} {height + 2 * pad}"


_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><div><h1>{title}</h1>{note}</div>
<div class="tools" role="toolbar" aria-label="Map controls">
<label><input type="radio" name="layer" value="reach" checked> Reach</label>
<label><input type="radio" name="layer" value="imd"> Deprivation (IMD decile)</label>
<button type="button" data-zoom="in" aria-label="Zoom in">+</button>
<button type="button" data-zoom="out" aria-label="Zoom out">&minus;</button>
<button type="button" data-zoom="reset">Reset view</button>
</div></header>
<main>
<div id="svm-wrap">
<svg id="svm-map" class="reach" viewBox="{viewbox}" preserveAspectRatio="xMidYMid meet" role="img"
 aria-label="{title}" style="--sw:{stroke}">
<defs><pattern id="svm-hatch" patternUnits="userSpaceOnUse" width="60" height="60" patternTransform="rotate(45)">
<rect width="60" height="60" fill="#e0e0e0"/><line x1="0" y1="0" x2="0" y2="60" stroke="#666" stroke-width="14"/>
</pattern></defs>
<g id="svm-areas">
{paths}
</g>
<g id="svm-boroughs">
{outline}
</g>
</svg>
<div id="svm-tip" role="status" hidden></div>
</div>
<aside id="svm-legend">{legend}</aside>
</main>
<footer><p>Scroll or use + and &minus; to zoom, drag to pan, hover or tap an area for details.</p>
<p>{rule}</p><p>{attribution}</p></footer>
<script type="application/json" id="svm-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222;background:#fff}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;padding:.5rem 1rem}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:.9rem;margin:.2rem 0}.note{margin:.1rem 0;font-size:.95rem}
.tools label{margin-right:.6rem;font-size:.9rem}.tools button{font-size:1rem;min-width:2rem;margin-left:.2rem}
main{display:flex;gap:1rem;padding:0 1rem}
#svm-wrap{position:relative;flex:1 1 auto;min-width:0}
#svm-map{width:100%;height:74vh;background:#f4f7fa;border:1px solid #ccc;cursor:grab;touch-action:none}
#svm-map.dragging{cursor:grabbing}
.a{fill:#e0e0e0;stroke:#fff;stroke-width:1;vector-effect:non-scaling-stroke}
.a.hl{stroke:#d6004c;stroke-width:2.5}
.reach .rs,.imd .d0{fill:#e0e0e0}.reach .rs{fill:url(#svm-hatch) #e0e0e0}
.bo{fill:none;stroke:#000;stroke-width:1.6;vector-effect:non-scaling-stroke;pointer-events:none}
.bl{font-size:calc(var(--sw) * 60px);font-weight:bold;text-anchor:middle;pointer-events:none;fill:#000;
 paint-order:stroke;stroke:#fff;stroke-width:calc(var(--sw) * 12px)}
#svm-tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #444;border-radius:4px;
 padding:.4rem .6rem;font-size:.85rem;box-shadow:0 2px 6px rgba(0,0,0,.25);max-width:22rem}
#svm-legend{flex:0 0 15rem;font-size:.95rem}#svm-legend ul{list-style:none;padding:0;margin:.2rem 0}
#svm-legend li{margin:.15rem 0;display:flex;align-items:center}
.sw{display:inline-block;width:1.1rem;height:1.1rem;margin-right:.4rem;border:1px solid #999;flex:none}
.sw.hatch{background:repeating-linear-gradient(45deg,#e0e0e0 0 3px,#666 3px 5px)}
body:not(.imd-on) .lg-imd,body.imd-on .lg-reach{display:none}
footer{font-size:.85rem;color:#333;padding:.5rem 1rem}
@media (max-width:700px){main{flex-direction:column;padding:0 .5rem}#svm-legend{flex:none}
 #svm-map{height:auto;aspect-ratio:1/1;max-height:80vh}header{padding:.5rem}h1{font-size:1.1rem}
 .tools{display:flex;flex-wrap:wrap;gap:.3rem}.tools button{min-width:2.6rem;min-height:2.6rem}
 .bl{font-size:calc(var(--sw) * 120px);stroke-width:calc(var(--sw) * 20px)}}
"""

_SCRIPT = """(function () {
  "use strict";
  var recs = JSON.parse(document.getElementById("svm-data").textContent);
  var svg = document.getElementById("svm-map"), tip = document.getElementById("svm-tip");
  var wrap = document.getElementById("svm-wrap");
  var home = svg.getAttribute("viewBox").split(" ").map(Number), current = null, drag = null;
  function vb() { return svg.getAttribute("viewBox").split(" ").map(Number); }
  function setVb(v) { svg.setAttribute("viewBox", v.join(" ")); }
  function toMap(x, y) {
    var p = svg.createSVGPoint(); p.x = x; p.y = y;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoom(f, cx, cy) {
    var v = vb(), w = v[2] * f, h = v[3] * f;
    if (w < home[2] / 64 || w > home[2] * 2) { return; }
    if (cx === undefined) { cx = v[0] + v[2] / 2; cy = v[1] + v[3] / 2; }
    setVb([cx - (cx - v[0]) * f, cy - (cy - v[1]) * f, w, h]);
  }
  function line(tag, text) { var e = document.createElement(tag); e.textContent = text; tip.appendChild(e); }
  function show(i, x, y) {
    var r = recs[i];
    tip.replaceChildren();
    line("strong", r.n === r.c ? r.n : r.n + " (" + r.c + ")");
    if (r.b && r.b !== r.n) { line("div", r.b); }
    line("div", r.d ? "IMD decile: " + r.d + " (1 = most deprived 10% in England)" : "IMD decile: several");
    line("div", "Users: " + r.u);
    line("div", "Reach: " + r.r);
    tip.hidden = false;
    var box = wrap.getBoundingClientRect(), left = x - box.left + 14, top = y - box.top + 14;
    if (left + tip.offsetWidth > box.width) { left = x - box.left - tip.offsetWidth - 14; }
    if (top + tip.offsetHeight > box.height) { top = y - box.top - tip.offsetHeight - 14; }
    tip.style.left = Math.max(0, left) + "px"; tip.style.top = Math.max(0, top) + "px";
  }
  function highlight(el) {
    if (current) { current.classList.remove("hl"); }
    current = el;
    if (el) { el.classList.add("hl"); el.parentNode.appendChild(el); }
  }
  svg.addEventListener("pointermove", function (e) {
    if (drag) {
      var s = svg.getScreenCTM().a, v = drag.v;
      setVb([v[0] - (e.clientX - drag.x) / s, v[1] - (e.clientY - drag.y) / s, v[2], v[3]]);
      return;
    }
    var el = e.target.closest ? e.target.closest("path.a") : null;
    if (!el) { highlight(null); tip.hidden = true; return; }
    if (el !== current) { highlight(el); }
    show(Number(el.getAttribute("data-i")), e.clientX, e.clientY);
  });
  svg.addEventListener("pointerleave", function () { if (!drag) { highlight(null); tip.hidden = true; } });
  svg.addEventListener("pointerdown", function (e) {
    if (e.pointerType === "mouse" && e.button !== 0) { return; }
    drag = {x: e.clientX, y: e.clientY, v: vb(), moved: false};
    svg.classList.add("dragging");
  });
  window.addEventListener("pointerup", function (e) {
    if (!drag) { return; }
    var tap = Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 4;
    drag = null; svg.classList.remove("dragging");
    var el = tap && e.target.closest ? e.target.closest("path.a") : null;
    if (el) { highlight(el); show(Number(el.getAttribute("data-i")), e.clientX, e.clientY); }
  });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = toMap(e.clientX, e.clientY);
    zoom(e.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
  }, {passive: false});
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      if (z === "reset") { setVb(home); } else { zoom(z === "in" ? 0.8 : 1.25); }
    });
  });
  document.querySelectorAll("input[name=layer]").forEach(function (r) {
    r.addEventListener("change", function () {
      var imd = r.value === "imd" && r.checked;
      svg.setAttribute("class", imd ? "imd" : "reach");
      document.body.classList.toggle("imd-on", imd);
    });
  });
}());
"""
