"""What notebooks call to publish a table or a figure.

Every published table goes through :func:`svimpact.disclosure.disclose` here, and is written as
CSV under ``<output_dir>/tables``; every figure is saved as PNG under ``<output_dir>/figures`` and
shown inline with its alt text. With ``output_dir=None`` (interactive use) nothing is written.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from svimpact.disclosure import SUPPRESSED, DisclosedTable, disclose

__all__ = ["Figure", "PublishedTable", "Publisher", "atomic_write_bytes", "evaluator_folder"]


def evaluator_folder(output_dir: str | Path) -> Path:
    """Where the evaluator's own records of a run go, *beside* the report, never inside it.

    ``reports/year-one`` keeps its audit of withheld cells (which cell, primary or secondary) in
    ``reports/year-one-evaluator-only/audit``: a reader of the published report must not learn
    which hidden cell is the small one. The published appendix only counts withheld cells.
    """
    out = Path(output_dir)
    return out.parent / f"{out.name}-evaluator-only"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValueError(f"cannot make a file name from {name!r}")
    return slug


@dataclass(frozen=True)
class Figure:
    """A published figure: PNG bytes with alt text and a caption, shown inline in notebooks."""

    png: bytes
    alt: str
    caption: str
    path: Path | None = None

    def __repr__(self) -> str:
        return f"[figure: {self.caption}]"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f"<figure class='svimpact-figure'><img src='data:image/png;base64,{data}' "
            f"alt='{html.escape(self.alt, quote=True)}' style='max-width:100%'/>"
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


@dataclass(frozen=True)
class PublishedTable:
    """A disclosure-checked table with its caption, as the notebook and the chapter show it."""

    disclosed: DisclosedTable
    caption: str
    path: Path | None = None
    money: tuple[str, ...] = ()
    labels: Mapping[str, str] | None = None

    def to_publish(self) -> pd.DataFrame:
        return self.disclosed.to_publish()

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.disclosed!r}"

    def _repr_html_(self) -> str:
        return (f"<div class='svimpact-table'><p class='svimpact-caption'>{html.escape(self.caption)}</p>"
                f"{self.disclosed._repr_html_(money=self.money, labels=self.labels)}</div>")


class Publisher:
    """Publishes one service's tables and figures into a report directory."""

    def __init__(self, output_dir: str | Path | None, service: str, rule: str = "nhs-hes",
                 labels: Mapping[str, str] | None = None) -> None:
        self.output_dir = Path(output_dir) if output_dir else None
        self.service = service
        self.rule = rule
        self.labels = dict(labels or {})

    def _path(self, kind: str, name: str, suffix: str) -> Path | None:
        if self.output_dir is None:
            return None
        return self.output_dir / kind / f"{self.service}__{_slug(name)}{suffix}"

    def _audit_path(self, name: str) -> Path | None:
        if self.output_dir is None:
            return None
        folder = evaluator_folder(self.output_dir) / "audit"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder / f"{self.service}__{_slug(name)}.csv"

    def table(
        self,
        frame: pd.DataFrame | DisclosedTable,
        name: str,
        *,
        counts: Sequence[str] = (),
        rates: Mapping[str, tuple[str, str | None, float]] | None = None,
        label: str | None = None,
        total_label: str | None = None,
        caption: str | None = None,
        money: Sequence[str] = (),
    ) -> PublishedTable:
        """Disclosure-check ``frame``, write it as CSV (and its audit log), and return it for display.

        A :class:`DisclosedTable` (from a result's ``published_table()``) is written as it is.
        ``caption`` defaults to ``name``; the chapter numbers captions in order. ``money`` names the
        columns in pounds (rows of a ``measure`` column that are ratios or counts stay plain). The CSV
        holds the same rounded numbers the chapter shows (:mod:`svimpact.present.frames`).
        """
        from svimpact.present.frames import for_csv

        if isinstance(frame, DisclosedTable):
            safe = frame
        else:
            safe = disclose(frame, counts=counts, rates=rates, label=label, total_label=total_label, rule=self.rule)
        path = self._path("tables", name, ".csv")
        if path is not None:
            buf = io.StringIO()
            # The chapter's rounding (a step per row from its interval), so CSV and chapter agree.
            table = for_csv(safe.table).mask(safe.suppressed, SUPPRESSED)
            table.to_csv(buf, index=False, lineterminator="\n")
            atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
            # The disclosure gate reads which columns are counts from this sidecar.
            cols = [c for c in safe.table.columns if isinstance(safe.table[c].dtype, pd.Int64Dtype)]
            meta = {"counts": list(counts) or cols, "rule": safe.rule.name}
            atomic_write_bytes(path.with_name(path.stem + ".meta.json"), (json.dumps(meta) + "\n").encode("utf-8"))
            audit = self._audit_path(name)
            if safe.audit and audit is not None:
                audit_frame = safe.audit_frame().assign(table=path.name, rule=safe.rule.name)
                atomic_write_bytes(audit, audit_frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        return PublishedTable(safe, caption or name[:1].upper() + name[1:], path, tuple(money), self.labels)

    def interactive_map(self, areas, users_per_area: pd.Series, name: str, **kwargs):
        """Write a self-contained interactive reach map to ``maps/`` and return a link to show.

        Counts pass through the disclosure rule (see :mod:`svimpact.geo.webmap`).
        """
        from IPython.display import HTML

        from svimpact.geo.webmap import write_interactive_map

        path = self._path("maps", name, ".html")
        if path is None:
            return HTML("<p class='svimpact-note'>(The interactive map is written when the batch runs.)</p>")
        write_interactive_map(path, areas, users_per_area, rule=self.rule, **kwargs)
        return HTML(f"<p>Interactive map (opens offline in any browser): "
                    f"<a href='maps/{html.escape(path.name)}'>{html.escape(path.name)}</a></p>")

    def quarantine(self, report) -> int:
        """Write the quarantine list of rows excluded at load (file, row, column, problem; never
        identifiers or values) and return how many rows were excluded."""
        if report is None or not report.n_excluded:
            return 0
        path = self._path("quarantine", "excluded rows", ".csv")
        if path is not None:
            atomic_write_bytes(path, report.quarantine.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        return report.n_excluded

    def headline(self, key: str, label: str, text: str, *, interval=None, order: int = 50,
                 kind: str | None = None, note: str | None = None) -> None:
        """Record a headline figure for the chapter's summary and key messages.

        ``text`` is the rendered figure (used as it is when there is no interval); ``interval`` the
        published Interval behind it; ``kind`` its unit for the presentation layer ("count",
        "money", "percent" for a 0-1 share, "percent100" for a 0-100 one, "pp", "ratio", "number",
        "text"); ``note`` a qualifier such as the price base ("2024 prices").
        """
        path = self._path("headlines", key, ".json")
        if path is None:
            return
        record = {"service": self.service, "key": key, "label": label, "text": text, "order": order,
                  "interval": interval.to_dict() if interval is not None else None, "kind": kind, "note": note}
        atomic_write_bytes(path, (json.dumps(record, indent=1) + "\n").encode("utf-8"))

    def figure(self, fig, name: str, *, alt: str, caption: str) -> Figure:
        """Save a matplotlib figure as PNG (deterministic bytes) and return it for display."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        png = buf.getvalue()
        path = self._path("figures", name, ".png")
        if path is not None:
            atomic_write_bytes(path, png)
        return Figure(png, alt, caption, path)
