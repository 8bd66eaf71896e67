"""PNG charts of published insights, drawn with matplotlib's Agg canvas (no display, no pyplot).

Charts are drawn only from the suppressed tables: a hidden value is a gap in a line, a
grey ``*`` cell in the heat map and a ``*`` bar label, never its true count.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import IO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from msin_fed.coordinator.insights._aggregate import Insights

__all__ = ["CHART_FILES", "chart_png", "write_charts"]

#: Chart name -> file name, in the order the report shows them.
CHART_FILES: dict[str, str] = {
    "trends": "trends.png",
    "heatmap": "region-sector.png",
    "clusters": "cluster-growth.png",
    "actions": "actions.png",
}
_DPI = 110
_COLOURS = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f")


#: Where a chart goes: a file, or a buffer (the analyst console serves charts from memory).
_Target = Path | IO[bytes]


def _save(fig: Figure, path: _Target) -> None:
    FigureCanvasAgg(fig)
    # No metadata beyond the defaults' minimum: nothing about the run leaves in the file.
    fig.savefig(path, dpi=_DPI, format="png", metadata={"Software": None})


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555", transform=ax.transAxes)


def _trends(ins: Insights, path: _Target) -> None:
    t = ins.tables["month_family"]
    fig = Figure(figsize=(8, 4.2))
    ax = fig.add_subplot()
    x = list(range(len(t.row_codes)))
    for j, label in enumerate(t.col_labels):
        ys = [math.nan if row[j] is None else float(row[j] or 0) for row in t.values]
        ax.plot(x, ys, marker="o", linewidth=2, color=_COLOURS[j % len(_COLOURS)], label=label)
    if not t.col_labels:
        _empty(ax, "No published records in the period")
    ax.set_xticks(x, [m[2:] for m in t.row_codes], rotation=45, ha="right")
    ax.set_ylabel("Records")
    ax.set_title("Records by exploitation family (gaps: suppressed)")
    ax.grid(alpha=0.3)
    ax.set_ylim(bottom=0)
    if t.col_labels:
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    _save(fig, path)


def _heatmap(ins: Insights, path: _Target) -> None:
    t = ins.tables["region_sector"]
    rows, cols = len(t.row_codes), len(t.col_codes)
    fig = Figure(figsize=(max(6.0, 1.1 * cols + 3), max(3.0, 0.5 * rows + 2)))
    ax = fig.add_subplot()
    if rows and cols:
        grid = [[math.nan if v is None else float(v) for v in row] for row in t.values]
        top = max([1, *(v for row in t.values for v in row if v is not None)])
        image = ax.imshow(grid, cmap="OrRd", aspect="auto", vmin=0, vmax=top)
        ax.set_facecolor("#d9d9d9")  # hidden cells (NaN) show the background
        for i in range(rows):
            for j in range(cols):
                v = t.values[i][j]
                dark = v is not None and v > 0.6 * top
                ax.text(j, i, "*" if v is None else str(v), ha="center", va="center", fontsize=9,
                        color="white" if dark else "black")
        ax.set_xticks(range(cols), list(t.col_labels), rotation=30, ha="right")
        ax.set_yticks(range(rows), list(t.row_labels))
        fig.colorbar(image, ax=ax, label="Records")
    else:
        _empty(ax, "No published records in the period")
    ax.set_title("Records by region and sector (grey *: suppressed)")
    fig.tight_layout()
    _save(fig, path)


def _clusters(ins: Insights, path: _Target) -> None:
    g = ins.growth
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    x = list(range(len(g.months)))
    ax.bar(x, g.new, color=_COLOURS[3], label="New clusters")
    ax.plot(x, g.cumulative, marker="o", color=_COLOURS[1], linewidth=2, label="All clusters")
    ax.set_xticks(x, [m[2:] for m in g.months], rotation=45, ha="right")
    ax.set_ylabel("Clusters")
    ax.set_ylim(bottom=0, top=max([1, *g.cumulative]) * 1.15)
    ax.set_title("Repeat perpetrators and sites: cluster growth")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _save(fig, path)


def _actions(ins: Insights, path: _Target) -> None:
    t = ins.actions.table
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    y = list(range(len(t.row_codes)))
    vals = [row[0] for row in t.values]
    ax.barh(y, [v or 0 for v in vals], color=_COLOURS[0])
    for i, v in enumerate(vals):
        ax.text((v or 0) + 0.2, i, "*" if v is None else str(v), va="center", fontsize=9)
    ax.set_yticks(y, list(t.row_labels))
    ax.invert_yaxis()
    ax.set_xlabel("Actions")
    ax.set_xlim(left=0, right=max([1, *(v or 0 for v in vals)]) * 1.2)
    ax.set_title("Actions by outcome (*: suppressed)")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    _save(fig, path)


_DRAW = {"trends": _trends, "heatmap": _heatmap, "clusters": _clusters, "actions": _actions}


def chart_png(ins: Insights, name: str) -> bytes:
    """One chart (a key of :data:`CHART_FILES`) as PNG bytes."""
    buffer = io.BytesIO()
    _DRAW[name](ins, buffer)
    return buffer.getvalue()


def write_charts(ins: Insights, out_dir: Path) -> dict[str, Path]:
    """Draw every chart into ``out_dir``; returns chart name -> file written."""
    out: dict[str, Path] = {}
    for name, draw in _DRAW.items():
        path = out_dir / CHART_FILES[name]
        draw(ins, path)
        out[name] = path
    return out
