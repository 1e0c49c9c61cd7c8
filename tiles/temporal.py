"""The temporal tileset: every version of every building once, shown per point by styling.

Each feature carries, besides its own metadata, one boolean ``in_<point>`` (valid at that
measurement point) and one ``status_<point>`` (the implementation status colouring it there),
plus its validity as days since 1970-01-01 (``from_day``, ``to_day``) for any other date. A
client shows measurement point PM24 with a ``Cesium3DTileStyle`` alone, no tile is loaded again::

    {"show": "${in_PM24} === true",
     "color": {"conditions": [["${status_PM24} === 'completed'", "color('#2e7d32')"],
                              ["true", "color('#f2efe9')"]]}}

and any date ``d`` (days since 1970) with ``${from_day} <= d && (${to_day} < 0 || ${to_day} > d)``.
The colours baked into the vertices are those of the last point each version is valid at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from tiles.content import version_columns
from tiles.features import Buildings
from tiles.metadata import PROPERTIES, ProjectTouch, Property, colouring_status, projects_json

EPOCH = dt.date(1970, 1, 1)
#: The per-version properties kept from the per-point schema (the others are per point).
SHARED = tuple(p for p in PROPERTIES if p.name not in ("status", "project_codes", "projects"))


def properties(points: Sequence[str]) -> tuple[Property, ...]:
    """The schema of the temporal tileset for these points."""
    out = [
        *SHARED,
        Property("from_day", "INT32", "valid_from as days since 1970-01-01"),
        Property("to_day", "INT32", "valid_to as days since 1970-01-01; -1 = open", -1),
        Property("status", "STRING", "Status at the last point this version is valid at", ""),
    ]
    for p in points:
        out.append(Property(f"in_{p}", "BOOLEAN", f"Valid at measurement point {p}"))
        out.append(Property(f"status_{p}", "STRING", f"Implementation status at {p}", ""))
        out.append(Property(f"projects_{p}", "STRING", f"JSON list of projects touching it at {p}"))
    return tuple(out)


def columns(
    city: str,
    b: Buildings,
    member: np.ndarray,
    points: Sequence[str],
    touches: Sequence[dict[int, list[ProjectTouch]]],
) -> tuple[tuple[Property, ...], dict[str, list]]:
    """The schema and metadata columns of buildings ``b`` valid at the points in ``member``."""
    cols: dict[str, list] = version_columns(city, b) | {
        "from_day": [(d - EPOCH).days for d in b.valid_from],
        "to_day": [None if d is None else (d - EPOCH).days for d in b.valid_to],
    }
    last: list[str | None] = [None] * len(b)
    for k, (point, found) in enumerate(zip(points, touches, strict=True)):
        valid = ((member >> k) & 1 == 1).tolist()
        status = []
        projects = []
        for i, building in enumerate(b.building_id):
            t = found.get(building, []) if valid[i] else []
            s = colouring_status(t) if valid[i] else None
            status.append(s)
            projects.append(projects_json(t))
            if valid[i]:
                last[i] = s
        cols[f"in_{point}"] = valid
        cols[f"status_{point}"] = status
        cols[f"projects_{point}"] = projects
    cols["status"] = last
    return properties(points), cols
