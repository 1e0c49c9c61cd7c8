"""Placement on the globe: longitude/latitude/height to ECEF (EPSG:4978) and a local frame per tileset.

Every vertex is converted to ECEF in float64 with pyproj, then expressed in the east-north-up frame
of the tileset's centre. The tileset's root ``transform`` is that frame (ENU axes and the ECEF
centre, float64 in the JSON), so the float32 positions in the glb are small local offsets and keep
millimetre precision. glTF is y-up: positions are written as (east, up, -north), which CesiumJS's
standard y-up to z-up rotation turns back into (east, north, up).

Vertical reference (without terrain in the viewer): the ground of every building is placed at
ellipsoid height 0, i.e. on the WGS 84 ellipsoid that a viewer without terrain draws as the globe;
the roof is at ellipsoid height = building height. ``base_elevation`` (above sea level) is kept in the
metadata, not used for placement, so buildings never float above or sink into the bare ellipsoid.
A true 3D geometry (``geom_3d``) keeps its shape: its z is shifted by the version's base elevation
(or by its lowest z when the version has none), so its ground also lies at height 0.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.transformer import TransformerGroup

FloatArray = npt.NDArray[np.float64]

VERTICAL_REFERENCE = (
    "ground at WGS 84 ellipsoid height 0 (for viewers without terrain); "
    "base_elevation above sea level is metadata"
)

_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
_FROM_ECEF = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)


def to_ecef(lon: FloatArray, lat: FloatArray, h: FloatArray) -> FloatArray:
    """(n, 3) ECEF metres of WGS 84 longitude, latitude (degrees) and ellipsoidal height."""
    x, y, z = _TO_ECEF.transform(
        np.asarray(lon, np.float64), np.asarray(lat, np.float64), np.asarray(h, np.float64)
    )
    return np.column_stack([x, y, z])


def from_ecef(xyz: FloatArray) -> FloatArray:
    """(n, 3) longitude, latitude (degrees), ellipsoidal height of ECEF points."""
    lon, lat, h = _FROM_ECEF.transform(xyz[:, 0], xyz[:, 1], xyz[:, 2])
    return np.column_stack([lon, lat, h])


def enu_rotation(lon: float, lat: float) -> FloatArray:
    """Rows: east, north, up unit vectors in ECEF at (lon, lat) on the ellipsoid."""
    lam, phi = np.radians(lon), np.radians(lat)
    sl, cl, sp, cp = np.sin(lam), np.cos(lam), np.sin(phi), np.cos(phi)
    return np.array([[-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]])


@dataclass(frozen=True)
class Frame:
    """A local east-north-up frame: the tileset root's coordinate system."""

    lon: float
    lat: float
    origin: FloatArray  # ECEF of the centre (float64)
    rotation: FloatArray  # rows east, north, up

    @classmethod
    def at(cls, lon: float, lat: float, h: float = 0.0) -> Frame:
        lon, lat = float(lon), float(lat)
        origin = np.array(_TO_ECEF.transform(lon, lat, float(h)), dtype=np.float64)
        return cls(lon, lat, origin, enu_rotation(lon, lat))

    def to_local(self, lon: FloatArray, lat: FloatArray, h: FloatArray) -> FloatArray:
        """(n, 3) local east, north, up metres of geographic points (float64 throughout)."""
        return (to_ecef(lon, lat, h) - self.origin) @ self.rotation.T

    def to_geographic(self, local: FloatArray) -> FloatArray:
        """(n, 3) longitude, latitude, ellipsoidal height of local points (inverse of to_local)."""
        return from_ecef(np.asarray(local, np.float64) @ self.rotation + self.origin)

    def up(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """(n, 3) ellipsoid normals at the points, in the local frame."""
        lam, phi = np.radians(lon), np.radians(lat)
        ecef = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
        return ecef @ self.rotation.T

    def matrix(self) -> FloatArray:
        """4x4 local-to-ECEF matrix (row-major); the tileset writes it column-major."""
        m = np.identity(4)
        m[:3, :3] = self.rotation.T
        m[:3, 3] = self.origin
        return m


def y_up(local: FloatArray) -> FloatArray:
    """Local (east, north, up) to glTF's y-up axes (east, up, -north)."""
    return np.column_stack([local[:, 0], local[:, 2], -local[:, 1]])


@dataclass(frozen=True)
class Operation:
    """The datum transformation pyproj applies from a source CRS to WGS 84, and how good it is."""

    description: str
    accuracy_m: float | None
    grids_missing: tuple[str, ...]


#: Targets considered: WGS 84, and ETRS89, which EPSG ties to WGS 84 with a null transformation
#: ("ETRS89 to WGS 84 (1)") - the same convention pyproj applies to Lyon's RGF93 and Munich's ETRS89.
#: Going through ETRS89 lets the national grids (MGI -> ETRS89) be used.
_TARGETS = ("EPSG:4326", "EPSG:4258")


Area = tuple[float, float, float, float]


@lru_cache(maxsize=64)
def _groups(source_crs: str, area: Area) -> tuple[TransformerGroup, ...]:
    aoi = AreaOfInterest(*area)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tuple(
            TransformerGroup(
                CRS(source_crs), CRS(t), always_xy=True, allow_ballpark=False, area_of_interest=aoi
            )
            for t in _TARGETS
        )


def _contains(t: Transformer, area: Area) -> bool:
    aou = t.area_of_use
    if aou is None:
        return True
    west, south, east, north = area
    return aou.west <= west and aou.south <= south and aou.east >= east and aou.north >= north


def _accuracy(t: Transformer) -> float:
    return t.accuracy if t.accuracy is not None and t.accuracy >= 0 else float("inf")


@lru_cache(maxsize=64)
def to_wgs84(source_crs: str, area: Area) -> Transformer:
    """The most accurate *available* transformation from ``source_crs`` to lon/lat WGS 84.

    pyproj's default can pick an operation valid for a whole country over a more accurate one;
    here the lowest stated accuracy wins among operations whose grids are installed. For Vienna
    (MGI, EPSG:31256) the exact one is BEV's grid ``at_bev_AT_GIS_GRID_2021_09_28.tif`` (0.14 m):
    when it is installed in the PROJ data directory it is used, otherwise the best Helmert shift
    (see ``operation``). Without any datum shift MGI would be off by hundreds of metres.
    ``area`` (west, south, east, north in degrees) is where the data lies: only operations valid
    over all of it qualify (MGI has a more accurate Helmert shift for Styria, not for Vienna).
    """
    candidates = [
        t for g in _groups(source_crs, area) for t in g.transformers if _contains(t, area)
    ]
    if not candidates:
        return Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
    return min(candidates, key=_accuracy)


def operation(source_crs: str, area: Area) -> Operation:
    """What ``to_wgs84`` uses for ``source_crs``, and which better grids are not installed."""
    chosen = to_wgs84(source_crs, area)
    best = _accuracy(chosen)
    missing = tuple(
        sorted(
            {
                g.short_name
                for group in _groups(source_crs, area)
                for op in group.unavailable_operations
                if op.accuracy is not None and 0 <= op.accuracy < best
                for g in op.grids
                if not g.available
            }
        )
    )
    return Operation(chosen.description, None if best == float("inf") else best, missing)
