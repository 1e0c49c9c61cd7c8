"""The synthetic sample: deterministic files in each city's CRS, loaded by the real loaders."""

from __future__ import annotations

import geopandas as gpd
import psycopg2

from etl.sample.districts import CITIES, POINTS, district, load_sample, write_sample
from tests.etl.helpers import fingerprint


def test_generator_is_deterministic_and_changes_across_points() -> None:
    a, b = district("vienna", 500), district("vienna", 500)
    assert list(a.ids) == list(b.ids) and a.boxes[7].equals(b.boxes[7])
    built = {p: set(a.ids[a.built[p]]) for p in POINTS}
    assert built["PM24"] - built["PM18"] and built["PM18"] - built["PM24"]  # new and demolished
    assert a.refurbished["PM30"].sum() > a.refurbished["PM24"].sum() > 0


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
