"""A cluster's records and the kinds of token joining them, drawn as an SVG on the server.

Only kinds appear (``phone``, ``company_number``), never a token or an identifier. The
coordinator says which kinds linked a cluster, not which pair of records shares which
kind, so the drawing is a star: one hub naming the kinds, one node per record (member and
month), an edge from each record to the hub. Styles come from the console's stylesheet
(classes only: the Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["GraphNode", "cluster_svg"]


@dataclass(frozen=True)
class GraphNode:
    """One record in the drawing."""

    label: str  # e.g. "brightstaff, 2026-05"
    href: str = ""


def cluster_svg(nodes: Sequence[GraphNode], kinds: Sequence[str], *, title: str) -> Markup:
    """The SVG (role="img", titled) of ``nodes`` around a hub labelled with ``kinds``."""
    hub_label = "joined by " + ", ".join(k.replace("_", " ") for k in kinds) if kinds else "joined"
    size = max(560 if len(nodes) > 4 else 420, 9 * len(hub_label) + 40)
    centre = size / 2
    radius = min(size / 2 - 70, 220)
    parts = [
        f'<svg class="msin-graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" aria-labelledby="graph-title">',
        f'<title id="graph-title">{escape(title)}</title>',
    ]
    points = []
    for i, _node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(nodes), 1)
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    for x, y in points:
        parts.append(f'<line class="edge" x1="{centre:.1f}" y1="{centre:.1f}" x2="{x:.1f}" y2="{y:.1f}"/>')
    # The hub's label sits under it on a white box (over the edges), as wide as its text.
    width = 9 * len(hub_label) + 16
    parts.append(f'<g class="node"><circle cx="{centre:.1f}" cy="{centre:.1f}" r="14"/>'
                 f'<rect class="label-box" x="{centre - width / 2:.1f}" y="{centre + 20:.1f}" width="{width}" height="26"/>'
                 f'<text class="edge-label" x="{centre:.1f}" y="{centre + 38:.1f}" text-anchor="middle">'
                 f"{escape(hub_label)}</text></g>")
    for node, (x, y) in zip(nodes, points, strict=True):
        anchor = "middle"
        dy = -18 if y < centre else 26
        label = f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">{escape(node.label)}</text>'
        circle = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10"/>'
        parts.append(f'<g class="node">{circle}{label}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped
