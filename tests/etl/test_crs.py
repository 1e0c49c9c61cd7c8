"""One datum transformation per city, shared by the loaders and the 3D Tiles placement."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from gis.store.crs import area_of, reproject_to_wgs84, to_wgs84

GEOD = Geod(ellps="WGS84")
SITES = {  # a point inside each district, lon/lat
    "EPSG:3946": (4.82, 45.735),
    "EPSG:2154": (4.82, 45.735),
    "EPSG:25832": (11.43, 48.14),
    "EPSG:31256": (16.425, 48.17),
}


@pytest.mark.parametrize("crs", sorted(SITES))
def test_reprojection_uses_the_chosen_operation(crs: str) -> None:
    lon, lat = SITES[crs]
    forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = forward.transform(lon, lat)
    square = shapely.box(x - 50, y - 50, x + 50, y + 50)
    [out] = reproject_to_wgs84(np.array([square]), crs)
    area = area_of(crs, square.bounds)
    assert area[0] <= lon <= area[2] and area[1] <= lat <= area[3]
    first = shapely.get_coordinates(square)[0]  # box() starts at (maxx, miny)
    expected = to_wgs84(crs, area).transform(*first)
    got = shapely.get_coordinates(out)[0]
    assert GEOD.inv(*expected, *got)[2] < 0.001
    # Round trip through the same operation: the footprint is where the source says.
    assert GEOD.inv(lon, lat, *to_wgs84(crs, area).transform(x, y))[2] < 2.0


def test_vienna_gets_a_datum_shift() -> None:
    lon, lat = SITES["EPSG:31256"]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:31256", always_xy=True).transform(lon, lat)
    chosen = to_wgs84("EPSG:31256", area_of("EPSG:31256", (x, y, x, y)))
    assert "MGI to WGS 84" in chosen.description
    # Without the shift (MGI's Bessel ellipsoid read as if it were WGS 84) it would be far off.
    no_shift = Transformer.from_pipeline(
        "+proj=pipeline +step +inv +proj=tmerc +lat_0=0 +lon_0=16.3333333333333 +k=1 "
        "+x_0=0 +y_0=-5000000 +ellps=bessel"
    )
    assert GEOD.inv(*chosen.transform(x, y), *no_shift.transform(x, y))[2] > 100
