"""Source CRS to WGS 84 with the most accurate datum transformation available for the data's area.

pyproj's default for a CRS can pick an operation valid for a whole country over a more accurate one
(for MGI / Vienna, EPSG:31256, a Styria-only Helmert shift). Every reprojection into the storage CRS
goes through ``to_wgs84`` so the loaders and the 3D Tiles placement agree to the millimetre.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.transformer import TransformerGroup


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


def area_of(source_crs: str, bounds: tuple[float, float, float, float]) -> Area | None:
    """The lon/lat box of ``bounds`` (in ``source_crs``), rounded out to 0.01 degree; None if empty.

    Any transformation is good enough to find where the data lies; rounding lets the cached
    operation choice serve every file of a district.
    """
    if not all(math.isfinite(b) for b in bounds):
        return None
    ballpark = Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
    west, south, east, north = ballpark.transform_bounds(*bounds)
    return (
        math.floor(west * 100) / 100,
        math.floor(south * 100) / 100,
        math.ceil(east * 100) / 100,
        math.ceil(north * 100) / 100,
    )


def reproject_to_wgs84(geoms: np.ndarray, source_crs: str) -> np.ndarray:
    """2D shapely geometries from ``source_crs`` to lon/lat WGS 84 with ``to_wgs84``'s operation."""
    area = area_of(source_crs, tuple(shapely.total_bounds(geoms)))
    if area is None:
        return geoms
    transformer = to_wgs84(source_crs, area)

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)
