"""Pages of one shape compiled once (``gis.api.compiled_pages``, issue 15).

Requests that differ only in their bbox and date run one compiled statement with their own
values: each page must still be its own (the ids SQL finds for that box and day, in order), and
a connection the server dropped must cost nothing but a new one. Against the real Lyon data.
"""

from __future__ import annotations

import itertools
from urllib.parse import unquote, urlsplit

from gis.api import compiled_pages
from tests.api.providers import make_provider
from tests.databases import query as sql

DAYS = ("2017-10-01", "2018-09-01")  # between PM18 and PM24, after PM24
#: The ids valid on a day within a box, from the base tables (not the API views).
EXPECTED = (
    "SELECT r.version_id FROM kc.building_validity r "
    "JOIN kc.building_version v USING (version_id) WHERE r.superseded_at IS NULL "
    "AND r.valid_from <= %(day)s AND (r.valid_to IS NULL OR r.valid_to > %(day)s) "
    "AND ST_Intersects(v.footprint, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)) "
    "ORDER BY r.version_id"
)


def boxes(url: str) -> list[tuple[float, float, float, float]]:
    """Boxes of about 150 m around four buildings spread over the data."""
    points = sql(
        url,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(footprint) p, "
        "row_number() OVER (ORDER BY version_id) n FROM kc.building_version) s "
        "WHERE n %% 400 = 7 LIMIT 4",
    )
    return [(x - 0.001, y - 0.0007, x + 0.001, y + 0.0007) for x, y in points]


def buildings(reader_db_url: str):
    return make_provider(
        reader_db_url, "api_buildings", valid_from_field="valid_from", valid_to_field="valid_to"
    )


def page_ids(provider, box, day: str) -> list[int]:
    page = provider.query(bbox=list(box), datetime_=day, limit=1000)
    assert page["numberMatched"] == page["numberReturned"] == len(page["features"])
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in page["features"])
    return [f["id"] for f in page["features"]]


def expected_ids(url: str, box, day: str) -> list[int]:
    x0, y0, x1, y1 = box
    args = {"day": day, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
    return [row[0] for row in sql(url, EXPECTED, args)]


def test_pages_of_one_shape_answer_for_their_own_values(reader_db_url, lyon_db) -> None:
    url = lyon_db[0]
    provider = buildings(reader_db_url)
    compiled_pages._COMPILED.clear()
    seen = set()
    for box, day in itertools.product(boxes(url), DAYS):
        ids = page_ids(provider, box, day)
        assert ids == expected_ids(url, box, day), (box, day)
        seen.add((day, tuple(ids)))
    assert len(seen) == len(boxes(url)) * len(DAYS)  # every box's page its own
    # One shape (bbox + day, limit 1000): compiled once, run with each request's values.
    assert len(compiled_pages._COMPILED) == 1


def test_a_connection_the_server_dropped_costs_only_a_new_one(reader_db_url, lyon_db) -> None:
    url = lyon_db[0]
    provider = buildings(reader_db_url)
    box, day = boxes(url)[0], DAYS[1]
    want = expected_ids(url, box, day)
    assert page_ids(provider, box, day) == want  # a pooled connection, the shape compiled
    reader = unquote(urlsplit(reader_db_url).username or "")
    dropped = sql(
        url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE usename = %s AND datname = current_database() AND application_name = 'pygeoapi'",
        (reader,),
    )[0][0]
    assert dropped >= 1
    assert page_ids(provider, box, day) == want
    assert page_ids(provider, box, day) == want
