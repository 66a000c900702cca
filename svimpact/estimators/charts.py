"""Waterfall and tornado charts for the additionality chain and its sensitivity analysis.

Both functions take the tidy tables the results produce (``NetAdditionalResult.to_frame()``,
``AppraisalResult.tornado``) and return a :class:`matplotlib.figure.Figure`; nothing is shown or
saved. Figures are built without pyplot, so no global state and no backend is touched.
Colours are from the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OKABE_ITO", "tornado_chart", "waterfall_chart"]

OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "grey": "#999999",
}


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def waterfall_chart(
    frame: pd.DataFrame, *, title: str = "Gross to net additional impact", unit: str = ""
) -> Any:
    """Waterfall from gross to net: one bar per adjustment, with interval whiskers on totals.

    Parameters
    ----------
    frame
        Columns ``line``, ``value``, ``lower``, ``upper`` (first row gross, last row net).
    title, unit
        Chart title and the y-axis unit label.
    """
    fig = _figure(8, 4.5)
    ax = fig.add_subplot()
    values = frame["value"].to_numpy(dtype=float)
    labels = ["gross"] + [str(s).replace("after ", "") for s in frame["line"][1:]]
    labels.append("net additional")
    n = len(values)
    x = np.arange(n + 1)
    steps = np.diff(values)
    ax.bar([0, n], [values[0], values[-1]], color=OKABE_ITO["blue"], label="gross / net")
    colours = np.where(steps >= 0, OKABE_ITO["bluish green"], OKABE_ITO["vermillion"])
    ax.bar(x[1:n], np.abs(steps), bottom=np.minimum(values[:-1], values[1:]), color=colours)
    ax.bar(n, 0, color=OKABE_ITO["vermillion"], label="reduction")
    ax.bar(n, 0, color=OKABE_ITO["bluish green"], label="increase")
    ends = np.array([values[0], values[-1]])
    lo = frame["lower"].to_numpy(dtype=float)[[0, -1]]
    hi = frame["upper"].to_numpy(dtype=float)[[0, -1]]
    if np.any(hi > lo):
        ax.errorbar([0, n], ends, yerr=[ends - lo, hi - ends], fmt="none", ecolor="black",
                    capsize=4, label="interval")
    for i, v in enumerate([*values, values[-1]]):
        ax.annotate(f"{v:,.4g}", (i, v), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend(frameon=False, fontsize=8)
    return fig


def tornado_chart(
    frame: pd.DataFrame, *, base: float, title: str = "Sensitivity of NPSV", unit: str = "£"
) -> Any:
    """Tornado chart: one bar per assumption, from its low to its high setting.

    Parameters
    ----------
    frame
        Columns ``parameter``, ``low``, ``high`` (the assumption's settings), ``output_low``,
        ``output_high`` (the output at each); drawn widest swing on top.
    base
        The output at every assumption's central value (the vertical line).
    """
    order = (frame["output_high"] - frame["output_low"]).abs().sort_values().index
    data = frame.loc[order]
    fig = _figure(8, 0.45 * max(len(data), 2) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(data))
    for (lab, col) in (("output_low", OKABE_ITO["orange"]), ("output_high", OKABE_ITO["blue"])):
        vals = data[lab].to_numpy(dtype=float)
        ax.barh(y, vals - base, left=base, color=col,
                label="at low setting" if lab == "output_low" else "at high setting")
    ticks = [f"{p} ({lo:.3g} to {hi:.3g})" for p, lo, hi in
             zip(data["parameter"], data["low"], data["high"])]
    ax.set_yticks(y, ticks)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.axvline(0, color=OKABE_ITO["grey"], linewidth=0.8, linestyle="--")
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig
