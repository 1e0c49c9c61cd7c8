"""The cross-topic matrix in SQL equals the matrix worked out by hand for the fixture."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import psycopg2
import pytest

from gis.books.build import build_books
from tests.books.fixture import (
    EXPECTED_MATRIX,
    EXPECTED_NEW,
    EXPECTED_SHARED,
    POINTS,
    load_fixture,
)


def matrix(conn, point: str) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT challenge_code, city_code, thematic_field, project_codes, report_ids, "
            "city_count, field_count, shared, new_since_previous, new_in_city, previous_point "
            "FROM kc.challenge_matrix(%s)",
            (point,),
        )
        return cur.fetchall()


def report_ids(conn) -> dict[tuple[str, str], int]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT p.code, r.point_code, r.report_id FROM kc.report r "
            "JOIN kc.project p USING (project_id) WHERE r.superseded_at IS NULL"
        )
        return {(code, point): rid for code, point, rid in cur.fetchall()}


@pytest.mark.parametrize("point", POINTS)
def test_challenge_matrix_equals_the_hand_computed_one(conn, point: str) -> None:
    load_fixture(conn)
    rows = matrix(conn, point)
    ids = report_ids(conn)
    assert {(c, city, f): list(p) for c, city, f, p, *_ in rows} == EXPECTED_MATRIX[point]
    for row in rows:
        projects, reports = row[3], row[4]
        assert list(reports) == sorted(ids[(p, point)] for p in projects)
    expected_cities = {}
    for c, city, _ in EXPECTED_MATRIX[point]:
        expected_cities.setdefault(c, set()).add(city)
    for c, _, _, _, _, city_count, _, shared, new, _, previous in rows:
        assert city_count == len(expected_cities[c])
        assert shared == (c in EXPECTED_SHARED[point])
        assert new == (c in EXPECTED_NEW[point])
        assert previous == {"PM18": "start", "PM24": "PM18", "PM30": "PM24"}[point]
    assert {c for c, cities in expected_cities.items() if len(cities) >= 2} == EXPECTED_SHARED[
        point
    ]


def test_superseded_reports_count_nowhere_and_new_in_city_is_per_city(conn) -> None:
    load_fixture(conn)
    rows = matrix(conn, "PM30")
    # The superseded PM30 report of LYO-EMOB-1 raised data-privacy: only Munich's counts.
    assert [(r[1], r[2]) for r in rows if r[0] == "data-privacy"] == [
        ("munich", "data_platform_smart_services")
    ]
    # business-models: raised at PM24 by Lyon only, so at PM30 it is new for Vienna alone.
    cells = {r[1]: r[9] for r in rows if r[0] == "business-models"}
    assert cells == {"lyon": False, "vienna": True}


def test_unknown_point_is_refused_by_the_database(conn) -> None:
    with pytest.raises(
        psycopg2.errors.InvalidParameterValue, match="unknown measurement point PM99"
    ):
        matrix(conn, "PM99")


class ListParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.new: list[str] = []
        self.shared_rows: list[str] = []
        self.in_new = False

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "ul" and a.get("class") == "new-challenges":
            self.in_new = True
        elif tag == "li" and self.in_new:
            self.new.append(a["data-challenge"])
        elif tag == "tr" and a.get("class") == "shared":
            self.shared_rows.append(a["data-challenge"])

    def handle_endtag(self, tag) -> None:
        if tag == "ul":
            self.in_new = False


def test_json_and_page_show_the_same_figures(conn, tmp_path: Path) -> None:
    load_fixture(conn)
    out = tmp_path / "books"
    with conn:
        build_books(conn, out, langs=["en"], pdf=False)
    for point in POINTS:
        doc = json.loads((out / point / "challenges.json").read_text())
        cells = {
            (ch["code"], cell["city"], cell["thematic_field"]): cell["projects"]
            for ch in doc["challenges"]
            for cell in ch["cells"]
        }
        assert cells == EXPECTED_MATRIX[point]
        assert set(doc["shared_challenges"]) == EXPECTED_SHARED[point]
        assert set(doc["new_challenges"]) == EXPECTED_NEW[point]
        page = ListParser()
        page.feed((out / point / "en" / "challenges.html").read_text(encoding="utf-8"))
        assert set(page.new) == EXPECTED_NEW[point]
        # Shared rows appear in both tables (by city and by field).
        assert sorted(page.shared_rows) == sorted(2 * list(EXPECTED_SHARED[point]))
    pm30 = json.loads((out / "PM30" / "challenges.json").read_text())
    by_code = {c["code"]: c for c in pm30["challenges"]}
    assert by_code["activation-home-owners"]["city_count"] == 2
    assert set(by_code["activation-home-owners"]["by_city"]) == {"lyon", "munich"}
    assert by_code["scaling-solutions"]["new_since_previous"] is True
    assert pm30["previous_point"] == "PM24"
