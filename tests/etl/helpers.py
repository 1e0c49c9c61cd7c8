"""Helpers for the loader tests: run ``kc`` for real, fingerprint the database, write small files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import psycopg2
from click.testing import CliRunner, Result
from psycopg2 import sql
from shapely.geometry import Point, box

from gis.cli import main

TABLES = (
    "building",
    "building_version",
    "building_validity",
    "project",
    "project_version",
    "project_validity",
    "project_touch",
    "report",
    "report_challenge",
    "challenge",
    "load_run",
)
# A corner of Lyon Confluence in EPSG:3946 (metres).
X0, Y0 = 1841700.0, 5172200.0


def kc(db_url: str, *args: object) -> Result:
    """Run the ``kc`` command line against ``db_url`` (exit code and output as a user sees them)."""
    runner = CliRunner()
    return runner.invoke(
        main, [str(a) for a in args], env={"KC_DATABASE_URL": db_url}, catch_exceptions=False
    )


def fingerprint(db_url: str) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of the full content of every loader table: equal means unchanged."""
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            out = {}
            for table in TABLES:
                cur.execute(
                    sql.SQL(
                        "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t"
                    ).format(sql.Identifier("kc", table))
                )
                out[table] = cur.fetchone()
            return out
    finally:
        conn.close()


def buildings_frame(n: int = 6, **columns) -> gpd.GeoDataFrame:
    """``n`` small square buildings in Confluence, EPSG:3946, fields ID / HAUTEUR / NB_ETAGES."""
    data = {
        "ID": [f"B{i}" for i in range(n)],
        "HAUTEUR": [10.0 + i for i in range(n)],
        "NB_ETAGES": [3] * n,
    }
    data.update(columns)
    geoms = [box(X0 + 30 * i, Y0, X0 + 30 * i + 20, Y0 + 12) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:3946")


def projects_frame(codes=("LYO-T-A", "LYO-T-B"), **columns) -> gpd.GeoDataFrame:
    data = {
        "code": list(codes),
        "thematic_field": ["district_heating_renewables"] * len(codes),
        "title_en": [f"Test project {c}" for c in codes],
        "title_fr": [f"Projet test {c}" for c in codes],
        "status": ["planned"] * len(codes),
    }
    data.update(columns)
    geoms = [box(X0, Y0, X0 + 50, Y0 + 12)] + [Point(X0 + 95, Y0 + 6)] * (len(codes) - 1)
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:3946")


def write(frame: gpd.GeoDataFrame, path: Path, driver: str = "GeoJSON") -> Path:
    frame.to_file(path, driver=driver)
    return path


def load_base(db_url: str, tmp: Path) -> None:
    """Six buildings and two projects of Lyon at PM18 (what reporting tests report on)."""
    for kind, frame in (("buildings", buildings_frame()), ("projects", projects_frame())):
        path = write(frame, tmp / f"{kind}.geojson")
        result = kc(db_url, "load", kind, path, "--city", "lyon", "--at", "PM18")
        assert result.exit_code == 0, result.output
