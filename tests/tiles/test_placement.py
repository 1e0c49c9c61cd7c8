"""Placement: ECEF round trips, the local frame, and the datum shift each city's CRS needs."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from gis.store.crs import operation, to_wgs84
from tiles.placement import Frame, to_ecef, y_up

VIENNA = (16.40, 48.16, 16.45, 48.18)


def test_ecef_of_a_known_point_and_round_trip_through_the_local_frame() -> None:
    # On the equator at the prime meridian, ECEF x is the WGS 84 semi-major axis.
    assert to_ecef(np.array([0.0]), np.array([0.0]), np.array([0.0]))[0] == pytest.approx(
        [6378137.0, 0.0, 0.0], abs=1e-6
    )
    frame = Frame.at(4.8300, 45.7600)
    lon = np.array([4.8300, 4.8400, 4.8200])
    lat = np.array([45.7600, 45.7650, 45.7550])
    h = np.array([0.0, 30.0, 150.0])
    local = frame.to_local(lon, lat, h)
    assert local[0] == pytest.approx([0, 0, 0], abs=1e-6)
    assert local[1, 0] > 700 and local[1, 1] > 500  # east and north of the centre
    # float32 storage of local offsets keeps sub-millimetre precision
    back = frame.to_geographic(local.astype(np.float32).astype(np.float64))
    metres = np.hypot((back[:, 0] - lon) * 77_700, (back[:, 1] - lat) * 111_100)
    assert metres.max() < 0.001 and np.abs(back[:, 2] - h).max() < 0.001
    # The tileset transform maps local to ECEF (column-major in the JSON).
    m = frame.matrix()
    ecef = (m @ np.column_stack([local, np.ones(3)]).T).T[:, :3]
    assert ecef == pytest.approx(to_ecef(lon, lat, h), abs=1e-6)
    # glTF y-up: (e, n, u) -> (e, u, -n), which CesiumJS's y-up to z-up rotation undoes.
    assert y_up(np.array([[1.0, 2.0, 3.0]]))[0] == pytest.approx([1.0, 3.0, -2.0])


@pytest.mark.parametrize(
    ("crs", "area"),
    [
        ("EPSG:3946", (4.81, 45.72, 4.84, 45.77)),
        ("EPSG:2154", (4.81, 45.72, 4.84, 45.77)),
        ("EPSG:25832", (11.40, 48.13, 11.46, 48.16)),
        ("EPSG:31256", VIENNA),
    ],
)
def test_each_city_crs_has_a_real_datum_operation(crs, area) -> None:
    op = operation(crs, area)
    assert op.accuracy_m is not None and op.accuracy_m <= 1.5, op
    assert "Ballpark" not in op.description


def test_vienna_mgi_datum_shift_is_applied() -> None:
    """MGI (Bessel) differs from WGS 84 by hundreds of metres: the shift must be applied.

    Control: Helmert 7-parameter MGI to WGS 84 (EPSG:1618, BEV: tx 577.326, ty 90.129,
    tz 463.919 m, rx 5.137, ry 1.474, rz 5.297 arc-seconds, s 2.4232 ppm, position vector),
    computed here independently of PROJ's database from the GK East projection. With BEV's grid
    (at_bev_AT_GIS_GRID_2021_09_28.tif) installed the operation is the grid (0.14 m); without it,
    this Helmert shift (about 1.5 m) - never a datum-less conversion.
    """
    x, y = 6300.0, 338600.0  # MGI / Austria GK East, Simmering
    lon, lat = to_wgs84("EPSG:31256", VIENNA).transform(x, y)
    # Independent computation: GK East inverse on Bessel, then the Helmert shift via ECEF.
    gk = Transformer.from_pipeline(
        "+proj=pipeline +step +inv +proj=tmerc +lat_0=0 +lon_0=16.3333333333333 +k=1 "
        "+x_0=0 +y_0=-5000000 +ellps=bessel"
    )
    blon, blat = gk.transform(x, y)
    helmert = Transformer.from_pipeline(
        "+proj=pipeline +step +proj=cart +ellps=bessel +step +proj=helmert +x=577.326 "
        "+y=90.129 +z=463.919 +rx=5.137 +ry=1.474 +rz=5.297 +s=2.4232 "
        "+convention=position_vector +step +inv +proj=cart +ellps=WGS84"
    )
    hlon, hlat, _ = helmert.transform(blon, blat, 0.0)
    metres = np.hypot((lon - hlon) * 74_300, (lat - hlat) * 111_200)
    shift = np.hypot((blon - hlon) * 74_300, (blat - hlat) * 111_200)
    assert shift > 100  # without a datum shift a building would be this far off
    op = operation("EPSG:31256", VIENNA)
    if "at_bev_AT_GIS_GRID_2021_09_28.tif" in op.grids_missing:
        assert metres < 0.01, f"expected the Helmert shift, {metres:.3f} m off"
    else:
        assert metres < 2.0, f"grid and Helmert differ by {metres:.3f} m"
