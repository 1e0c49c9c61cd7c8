"""``kc load buildings`` on the real Lyon BD TOPO file: snapshots, changes, reload, placement."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2
import pytest
import shapely
from pyproj import Transformer

from tests.etl.helpers import buildings_frame, fingerprint, kc, write
from tests.shared_data import LYON_BUILDINGS as LYON_FILE
from tests.shared_data import require


@pytest.fixture(autouse=True)
def _real_lyon_buildings() -> None:
    """Every test here reads the real file: fail, never skip, when it is missing."""
    require(LYON_FILE)


def load_lyon(db_url: str, path, point: str):
    """``kc load buildings`` as a Lyon user runs it (BD TOPO's ground elevation field)."""
    return kc(
        db_url,
        "load",
        "buildings",
        path,
        "--city",
        "lyon",
        "--at",
        point,
        "--base-field",
        "Z_MIN_SOL",
    )


def counts_line(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_real_lyon_snapshot_changes_and_reload(db_url, tmp_path) -> None:
    first = load_lyon(db_url, LYON_FILE, "PM18")
    assert "new 2576, changed 0, unchanged 0, ended 0" in counts_line(first)

    source = gpd.read_file(LYON_FILE)
    assert source.crs.to_epsg() == 3946 and len(source) == 2576
    changed = source.iloc[10:].copy()  # the first 10 buildings are demolished
    changed.loc[changed.index[:7], "HAUTEUR"] += 3.0  # 7 refurbished (one storey more)
    added = source.iloc[:5].copy()
    added["ID"] = [f"NEW-{i}" for i in range(5)]
    added["geometry"] = added.geometry.translate(0, 2000)  # new buildings on empty land
    pm24 = write(pd.concat([changed, added]), tmp_path / "lyon_pm24.geojson")
    second = load_lyon(db_url, pm24, "PM24")
    assert "new 5, changed 7, unchanged 2559, ended 10" in counts_line(second)

    before = fingerprint(db_url)
    again = load_lyon(db_url, pm24, "PM24")
    assert "new 0, changed 0, unchanged 2571, ended 0" in counts_line(again)
    assert "nothing changed" in again.output
    assert fingerprint(db_url) == before

    # The stored footprint lies where the source says: reproject back and compare (centimetres).
    feature = source.iloc[100]
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT ST_AsBinary(footprint), height, base_elevation, source_crs, source_attributes "
            "FROM kc.building_state('2017-08-01') WHERE source_id = %s",
            (feature["ID"],),
        )
        wkb, height, base, crs, attrs = cur.fetchone()
    conn.close()
    stored = shapely.from_wkb(bytes(wkb))
    back = shapely.transform(
        stored,
        lambda xy: np.column_stack(
            Transformer.from_crs(4326, 3946, always_xy=True).transform(xy[:, 0], xy[:, 1])
        ),
    )
    assert shapely.hausdorff_distance(back, shapely.force_2d(feature.geometry)) < 0.02
    assert height == feature["HAUTEUR"] and base == feature["Z_MIN_SOL"] and crs == "EPSG:3946"
    assert (attrs if isinstance(attrs, dict) else json.loads(attrs))["ID"] == feature["ID"]


def test_storeys_estimate_and_repair_are_counted(db_url, tmp_path) -> None:
    frame = buildings_frame(4, HAUTEUR=[None, 12.0, 13.0, 14.0], NB_ETAGES=[4, 3, 3, 3])
    x, y = frame.geometry.iloc[3].bounds[:2]
    # A ring whose last edge crosses the first: invalid, repairable with a small area change.
    frame.loc[3, "geometry"] = shapely.Polygon(
        [(x, y), (x + 20, y), (x + 20, y + 12), (x, y + 12), (x + 0.5, y - 0.5)]
    )
    assert not frame.geometry.iloc[3].is_valid
    result = kc(
        db_url,
        "load",
        "buildings",
        write(frame, tmp_path / "b.geojson"),
        "--city",
        "lyon",
        "--at",
        "PM18",
    )
    assert "new 4" in counts_line(result) and "repaired 1, estimated_heights 1" in result.output
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT height, height_estimated FROM kc.building_state('2017-08-01') WHERE source_id = 'B0'"
        )
        assert cur.fetchone() == (12.0, True)
        cur.execute("SELECT bool_and(ST_IsValid(footprint)) FROM kc.building_version")
        assert cur.fetchone()[0]
    conn.close()


def test_corrected_file_is_a_correction_not_an_overwrite(db_url, tmp_path) -> None:
    path = write(buildings_frame(3), tmp_path / "b.geojson")
    assert kc(db_url, "load", "buildings", path, "--city", "lyon", "--at", "PM18").exit_code == 0
    fixed = write(buildings_frame(3, HAUTEUR=[10.0, 11.0, 99.0]), tmp_path / "fixed.geojson")
    result = kc(db_url, "load", "buildings", fixed, "--city", "lyon", "--at", "PM18")
    assert "correction of PM18: new 0, changed 1, unchanged 2" in counts_line(result)
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE superseded_at IS NOT NULL), count(*) FROM kc.building_validity"
        )
        assert cur.fetchone() == (1, 4)  # the old belief is kept, superseded
        cur.execute("SELECT is_correction FROM kc.load_run ORDER BY load_id")
        assert [r[0] for r in cur.fetchall()] == [False, True]
    conn.close()
