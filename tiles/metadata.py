"""Per-building metadata: the properties every feature carries, and the colour of its status.

One schema serves both formats: glb (EXT_structural_metadata property table) and b3dm (batch
table). Values are plain Python columns (``None`` = no value); each property says how a missing
value is written (``no_data``), so a viewer reads "no value" rather than a fake number.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Colour of buildings no project touches at the point (sRGB).
UNTOUCHED = "#f2efe9"


@dataclass(frozen=True)
class Property:
    """One feature property: its name, metadata type, meaning and value for "none"."""

    name: str
    kind: str  # STRING, FLOAT64, INT32, UINT32, BOOLEAN
    description: str
    no_data: object | None = None


PROPERTIES: tuple[Property, ...] = (
    Property("version_id", "UINT32", "Version id: unique per building version (one validity)"),
    Property("building_id", "UINT32", "Stable building identity in the database"),
    Property("source_id", "STRING", "Building id in the source data (stable across versions)"),
    Property("city", "STRING", "City code"),
    Property("valid_from", "STRING", "First day this version is valid (ISO date)"),
    Property("valid_to", "STRING", "First day it is no longer valid (ISO date); none = open", ""),
    Property("height", "FLOAT64", "Building height in metres"),
    Property("storeys", "INT32", "Number of storeys", -1),
    Property("height_estimated", "BOOLEAN", "True when the height is storeys x storey height"),
    Property("base_elevation", "FLOAT64", "Ground elevation above sea level (m)", -9999.0),
    Property("status", "STRING", "Implementation status that colours the building", ""),
    Property("project_codes", "STRING", "Codes of the projects touching it, comma-separated", ""),
    Property(
        "projects",
        "STRING",
        "JSON list of {code, status, thematic_field} of the projects touching it at the point",
    ),
    Property(
        "buildings",
        "UINT32",
        "How many buildings the feature stands for: 1, or more for a level-of-detail block",
    ),
    Property(
        "lod",
        "UINT32",
        "Level of detail drawn: 0 extruded footprint, 1 block (and level-of-detail blocks), 2 roofs",
    ),
    Property("roof_type", "STRING", "Roof type of the source model (its code list)", ""),
)

PROPERTY_NAMES = tuple(p.name for p in PROPERTIES)


@dataclass(frozen=True)
class ProjectTouch:
    """A project touching a building at the point."""

    code: str
    status: str
    thematic_field: str
    status_rank: int


def projects_json(touches: Sequence[ProjectTouch]) -> str:
    """The ``projects`` value: stable order (by code), compact JSON."""
    if not touches:
        return "[]"
    items = [
        {"code": t.code, "status": t.status, "thematic_field": t.thematic_field}
        for t in sorted(touches, key=lambda t: t.code)
    ]
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False)


def colouring_status(touches: Sequence[ProjectTouch]) -> str | None:
    """The status a building is coloured by: the most advanced one among its projects.

    Ranks follow ``kc.implementation_status.sort_order``; a cancelled project only colours a
    building when no other project touches it.
    """
    if not touches:
        return None
    active = [t for t in touches if t.status != "cancelled"] or list(touches)
    return max(active, key=lambda t: (t.status_rank, t.code)).status


def srgb_to_linear_rgba(hex_colour: str) -> tuple[int, int, int, int]:
    """``#rrggbb`` (sRGB) as linear RGBA bytes: glTF vertex colours are linear."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    r, g, b = (round(v * 255) for v in lin)
    return r, g, b, 255


def colours(statuses: Sequence[str | None], palette: dict[str, str]) -> npt.NDArray[np.uint8]:
    """(n, 4) linear RGBA bytes per feature: its status colour, or ``UNTOUCHED``."""
    codes = [None, *sorted(palette)]
    table = np.array(
        [srgb_to_linear_rgba(palette[c] if c else UNTOUCHED) for c in codes], dtype=np.uint8
    )
    rank = {c: i for i, c in enumerate(codes)}
    return table[np.fromiter((rank[s or None] for s in statuses), np.int64, len(statuses))]
