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
(or by its lowest z when the version has none), so its ground also lies at height 0; a city model's
surfaces (typed, from ``kc load buildings`` on CityGML/CityJSON) by their own lowest z.

With ``kc tiles export --heights true`` (for viewers with terrain) a city model is placed at its
true WGS 84 ellipsoidal height instead: z + ``ellipsoid_offset`` (the vertical datum's offset plus
the geoid height recorded at load, see ``etl.heights``). Versions without that offset (footprints,
models of unknown datum) keep their ground at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

FloatArray = npt.NDArray[np.float64]

VERTICAL_REFERENCE = (
    "ground at WGS 84 ellipsoid height 0 (for viewers without terrain); "
    "base_elevation above sea level is metadata"
)

TRUE_HEIGHTS = (
    "city models at WGS 84 ellipsoidal height (z + datum offset + geoid height, for viewers "
    "with terrain); footprint-only buildings and models of unknown datum with their ground at 0"
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
