"""The real open data in ``../shared/data`` (see its README), read in place, never copied here.

CI always has it at the same place, so a test that needs it fails, with a message saying what is
missing, instead of being skipped: a broken checkout layout must not quietly run fewer tests.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.store.settings import PROJECT_ROOT

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
#: Lyon 1er, IGN BD TOPO buildings (EPSG:3946, 2,576 footprints with heights).
LYON_BUILDINGS = SHARED_DATA / "lyon1_bdtopo_buildings" / "buildings_lyon1.geojson"


def require(path: Path) -> Path:
    """``path``, or the test fails saying the shared data is missing and where it was looked for."""
    if not path.exists():
        pytest.fail(
            f"missing shared test data: {path} (the real open data belongs in {SHARED_DATA}, "
            "beside the project folder; CI has it there, see ../shared/data/README)",
            pytrace=False,
        )
    return path


def lyon_rows(attributes: tuple[str, ...] = ()) -> list[tuple]:
    """The real Lyon buildings as building stage rows (EPSG:4326, 2D), sorted by id.

    ``attributes``: source fields kept as the row's ``source_attributes`` (when they have a value).
    """
    frame = gpd.read_file(require(LYON_BUILDINGS)).sort_values("ID")
    frame["geometry"] = shapely.force_2d(frame.geometry.values)
    frame = frame.to_crs(4326)
    assert len(frame) == 2576 and (frame["HAUTEUR"] > 0).all()
    rows = []
    for rec in frame.itertuples():
        geom = rec.geometry
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        ewkb = shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)
        storeys = None if np.isnan(rec.NB_ETAGES) else int(rec.NB_ETAGES)
        base = None if np.isnan(rec.Z_MIN_SOL) else float(rec.Z_MIN_SOL)
        kept = {name: getattr(rec, name) for name in attributes}
        kept = {k: v for k, v in kept.items() if isinstance(v, str | int | float) and v == v}
        rows.append(
            (rec.ID, ewkb, float(rec.HAUTEUR), False, storeys, base, None, "EPSG:3946", kept)
        )
    return rows
