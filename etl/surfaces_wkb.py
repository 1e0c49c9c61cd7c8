"""A building's surfaces as one hex EWKB GEOMETRYCOLLECTION Z of MULTIPOLYGON Z (SRID 4326).

Written directly with ``struct`` and numpy rather than through shapely objects: a large model has
hundreds of thousands of polygons and this is the form COPY takes anyway.
"""

from __future__ import annotations

import struct

import numpy as np

from etl.citymodel import Polygon

_Z = 0x80000000
_SRID = 0x20000000
_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7


def _polygon(rings: Polygon) -> bytes:
    out = [struct.pack("<BII", 1, _POLYGON | _Z, len(rings))]
    for ring in rings:
        out.append(struct.pack("<I", len(ring)))
        out.append(np.ascontiguousarray(ring, dtype="<f8").tobytes())
    return b"".join(out)


def surfaces_ewkb(surfaces: list[list[Polygon]], srid: int = 4326) -> str:
    """Hex EWKB of a collection with one multipolygon per surface (each a list of polygons)."""
    out = [struct.pack("<BIII", 1, _COLLECTION | _Z | _SRID, srid, len(surfaces))]
    for polygons in surfaces:
        out.append(struct.pack("<BII", 1, _MULTIPOLYGON | _Z, len(polygons)))
        out.extend(_polygon(p) for p in polygons)
    return b"".join(out).hex()
