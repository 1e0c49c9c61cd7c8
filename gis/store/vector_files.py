"""Vector files to GeoDataFrames in the storage CRS, with the source CRS kept.

Anything GDAL reads (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GML …) is read through pyogrio in
one vectorised call. Reading problems (unreadable file, ambiguous or unknown layer, no CRS, a
CRS given that contradicts the file) are added to the caller's problems instead of raised, so the
user sees them together with everything else wrong. In the store because both the loaders
(``etl``) and the web server (a footprint uploaded in the reporting form) read files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis.store.crs import reproject_to_wgs84
from gis.store.problems import ProblemList

STORAGE_EPSG = 4326


@dataclass(frozen=True)
class VectorData:
    """A file's features, reprojected to EPSG:4326 (2D), and where they came from."""

    frame: gpd.GeoDataFrame
    source_crs: str


def crs_label(crs: CRS) -> str:
    """``EPSG:nnnn`` when the CRS has an EPSG code, else its WKT."""
    authority = crs.to_authority(min_confidence=90)
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()


def parse_crs(text: str, problems: ProblemList) -> CRS | None:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        problems.add("(command line)", "--crs", text, "a CRS such as EPSG:3946")
        return None


#: How the reader names the choices it asks for: the command line's options by default.
CLI_NAMES = {"layer": "--layer", "crs": "--crs"}


def _pick_layer(
    path: Path, layer: str | None, problems: ProblemList, names_of: dict = CLI_NAMES
) -> str | bool | None:
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
                "(file)",
                names_of["layer"],
                layer,
                f"one of the layers: {', '.join(names) or '(none)'}",
            )
            return False
        return layer
    if not names:
        problems.add("(file)", "(layers)", "no layer with geometries", "a layer with geometries")
        return False
    if len(names) > 1:
        problems.add(
            "(file)", names_of["layer"], "(not given)", f"one of the layers: {', '.join(names)}"
        )
        return False
    return names[0]


def _gdal_message(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def read_vector(
    path: Path,
    problems: ProblemList,
    *,
    layer: str | None = None,
    crs: str | None = None,
    names_of: dict = CLI_NAMES,
) -> VectorData | None:
    """Read ``path`` and reproject it to EPSG:4326 as 2D; None when problems make that impossible.

    ``names_of`` names the layer and CRS choices in the messages (``--layer`` on the command
    line, the form's fields on the web).
    """
    if not path.exists():
        problems.add("(file)", "(file)", str(path), "an existing file")
        return None
    chosen = _pick_layer(path, layer, problems, names_of)
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
            f"a file with a CRS, or {names_of['crs']} (e.g. EPSG:3946)",
        )
        return None
    if frame.crs is not None and given is not None and not frame.crs.equals(given):
        problems.add(
            "(file)",
            names_of["crs"],
            crs_label(given),
            f"the file's own CRS {crs_label(frame.crs)} (drop {names_of['crs']})",
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
