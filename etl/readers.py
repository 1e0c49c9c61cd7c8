"""Vector files to GeoDataFrames in the storage CRS, with the source CRS kept.

Anything GDAL reads (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GML …) is read through pyogrio in
one vectorised call. Reading problems (unreadable file, ambiguous or unknown layer, no CRS, a
``--crs`` that contradicts the file) are added to the load's problems instead of raised, so the
user sees them together with everything else wrong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from etl.crs import reproject_to_wgs84
from etl.problems import Problems

STORAGE_EPSG = 4326
#: Features farther than this from their city's district (in degrees, about 40-55 km in Europe)
#: are taken as a sign of a wrong or missing CRS.
MAX_DEGREES_FROM_DISTRICT = 0.5


@dataclass(frozen=True)
class VectorData:
    """A file's features, reprojected to EPSG:4326 (2D), and where they came from."""

    frame: gpd.GeoDataFrame
    source_crs: str


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes (recorded with the load), None for a directory source."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def crs_label(crs: CRS) -> str:
    """``EPSG:nnnn`` when the CRS has an EPSG code, else its WKT."""
    authority = crs.to_authority(min_confidence=90)
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()


def parse_crs(text: str, problems: Problems) -> CRS | None:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        problems.add("(command line)", "--crs", text, "a CRS such as EPSG:3946")
        return None


def _pick_layer(path: Path, layer: str | None, problems: Problems) -> str | bool | None:
    """The layer to read (None = the only one); False when the file cannot be read at all."""
    try:
        layers = pyogrio.list_layers(path)
    except Exception as err:  # pyogrio raises several GDAL error types for unreadable files
        problems.add(
            "(file)",
            "(file)",
            _gdal_message(err),
            "a complete, readable vector file (GeoPackage, GeoJSON, Shapefile … any format GDAL reads)",
        )
        return False
    names = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if layer is not None:
        if layer not in names:
            problems.add(
                "(file)", "--layer", layer, f"one of the layers: {', '.join(names) or '(none)'}"
            )
            return False
        return layer
    if not names:
        problems.add("(file)", "(layers)", "no layer with geometries", "a layer with geometries")
        return False
    if len(names) > 1:
        problems.add("(file)", "--layer", "(not given)", f"one of the layers: {', '.join(names)}")
        return False
    return names[0]


def _gdal_message(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def read_vector(
    path: Path, problems: Problems, *, layer: str | None = None, crs: str | None = None
) -> VectorData | None:
    """Read ``path`` and reproject it to EPSG:4326 as 2D; None when problems make that impossible."""
    if not path.exists():
        problems.add("(file)", "(file)", str(path), "an existing file")
        return None
    chosen = _pick_layer(path, layer, problems)
    if chosen is False:
        return None
    given = parse_crs(crs, problems) if crs else None
    try:
        frame = pyogrio.read_dataframe(path, layer=chosen)
    except Exception as err:  # a truncated or corrupt file fails here
        problems.add("(file)", "(file)", _gdal_message(err), "a complete, readable vector file")
        return None
    if frame.crs is None and given is None:
        problems.add(
            "(file)",
            "CRS",
            "no CRS in the file",
            "a file with a CRS, or --crs (e.g. --crs EPSG:3946)",
        )
        return None
    if frame.crs is not None and given is not None and not frame.crs.equals(given):
        problems.add(
            "(file)",
            "--crs",
            crs_label(given),
            f"the file's own CRS {crs_label(frame.crs)} (drop --crs)",
        )
        return None
    source = frame.crs or given
    frame = frame.set_crs(source, allow_override=True)
    frame = frame.set_geometry(shapely.force_2d(frame.geometry.values)).set_crs(
        source, allow_override=True
    )
    if not source.equals(CRS.from_epsg(STORAGE_EPSG)):
        geoms = reproject_to_wgs84(frame.geometry.values, source.to_string())
        frame = frame.set_geometry(geoms).set_crs(STORAGE_EPSG, allow_override=True)
    return VectorData(frame=frame, source_crs=crs_label(source))


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
