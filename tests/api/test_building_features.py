"""The stored feature texts of the buildings (kc.building_feature, migration 0052, issue 15).

A page of buildings as believed now reads each feature's text as the database keeps it written
(``stored_features``) instead of writing it: the answer must be, to the byte, what the provider
writes without them (``feature_sql`` and the version links), after loads, corrections, a load
at an earlier point and a purge, at any depth (offset, keyset) and for a single item. A version
whose text is missing is written instead, never served without it.
"""

from __future__ import annotations

import json

import pytest

from gis.api import history
from gis.api.provider import PAGING, Paging
from tests.api.providers import make_provider
from tests.store.snapshots import load

ITEMS_URL = "http://example.org/kc/collections/buildings/items"
BUILDINGS = {
    "table": "api_buildings",
    "valid_from_field": "valid_from",
    "valid_to_field": "valid_to",
    "known_at_function": "api_buildings_known",
    "version_links": "buildings",
}


def page_texts(provider, **query) -> tuple[list[str], dict]:
    """The page's features as the texts a JSON answer carries, and the rest of the answer."""
    paging = Paging(
        uri=ITEMS_URL, query="", after=None, next_title="next", prev_title="prev", passthrough=True
    )
    request = history.HistoryRequest(items_url=ITEMS_URL, known_at=None, valid_time=None)
    tokens = PAGING.set(paging), history.HISTORY.set(request)
    try:
        result = provider.query(**query)
    finally:
        PAGING.reset(tokens[0])
        history.HISTORY.reset(tokens[1])
    features = result.pop("features")
    assert all(isinstance(text, str) for text in features)  # unparsed: compared to the byte
    return list(features), result


def assert_same_pages(stored, written, **query) -> list[str]:
    texts, rest = page_texts(stored, **query)
    assert (texts, rest) == page_texts(written, **query)
    return texts


def item(provider, identifier: int) -> dict:
    """One feature as the items/{id} endpoint gets it."""
    request = history.HistoryRequest(items_url=ITEMS_URL, known_at=None, valid_time=None)
    token = history.HISTORY.set(request)
    try:
        return provider.get(identifier)
    finally:
        history.HISTORY.reset(token)


def assert_same_items(conn, stored, written) -> int:
    """Every version believed now, one by one, the same read as written."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM kc.api_buildings ORDER BY id")
        ids = [row[0] for row in cur.fetchall()]
    for identifier in ids:
        assert item(stored, identifier) == item(written, identifier)
    return len(ids)


@pytest.fixture
def providers(db_url):
    """The buildings read from the stored texts, and written by the provider."""
    return (
        make_provider(db_url, stored_features="api_building_features", **BUILDINGS),
        make_provider(db_url, **BUILDINGS),
    )


def stored_count(conn) -> tuple[int, int]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM kc.building_feature), "
            "(SELECT count(*) FROM kc.api_buildings)"
        )
        return cur.fetchone()


def test_stored_texts_are_the_written_ones(conn, providers) -> None:
    stored, written = providers
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20.25, "B3": 30, "B4": 12.5})
    load(conn, "lyon", "PM24", {"B1": 10, "B2": 25, "B4": 13})
    texts = assert_same_pages(stored, written, limit=100)
    assert len(texts) == 6 and '"links":[' in texts[0] and ITEMS_URL in texts[0]
    assert stored_count(conn) == (6, 6)
    # Corrections of PM18, a load at an earlier point, then a purge: links and rows move.
    load(conn, "lyon", "PM18", {"B1": 11, "B2": 20.25, "B3": 30, "B4": 12.5})
    load(conn, "lyon", "start", {"B1": 9, "B2": 19.5})
    assert_same_pages(stored, written, limit=100)
    assert_same_pages(stored, written, limit=3, datetime_="2018-03-01")
    assert_same_pages(stored, written, limit=2, offset=3, bbox=[4.81, 45.73, 4.83, 45.74])
    assert_same_pages(stored, written, limit=2, after=3)
    assert_same_pages(stored, written, limit=2, sortby=[{"property": "height", "order": "-"}])
    assert assert_same_items(conn, stored, written) == stored_count(conn)[0] > 6
    with conn, conn.cursor() as cur:
        cur.execute("SELECT kc.purge_feature('buildings', 'lyon/B2', 'test of stored texts')")
    texts = assert_same_pages(stored, written, limit=100)
    assert not any('"lyon/B2"' in text for text in texts)
    assert stored_count(conn) == (len(texts), len(texts))


def test_a_missing_text_is_written_instead(conn, providers) -> None:
    stored, written = providers
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20})
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM kc.building_feature WHERE version_id = (SELECT min(version_id) "
                    "FROM kc.building_feature)")  # fmt: skip
    assert len(assert_same_pages(stored, written, limit=10)) == 2
    assert assert_same_items(conn, stored, written) == 2


def test_other_shapes_are_written(conn, providers) -> None:
    """Some properties, no geometry: not what is stored, written as asked."""
    stored, written = providers
    load(conn, "lyon", "PM18", {"B1": 10, "B2": 20})
    texts = assert_same_pages(stored, written, limit=10, select_properties=["height"])
    assert '"city"' not in texts[0]
    texts = assert_same_pages(stored, written, limit=10, skip_geometry=True)
    assert '"geometry":null' in texts[0]


def test_pages_read_the_stored_texts(conn, providers) -> None:
    """What is stored is what is served (so the comparisons above compare two ways)."""
    stored, written = providers
    load(conn, "lyon", "PM18", {"B1": 10})
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE kc.building_feature SET body = replace(body, '10.0', '10.5')")
    [text], _ = page_texts(stored, limit=10)
    assert '"height":10.5' in text
    [text], _ = page_texts(written, limit=10)
    assert '"height":10.0' in text
    identifier = json.loads(text)["id"]
    assert item(stored, identifier)["properties"]["height"] == 10.5
    assert item(written, identifier)["properties"]["height"] == 10.0
