"""Tile content: the glb/b3dm bytes of a group of buildings, stored once by their digest.

Content files are named after the SHA-256 of their bytes (``content/<digest>.<fmt>``), so a tile
that is the same at two measurement points, in two runs or in the temporal and a per-point
tileset is one file. A file is written under a temporary name and renamed: a reader (or a killed
export) never sees half a file; files nothing refers to any more are removed after a publish.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tiles.b3dm import b3dm
from tiles.features import Buildings
from tiles.geometry import Mesh, bounds
from tiles.gltf import glb
from tiles.metadata import ProjectTouch, Property, colouring_status, colours, projects_json

CONTENT_DIR = "content"


@dataclass(frozen=True)
class Content:
    """A stored content file: its name in the store, its box in the local frame, its features."""

    name: str
    box: list[float]  # mins then maxs (local east, north, up)
    count: int


def version_columns(city: str, b: Buildings) -> dict[str, list]:
    """The metadata columns of each version itself, the same in every tileset showing it."""
    return {
        "version_id": b.version_id,
        "building_id": b.building_id,
        "source_id": b.source_id,
        "city": [city] * len(b),
        "valid_from": [d.isoformat() for d in b.valid_from],
        "valid_to": [None if d is None else d.isoformat() for d in b.valid_to],
        "height": b.height,
        "storeys": b.storeys,
        "height_estimated": b.height_estimated,
        "base_elevation": b.base_elevation,
        "buildings": [1] * len(b),
        "lod": b.lod,
        "roof_type": b.roof_type,
    }


def columns(city: str, b: Buildings, touches: dict[int, list[ProjectTouch]]) -> dict[str, list]:
    """The metadata columns of every building at one point (``tiles.metadata.PROPERTIES``)."""
    found = [touches.get(i, []) for i in b.building_id]
    return version_columns(city, b) | {
        "status": [colouring_status(t) for t in found],
        "project_codes": [",".join(sorted(x.code for x in t)) or None for t in found],
        "projects": [projects_json(t) for t in found],
    }


def encode(
    mesh: Mesh,
    properties: Sequence[Property],
    cols: dict[str, Sequence],
    rgba: np.ndarray,
    fmt: str,
) -> bytes:
    """The content file of a mesh whose features carry ``cols``."""
    if fmt == "glb":
        return glb(mesh, rgba, properties=properties, columns=cols)
    return b3dm(glb(mesh, rgba, batch_ids=True), properties, cols)


def box_of(mesh: Mesh) -> list[float]:
    # 1 cm margin: the float32 positions in the file may round a hair outside the float64 box.
    lo, hi = bounds(mesh.positions)
    lo, hi = lo - 0.01, hi + 0.01
    return [*lo.tolist(), *hi.tolist()]


def store(folder: Path, data: bytes, fmt: str) -> str:
    """Put ``data`` in the content store ``folder`` (once); its name there."""
    name = f"{hashlib.sha256(data).hexdigest()[:40]}.{fmt}"
    path = folder / name
    if not path.exists():
        tmp = folder / f".tmp-{os.getpid()}-{name}"
        tmp.write_bytes(data)
        tmp.replace(path)
    return name


def stored(
    folder: Path,
    mesh: Mesh,
    properties: Sequence[Property],
    cols: dict[str, Sequence],
    palette: dict[str, str],
    fmt: str,
) -> Content:
    """Encode and store the content of ``mesh``; colours from the ``status`` column."""
    rgba = colours(cols["status"], palette)
    data = encode(mesh, properties, cols, rgba, fmt)
    return Content(store(folder, data, fmt), box_of(mesh), len(rgba))
