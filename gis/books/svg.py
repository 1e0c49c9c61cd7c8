"""Inline SVG for the books: status history cells and footprint maps in a local projection.

The SVG is written without an ``xmlns`` attribute: inline in HTML the parser puts it in the SVG
namespace, and the documents then contain no URL at all (they must open with no network).

The pages insert this SVG unescaped (``render.py`` marks it safe), so every text and attribute
value taken from the caller is escaped here; the rest are numbers formatted here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Metres per degree of latitude (mean) and of longitude at the equator (WGS 84).
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0
SCALE_STEPS = (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (#rrggbb)."""
    r, g, b = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.55 else "#ffffff"


def status_cells(
    cells: Sequence[tuple[str, str | None, str | None, str]], *, current: str, width: int = 58
) -> str:
    """One coloured cell per point: ``(point code, colour or None, label, tooltip)``.

    A point where the project did not exist gets a hatched grey cell; the current point is framed.
    """
    gap, height = 4, 26
    total = len(cells) * (width + gap) - gap + 4
    parts = [
        f'<svg class="history" width="{total}" height="{height + 20}" '
        f'viewBox="0 0 {total} {height + 20}" role="img">'
    ]
    for i, (point, colour, label, tooltip) in enumerate(cells):
        x = 2 + i * (width + gap)
        fill = escape(colour or "#f2f2f2")
        stroke = ' stroke="#111" stroke-width="2.5"' if point == current else ' stroke="#bbb"'
        dash = "" if colour else ' stroke-dasharray="3 2"'
        parts.append(
            f'<g><title>{escape(tooltip)}</title><rect x="{x}" y="2" width="{width}" '
            f'height="{height - 4}" rx="4" fill="{fill}"{stroke}{dash}/>'
        )
        if label:
            ink = text_colour(colour) if colour else "#555"
            parts.append(
                f'<text x="{x + width / 2}" y="{height / 2 + 5}" text-anchor="middle" '
                f'font-size="11" font-weight="600" fill="{ink}">{escape(label)}</text>'
            )
        parts.append(
            f'<text x="{x + width / 2}" y="{height + 14}" text-anchor="middle" font-size="11" '
            f'fill="#333">{escape(point)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _ring_path(coords: np.ndarray) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords[:-1])
    return f"M{pts}Z"


def _paths(geom: BaseGeometry) -> tuple[list[str], list[str], list[tuple[float, float]]]:
    """SVG path data of the areas and lines of ``geom``, and its points."""
    areas, lines, points = [], [], []
    for part in shapely.get_parts(geom):
        kind = part.geom_type
        if kind == "Polygon":
            rings = [part.exterior, *part.interiors]
            areas.append("".join(_ring_path(np.asarray(r.coords)[:, :2]) for r in rings))
        elif kind == "LineString":
            coords = np.asarray(part.coords)[:, :2]
            lines.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords))
        elif kind == "Point":
            points.append((part.x, part.y))
        else:  # nested collections
            a, li, p = _paths(part)
            areas += a
            lines += li
            points += p
    return areas, lines, points


def _nice_scale(metres: float) -> int:
    return max((s for s in SCALE_STEPS if s <= metres), default=SCALE_STEPS[0])


def footprint_map(
    footprint: bytes | None,
    buildings: Iterable[bytes],
    *,
    colour: str,
    title: str,
    size: tuple[int, int] = (300, 210),
    min_extent_m: float = 80.0,
) -> str:
    """A small map of a project's footprint over the buildings it touches, north up, in metres.

    Coordinates are lon/lat (EPSG:4326); the map uses a local equirectangular projection around
    the centre of the drawing, exact enough at district scale, with a scale bar.
    """
    colour = escape(colour)  # goes into attributes
    geoms = [shapely.from_wkb(b) for b in buildings]
    fp = shapely.from_wkb(footprint) if footprint is not None else None
    everything = [g for g in [*geoms, fp] if g is not None and not g.is_empty]
    w, h = size
    if not everything:
        return ""
    minx, miny, maxx, maxy = shapely.total_bounds(everything)
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    kx = M_PER_DEG_LON * math.cos(math.radians(lat0))
    extent_x = max((maxx - minx) * kx, 1e-9)
    extent_y = max((maxy - miny) * M_PER_DEG_LAT, 1e-9)
    margin = 14
    span = max(extent_x / (w - 2 * margin), extent_y / (h - 2 * margin - 18), min_extent_m / w)
    scale = 1 / span  # pixels per metre

    def project(coords: np.ndarray) -> np.ndarray:
        x = (coords[:, 0] - lon0) * kx * scale + w / 2
        y = h / 2 - 9 - (coords[:, 1] - lat0) * M_PER_DEG_LAT * scale
        return np.column_stack([x, y])

    parts = [
        f'<svg class="map" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{w}" height="{h}" fill="#f7f9fa" stroke="#cfd8dc"/>'
    ]
    for g in geoms:
        areas, lines, _ = _paths(shapely.transform(g, project))
        for d in areas:
            parts.append(
                f'<path d="{d}" fill="#b0bec5" stroke="#546e7a" stroke-width="1" fill-rule="evenodd"/>'
            )
        for d in lines:
            parts.append(f'<path d="{d}" fill="none" stroke="#546e7a"/>')
    if fp is not None:
        areas, lines, points = _paths(shapely.transform(fp, project))
        for d in areas:
            parts.append(
                f'<path d="{d}" fill="{colour}" fill-opacity="0.35" stroke="{colour}" '
                f'stroke-width="2.5" fill-rule="evenodd"/>'
            )
        for d in lines:
            parts.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="4"/>')
        for x, y in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" stroke="#222" stroke-width="1.5"/>'
            )
    bar_m = _nice_scale(w / scale / 4)
    bar_px = bar_m * scale
    y0 = h - 10
    parts.append(
        f'<path d="M10,{y0 - 4}V{y0}H{10 + bar_px:.1f}V{y0 - 4}" fill="none" stroke="#222" '
        f'stroke-width="1.5"/><text x="{14 + bar_px:.1f}" y="{y0}" font-size="10" '
        f'fill="#222">{bar_m} m</text>'
        f'<path d="M{w - 16},{22}l-5,10h10z" fill="#222"/>'
        f'<text x="{w - 16}" y="18" font-size="10" text-anchor="middle" fill="#222">N</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
