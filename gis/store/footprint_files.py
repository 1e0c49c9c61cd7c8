"""A project footprint from a file (any vector format GDAL reads), for the reporting form.

The footprint is the union of the file's polygons, in EPSG:4326, with the file's CRS kept as
the source CRS. Every feature that is not a valid polygon is a problem naming the file, the
feature, what was found and what was expected; with any problem nothing is returned.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from gis.store.problems import ProblemList
from gis.store.vector_files import read_vector

#: The form's names for the reader's choices (see ``vector_files.CLI_NAMES``).
FORM_NAMES = {"layer": "layer", "crs": "CRS"}
POLYGONAL = ("Polygon", "MultiPolygon")


def footprint_from_file(
    path: Path, problems: ProblemList, *, layer: str | None = None
) -> tuple[str, str] | None:
    """``(hex EWKB in EPSG:4326, source CRS)`` of the file's polygons, or None with problems."""
    data = read_vector(path, problems, layer=layer, names_of=FORM_NAMES)
    if data is None:
        return None
    geoms = data.frame.geometry.values
    if len(geoms) == 0:
        problems.add("(file)", "(features)", "no feature", "at least one polygon")
        return None
    for number, geom in enumerate(geoms, start=1):
        where = f"feature {number}"
        if geom is None or shapely.is_empty(geom):
            problems.add(where, "geometry", "(empty)", "a polygon")
        elif geom.geom_type not in POLYGONAL:
            problems.add(where, "geometry", geom.geom_type, "a Polygon or MultiPolygon")
        elif not shapely.is_valid(geom):
            problems.add(where, "geometry", shapely.is_valid_reason(geom), "a valid polygon")
    if problems.items:
        return None
    union = shapely.union_all(geoms)
    hexwkb = shapely.to_wkb(shapely.set_srid(union, 4326), hex=True, include_srid=True)
    return hexwkb, data.source_crs
