"""The synthetic sample: deterministic files in each city's CRS, loaded by the real loaders."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import psycopg2
import pytest
import shapely

from etl.sample.content import PROJECTS
from etl.sample.districts import (
    CITIES,
    POINTS,
    boundary,
    district,
    load_sample,
    project_geometry,
    projects_at,
    real_district,
    write_sample,
)
from tests.etl.helpers import fingerprint
from tests.shared_data import LYON_BUILDINGS, require


def test_generator_is_deterministic_and_changes_across_points() -> None:
    a, b = district("vienna", 500), district("vienna", 500)
    assert list(a.ids) == list(b.ids) and a.footprints[7].equals(b.footprints[7])
    built = {p: set(a.ids[a.built[p]]) for p in POINTS}
    assert built["PM24"] - built["PM18"] and built["PM18"] - built["PM24"]  # new and demolished
    assert a.refurbished["PM30"].sum() > a.refurbished["PM24"].sum() > 0
    # A smaller count is the same district's core: the same plots, numbered the same.
    whole = district("vienna")
    assert list(whole.ids[:500]) == list(a.ids)
    assert shapely.equals(whole.footprints[:500], a.footprints).all()


@pytest.mark.parametrize("city", sorted(CITIES))
def test_district_is_street_blocks_of_varied_buildings_inside_its_boundary(city) -> None:
    d = district(city)
    area = boundary(city)
    # Inside the boundary and spread over it, not a strip in one corner.
    assert shapely.within(d.footprints, area).all()
    hull = shapely.convex_hull(shapely.union_all(d.footprints))
    assert hull.area > 0.6 * area.area, hull.area / area.area
    for half in (
        shapely.clip_by_rect(area, *_halves(area)[0]),
        shapely.clip_by_rect(area, *_halves(area)[1]),
    ):
        assert shapely.intersects(d.footprints, half).sum() > len(d.ids) / 5
    # Street blocks, parks and squares between them: far fewer blocks than buildings.
    assert 1000 < len(d.ids) < 6000 and 100 < len(d.blocks) < len(d.ids) / 4
    # Varied footprints and heights, courtyards, no two buildings on top of each other.
    areas = shapely.area(d.footprints)
    assert np.percentile(areas, 90) > 3 * np.percentile(areas, 10)
    sizes, same = np.unique(np.round(areas, 1), return_counts=True)
    assert len(sizes) > len(areas) / 3 and same.max() < len(areas) / 50
    assert len(np.unique(d.storeys)) >= 6 and d.storeys.max() >= 8
    assert (shapely.get_num_interior_rings(d.footprints) > 0).sum() >= 3
    left, right = shapely.STRtree(d.footprints).query(d.footprints, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(
        shapely.intersection(d.footprints[left[pairs]], d.footprints[right[pairs]])
    )
    assert (overlap < 0.5).all()
    # The projects stand on buildings of the district at every point.
    for point in POINTS:
        built = d.footprints[d.built[point]]
        for project in (p for p in PROJECTS if p.city == city):
            geometry = project_geometry(d, project, point)
            assert shapely.intersects(geometry, built).any() or project.shape == "line", (
                project.code
            )


def _halves(area) -> tuple[tuple[float, ...], tuple[float, ...]]:
    x0, y0, x1, y1 = area.bounds
    if x1 - x0 >= y1 - y0:
        return (x0, y0, (x0 + x1) / 2, y1), ((x0 + x1) / 2, y0, x1, y1)
    return (x0, y0, x1, (y0 + y1) / 2), (x0, (y0 + y1) / 2, x1, y1)


def test_real_lyon_buildings_carry_the_sample_projects(tmp_path) -> None:
    """With the real Lyon 1er buildings, the projects go on their street blocks; the file is
    read where it is (no copy) and the other cities stay synthetic."""
    path = require(LYON_BUILDINGS)
    d = real_district("lyon", path)
    assert len(d.ids) == 2576 and d.origin.startswith("real")
    assert not any("-SYN-" in i for i in d.ids)
    frame = projects_at(d, "PM24")
    for geometry, code in zip(frame.geometry, frame["code"], strict=True):
        assert shapely.dwithin(geometry, d.footprints, 10.0).any(), code
    files = write_sample(tmp_path, count=200, real={"lyon": path})
    assert files.buildings[("lyon", "PM18")] == path
    assert not (tmp_path / "lyon" / "buildings_PM18.gpkg").exists()
    assert (tmp_path / "munich" / "buildings_PM18.gpkg").exists()
    assert "REAL buildings" in (tmp_path / "README.txt").read_text()


def test_sample_files_load_and_reload_changes_nothing(db_url, tmp_path) -> None:
    files = write_sample(tmp_path, count=200)
    for (city, _), path in files.buildings.items():
        frame = gpd.read_file(path)
        assert frame.crs.to_epsg() == CITIES[city].epsg
        assert frame["origin"].str.startswith("synthetic").all()
    lines: list[str] = []
    load_sample(db_url, tmp_path, count=200, echo=lines.append)
    assert len(lines) == 12 and "reports PM30: new 13" in lines[-1]
    before = fingerprint(db_url)
    again: list[str] = []
    load_sample(db_url, tmp_path, count=200, echo=again.append)
    assert fingerprint(db_url) == before
    assert all(
        "~0" in line and "+0" in line and "-0" in line for line in again if "buildings" in line
    )
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(
            """SELECT rc.challenge_code, count(DISTINCT p.city_code), min(r.point_code)
                 FROM kc.report_challenge rc JOIN kc.report r USING (report_id)
                 JOIN kc.project p USING (project_id) GROUP BY 1"""
        )
        shared = {code: (cities, first) for code, cities, first in cur.fetchall()}
        cur.execute("SELECT title->>'en' FROM kc.project")
        titles = [r[0] for r in cur.fetchall()]
    conn.close()
    assert shared["business-models"][0] == 3 and shared["tender-regulations-procurement"][0] >= 2
    assert shared["scaling-solutions"][1] == "PM30" and shared["door-openers"][1] == "PM30"
    assert all("synthetic" in t for t in titles)
