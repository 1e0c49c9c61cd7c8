"""The loaders' checks of what they read: a file's digest, features far from their city.

Reading itself (any GDAL vector format to EPSG:4326, the source CRS kept) is
``gis.store.vector_files``, shared with the web server's footprint upload.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import shapely

from etl.problems import Problems
from gis.store.vector_files import STORAGE_EPSG, VectorData, crs_label, parse_crs, read_vector

__all__ = [
    "MAX_DEGREES_FROM_DISTRICT", "STORAGE_EPSG", "VectorData", "check_location", "crs_label",
    "file_sha256", "parse_crs", "read_vector",
]  # fmt: skip
#: Features farther than this from their city's district (in degrees, about 40-55 km in Europe)
#: are taken as a sign of a wrong or missing CRS.
MAX_DEGREES_FROM_DISTRICT = 0.5


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes (recorded with the load), None for a directory source."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_location(
    geoms: np.ndarray,
    labels: np.ndarray,
    district: shapely.Geometry | None,
    source_crs: str,
    problems: Problems,
) -> None:
    """Features outside lon/lat range or far from the city's district point at a wrong CRS."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return
    bounds = shapely.bounds(geoms[present])
    out = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(
        axis=1
    )
    far = np.zeros(len(bounds), dtype=bool)
    if district is not None and not out.all():
        far = ~out & (shapely.distance(geoms[present], district) > MAX_DEGREES_FROM_DISTRICT)
    bad = out | far
    if bad.any():
        examples = ", ".join(map(str, labels[present][bad][:3]))
        problems.add(
            f"{int(bad.sum())} features (e.g. {examples})",
            "CRS",
            f"coordinates read as {source_crs} land far from the city's district",
            "the file's true CRS (set it in the file or with --crs)",
        )
